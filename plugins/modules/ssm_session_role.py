#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_role
version_added: 0.1.0
short_description: EC2 instance role and instance profile for Session Manager
description:
  - Manages an IAM role trusted only by C(ec2.amazonaws.com), with the managed policies the SSM agent needs
    (default C(AmazonSSMManagedInstanceCore)), and an instance profile of the same name that holds it.
  - Adds a least-privilege inline policy for exactly the session logging destinations given
    (a CloudWatch Logs log group, an S3 bucket and prefix, a KMS key) and nothing when none is given.
    Every ARN in it has the form the IAM Service Authorization Reference gives the action's resource type.
  - "IAM is global and one account is often managed region by region. Each region that uses the role records itself
    with the tag C(awsops:ssm:region:<region>) and owns one inline policy, C(awsops-ssm-session-logging-<region>).
    The tag's value is C(in-use-without-policy) while the region has no logging destination (and so no policy), which
    spares a rerun the read of a policy that is not there, else C(in-use).
    O(state=absent) removes that region's tag and policy, and deletes the role and profile only when no region uses
    them any more and this collection created them (tag C(awsops:ssm:managed-by))."
  - Trust policy, managed policies, description, permissions boundary and tags are account-wide; give every region the same values.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - Name of the IAM role and of its instance profile.
      - 1 to 64 characters of letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [role_name]
  state:
    description:
      - C(present) creates or updates the role and profile for this region.
      - C(absent) removes this region's use of them, and them when no region uses them any more.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - IAM path of the role and profile. It cannot be changed once the role exists.
    type: str
    default: /
  description:
    description:
      - Description of the role.
    type: str
    default: EC2 instance role for AWS Systems Manager Session Manager (awsops.ssm)
  managed_policies:
    description:
      - Managed policies to attach, by name (AWS managed) or ARN.
    type: list
    elements: str
    default: [AmazonSSMManagedInstanceCore]
    aliases: [managed_policy]
  purge_managed_policies:
    description:
      - Detach managed policies that are not in O(managed_policies).
    type: bool
    default: false
  log_group_name:
    description:
      - CloudWatch Logs log group (in this region) the instances write session logs to.
      - Grants C(logs:CreateLogStream), C(logs:DescribeLogStreams), C(logs:PutLogEvents) on that group
        and C(logs:DescribeLogGroups), with which the agent finds the group, on C(*) (the action has no resource-level
        permissions, so IAM evaluates it on C(*) only, as the Service Authorization Reference and AWS's sample Session Manager
        policy show).
    type: str
  s3_bucket:
    description:
      - S3 bucket the instances write session logs to. Grants C(s3:PutObject) under O(s3_key_prefix)
        and C(s3:GetEncryptionConfiguration) on the bucket.
    type: str
  s3_key_prefix:
    description:
      - Key prefix of the session logs in O(s3_bucket).
    type: str
    default: ""
  kms_key_arn:
    description:
      - ARN of the KMS key (C(arn:aws:kms:REGION:ACCOUNT:key/ID)) that encrypts session data.
        Grants C(kms:Decrypt) and C(kms:GenerateDataKey) on it.
    type: str
  permissions_boundary:
    description:
      - ARN of a managed policy to set as the role's permissions boundary; C("") removes it.
    type: str
    aliases: [boundary]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Instance role that lets the SSM agent register
  awsops.ssm.ssm_session_role:
    name: SSMSessionInstanceRole

- name: Role that may also write session logs to CloudWatch and S3, encrypted with KMS
  awsops.ssm.ssm_session_role:
    name: SSMSessionInstanceRole
    log_group_name: /aws/ssm/sessions
    s3_bucket: example-session-logs
    s3_key_prefix: sessions/
    kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    tags:
      team: platform

- name: This region no longer uses the role (deleted when no region does)
  awsops.ssm.ssm_session_role:
    name: SSMSessionInstanceRole
    state: absent
"""

RETURN = r"""
role_arn:
  description: ARN of the role.
  returned: when state is present
  type: str
  sample: arn:aws:iam::123456789012:role/SSMSessionInstanceRole
instance_profile_arn:
  description: ARN of the instance profile.
  returned: when state is present
  type: str
  sample: arn:aws:iam::123456789012:instance-profile/SSMSessionInstanceRole
