# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_profile_attachment: selection filters, input checks, planning, and the API wrappers.

The wrappers run against a real botocore EC2 client with botocore's Stubber,
so every request is checked against botocore's own service model; error
paths use real botocore ClientErrors.
"""

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import instance_selection
from ansible_collections.awsops.ssm.plugins.modules import ssm_profile_attachment as module

OURS = "SSMSessionInstanceRole"
OURS_ARN = "arn:aws:iam::123456789012:instance-profile/SSMSessionInstanceRole"
OTHER_ARN = "arn:aws:iam::123456789012:instance-profile/legacy/LegacyAppProfile"
I1, I2, I3, I4 = "i-00000000000000001", "i-00000000000000002", "i-00000000000000003", "i-00000000000000004"


def params(**overrides):
    base = dict(instance_profile=OURS, target_tags=None, instance_ids=None, replace=False, state="present")
    base.update(overrides)
    return base


def instance(instance_id, profile_arn=None, state="running"):
    return dict(instance_id=instance_id, state=state, profile_arn=profile_arn)


# ---- instance_selection ----


def test_tag_filters_are_sorted_and_lists_mean_any_of():
    assert instance_selection.tag_filters({"Team": ["a", "b"], "Env": "dev"}) == [
        {"Name": "tag:Env", "Values": ["dev"]},
        {"Name": "tag:Team", "Values": ["a", "b"]},
    ]
    assert instance_selection.tag_filters({}) == [] and instance_selection.tag_filters(None) == []


def test_an_empty_selection_has_no_filters():
    for tags, ids in ((None, None), ({}, None), ({}, []), (None, [])):
        assert instance_selection.selection_filters(tags, ids) is None


def test_selection_filters_restrict_states_and_combine_ids_with_tags():
    filters = instance_selection.selection_filters({"Env": "dev"}, [I2, I1, I1])
    assert filters == [
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
        {"Name": "instance-id", "Values": [I1, I2]},
        {"Name": "tag:Env", "Values": ["dev"]},
    ]
    assert instance_selection.selection_filters(None, [I1])[1] == {"Name": "instance-id", "Values": [I1]}


def selection_problems(target_tags=None, instance_ids=None):
    return module.input_problems(params(instance_profile=OURS, target_tags=target_tags, instance_ids=instance_ids))


@pytest.mark.parametrize("tags", [{"Env": "dev"}, {"Env": ["dev", "test"]}, {"Env": "*"}, {"Env": ""}, {"k" * 128: "v" * 256}])
def test_target_tags_ec2_accepts(tags):
    assert selection_problems(tags) == []


@pytest.mark.parametrize(
    "tags, message",
    [
        ({"Env": 1}, 'target_tags: the value 1 of the tag "Env" is not a text'),
        ({"Env": ["dev", None]}, 'target_tags: the value null of the tag "Env" is not a text'),
        ({"Env": []}, 'target_tags: the tag "Env" has an empty list of values'),
        ({"": "x"}, 'target_tags: the tag key "" is not a text of 1-128 characters'),
        ({"k" * 129: "x"}, "is not a text of 1-128 characters"),
        ({"Env": "v" * 257}, 'target_tags: the value of the tag "Env" is longer than 256 characters'),
    ],
)
def test_target_tags_ec2_rejects(tags, message):
    problems = selection_problems(tags)
    assert len(problems) == 1 and message in problems[0]


def test_instance_ids():
    assert selection_problems(instance_ids=["i-12345678", I1, "i-0123456789abcdef0"]) == []
    problems = selection_problems(instance_ids=["i-1234567", "i-0123456789ABCDEF0", "vol-12345678", "i-012345678901234567"])
    assert len(problems) == 4
    assert problems[0] == 'instance_ids: "i-1234567" is not an instance id; expected i- followed by 8-17 hexadecimal digits (i-0123456789abcdef0)'


def test_chunks_and_instances_of():
    assert instance_selection.chunks(range(5), 2) == [[0, 1], [2, 3], [4]]
    assert instance_selection.chunks([], 2) == []
    reservations = [{"Instances": [{"InstanceId": I2}]}, {"Instances": [{"InstanceId": I1}]}, {}]
    assert [i["InstanceId"] for i in instance_selection.instances_of(reservations)] == [I1, I2]


# ---- input and names ----


def test_profile_names_come_from_arns():
    assert module.profile_name_of(OURS) == OURS
    assert module.profile_name_of(OURS_ARN) == OURS
    assert module.profile_name_of(OTHER_ARN) == "LegacyAppProfile"
    assert module.profile_name_of(None) is None


def test_profile_spec_uses_what_was_given_without_an_iam_call():
    assert module.profile_spec(OURS) == {"Name": OURS}
    assert module.profile_spec(OTHER_ARN) == {"Arn": OTHER_ARN}


@pytest.mark.parametrize("profile", [OURS, OURS_ARN, OTHER_ARN, "arn:aws-cn:iam::123456789012:instance-profile/a/b/c.d@e"])
def test_good_input(profile):
    assert module.input_problems(params(instance_profile=profile, target_tags={"Env": "dev"}, instance_ids=[I1])) == []


def test_every_problem_is_reported_at_once():
    problems = module.input_problems(params(instance_profile="arn:aws:iam::123456789012:role/X", target_tags={"Env": 2}, instance_ids=["bad"]))
    assert [problem.split(":")[0] for problem in problems] == ["instance_profile", "target_tags", "instance_ids"]
    assert "instance profile ARN (arn:aws:iam::ACCOUNT:instance-profile/NAME)" in problems[0]


# ---- planning ----


def test_present_attaches_keeps_and_skips():
    instances = [instance(I1), instance(I2, OURS_ARN), instance(I3, OTHER_ARN, state="stopped")]
    assert not module.needs_associations(instances, OURS, "present", False)
    plan = module.plan_actions(instances, OURS, "present", False)
    assert plan["attach"] == [I1] and plan["already_attached"] == [I2] and plan["replace"] == [] and plan["detach"] == []
    assert plan["skipped"] == [{"instance_id": I3, "reason": module.REASON_OTHER_PROFILE, "current_profile": "LegacyAppProfile"}]
    assert plan["before"] == {I1: None, I2: OURS, I3: "LegacyAppProfile"}
    assert plan["after"] == {I1: OURS, I2: OURS, I3: "LegacyAppProfile"}
    assert [i["action"] for i in plan["instances"]] == ["attached", "already_attached", "skipped"]
    assert plan["instances"][2] == {"instance_id": I3, "state": "stopped", "instance_profile": "LegacyAppProfile", "action": "skipped"}
    assert module.plan_changes(plan)


def test_replace_needs_the_association_and_uses_it():
    instances = [instance(I1, OTHER_ARN), instance(I2, OURS_ARN)]
    assert module.needs_associations(instances, OURS, "present", True)
    associations = {I1: {"association_id": "iip-assoc-1", "profile_arn": OTHER_ARN}, I2: {"association_id": "iip-assoc-2", "profile_arn": OURS_ARN}}
    plan = module.plan_actions(instances, OURS, "present", True, associations=associations)
    assert plan["replace"] == [{"instance_id": I1, "association_id": "iip-assoc-1", "current_profile": "LegacyAppProfile"}]
    assert plan["already_attached"] == [I2] and plan["skipped"] == []
    assert plan["after"] == {I1: OURS, I2: OURS}


def test_an_association_read_wins_over_describe_instances():
    """moto (and a lagging EC2) may still show the replaced profile on the instance."""
    instances = [instance(I1, OTHER_ARN), instance(I2, OTHER_ARN)]
    associations = {I1: {"association_id": "iip-assoc-1", "profile_arn": OURS_ARN}}
    plan = module.plan_actions(instances, OURS, "present", True, associations=associations)
    # I1 has ours already; I2 has no active association any more, so it is attached.
    assert plan["already_attached"] == [I1] and plan["attach"] == [I2] and plan["replace"] == []


def test_absent_detaches_only_ours():
    instances = [instance(I1, OURS_ARN), instance(I2, OTHER_ARN), instance(I3)]
    assert module.needs_associations(instances, OURS, "absent", False)
    assert not module.needs_associations([instance(I2, OTHER_ARN), instance(I3)], OURS, "absent", False)
    associations = {I1: {"association_id": "iip-assoc-1", "profile_arn": OURS_ARN}, I2: {"association_id": "iip-assoc-2", "profile_arn": OTHER_ARN}}
    plan = module.plan_actions(instances, OURS, "absent", False, associations=associations)
    assert plan["detach"] == [{"instance_id": I1, "association_id": "iip-assoc-1"}]
    assert plan["attach"] == [] and plan["skipped"] == []
    assert plan["after"] == {I1: None, I2: "LegacyAppProfile", I3: None}
    assert [i["action"] for i in plan["instances"]] == ["detached", "none", "none"]


def test_nothing_to_do_is_no_change():
    plan = module.plan_actions([instance(I1, OURS_ARN)], OURS, "present", True)
    assert not module.plan_changes(plan)
    assert not module.plan_changes(module.plan_actions([instance(I1)], OURS, "absent", False))
    assert not module.plan_changes(module.plan_actions([], OURS, "present", False))


def test_missing_ids_are_skipped_with_the_reason():
    plan = module.plan_actions([], OURS, "present", False, missing_ids={I4, I3}, missing_reason=module.REASON_NOT_FOUND_TAGS)
    assert [item["instance_id"] for item in plan["skipped"]] == [I3, I4]
    assert plan["skipped"][0]["reason"].endswith("that matches target_tags") and plan["skipped"][0]["current_profile"] is None


def test_result_reports_the_plan_or_what_was_done():
    plan = module.plan_actions([instance(I1), instance(I2)], OURS, "present", False)
    result = module.result_of(plan, OURS, True)
    assert result["attached"] == [I1, I2] and result["skipped_instances"] == [] and "skipped" not in result
    partial = module.result_of(plan, OURS, True, dict(attached=[I1], replaced=[], detached=[]))
    assert partial["attached"] == [I1]


# ---- API wrappers against botocore's model ----


@pytest.fixture
def ec2():
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def no_sleep(monkeypatch):
    sleeps = []
    monkeypatch.setattr(cloud.time, "sleep", sleeps.append)
    return sleeps


def client_error(code, message, operation):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_describe_instances_request(ec2):
    client, stubber = ec2
    filters = instance_selection.selection_filters({"Env": ["dev", "test"]}, [I1])
    reservations = [{"Instances": [{"InstanceId": I1, "State": {"Name": "running", "Code": 16}, "IamInstanceProfile": {"Arn": OURS_ARN, "Id": "AIPA1"}}]}]
    stubber.add_response("describe_instances", {"Reservations": reservations}, {"Filters": filters})
    found = [module.described(i) for i in instance_selection.instances_of(module.describe_instances(client, filters))]
    assert found == [instance(I1, OURS_ARN)]


def test_describe_associations_request(ec2):
    client, stubber = ec2
    expected = {"Filters": [{"Name": "instance-id", "Values": [I1, I2]}, {"Name": "state", "Values": ["associating", "associated"]}]}
    answer = [{"AssociationId": "iip-assoc-1", "InstanceId": I1, "IamInstanceProfile": {"Arn": OURS_ARN, "Id": "AIPA1"}, "State": "associated"}]
    stubber.add_response("describe_iam_instance_profile_associations", {"IamInstanceProfileAssociations": answer}, expected)
    found = module.associations_by_instance(module.describe_associations(client, [I1, I2]))
    assert found == {I1: {"association_id": "iip-assoc-1", "profile_arn": OURS_ARN}}


def test_write_requests(ec2):
    client, stubber = ec2
    association = {"IamInstanceProfileAssociation": {"AssociationId": "iip-assoc-1", "InstanceId": I1}}
    stubber.add_response("associate_iam_instance_profile", association, {"IamInstanceProfile": {"Name": OURS}, "InstanceId": I1})
    stubber.add_response("replace_iam_instance_profile_association", association, {"IamInstanceProfile": {"Arn": OURS_ARN}, "AssociationId": "iip-assoc-1"})
    stubber.add_response("disassociate_iam_instance_profile", association, {"AssociationId": "iip-assoc-1"})
    assert module.associate_profile(client, module.profile_spec(OURS), I1)["AssociationId"] == "iip-assoc-1"
    assert module.replace_association(client, module.profile_spec(OURS_ARN), "iip-assoc-1")["AssociationId"] == "iip-assoc-1"
    assert module.disassociate_profile(client, "iip-assoc-1")["AssociationId"] == "iip-assoc-1"


def test_a_profile_ec2_does_not_know_yet_is_retried(ec2, no_sleep):
    client, stubber = ec2
    message = "Value (SSMSessionInstanceRole) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"
    for _attempt in range(2):
        stubber.add_client_error("associate_iam_instance_profile", "InvalidParameterValue", message)
    stubber.add_response("associate_iam_instance_profile", {"IamInstanceProfileAssociation": {"AssociationId": "iip-assoc-1"}})
    assert module.associate_profile(client, {"Name": OURS}, I1)["AssociationId"] == "iip-assoc-1"
    assert len(no_sleep) == 2 and all(0 <= sleep <= 10 for sleep in no_sleep)


def test_the_propagation_wait_is_bounded(ec2, no_sleep):
    client, stubber = ec2
    for _attempt in range(10):
        stubber.add_client_error("replace_iam_instance_profile_association", "InvalidParameterValue", "Invalid IAM Instance Profile name")
    with pytest.raises(AnsibleAWSError, match="Failed to replace the instance profile association") as raised:
        module.replace_association(client, {"Name": OURS}, "iip-assoc-1")
    assert raised.value.exception.response["Error"]["Code"] == "InvalidParameterValue"
    assert len(no_sleep) == 9 and sum(no_sleep) <= 2 + 4 + 8 + 6 * 10


def test_other_invalid_parameters_are_not_retried(ec2, no_sleep):
    client, stubber = ec2
    stubber.add_client_error("associate_iam_instance_profile", "InvalidParameterValue", "Value (x) for parameter instanceId is invalid.")
    with pytest.raises(AnsibleAWSError, match="Failed to associate the instance profile"):
        module.associate_profile(client, {"Name": OURS}, I1)
    assert no_sleep == []


def test_the_retry_classifies_real_client_errors():
    status = module.ProfilePropagationRetry.status_code_from_exception
    assert status(client_error("InvalidParameterValue", "Invalid IAM Instance Profile name", "AssociateIamInstanceProfile")) == module.PROPAGATION_ERROR
    assert status(client_error("InvalidParameterValue", "bad instance id", "AssociateIamInstanceProfile")) == "InvalidParameterValue"
    assert status(client_error("IncorrectState", "already associated", "AssociateIamInstanceProfile")) == "IncorrectState"
    assert module.ProfilePropagationRetry.found("Throttling")
