# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""session_log_group: plans, their requests against botocore's model, and what moto cannot show.

moto has no AssociateKmsKey or DisassociateKmsKey, and a retried
CreateLogGroup (the first attempt made the group, the retry answers
ResourceAlreadyExistsException) cannot be provoked on it: both run here
against a real botocore CloudWatch Logs client with botocore's Stubber.
"""

import boto3
import pytest
from botocore.stub import Stubber

from awsops_harness.botocore_models import assert_valid

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import session_log_group as lg

NAME = "/aws/ssm/sessions"
ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ssm/sessions"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OURS = {"awsops:ssm:managed-by": "awsops.ssm"}


def group(**settings):
    return dict({"logGroupName": NAME, "arn": ARN + ":*", "logGroupArn": ARN}, **settings)


def pascal(operation):
    return "".join(part.capitalize() for part in operation.split("_"))


def operations(steps):
    return [operation for operation, _request in steps]


@pytest.fixture
def logs():
    client = boto3.client("logs", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_a_new_group_is_created_with_its_tags_and_key_then_its_retention():
    steps = lg.plan_present(lg.LogGroupState(), lg.Wanted(NAME, 365, KEY, {"Team": "a"}))
    assert steps == [
        ("create_log_group", {"logGroupName": NAME, "tags": dict(OURS, Team="a"), "kmsKeyId": KEY}),
        ("put_retention_policy", {"logGroupName": NAME, "retentionInDays": 365}),
    ]


def test_ours_converged_needs_nothing_and_a_changed_key_is_associated_in_place():
    state = lg.LogGroupState(group(retentionInDays=365, kmsKeyId=KEY), dict(OURS, Team="a"))
    assert lg.plan_present(state, lg.Wanted(NAME, 365, KEY, {"Team": "a"})) == []
    assert lg.plan_present(state, lg.Wanted(NAME)) == []  # nothing given: nothing touched
    other = KEY.replace("0f1e", "aaaa")
    assert lg.plan_present(state, lg.Wanted(NAME, kms_key_arn=other)) == [("associate_kms_key", {"logGroupName": NAME, "kmsKeyId": other})]
    assert lg.plan_present(state, lg.Wanted(NAME, kms_key_arn="")) == [("disassociate_kms_key", {"logGroupName": NAME})]


def test_a_foreign_group_is_kept_unless_adopted_and_adoption_never_claims_it():
    state = lg.LogGroupState(group(retentionInDays=7), {"Owner": "security"})
    wanted = lg.Wanted(NAME, 365, KEY, {"Team": "a"})
    assert lg.plan_present(state, wanted) == [] and "was not created by awsops.ssm" in lg.kept_reason(state, wanted)
    adopted = lg.Wanted(NAME, 365, KEY, {"Team": "a"}, adopt=True)
    steps = lg.plan_present(state, adopted)
    assert operations(steps) == ["put_retention_policy", "associate_kms_key", "tag_resource", "untag_resource"]
    assert steps[2][1] == {"resourceArn": ARN, "tags": {"Team": "a"}} and lg.kept_reason(state, adopted) is None
    assert lg.plan_absent(state, NAME) == []
    assert lg.plan_absent(lg.LogGroupState(group(), OURS), NAME) == [("delete_log_group", {"logGroupName": NAME})]


def test_every_request_is_valid_for_botocore():
    state = lg.LogGroupState(group(retentionInDays=7, kmsKeyId=KEY), dict(OURS, Old="x"))
    steps = lg.plan_present(lg.LogGroupState(), lg.Wanted(NAME, 365, KEY, {"Team": "a"}))
    steps += lg.plan_present(state, lg.Wanted(NAME, 30, KEY.replace("0f1e", "aaaa"), {"Team": "b"}))
    steps += lg.plan_present(state, lg.Wanted(NAME, kms_key_arn=""))
    steps += lg.plan_absent(state, NAME)
    assert set(operations(steps)) == set(lg.STEP_DESCRIPTIONS)
    for operation, request in steps:
        assert_valid("logs", pascal(operation), request)


def test_the_diff_after_is_what_the_steps_make():
    state = lg.LogGroupState(group(retentionInDays=7), dict(OURS, Old="x"))
    wanted = lg.Wanted(NAME, 30, KEY, {"Team": "b"})
    assert lg.after_view(state, lg.plan_present(state, wanted), wanted) == {
        "name": NAME, "arn": ARN, "retention_days": 30, "kms_key_arn": KEY, "tags": dict(OURS, Team="b")}
    new = lg.plan_present(lg.LogGroupState(), wanted)
    assert lg.after_view(lg.LogGroupState(), new, wanted) == {"name": NAME, "arn": None, "retention_days": 30, "kms_key_arn": KEY, "tags": dict(OURS, Team="b")}


def test_a_retried_create_reads_the_group_back_and_sends_what_still_differs(logs):
    client, stubber = logs
    wanted = lg.Wanted(NAME, 365, KEY, {"Team": "a"})
    steps = lg.plan_present(lg.LogGroupState(), wanted)
    stubber.add_client_error("create_log_group", "ResourceAlreadyExistsException", "The specified log group already exists",
                             expected_params=steps[0][1])
    # the first attempt made it, with its tags and key, but the retention is not set yet
    stubber.add_response("describe_log_groups", {"logGroups": [group(kmsKeyId=KEY)]}, {"logGroupNamePrefix": NAME})
    stubber.add_response("list_tags_for_resource", {"tags": dict(OURS, Team="a")}, {"resourceArn": ARN})
    stubber.add_response("put_retention_policy", {}, {"logGroupName": NAME, "retentionInDays": 365})
    assert operations(lg.apply_steps(client, steps, wanted)) == ["create_log_group", "put_retention_policy"]


def test_a_group_someone_else_made_in_between_is_not_taken(logs):
    client, stubber = logs
    wanted = lg.Wanted(NAME, 365)
    stubber.add_client_error("create_log_group", "ResourceAlreadyExistsException", "exists")
    stubber.add_response("describe_log_groups", {"logGroups": [group()]}, {"logGroupNamePrefix": NAME})
    stubber.add_response("list_tags_for_resource", {"tags": {"Owner": "someone"}}, {"resourceArn": ARN})
    with pytest.raises(AnsibleAWSError, match="created meanwhile, not by awsops.ssm"):
        lg.apply_steps(client, lg.plan_present(lg.LogGroupState(), wanted), wanted)


def test_other_errors_are_not_taken_for_a_retry(logs):
    client, stubber = logs
    stubber.add_client_error("create_log_group", "LimitExceededException", "too many")
    with pytest.raises(AnsibleAWSError, match="create the log group"):
        lg.apply_steps(client, lg.plan_present(lg.LogGroupState(), lg.Wanted(NAME)), lg.Wanted(NAME))
