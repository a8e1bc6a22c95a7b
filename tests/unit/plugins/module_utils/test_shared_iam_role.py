# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The region-usage record on shared IAM roles."""

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.awsops.ssm.plugins.module_utils import shared_iam_role


def test_regions_are_read_from_region_tags_only():
    tags = {"awsops:ssm:region:us-east-1": "in-use", "awsops:ssm:region:eu-west-1": "in-use", "awsops:ssm:managed-by": "awsops.ssm", "team": "x"}
    assert shared_iam_role.regions_in(tags) == ["eu-west-1", "us-east-1"]
    assert shared_iam_role.user_tags(tags) == {"team": "x"}


def test_managed_policy_names_become_arns_in_the_partition():
    assert shared_iam_role.managed_policy_arn("aws", "AmazonSSMManagedInstanceCore") == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert shared_iam_role.managed_policy_arn("aws-cn", "X") == "arn:aws-cn:iam::aws:policy/X"
    arn = "arn:aws:iam::123456789012:policy/Mine"
    assert shared_iam_role.managed_policy_arn("aws", arn) == arn


class FailingIAM:
    """An IAM client whose every call fails the way botocore fails."""

    def __init__(self, code):
        self.code = code

    def get_role(self, **kwargs):
        raise botocore.exceptions.ClientError({"Error": {"Code": self.code, "Message": "boom"}}, "GetRole")


def test_a_missing_role_reads_as_none():
    assert shared_iam_role.get_role(FailingIAM("NoSuchEntity"), "r") is None


def test_other_errors_are_raised_with_what_failed():
    with pytest.raises(AnsibleIAMError, match="Failed to get role"):
        shared_iam_role.get_role(FailingIAM("AccessDenied"), "r")