regions:
  description: Regions that use the role after this run.
  returned: always
  type: list
  elements: str
  sample: [eu-west-1, us-east-1]
deleted:
  description: Whether the role and profile were deleted (no region uses them any more).
  returned: when state is absent
  type: bool
role:
  description: The role as managed by this module.
  returned: when state is present
  type: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
    path:
      description: IAM path.
      type: str
    description:
      description: Role description.
      type: str
    trust_policy:
      description: The trust policy document.
      type: dict
    managed_policy_arns:
      description: Attached managed policies.
      type: list
      elements: str
    inline_policies:
      description: This region's inline policies, by name.
      type: dict
    permissions_boundary:
      description: ARN of the permissions boundary, or empty.
      type: str
    tags:
      description: User tags (the collection's own C(awsops:ssm:*) tags left out).
      type: dict
    regions:
      description: Regions that use the role.
      type: list
      elements: str
    instance_profile:
      description: The instance profile and the role it holds.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import account_id_from_arn
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import caller_account_id
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import service_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_logging_policy
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import SharedRole
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import managed_policy_arn
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import regions_in

LOGGING_POLICY_PREFIX = "awsops-ssm-session-logging-"
# input_rules field -> this module's option
OPTIONS = {
    "role_name": "name",
    "path": "path",
    "managed_policies": "managed_policies",
    "permissions_boundary": "permissions_boundary",
    "log_group": "log_group_name",
    "s3_bucket": "s3_bucket",
    "s3_key_prefix": "s3_key_prefix",
    "kms_key_arn": "kms_key_arn",
    "tags": "tags",
}


def input_problems(params, region=None):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS, region=region).problems


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["role_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        path=dict(type="str", default="/"),
        description=dict(type="str", default="EC2 instance role for AWS Systems Manager Session Manager (awsops.ssm)"),
        managed_policies=dict(type="list", elements="str", default=["AmazonSSMManagedInstanceCore"], aliases=["managed_policy"]),
        purge_managed_policies=dict(type="bool", default=False),
        log_group_name=dict(type="str"),
        s3_bucket=dict(type="str"),
        s3_key_prefix=dict(type="str", default="", no_log=False),
        kms_key_arn=dict(type="str", no_log=False),
        permissions_boundary=dict(type="str", aliases=["boundary"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = input_problems(params, module.region)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)

    region = module.region
    partition = partition_of(region)
    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    logging_policy_name = LOGGING_POLICY_PREFIX + region
    spec = dict(
        name=params["name"],
        path=params["path"],
        description=params["description"],
        trust_policy=service_trust_policy("ec2.amazonaws.com"),
        managed_policy_arns=[managed_policy_arn(partition, policy) for policy in params["managed_policies"]],
        purge_managed_policies=params["purge_managed_policies"],
        inline_policies={logging_policy_name: None},
        permissions_boundary=params["permissions_boundary"],
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        instance_profile=True,
        partition=partition,
    )
    role = SharedRole(module, iam, region, spec)

    if params["state"] == "absent":
        changed = role.absent()
        result = dict(changed=changed, deleted=changed and role.role is None, regions=regions_in(role.tags) if role.role else [])
        if module._diff:
            result["diff"] = dict(before=role.before, after=role.describe())
        module.exit_json(**result)

    # The logging policy names regional ARNs, so it needs the account id:
    # from the role when it exists, else one STS read.
    spec["account_id"] = account_id_from_arn(role.role["Arn"]) if role.role else caller_account_id(module)
    spec["inline_policies"][logging_policy_name] = session_logging_policy(
        partition,
        region,
        spec["account_id"],
        log_group_name=params["log_group_name"],
        s3_bucket=params["s3_bucket"],
        s3_key_prefix=params["s3_key_prefix"],
        kms_key_arn=params["kms_key_arn"],
    )
    changed = role.present()
    after = role.describe()
    result = dict(
        changed=changed,
        role_arn=role.role["Arn"],
        instance_profile_arn=role.profile["Arn"],
        regions=after["regions"],
        role=after,
    )
    if module._diff:
        result["diff"] = dict(before=role.before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
