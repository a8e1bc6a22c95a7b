# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of user input against the forms AWS accepts.

Each check returns None when the value is acceptable, otherwise a message
that names the option and the accepted form, so a module can validate all
of its input before its first write and report every problem at once.
"""

import re

LOG_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
MANAGED_POLICY = re.compile(r"[\w+=,.@-]{1,128}|arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+")
IPV4_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")


def check_log_group_name(option, value):
    if LOG_GROUP_NAME.fullmatch(value):
        return None
    return "%s: %r is not a log group name (1-512 characters: letters, digits, and . - _ / #)" % (option, value)


def check_s3_bucket_name(option, value):
    if S3_BUCKET_NAME.fullmatch(value) and ".." not in value and not IPV4_ADDRESS.fullmatch(value):
        return None
    return "%s: %r is not an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)" % (
        option,
        value,
    )


def check_kms_key_arn(option, value):
    if KMS_KEY_ARN.fullmatch(value):
        return None
    return "%s: %r is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)" % (option, value)


def check_managed_policy(option, value):
    if MANAGED_POLICY.fullmatch(value):
        return None
    return "%s: %r is neither a managed policy name nor a policy ARN (arn:aws:iam::aws:policy/NAME)" % (option, value)
