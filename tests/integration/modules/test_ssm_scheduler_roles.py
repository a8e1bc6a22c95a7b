# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_scheduler_roles against the local endpoint."""

import pytest

from awsops_harness.iam_evaluator import allowed
from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.policy_lint import created_policies
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_scheduler_roles"
AUTOMATION = "SSMSchedulerAutomationRole"
INVOKER = "SSMSchedulerInvokerRole"
LAMBDA_ROLE = "SSMSchedulerLambdaRole"
ACCOUNT = "123456789012"
POLICY = "awsops-ssm-scheduler-us-east-1"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
DEFINITIONS = [
    "arn:aws:ssm:us-east-1:*:automation-definition/AWS-StartEC2Instance:*",
    "arn:aws:ssm:us-east-1:*:automation-definition/AWS-StopEC2Instance:*",
]


def role_names(iam):
    return [role["RoleName"] for role in iam.list_roles()["Roles"]]


def statements(iam, role, policy=POLICY):
    return dict((s["Sid"], s) for s in iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"])


def trust(iam, role):
    return iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]["Statement"]


def test_integration_sequence(ansible, aws):
    iam = aws("iam")
    create = {"tags": {"team": "platform"}}
    modify = {"tags": {"team": "platform"}, "kms_key_arns": [KEY]}
    delete = {"state": "absent"}

    def check_state(step, result):
        if step.name in ("create", "modify"):
            # Every policy the module wrote, read back: nothing parliament rates MEDIUM or higher.
            assert_no_findings(created_policies(aws, ["us-east-1"]))
        if step.name == "create":
            assert result.result["automation_role_arn"] == "arn:aws:iam::%s:role/%s" % (ACCOUNT, AUTOMATION)
            assert result.result["invoker_role_arn"] == "arn:aws:iam::%s:role/%s" % (ACCOUNT, INVOKER)
            assert trust(iam, AUTOMATION) == [
                {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
            ]
            assert trust(iam, INVOKER) == [
                {"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
            ]
            automation = statements(iam, AUTOMATION)
            assert automation["StartStopInstances"]["Resource"] == "arn:aws:ec2:us-east-1:%s:instance/*" % ACCOUNT
            assert "GrantEncryptedVolumesToEC2" not in automation
            assert automation["PassSelfToChildAutomations"]["Resource"] == result.result["automation_role_arn"]
            invoker = statements(iam, INVOKER)
            assert invoker["StartOfficeHoursAutomations"]["Resource"] == DEFINITIONS
            assert invoker["PassAutomationRole"] == {
                "Sid": "PassAutomationRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": result.result["automation_role_arn"],
                "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
            }
            assert iam.list_attached_role_policies(RoleName=AUTOMATION)["AttachedPolicies"] == []
            tags = dict((t["Key"], t["Value"]) for t in iam.list_role_tags(RoleName=INVOKER)["Tags"])
            assert tags == {"team": "platform", "awsops:ssm:managed-by": "awsops.ssm", "awsops:ssm:region:us-east-1": "in-use"}
        if step.name == "modify":
            grant = statements(iam, AUTOMATION)["GrantEncryptedVolumesToEC2"]
            assert grant == {
                "Sid": "GrantEncryptedVolumesToEC2",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": [KEY],
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
            assert "GrantEncryptedVolumesToEC2" not in statements(iam, INVOKER)
        if step.name == "delete":
            assert AUTOMATION not in role_names(iam) and INVOKER not in role_names(iam)

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    predicted = results["create (check)"][0].result
    made = results["create"][0].result
    assert predicted["diff"]["after"] == made["diff"]["after"]
    assert predicted["automation_role_arn"] == made["automation_role_arn"]
    assert sorted(results["delete"][0].result["deleted"]) == [AUTOMATION, INVOKER]


def test_no_op_reads(ansible):
    """Per role: GetRole and GetRolePolicy (no managed policies to read); no STS read."""
    ansible.run_module(MODULE, {})
    result, run = ansible.run_module(MODULE, {})
    assert not result.changed
    assert sorted(str(call) for call in run.calls) == sorted(["iam:GetRole", "iam:GetRolePolicy"] * 2)


def test_lambda_backend_role_writes_only_its_log_group(ansible, aws):
    iam = aws("iam")
    result, run = ansible.run_module(MODULE, {"backend": "lambda", "function_name": "office-hours"})
    assert result.changed, run.summary()
    assert result.result["invoker_role_arn"].endswith(":role/" + LAMBDA_ROLE)
    assert trust(iam, LAMBDA_ROLE) == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    logs = statements(iam, LAMBDA_ROLE)["WriteFunctionLogs"]
    assert logs["Resource"] == "arn:aws:logs:us-east-1:%s:log-group:/aws/lambda/office-hours:*" % ACCOUNT
    assert INVOKER not in role_names(iam)
    assert_no_findings(created_policies(aws, ["us-east-1"]))


def test_switching_backend_leaves_the_other_invoker_to_its_own_teardown(ansible, aws):
    iam = aws("iam")
    ansible.run_module(MODULE, {"backend": "scheduler"})
    ansible.run_module(MODULE, {"backend": "lambda"})
    assert INVOKER in role_names(iam) and LAMBDA_ROLE in role_names(iam)
    result, run = ansible.run_module(MODULE, {"backend": "scheduler", "state": "absent", "include_automation_role": False})
    assert result.changed and result.result["deleted"] == [INVOKER], run.summary()
    assert "automation_role" not in result.result
    # Deleting a role lists its managed policies (to detach) and inline policies first.
    reads = ["iam:GetRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"]
    assert sorted(str(call) for call in run.calls if not call.is_write) == reads
    assert INVOKER not in role_names(iam)
    assert AUTOMATION in role_names(iam) and LAMBDA_ROLE in role_names(iam)


def test_shared_by_two_regions(ansible, aws):
    iam = aws("iam")
    for region in ("us-east-1", "eu-west-1"):
        result, run = ansible.run_module(MODULE, {}, region=region)
        assert result.changed, run.summary()
    policies = sorted(iam.list_role_policies(RoleName=AUTOMATION)["PolicyNames"])
    assert policies == ["awsops-ssm-scheduler-eu-west-1", "awsops-ssm-scheduler-us-east-1"]
    eu = statements(iam, INVOKER, "awsops-ssm-scheduler-eu-west-1")
    assert eu["StartOfficeHoursAutomations"]["Resource"][0].startswith("arn:aws:ssm:eu-west-1:*:automation-definition/")

    result, run = ansible.run_module(MODULE, {"state": "absent"}, region="us-east-1")
    assert result.changed and result.result["deleted"] == [], run.summary()
    assert iam.list_role_policies(RoleName=AUTOMATION)["PolicyNames"] == ["awsops-ssm-scheduler-eu-west-1"]

    result, run = ansible.run_module(MODULE, {"state": "absent"}, region="eu-west-1")
    assert sorted(result.result["deleted"]) == [AUTOMATION, INVOKER], run.summary()
    assert AUTOMATION not in role_names(iam)


def start_stop_conditions(iam):
    policy = iam.get_role_policy(RoleName=AUTOMATION, PolicyName=POLICY)["PolicyDocument"]
    return dict((s["Sid"], s["Condition"]) for s in policy["Statement"] if "ec2:StartInstances" in s["Action"])


def test_instance_tags_limit_start_and_stop_to_the_listed_values(ansible, aws):
    """One statement per key, StringEquals on the values; a change rewrites the policy, the same tags write nothing."""
    iam = aws("iam")
    ec2 = aws("ec2")
    result, run = ansible.run_module(MODULE, {"instance_tags": {"Service": "test", "Schedule": ["office-hours"]}})
    assert result.changed, run.summary()
    assert start_stop_conditions(iam) == {
        "StartStopScheduledInstances1": {"StringEquals": {"aws:ResourceTag/Schedule": ["office-hours"]}},
        "StartStopScheduledInstances2": {"StringEquals": {"aws:ResourceTag/Service": ["test"]}},
    }
    assert_no_findings(created_policies(aws, ["us-east-1"]))

    # What the role allows, for instances as EC2 tags them (the endpoint evaluates no condition: see iam_evaluator).
    policy = iam.get_role_policy(RoleName=AUTOMATION, PolicyName=POLICY)["PolicyDocument"]
    covered = {}
    for service in ("test", "prod"):
        instance = ec2.run_instances(ImageId="ami-1e749f67", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                     TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Service", "Value": service}]}])["Instances"][0]
        context = dict(("aws:ResourceTag/%s" % tag["Key"], tag["Value"]) for tag in instance.get("Tags", []))
        arn = "arn:aws:ec2:us-east-1:%s:instance/%s" % (ACCOUNT, instance["InstanceId"])
        covered[service] = allowed([policy], "ec2:StartInstances", arn, context) and allowed([policy], "ec2:StopInstances", arn, context)
    assert covered == {"test": True, "prod": False}

    result, run = ansible.run_module(MODULE, {"instance_tags": {"Schedule": ["office-hours"], "Service": ["test"]}})
    assert not result.changed and run.writes == [], run.summary()

    result, run = ansible.run_module(MODULE, {"instance_tags": {"Service": ["test", "dev"]}})
    assert result.changed and [str(call) for call in run.writes] == ["iam:PutRolePolicy"], run.summary()
    assert start_stop_conditions(iam) == {"StartStopScheduledInstances1": {"StringEquals": {"aws:ResourceTag/Service": ["dev", "test"]}}}

    result, run = ansible.run_module(MODULE, {"instance_tags": {}})
    assert result.changed, run.summary()
    assert start_stop_conditions(iam) == {}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"automation_role_name": "r" * 65}, "automation_role_name: "),
        ({"invoker_role_name": "bad name"}, "invoker_role_name: "),
        ({"invoker_role_name": AUTOMATION}, 'automation_role_name: "SSMSchedulerAutomationRole" is also the name of the scheduler backend\'s invoker role'),
        ({"kms_key_arns": ["alias/ebs"]}, 'kms_key_arns[0]: "alias/ebs" is not a KMS key ARN'),
        ({"instance_tags": {"aws:reserved": ["x"]}}, "instance_tags: \"aws:reserved\" is not usable as a tag key"),
        ({"instance_tags": {"Service": []}}, "instance_tags.Service: expected a tag value or a non-empty list of tag values, got []"),
        ({"instance_tags": {"Service": ["test", ""]}}, "instance_tags.Service: \"\" is not usable as a tag value"),
        ({"backend": "lambda", "function_name": "bad name"}, 'function_name: "bad name" is not a Lambda function name'),
        ({"backend": "cron"}, "backend"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []
