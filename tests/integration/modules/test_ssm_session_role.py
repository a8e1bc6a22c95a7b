# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_role against the local endpoint."""

import json

import pytest

from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.policy_lint import created_policies
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

ROLE = "SSMSessionInstanceRole"
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
CW_AGENT = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def role_tags(iam, name=ROLE):
    return dict((tag["Key"], tag["Value"]) for tag in iam.list_role_tags(RoleName=name)["Tags"])


def test_integration_sequence(ansible, aws):
    iam = aws("iam")
    create = {"name": ROLE, "log_group_name": "/aws/ssm/sessions", "tags": {"team": "platform"}}
    modify = dict(create, managed_policies=["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"], s3_bucket="session-logs-bucket",
                  s3_key_prefix="sessions/", kms_key_arn=KEY, tags={"team": "ops"})
    delete = {"name": ROLE, "state": "absent"}

    def check_state(step, result):
        if step.name in ("create", "modify"):
            # The trust and logging policies as the endpoint holds them: nothing parliament rates MEDIUM or higher.
            assert_no_findings(created_policies(aws, ["us-east-1"]))
        if step.name == "create":
            role = iam.get_role(RoleName=ROLE)["Role"]
            trust = role["AssumeRolePolicyDocument"]
            assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
            attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]]
            assert attached == [CORE]
            profile = iam.get_instance_profile(InstanceProfileName=ROLE)["InstanceProfile"]
            assert [r["RoleName"] for r in profile["Roles"]] == [ROLE]
            assert result.result["instance_profile_arn"] == profile["Arn"]
            policy = iam.get_role_policy(RoleName=ROLE, PolicyName="awsops-ssm-session-logging-us-east-1")["PolicyDocument"]
            resources = json.dumps(policy)
            assert "arn:aws:logs:us-east-1:123456789012:log-group:/aws/ssm/sessions:*" in resources
            assert role_tags(iam) == {"team": "platform", "awsops:ssm:managed-by": "awsops.ssm", "awsops:ssm:region:us-east-1": "in-use"}
        if step.name == "modify":
            attached = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"])
            assert attached == sorted([CORE, CW_AGENT])
            policy = iam.get_role_policy(RoleName=ROLE, PolicyName="awsops-ssm-session-logging-us-east-1")["PolicyDocument"]
            assert "arn:aws:s3:::session-logs-bucket/sessions/*" in json.dumps(policy)
            assert {"Sid": "UseSessionKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY} in policy["Statement"]
            assert role_tags(iam)["team"] == "ops"
        if step.name == "delete":
            assert ROLE not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
            assert ROLE not in [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]

    results = run_sequence(ansible, "awsops.ssm.ssm_session_role", standard_steps(create, modify, delete), after_step=check_state)
    # The check-mode prediction shows the role that the real run then made.
    predicted = results["create (check)"][0].result["diff"]["after"]
    made = results["create"][0].result["diff"]["after"]
    assert predicted == made


def test_no_op_reads_one_call_per_resource(ansible):
    """Role, attached policies, regional inline policy, instance profile: four reads."""
    args = {"name": ROLE, "log_group_name": "/aws/ssm/sessions"}
    ansible.run_module("awsops.ssm.ssm_session_role", args)
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", args)
    assert not result.changed
    assert sorted(str(call) for call in run.calls) == ["iam:GetInstanceProfile", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"]


def test_without_logging_a_rerun_reads_no_inline_policy_and_adding_logging_later_writes_one(ansible, aws):
    """The region tag records that the region keeps no policy: a rerun skips GetRolePolicy."""
    iam = aws("iam")
    args = {"name": ROLE}
    ansible.run_module("awsops.ssm.ssm_session_role", args)
    assert role_tags(iam)["awsops:ssm:region:us-east-1"] == "in-use-without-policy"
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", args)
    assert not result.changed
    assert sorted(str(call) for call in run.calls) == ["iam:GetInstanceProfile", "iam:GetRole", "iam:ListAttachedRolePolicies"]

    with_logging = dict(args, log_group_name="/aws/ssm/sessions")
    predicted, run = ansible.run_module("awsops.ssm.ssm_session_role", with_logging, check=True)
    assert predicted.changed and run.writes == []
    made, run = ansible.run_module("awsops.ssm.ssm_session_role", with_logging)
    assert made.changed and predicted.result["diff"] == made.result["diff"]
    assert sorted(str(call) for call in run.writes) == ["iam:PutRolePolicy", "iam:TagRole"]
    assert role_tags(iam)["awsops:ssm:region:us-east-1"] == "in-use"
    iam.get_role_policy(RoleName=ROLE, PolicyName="awsops-ssm-session-logging-us-east-1")

    made, run = ansible.run_module("awsops.ssm.ssm_session_role", args)
    assert made.changed
    assert sorted(str(call) for call in run.writes) == ["iam:DeleteRolePolicy", "iam:TagRole"]
    assert role_tags(iam)["awsops:ssm:region:us-east-1"] == "in-use-without-policy"
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == []


def test_a_region_tag_written_before_the_rule_is_read_then_corrected(ansible, aws):
    """in-use may hide a policy: that region's policy is read once, and the tag then says it keeps none."""
    iam = aws("iam")
    ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE})
    iam.tag_role(RoleName=ROLE, Tags=[{"Key": "awsops:ssm:region:us-east-1", "Value": "in-use"}])
    made, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE})
    assert made.changed and "iam:GetRolePolicy" in [str(call) for call in run.calls]
    assert [str(call) for call in run.writes] == ["iam:TagRole"]
    assert role_tags(iam)["awsops:ssm:region:us-east-1"] == "in-use-without-policy"


