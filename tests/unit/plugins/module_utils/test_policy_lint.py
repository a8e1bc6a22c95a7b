# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every policy document the builders make: no parliament finding of MEDIUM or higher, and what IAM evaluates.

parliament reads the IAM Service Authorization Reference (its bundled copy):
a RESOURCE_MISMATCH, a condition key the action lacks or an operator of the
wrong type is a grant that matches nothing on real AWS. The evaluator
(tests/awsops_harness/iam_evaluator.py) shows what the documents allow for
the requests AWS makes, since the local endpoint evaluates no condition.
"""

import itertools

import pytest

from awsops_harness.iam_evaluator import allowed
from awsops_harness.policy_lint import as_resource_policy
from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.policy_lint import findings

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import service_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_key_policy
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_logging_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import invoker_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import role_arn
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import scheduler_trust_policy

ACCOUNT = "123456789012"
TARGETS = [("aws", "eu-west-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")]
INSTANCE_TAGS = [None, {}, {"Service": ["test"]}, {"Service": ["dev", "test"], "Schedule": ["office-hours", "night"]}]


def kms_key(partition, region):
    return "arn:%s:kms:%s:%s:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9" % (partition, region, ACCOUNT)


def every_document():
    """{name: document} of every builder, over partitions and the options that change a document."""
    documents = {}
    for partition, region in TARGETS:
        automation = role_arn(partition, ACCOUNT, "SSMSchedulerAutomationRole")
        for tags, keys in itertools.product(INSTANCE_TAGS, ([], [kms_key(partition, region)])):
            name = "%s automation role, instance_tags=%s, %d keys" % (region, tags, len(keys))
            documents[name] = automation_role_policy(partition, region, ACCOUNT, automation, kms_key_arns=keys, instance_tags=tags)
        documents["%s scheduler invoker" % region] = invoker_policy(partition, region, automation)
        documents["%s lambda role" % region] = lambda_role_policy(partition, region, ACCOUNT, automation, "instance-scheduler")
        documents["%s session key policy" % region] = session_key_policy(partition, region, ACCOUNT)
        destinations = {"log_group_name": "/aws/ssm/sessions", "s3_bucket": "session-logs", "kms_key_arn": kms_key(partition, region)}
        for count in range(1, len(destinations) + 1):
            for chosen in itertools.combinations(sorted(destinations), count):
                options = dict((key, destinations[key]) for key in chosen)
                documents["%s session logging %s" % (region, "+".join(chosen))] = session_logging_policy(
                    partition, region, ACCOUNT, s3_key_prefix="sessions/", **options
                )
        trusts = {
            "SSMSchedulerAutomationRole": automation_trust_policy(ACCOUNT),
            "SSMSchedulerInvokerRole": scheduler_trust_policy(ACCOUNT),
            "SSMSchedulerLambdaRole": lambda_trust_policy(),
            "SSMSessionInstanceRole": service_trust_policy("ec2.amazonaws.com"),
        }
        for role, trust in trusts.items():
            documents["%s trust policy of %s" % (partition, role)] = as_resource_policy(trust, role_arn(partition, ACCOUNT, role))
    return documents


def test_no_finding_of_medium_or_higher_in_any_document():
    documents = every_document()
    assert len(documents) == 3 * (8 + 3 + 7 + 4)
    assert_no_findings(documents)


@pytest.mark.parametrize(
    "statement, issue",
    [
        # What the builders made before: AWS-owned runbooks with an empty account field, which the reference's format lacks ...
        ({"Action": "ssm:StartAutomationExecution", "Resource": "arn:aws:ssm:eu-west-1::automation-definition/AWS-StartEC2Instance:*"},
         "RESOURCE_MISMATCH"),
        # ... DescribeLogGroups on log-group ARNs, for which the reference lists no resource type ...
        ({"Action": "logs:DescribeLogGroups", "Resource": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}, "RESOURCE_MISMATCH"),
        # ... and the key policy's ArnLike on a String key, with DescribeKey, which has no encryption context.
        ({"Action": "kms:Decrypt", "Resource": "*", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
          "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}}, "MISMATCHED_TYPE"),
        ({"Action": "kms:DescribeKey", "Resource": "*", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
          "Condition": {"StringLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}},
         "UNKNOWN_CONDITION_FOR_ACTION"),
        # A trust policy given as it is: parliament wants a Resource (hence as_resource_policy).
        ({"Action": "sts:AssumeRole", "Principal": {"Service": "ssm.amazonaws.com"}}, "MALFORMED"),
    ],
)
def test_the_lint_fails_on_the_forms_the_builders_no_longer_make(statement, issue):
    found = findings({"Version": "2012-10-17", "Statement": [dict(statement, Effect="Allow")]})
    assert [item.split()[1] for item in found] == [issue], found


# What IAM evaluates: the requests the runbooks and the invoker make.
INSTANCE = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0"
AUTOMATION_ROLE = role_arn("aws", ACCOUNT, "SSMSchedulerAutomationRole")


def automation_policy(instance_tags):
    return automation_role_policy("aws", "eu-west-1", ACCOUNT, AUTOMATION_ROLE, kms_key_arns=[kms_key("aws", "eu-west-1")],
                                  instance_tags=instance_tags)


@pytest.mark.parametrize("action", ["ec2:StartInstances", "ec2:StopInstances"])
def test_the_automation_role_starts_and_stops_only_instances_with_a_scheduled_tag_value(action):
    policy = automation_policy({"Service": ["test"], "Schedule": ["office-hours"]})
    covered = [{"aws:ResourceTag/Service": "test"}, {"aws:ResourceTag/Schedule": "office-hours", "aws:ResourceTag/Service": "prod"}]
    not_covered = [{"aws:ResourceTag/Service": "prod"}, {"aws:ResourceTag/Service": "Test"}, {"aws:ResourceTag/Schedule": "night"},
                   {"aws:ResourceTag/Team": "test"}, {}]
    for tags in covered:
        assert allowed([policy], action, INSTANCE, tags), tags
    for tags in not_covered:
        assert not allowed([policy], action, INSTANCE, tags), tags
    assert not allowed([policy], action, "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", {"aws:ResourceTag/Service": "test"})
    # The condition this replaced let every value of the key through:
    key_only = dict(policy, Statement=[dict(s, Condition={"Null": {"aws:ResourceTag/Service": "false"}}) for s in policy["Statement"][:1]])
    assert allowed([key_only], action, INSTANCE, {"aws:ResourceTag/Service": "prod"})


def test_no_schedule_allows_no_instance():
    assert not allowed([automation_policy({})], "ec2:StartInstances", INSTANCE, {"aws:ResourceTag/Service": "test"})


def test_the_runbooks_match_as_aws_names_them_and_nothing_else():
    """AWS evaluates an AWS-owned runbook with an empty account and the version the call resolves to."""
    evaluated = "arn:aws:ssm:eu-west-1::automation-definition/AWS-StartEC2Instance:1"
    for policy in (invoker_policy("aws", "eu-west-1", AUTOMATION_ROLE), automation_policy({"Service": ["test"]})):
        assert allowed([policy], "ssm:StartAutomationExecution", evaluated)
        assert allowed([policy], "ssm:StartAutomationExecution", evaluated.replace("Start", "Stop"))
        assert not allowed([policy], "ssm:StartAutomationExecution", "arn:aws:ssm:eu-west-1::automation-definition/AWS-RestartEC2Instance:1")
        assert not allowed([policy], "ssm:StartAutomationExecution", evaluated.replace("eu-west-1", "us-east-1"))
        assert allowed([policy], "iam:PassRole", AUTOMATION_ROLE, {"iam:PassedToService": "ssm.amazonaws.com"})
        assert not allowed([policy], "iam:PassRole", AUTOMATION_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"})


def test_kms_grants_only_for_aws_resources():
    policy = automation_policy({"Service": ["test"]})
    assert allowed([policy], "kms:CreateGrant", kms_key("aws", "eu-west-1"), {"kms:GrantIsForAWSResource": True})
    assert not allowed([policy], "kms:CreateGrant", kms_key("aws", "eu-west-1"), {"kms:GrantIsForAWSResource": False})


def test_the_instance_finds_its_log_group_and_writes_only_to_it():
    policy = session_logging_policy("aws", "eu-west-1", ACCOUNT, log_group_name="/aws/ssm/sessions")
    group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ssm/sessions"
    # DescribeLogGroups has no resource type: IAM evaluates it on "*", which the former log-group ARN did not match.
    assert allowed([policy], "logs:DescribeLogGroups", "*")
    assert allowed([policy], "logs:PutLogEvents", group + ":log-stream:i-0123456789abcdef0-abc")
    assert not allowed([policy], "logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/other:log-stream:x")


def test_cloudwatch_logs_uses_the_key_for_this_accounts_log_groups_only():
    policy = session_key_policy("aws", "eu-west-1", ACCOUNT)
    # The statement for the logs principal, evaluated as that principal's policy (the evaluator reads no Principal).
    statements = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsSessionLogs"]
    documents = [dict(policy, Statement=statements)]
    context = {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ssm/sessions"}
    assert allowed(documents, "kms:GenerateDataKey", "arn:aws:kms:eu-west-1:123456789012:key/k", context)
    other_account = {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:210987654321:log-group:/aws/ssm/sessions"}
    assert not allowed(documents, "kms:GenerateDataKey", "arn:aws:kms:eu-west-1:123456789012:key/k", other_account)
    assert not allowed(documents, "kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/k", {})
