# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The office-hours IAM documents: least privilege, statement by statement."""

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import UNSCOPED_READ_ACTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_definition_arns
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import invoker_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import role_arn
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import scheduled_instance_tags
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import scheduler_trust_policy

ACCOUNT = "123456789012"
REGION = "eu-west-1"
AUTOMATION_ROLE = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
KEYS = [
    "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
    "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555",
]


QUEUES = ["arn:aws:sqs:%s:%s:instance-scheduler-office-dlq" % ("eu-west-1", "123456789012"),
          "arn:aws:sqs:%s:%s:instance-scheduler-night-dlq" % ("eu-west-1", "123456789012")]


def as_list(value):
    return [value] if isinstance(value, str) else list(value)


def every_policy():
    return {
        "automation": automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, kms_key_arns=KEYS),
        "automation (instance tags)": automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, instance_tags={"Schedule": ["office"]}),
        "scheduler": invoker_policy("aws", REGION, AUTOMATION_ROLE),
        "lambda": lambda_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, "instance-scheduler"),
        "scheduler (dead-letter queues)": invoker_policy("aws", REGION, AUTOMATION_ROLE, queue_arns=QUEUES),
        "lambda (on-failure queue)": lambda_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, "instance-scheduler", queue_arns=QUEUES[:1]),
    }


def by_sid(policy):
    return dict((statement["Sid"], statement) for statement in policy["Statement"])


@pytest.mark.parametrize("name", sorted(every_policy()))
def test_no_wildcard_action_and_no_service_wide_grant(name):
    for statement in every_policy()[name]["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
            assert action not in ("ssm:*", "tag:*", "ec2:*", "iam:*", "kms:*")


@pytest.mark.parametrize("name", sorted(every_policy()))
def test_resource_star_only_for_actions_without_resource_level_permissions(name):
    for statement in every_policy()[name]["Statement"]:
        for resource in as_list(statement["Resource"]):
            if resource == "*":
                assert all(action in UNSCOPED_READ_ACTIONS for action in as_list(statement["Action"])), statement
            else:
                assert resource.startswith("arn:aws:"), statement


@pytest.mark.parametrize("name", sorted(every_policy()))
def test_every_arn_is_exact_but_for_the_documented_wildcards(name):
    """Wildcards only where AWS assigns the name: instance ids, runbook versions (and AWS's empty account), execution ids, log streams."""
    allowed_suffixes = (":instance/*", ":*", ":automation-execution/*")
    for statement in every_policy()[name]["Statement"]:
        for resource in as_list(statement["Resource"]):
            if resource == "*" or "*" not in resource:
                continue
            assert resource.endswith(allowed_suffixes), resource
            expected = 2 if ":*:automation-definition/" in resource else 1
            assert resource.count("*") == expected, resource


@pytest.mark.parametrize("name", sorted(every_policy()))
def test_pass_role_only_for_the_automation_role_and_only_to_ssm(name):
    passes = [s for s in every_policy()[name]["Statement"] if "iam:PassRole" in as_list(s["Action"])]
    assert len(passes) == 1
    assert passes[0]["Resource"] == AUTOMATION_ROLE
    assert passes[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}
    assert as_list(passes[0]["Action"]) == ["iam:PassRole"]


def test_start_automation_only_on_the_two_runbooks_of_the_region():
    expected = [
        "arn:aws:ssm:eu-west-1:*:automation-definition/AWS-StartEC2Instance:*",
        "arn:aws:ssm:eu-west-1:*:automation-definition/AWS-StopEC2Instance:*",
    ]
    assert automation_definition_arns("aws", REGION) == expected
    for name, policy in every_policy().items():
        starts = [s for s in policy["Statement"] if "ssm:StartAutomationExecution" in as_list(s["Action"])]
        assert len(starts) == 1, name
        assert starts[0]["Resource"] == expected


def test_automation_role_statements():
    statements = by_sid(every_policy()["automation"])
    assert statements["StartStopInstances"]["Action"] == ["ec2:StartInstances", "ec2:StopInstances"]
    assert statements["StartStopInstances"]["Resource"] == "arn:aws:ec2:eu-west-1:123456789012:instance/*"
    assert statements["ReadInstanceStatus"]["Action"] == "ec2:DescribeInstanceStatus"
    assert statements["FollowChildAutomations"] == {
        "Sid": "FollowChildAutomations",
        "Effect": "Allow",
        "Action": "ssm:GetAutomationExecution",
        "Resource": "arn:aws:ssm:eu-west-1:123456789012:automation-execution/*",
    }
    assert statements["GrantEncryptedVolumesToEC2"] == {
        "Sid": "GrantEncryptedVolumesToEC2",
        "Effect": "Allow",
        "Action": "kms:CreateGrant",
        "Resource": sorted(KEYS),
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }


def test_no_kms_statement_without_keys():
    policy = automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE)
    assert not [s for s in policy["Statement"] if s["Action"] == "kms:CreateGrant"]


