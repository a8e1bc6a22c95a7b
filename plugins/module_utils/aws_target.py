# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Facts about the AWS target (account, partition) that ARNs are built from."""

try:
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries


def partition_of(region):
    """aws, aws-cn, aws-us-gov, ... as botocore's endpoint data knows it (no API call)."""
    return botocore.session.get_session().get_partition_for_region(region) if region else "aws"


def account_id_from_arn(arn):
    return arn.split(":")[4]


def caller_account_id(module):
    """The account the credentials act in: one sts:GetCallerIdentity read."""
    sts = aws_retries.client(module, "sts")
    try:
        return sts.get_caller_identity()["Account"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Failed to read the account id (sts:GetCallerIdentity)")
