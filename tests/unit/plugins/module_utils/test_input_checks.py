# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils import input_checks


@pytest.mark.parametrize("value", ["/aws/ssm/sessions", "a", "with#hash.and-dash_x", "x" * 512])
def test_log_group_names_aws_accepts(value):
    assert input_checks.check_log_group_name("opt", value) is None


@pytest.mark.parametrize("value", ["", "has space", "colon:", "x" * 513, "star*"])
def test_log_group_names_aws_rejects(value):
    message = input_checks.check_log_group_name("opt", value)
    assert message.startswith("opt: ") and "1-512 characters" in message


@pytest.mark.parametrize("value", ["abc", "my.bucket-1", "a" * 63])
def test_bucket_names_aws_accepts(value):
    assert input_checks.check_s3_bucket_name("opt", value) is None


@pytest.mark.parametrize("value", ["ab", "Upper", "a" * 64, "-start", "end-", "a..b", "192.168.1.1", "under_score"])
def test_bucket_names_aws_rejects(value):
    assert input_checks.check_s3_bucket_name("opt", value).startswith("opt: ")


def test_kms_key_arn():
    assert input_checks.check_kms_key_arn("k", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab") is None
    for bad in ("create", "alias/ssm-sessions", "arn:aws:kms:us-east-1:123456789012:alias/ssm", "1234abcd"):
        assert "k: %r is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)" % bad == input_checks.check_kms_key_arn("k", bad)


def test_managed_policy_names_and_arns():
    assert input_checks.check_managed_policy("p", "AmazonSSMManagedInstanceCore") is None
    assert input_checks.check_managed_policy("p", "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole") is None
    assert input_checks.check_managed_policy("p", "arn:aws:iam::123456789012:policy/Mine") is None
    assert input_checks.check_managed_policy("p", "not a policy").startswith("p: ")
