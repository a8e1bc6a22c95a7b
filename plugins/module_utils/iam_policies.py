# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM policy documents of this collection, each scoped to the one resource it needs.

Pure functions: they take ARNs and names and return policy dicts, so unit
tests can prove that no statement grants a wildcard action or resource that
it does not have to.

Every ARN follows the resource ARN format of the IAM Service Authorization
Reference, and every condition operator the type it gives the condition key,
so that a linter reading that reference (parliament) finds nothing of
severity MEDIUM or higher: a grant that names a resource in another form
matches nothing when AWS evaluates it.
"""

POLICY_VERSION = "2012-10-17"

# Actions for which the Service Authorization Reference lists no resource type: "*" is
# their only possible Resource (a narrower ARN matches nothing and the call is denied).
UNSCOPED_READ_ACTIONS = ("ec2:DescribeInstanceStatus", "logs:DescribeLogGroups", "tag:GetResources")


def service_trust_policy(service, source_account=None):
    """A trust policy that lets one AWS service principal assume the role.

    With source_account, only requests made on behalf of that account are
    trusted (the confused-deputy guard AWS recommends for service roles).
    """
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def log_group_arn(partition, region, account_id, log_group_name):
    return "arn:%s:logs:%s:%s:log-group:%s" % (partition, region, account_id, log_group_name)


def session_logging_policy(partition, region, account_id, log_group_name=None, s3_bucket=None, s3_key_prefix="", kms_key_arn=None):
    """What the SSM agent on an instance needs to write session logs, and nothing more.

    Returns None when no destination is given (the role then needs no inline policy).
    """
    statements = []
    if log_group_name:
        group_arn = log_group_arn(partition, region, account_id, log_group_name)
        statements.append(
            {
                "Sid": "WriteSessionLogStreams",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [group_arn + ":*", group_arn + ":log-stream:*"],
            }
        )
        # The agent looks its log group up with DescribeLogGroups. The Service Authorization Reference
        # lists no resource type for that action ("Actions defined by Amazon CloudWatch Logs",
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html,
        # checked 2026-12 in a current copy of it: no resource type for DescribeLogGroups, log-group* for
        # DescribeLogStreams), so only "*" matches it; a log-group ARN here was a grant AWS never applies.
        # AWS's sample Session Manager logging policy grants it on "*" too:
        # https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
        # It lists names and settings of the region's log groups, no log data.
        statements.append({"Sid": "FindSessionLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"})
    if s3_bucket:
        statements.append(
            {
                "Sid": "WriteSessionLogObjects",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:%s:s3:::%s/%s*" % (partition, s3_bucket, s3_key_prefix or ""),
            }
        )
        statements.append(
            {
                "Sid": "CheckSessionLogBucketEncryption",
                "Effect": "Allow",
                "Action": "s3:GetEncryptionConfiguration",
                "Resource": "arn:%s:s3:::%s" % (partition, s3_bucket),
            }
        )
    if kms_key_arn:
        statements.append(
            {
                "Sid": "UseSessionKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            }
        )
    if not statements:
        return None
    return {"Version": POLICY_VERSION, "Statement": statements}


def session_key_policy(partition, region, account_id):
    """Key policy of the key that encrypts sessions and their logs.

    The account administers the key (the AWS default policy, without which the
    key becomes unmanageable) and CloudWatch Logs of this region may use it,
    for this account's log groups only (the encryption context names the log
    group, so the condition holds for every request Logs makes with the key).

    The reference types kms:EncryptionContext:${EncryptionContextKey} as String,
    so the condition is StringLike (for an ARN value it matches exactly what
    ArnLike matches). Only actions that carry an encryption context are granted:
    a kms:DescribeKey request has none, so under this condition it could never
    be allowed (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context).
    """
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:%s:iam::%s:root" % (partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsEncryptsSessionLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logs.%s.amazonaws.com" % region},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                ],
                "Resource": "*",
                "Condition": {"StringLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arn(partition, region, account_id, "*")}},
            },
        ],
    }
