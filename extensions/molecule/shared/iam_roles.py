# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prints, as JSON, what the scenarios' verify playbooks check of IAM roles: python iam_roles.py ENDPOINT ROLE...

A reader independent of the code under test. amazon.aws.iam_role_info (and
iam_role) would do, but in amazon.aws 9 and 10 every call emits a deprecation
warning about a return value these checks do not use.
"""

import json
import sys

import boto3


def describe(iam, name):
    role = iam.get_role(RoleName=name)["Role"]
    return {
        "arn": role["Arn"],
        "trust": role["AssumeRolePolicyDocument"]["Statement"],
        "tags": dict((tag["Key"], tag["Value"]) for tag in iam.list_role_tags(RoleName=name)["Tags"]),
        "managed_policies": [policy["PolicyName"] for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]],
        "inline_policies": iam.list_role_policies(RoleName=name)["PolicyNames"],
        "instance_profiles": [profile["InstanceProfileName"] for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]],
    }


def main(endpoint, names):
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    print(json.dumps(dict((name, describe(iam, name)) for name in names)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
