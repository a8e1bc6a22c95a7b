# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test evaluator of IAM policies follows IAM's rules for the features it claims, and refuses the others."""

import pytest

from awsops_harness.iam_evaluator import allowed

INSTANCE = "arn:aws:ec2:eu-west-1:123456789012:instance/i-1"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": [dict({"Effect": "Allow"}, **statement) for statement in statements]}


def test_actions_are_case_insensitive_with_wildcards():
    document = policy({"Action": ["ec2:Start*", "ssm:Get?utomationExecution"], "Resource": "*"})
    assert allowed([document], "EC2:startinstances", INSTANCE)
    assert allowed([document], "ssm:GetAutomationExecution", "x")
    assert not allowed([document], "ec2:StopInstances", INSTANCE)


def test_resources_match_part_by_part_and_case_sensitively():
    document = policy({"Action": "ssm:StartAutomationExecution", "Resource": "arn:aws:ssm:eu-west-1:*:automation-definition/AWS-StartEC2Instance:*"})
    assert allowed([document], "ssm:StartAutomationExecution", "arn:aws:ssm:eu-west-1::automation-definition/AWS-StartEC2Instance:1")
    assert allowed([document], "ssm:StartAutomationExecution", "arn:aws:ssm:eu-west-1:123456789012:automation-definition/AWS-StartEC2Instance:2")
    assert not allowed([document], "ssm:StartAutomationExecution", "arn:aws:ssm:eu-west-1::automation-definition/aws-startec2instance:1")
    assert not allowed([document], "ssm:StartAutomationExecution", "arn:aws:ssm:us-east-1::automation-definition/AWS-StartEC2Instance:1")
    # An empty account field in the grant matches only the empty account.
    empty = policy({"Action": "ssm:StartAutomationExecution", "Resource": "arn:aws:ssm:eu-west-1::automation-definition/*"})
    assert not allowed([empty], "ssm:StartAutomationExecution", "arn:aws:ssm:eu-west-1:123456789012:automation-definition/Mine:1")
    instances = policy({"Action": "ec2:StartInstances", "Resource": "arn:aws:ec2:*:123456789012:instance/*"})
    assert allowed([instances], "ec2:StartInstances", INSTANCE)
    assert not allowed([instances], "ec2:StartInstances", INSTANCE.replace("123456789012", "210987654321"))
    assert not allowed([instances], "ec2:StartInstances", "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1")


def test_values_of_a_key_are_alternatives_and_keys_and_operators_must_all_hold():
    document = policy({"Action": "ec2:StartInstances", "Resource": "*", "Condition": {
        "StringEquals": {"aws:ResourceTag/Service": ["test", "dev"], "aws:ResourceTag/Team": "web"},
        "Bool": {"aws:SecureTransport": "true"},
    }})
    good = {"aws:ResourceTag/Service": "dev", "aws:ResourceTag/Team": "web", "aws:SecureTransport": True}
    assert allowed([document], "ec2:StartInstances", INSTANCE, good)
    assert allowed([document], "ec2:StartInstances", INSTANCE, dict((key.upper(), value) for key, value in good.items()))
    assert not allowed([document], "ec2:StartInstances", INSTANCE, dict(good, **{"aws:ResourceTag/Service": "prod"}))
    assert not allowed([document], "ec2:StartInstances", INSTANCE, dict(good, **{"aws:SecureTransport": False}))
    missing = dict(good)
    del missing["aws:ResourceTag/Team"]
    assert not allowed([document], "ec2:StartInstances", INSTANCE, missing)


def test_null_tests_presence():
    present = policy({"Action": "ec2:StartInstances", "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/Service": "false"}}})
    absent = policy({"Action": "ec2:StartInstances", "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/Service": "true"}}})
    assert allowed([present], "ec2:StartInstances", INSTANCE, {"aws:ResourceTag/Service": "anything"})
    assert not allowed([present], "ec2:StartInstances", INSTANCE, {})
    assert allowed([absent], "ec2:StartInstances", INSTANCE, {})
    assert not allowed([absent], "ec2:StartInstances", INSTANCE, {"aws:ResourceTag/Service": "anything"})


def test_string_and_arn_patterns():
    document = policy(
        {"Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:1:log-group:*"}}},
        {"Action": "lambda:InvokeFunction", "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:1:rule/x-*"}}},
    )
    assert allowed([document], "kms:Decrypt", "k", {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:1:log-group:/a/b"})
    assert not allowed([document], "kms:Decrypt", "k", {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:2:log-group:/a/b"})
    assert allowed([document], "lambda:InvokeFunction", "f", {"aws:SourceArn": "arn:aws:events:eu-west-1:1:rule/x-start"})
    assert not allowed([document], "lambda:InvokeFunction", "f", {"aws:SourceArn": "arn:aws:events:eu-west-1:1:rule/y-start"})


def test_an_explicit_deny_wins_and_nothing_is_allowed_by_default():
    allow = policy({"Action": "s3:*", "Resource": "*"})
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}
    assert allowed([allow], "s3:PutObject", "arn:aws:s3:::b/k")
    assert not allowed([allow, deny], "s3:PutObject", "arn:aws:s3:::b/k")
    assert not allowed([], "s3:PutObject", "arn:aws:s3:::b/k")


@pytest.mark.parametrize(
    "statement",
    [
        {"Action": "ec2:StartInstances", "Resource": "*", "Condition": {"StringNotEquals": {"aws:ResourceTag/Service": "prod"}}},
        {"Action": "ec2:StartInstances", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/Service": "test"}}},
        {"Action": "ec2:StartInstances", "Resource": "*", "Condition": {"StringLike": {"aws:ResourceTag/Owner": "${aws:username}"}}},
        {"NotAction": "iam:*", "Resource": "*"},
        {"Action": "ec2:StartInstances", "NotResource": "arn:aws:ec2:*:*:instance/i-9"},
    ],
)
def test_what_it_does_not_evaluate_raises(statement):
    with pytest.raises(NotImplementedError):
        allowed([policy(statement)], "ec2:StartInstances", INSTANCE, {"aws:ResourceTag/Service": "test", "aws:ResourceTag/Owner": "me"})
