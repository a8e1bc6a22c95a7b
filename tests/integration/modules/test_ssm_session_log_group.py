# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_log_group against the local endpoint.

moto implements DescribeLogGroups, ListTagsForResource, CreateLogGroup,
PutRetentionPolicy, TagResource, UntagResource and DeleteLogGroup; it lacks
AssociateKmsKey and DisassociateKmsKey, so changing the key of an existing
group is tested in tests/unit (requests checked against botocore's model).
"""

import pytest

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_session_log_group"
NAME = "/aws/ssm/sessions"
MANAGED_BY = {"awsops:ssm:managed-by": "awsops.ssm"}


def group_of(logs, name=NAME):
    groups = [group for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if group["logGroupName"] == name]
    return groups[0] if groups else None


def tags_of(logs, group):
    return logs.list_tags_for_resource(resourceArn=group["arn"].rstrip("*").rstrip(":"))["tags"]


def test_the_standard_sequence(ansible, aws):
    logs = aws("logs")
    key_arn = aws("kms").create_key()["KeyMetadata"]["Arn"]
    create = {"name": NAME, "retention_days": 30, "kms_key_arn": key_arn, "tags": {"Team": "a"}}
    modify = dict(create, retention_days=365, tags={"Team": "b", "Cost": "ops"})
    delete = {"name": NAME, "state": "absent"}

    def check(step, result):
        group = group_of(logs)
        if step.name.startswith("create") and not step.check:
            assert group["retentionInDays"] == 30 and group["kmsKeyId"] == key_arn
            assert tags_of(logs, group) == dict(MANAGED_BY, Team="a")
            assert result.result["ours"] is True and result.result["log_group"]["arn"]
        if step.name == "create":
            assert result.result["actions"] == ["create_log_group", "put_retention_policy"]
        if step.name.startswith("modify"):
            assert group["retentionInDays"] == 365 and tags_of(logs, group) == dict(MANAGED_BY, Team="b", Cost="ops")
        if step.name == "modify":
            assert result.result["actions"] == ["put_retention_policy", "tag_resource"]
        if step.name == "delete (check)":
            assert group is not None and result.result["log_group"] == {}
        if step.name.startswith("delete") and not step.check:
            assert group is None

    run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check)


def test_a_removed_tag_and_a_check_run_diff(ansible, aws):
    ansible.run_module(MODULE, {"name": NAME, "tags": {"Team": "a", "Old": "x"}})
    result, run = ansible.run_module(MODULE, {"name": NAME, "tags": {"Team": "a"}}, check=True)
    assert result.changed and run.writes == []
    assert result.result["actions"] == ["untag_resource"]
    assert result.result["diff"]["after"]["tags"] == dict(MANAGED_BY, Team="a")
    result, run = ansible.run_module(MODULE, {"name": NAME, "tags": {"Team": "a"}})
    assert [str(call) for call in run.writes] == ["logs:UntagResource"]
    assert tags_of(aws("logs"), group_of(aws("logs"))) == dict(MANAGED_BY, Team="a")


def test_a_group_it_did_not_create_is_used_as_it_is_and_never_deleted(ansible, aws):
    logs = aws("logs")
    logs.create_log_group(logGroupName=NAME, tags={"Owner": "security"})
    logs.put_retention_policy(logGroupName=NAME, retentionInDays=7)
    wanted = {"name": NAME, "retention_days": 365, "tags": {"Team": "a"}}

    for check in (True, False):
        result, run = ansible.run_module(MODULE, wanted, check=check)
        assert not result.failed and not result.changed and run.writes == [], run.summary()
        assert result.result["ours"] is False and result.result["adopted"] is False
        assert "was not created by awsops.ssm" in result.result["kept"] and "adopt: true" in result.result["kept"]
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and run.writes == [] and "it is not deleted" in result.result["kept"]
    assert group_of(logs)["retentionInDays"] == 7 and tags_of(logs, group_of(logs)) == {"Owner": "security"}

    # Adopted: managed (and the owner's tag purged, as asked), never tagged as ours, still not deleted.
    result, run = ansible.run_module(MODULE, dict(wanted, adopt=True))
    assert result.changed and result.result["adopted"] is True and result.result["ours"] is False, run.summary()
    assert group_of(logs)["retentionInDays"] == 365 and tags_of(logs, group_of(logs)) == {"Team": "a"}
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and run.writes == [] and group_of(logs) is not None


@pytest.mark.parametrize(
    "args, message",
    [
        ({"name": "bad name!"}, 'name: "bad name!" is not a log group name'),
        ({"name": ""}, 'name: "" is not a log group name'),
        ({"name": NAME, "retention_days": 42}, "retention_days: 42 is not a retention CloudWatch Logs accepts"),
        ({"name": NAME, "kms_key_arn": "alias/ssm-sessions"}, 'kms_key_arn: "alias/ssm-sessions" is not a KMS key ARN'),
        ({"name": NAME, "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/k"}, "is a key of region eu-west-1, not of this target's region us-east-1"),
        ({"name": NAME, "tags": {"awsops:ssm:managed-by": "me"}}, 'tags: "awsops:ssm:managed-by" starts with awsops:ssm:'),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed and message in result.result["msg"], result.result
    assert run.calls == []
