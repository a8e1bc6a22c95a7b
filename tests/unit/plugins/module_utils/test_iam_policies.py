# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The IAM documents grant one action set on the one resource that needs it."""

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import UNSCOPED_READ_ACTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import service_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_key_policy
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_logging_policy

ACCOUNT = "123456789012"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def actions(statement):
    value = statement["Action"]
    return [value] if isinstance(value, str) else value


def resources(statement):
    value = statement["Resource"]
    return [value] if isinstance(value, str) else value


def all_destinations():
    return session_logging_policy("aws", "eu-west-1", ACCOUNT, log_group_name="/aws/ssm/sessions", s3_bucket="logs-bucket",
                                  s3_key_prefix="sessions/", kms_key_arn=KEY)


def test_no_wildcard_action_and_resource_star_only_for_actions_without_resource_types():
    for statement in all_destinations()["Statement"]:
        for action in actions(statement):
            assert "*" not in action, statement
        for resource in resources(statement):
            if resource == "*":
                assert all(action in UNSCOPED_READ_ACTIONS for action in actions(statement)), statement


def test_each_statement_is_scoped_to_its_destination():
    by_sid = dict((s["Sid"], s) for s in all_destinations()["Statement"])
    group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ssm/sessions"
    assert resources(by_sid["WriteSessionLogStreams"]) == [group + ":*", group + ":log-stream:*"]
    assert sorted(actions(by_sid["WriteSessionLogStreams"])) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert by_sid["FindSessionLogGroup"] == {
        "Sid": "FindSessionLogGroup",
        "Effect": "Allow",
        "Action": "logs:DescribeLogGroups",
        "Resource": "*",
    }
    assert by_sid["WriteSessionLogObjects"]["Action"] == "s3:PutObject"
    assert by_sid["WriteSessionLogObjects"]["Resource"] == "arn:aws:s3:::logs-bucket/sessions/*"
    assert by_sid["CheckSessionLogBucketEncryption"]["Resource"] == "arn:aws:s3:::logs-bucket"
    assert by_sid["UseSessionKey"] == {"Sid": "UseSessionKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY}


@pytest.mark.parametrize(
    "destinations, sids",
    [
        ({"log_group_name": "/g"}, ["WriteSessionLogStreams", "FindSessionLogGroup"]),
        ({"s3_bucket": "b-bucket"}, ["WriteSessionLogObjects", "CheckSessionLogBucketEncryption"]),
        ({"kms_key_arn": KEY}, ["UseSessionKey"]),
    ],
)
def test_only_the_destinations_given_are_granted(destinations, sids):
    policy = session_logging_policy("aws", "eu-west-1", ACCOUNT, **destinations)
    assert [s["Sid"] for s in policy["Statement"]] == sids


def test_no_destination_means_no_policy():
    assert session_logging_policy("aws", "eu-west-1", ACCOUNT) is None


def test_partition_is_used_in_every_arn():
    policy = session_logging_policy("aws-cn", "cn-north-1", ACCOUNT, log_group_name="/g", s3_bucket="b-bucket")
    for statement in policy["Statement"]:
        for resource in resources(statement):
            assert resource == "*" or resource.startswith("arn:aws-cn:"), resource


def test_cloudwatch_logs_may_use_the_session_key_for_this_accounts_log_groups_only():
    statement = dict((s["Sid"], s) for s in session_key_policy("aws", "eu-west-1", ACCOUNT)["Statement"])["CloudWatchLogsEncryptsSessionLogs"]
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Condition"] == {"StringLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}
    # Every action granted carries an encryption context, so the condition can hold for each.
    assert sorted(statement["Action"]) == [
        "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    ]


def test_trust_policy_trusts_one_service_and_optionally_one_account():
    assert service_trust_policy("ec2.amazonaws.com") == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    scoped = service_trust_policy("scheduler.amazonaws.com", source_account=ACCOUNT)
    assert scoped["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
