# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_key against the local endpoint.

moto implements every call the module sends: DescribeKey by alias,
ListResourceTags, GetKeyPolicy, GetKeyRotationStatus, CreateKey,
EnableKeyRotation, CreateAlias, PutKeyPolicy, UpdateKeyDescription,
TagResource, UntagResource, DeleteAlias, ScheduleKeyDeletion,
CancelKeyDeletion and EnableKey.
"""

import json

import botocore.exceptions
import pytest

from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.policy_lint import created_policies
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_session_key"
ALIAS = "alias/ssm-sessions"
MANAGED_BY = ("awsops:ssm:managed-by", "awsops.ssm")
REGION = "us-east-1"


def key_of(kms, alias=ALIAS):
    return kms.describe_key(KeyId=alias)["KeyMetadata"]


def tags_of(kms, key_id):
    return dict((tag["TagKey"], tag["TagValue"]) for tag in kms.list_resource_tags(KeyId=key_id)["Tags"])


def policy_of(kms, key_id):
    return json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])


def test_integration_sequence(ansible, aws):
    kms = aws("kms")
    account = aws("sts").get_caller_identity()["Account"]
    create = {"tags": {"Team": "platform"}}
    modify = {"tags": {"Team": "security", "CostCenter": "42"}, "description": "Session key"}
    delete = {"state": "absent"}
    made = {}

    def check_state(step, result):
        if step.name == "create":
            key = key_of(kms)
            made["key_id"] = key["KeyId"]
            assert result.result["key_arn"] == key["Arn"] and result.result["key_id"] == key["KeyId"]
            assert key["KeyState"] == "Enabled" and key["KeySpec"] == "SYMMETRIC_DEFAULT" and key["KeyUsage"] == "ENCRYPT_DECRYPT"
            assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
            assert tags_of(kms, key["KeyId"]) == {"Team": "platform", MANAGED_BY[0]: MANAGED_BY[1]}
            statements = dict((statement["Sid"], statement) for statement in policy_of(kms, key["KeyId"])["Statement"])
            assert statements["AccountAdministersKey"]["Principal"] == {"AWS": "arn:aws:iam::%s:root" % account}
            logs = statements["CloudWatchLogsEncryptsSessionLogs"]
            assert logs["Principal"] == {"Service": "logs.%s.amazonaws.com" % REGION}
            assert logs["Condition"] == {"StringLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:%s:%s:log-group:*" % (REGION, account)}}
            assert "kms:*" not in logs["Action"]
            assert_no_findings(created_policies(aws, [REGION]))
        if step.name == "modify":
            assert key_of(kms)["KeyId"] == made["key_id"]
            assert key_of(kms)["Description"] == "Session key"
            assert tags_of(kms, made["key_id"]) == {"Team": "security", "CostCenter": "42", MANAGED_BY[0]: MANAGED_BY[1]}
            assert result.result["actions"] == ["update_key_description", "tag_resource"]
        if step.name == "delete":
            assert kms.describe_key(KeyId=made["key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
            with pytest.raises(botocore.exceptions.ClientError, match="NotFound"):
                key_of(kms)
            assert result.result["key_arn"] is None

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    predicted, real = results["create (check)"][0].result, results["create"][0].result
    assert predicted["actions"] == real["actions"] == ["create_key", "enable_key_rotation", "create_alias"]
    assert predicted["key_arn"] is None
    assert dict(predicted["diff"]["after"], key_arn=None) == dict(real["diff"]["after"], key_arn=None)
    assert results["delete (check)"][0].result["actions"] == ["delete_alias", "schedule_key_deletion"]


def test_no_op_reads_four_calls_and_creation_requests_are_valid(ansible):
    result, run = ansible.run_module(MODULE, {})
    assert result.changed
    assert [str(call) for call in run.writes] == ["kms:CreateKey", "kms:EnableKeyRotation", "kms:CreateAlias"]
    _result, run = ansible.run_module(MODULE, {})
    assert not _result.changed
    assert sorted(str(call) for call in run.calls) == ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]


def test_drift_is_repaired_and_check_mode_predicts_it(ansible, aws):
    kms = aws("kms")
    ansible.run_module(MODULE, {})
    key_id = key_of(kms)["KeyId"]
    kms.disable_key_rotation(KeyId=key_id)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Everything", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}))
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "Extra", "TagValue": "x"}])

    predicted, run = ansible.run_module(MODULE, {}, check=True)
    assert predicted.changed and run.writes == []
    made, _run = ansible.run_module(MODULE, {})
    assert predicted.result["actions"] == made.result["actions"] == ["put_key_policy", "enable_key_rotation", "untag_resource"]
    assert predicted.result["diff"] == made.result["diff"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert [statement["Sid"] for statement in policy_of(kms, key_id)["Statement"]] == ["AccountAdministersKey", "CloudWatchLogsEncryptsSessionLogs"]
    assert tags_of(kms, key_id) == {MANAGED_BY[0]: MANAGED_BY[1]}


def test_a_key_that_is_not_ours_is_refused_and_kept(ansible, aws):
    kms = aws("kms")
    foreign = kms.create_key(Description="someone else's")["KeyMetadata"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=foreign["KeyId"])

    result, run = ansible.run_module(MODULE, {})
    assert result.failed and run.writes == []
    assert "alias: alias/ssm-sessions names the KMS key %s, which awsops.ssm did not create" % foreign["Arn"] in result.result["msg"]

    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert not result.changed and run.writes == []
    assert "did not create" in result.result["kept"]
    assert key_of(kms)["KeyState"] == "Enabled"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"alias": "ssm-sessions"}, 'alias: "ssm-sessions" is not a KMS alias name of your own; expected alias/NAME'),
        ({"alias": "alias/aws/ssm"}, 'alias: "alias/aws/ssm" is not a KMS alias name of your own'),
        ({"deletion_window_days": 3}, "deletion_window_days: 3 is not a number of days from 7 to 30"),
        ({"tags": {"awsops:ssm:managed-by": "me"}}, 'tags: "awsops:ssm:managed-by" starts with awsops:ssm:, which awsops.ssm keeps for its own tags'),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed and message in result.result["msg"]
    assert run.calls == []