def start_stop_statements(policy):
    return [s for s in policy["Statement"] if "ec2:StartInstances" in as_list(s["Action"])]


def test_instance_tags_scope_start_and_stop_to_the_scheduled_values():
    policy = automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, instance_tags={"Team": ["web", "data", "web"], "Schedule": ["office"]})
    scoped = start_stop_statements(policy)
    assert [s["Sid"] for s in scoped] == ["StartStopScheduledInstances1", "StartStopScheduledInstances2"]
    assert [s["Condition"] for s in scoped] == [
        {"StringEquals": {"aws:ResourceTag/Schedule": ["office"]}},
        {"StringEquals": {"aws:ResourceTag/Team": ["data", "web"]}},
    ]
    assert all(s["Action"] == ["ec2:StartInstances", "ec2:StopInstances"] and s["Resource"] == "arn:aws:ec2:eu-west-1:123456789012:instance/*"
               for s in scoped)


def test_no_schedule_means_no_instance_and_unknown_tags_every_instance_of_the_region():
    assert start_stop_statements(automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, instance_tags={})) == []
    everything = start_stop_statements(automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE))
    assert [s["Sid"] for s in everything] == ["StartStopInstances"] and "Condition" not in everything[0]


def test_the_same_tags_in_another_order_give_the_same_document():
    """A rerun with the same schedules must write nothing: the document depends on the set of tags only."""
    one = automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, instance_tags={"B": ["2", "1"], "A": ["x"]})
    other = automation_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, instance_tags={"A": ["x", "x"], "B": ["1", "2"]})
    assert one == other


def test_scheduled_instance_tags_of_the_present_schedules():
    schedules = validate_schedules(
        [
            {"name": "test", "start": "09:00", "stop": "18:00", "tag_key": "Service", "tag_value": "test"},
            {"name": "dev", "start": "08:00", "tag_key": "Service"},  # tag_value: the name
            {"name": "night", "start": "22:00", "stop": "06:00"},  # tag_key: the default
            {"name": "paused", "start": "10:00", "enabled": False},  # disabled, still there
            {"name": "batch", "stop": "20:00", "tag_value": 7},  # a number is its text
            {"name": "prod", "tag_key": "Service", "state": "absent"},
        ],
        defaults={"tag_key": "Schedule"},
    )
    assert scheduled_instance_tags(schedules) == {"Schedule": ["7", "night", "paused"], "Service": ["dev", "test"]}
    assert scheduled_instance_tags([]) == {}


def test_invoker_has_nothing_but_start_pass_and_tag_resolution():
    actions = sorted(a for s in every_policy()["scheduler"]["Statement"] for a in as_list(s["Action"]))
    assert actions == ["iam:PassRole", "ssm:StartAutomationExecution", "tag:GetResources"]


def test_lambda_role_writes_only_its_own_log_group():
    logs = by_sid(every_policy()["lambda"])["WriteFunctionLogs"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/instance-scheduler:*"


def test_trust_policies():
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert automation_trust_policy(ACCOUNT)["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": condition}
    ]
    assert scheduler_trust_policy(ACCOUNT)["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert scheduler_trust_policy(ACCOUNT)["Statement"][0]["Condition"] == condition
    assert lambda_trust_policy()["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_partitions_and_paths():
    assert role_arn("aws-cn", ACCOUNT, "R") == "arn:aws-cn:iam::123456789012:role/R"
    assert role_arn("aws", ACCOUNT, "R", "/ops/") == "arn:aws:iam::123456789012:role/ops/R"
    policy = invoker_policy("aws-us-gov", "us-gov-west-1", "arn:aws-us-gov:iam::123456789012:role/A")
    assert by_sid(policy)["StartOfficeHoursAutomations"]["Resource"][0] == "arn:aws-us-gov:ssm:us-gov-west-1:*:automation-definition/AWS-StartEC2Instance:*"


def test_the_invoker_may_send_to_exactly_the_queues_it_is_given():
    """sqs:SendMessage on the notification queues only (Scheduler and Lambda deliver with the role's credentials); none without."""
    policy = by_sid(invoker_policy("aws", REGION, AUTOMATION_ROLE, queue_arns=QUEUES))
    wanted = {"Sid": "SendFailedInvocations", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": sorted(QUEUES)}
    assert policy["SendFailedInvocations"] == wanted
    assert "SendFailedInvocations" not in by_sid(invoker_policy("aws", REGION, AUTOMATION_ROLE))
    lambda_policy = by_sid(lambda_role_policy("aws", REGION, ACCOUNT, AUTOMATION_ROLE, "instance-scheduler", queue_arns=QUEUES[:1]))
    assert lambda_policy["SendFailedInvocations"]["Resource"] == QUEUES[:1]