def test_shared_by_two_regions(ansible, aws):
    """A role used by two regions survives the first region's teardown."""
    iam = aws("iam")
    for region in ("us-east-1", "eu-west-1"):
        result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE, "log_group_name": "/aws/ssm/sessions"}, region=region)
        assert result.changed, run.summary()
    assert sorted(result.result["regions"]) == ["eu-west-1", "us-east-1"]
    policies = sorted(iam.list_role_policies(RoleName=ROLE)["PolicyNames"])
    assert policies == ["awsops-ssm-session-logging-eu-west-1", "awsops-ssm-session-logging-us-east-1"]

    result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE, "state": "absent"}, region="us-east-1")
    assert result.changed and not result.result["deleted"], run.summary()
    assert result.result["regions"] == ["eu-west-1"]
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["awsops-ssm-session-logging-eu-west-1"]
    assert iam.get_instance_profile(InstanceProfileName=ROLE)["InstanceProfile"]["Roles"][0]["RoleName"] == ROLE

    result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE, "state": "absent"}, region="eu-west-1")
    assert result.changed and result.result["deleted"], run.summary()
    assert ROLE not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_adopted_role_is_never_deleted(ansible, aws):
    iam = aws("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    result, _run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE})
    assert result.changed
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": ROLE, "state": "absent"})
    assert result.changed and not result.result["deleted"], run.summary()
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


@pytest.mark.parametrize(
    "args, message",
    [
        ({"name": "r" * 65}, 'name: "%s" is not an IAM role name; expected 1-64 letters' % ("r" * 65)),
        ({"name": ROLE, "log_group_name": "bad name!"}, 'log_group_name: "bad name!" is not a log group name'),
        ({"name": ROLE, "kms_key_arn": "alias/ssm"}, 'kms_key_arn: "alias/ssm" is not a KMS key ARN; expected arn:aws:kms:REGION:ACCOUNT:key/KEY-ID'),
        ({"name": ROLE, "s3_bucket": "Bad_Bucket"}, 's3_bucket: "Bad_Bucket" is not an S3 bucket name'),
        ({"name": ROLE, "path": "no-slashes"}, "path: "),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []
