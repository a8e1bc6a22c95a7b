#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_default_host_management
version_added: 0.1.0
short_description: Default Host Management Configuration, Session Manager without instance profiles
description:
  - Turns on Default Host Management Configuration (DHMC) in the region. Systems Manager then manages every EC2
    instance of the region that runs SSM agent 3.2.582.0 or later and enforces IMDSv2 (C(HttpTokens=required)),
    with the credentials of one IAM role, and no instance profile is needed on the instances.
  - Ensures the role O(role_name) under O(path), trusted by C(ssm.amazonaws.com) only on behalf of this account
    (C(aws:SourceAccount)), with the AWS managed policy C(AmazonSSMManagedEC2InstanceDefaultPolicy), and points the
    region's service setting C(/ssm/managed-instance/default-ec2-instance-management-role) at it (its value is the role's
    path and name, C(service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole)).
  - IAM is global and the role is shared by every region of the account that uses it. Each region records itself on
    the role with the tag C(awsops:ssm:region:<region>); the role is deleted only when no region uses it any more, and
    only if this collection created it (C(awsops:ssm:managed-by)).
  - With DHMC, the SSM agent of an instance without a profile also writes session logs with this role's credentials.
    Given O(log_group_name), O(s3_bucket) or O(kms_key_arn), the role gets the region's inline policy
    C(awsops-ssm-session-logging-<region>) that allows exactly that (the policy M(awsops.ssm.ssm_session_role) gives the
    instance role); without them the region keeps no inline policy.
  - A role of that name that this collection did not create (the Systems Manager console makes one with the same
    name) is used as it is, if it trusts C(ssm.amazonaws.com) and has the managed policy; otherwise the task fails before
    any write. Its trust, policies, description and tags are never changed; only the collection's region tags and the
    region's session-logging inline policy (both removed again by O(state=absent)) are added to it.
  - Before it changes the setting, the module records the value the setting had in the tag
    C(awsops:ssm:dhmc-previous-setting:<region>) on the role (C(:default) for AWS's default). O(state=absent) puts that
    value back (C(UpdateServiceSetting), or C(ResetServiceSetting) for the default), but only while the setting still names
    this role; a setting someone changed since is left as it is and reported in RV(kept).
author:
  - awsops.ssm maintainers (@awsops)
options:
  role_name:
    description:
      - Name of the role the service setting names.
    type: str
    default: AWSSystemsManagerDefaultEC2InstanceManagementRole
  path:
    description:
      - IAM path of the role, as AWS's own DHMC setup uses. It cannot be changed once the role exists.
    type: str
    default: /service-role/
  description:
    description:
      - Description of the role (a role this collection did not create keeps its own).
    type: str
    default: "Default Host Management Configuration: lets Systems Manager manage this account's EC2 instances (awsops.ssm)"
  log_group_name:
    description:
      - CloudWatch Logs log group (in this region) the instances write session logs to.
      - Grants C(logs:CreateLogStream), C(logs:DescribeLogStreams), C(logs:PutLogEvents) on that group
        and C(logs:DescribeLogGroups) on the region's log groups.
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
      - ARN of the KMS key that encrypts session data. Grants C(kms:Decrypt) and C(kms:GenerateDataKey) on it.
    type: str
  state:
    description:
      - C(present) turns DHMC on with the role; C(absent) restores the setting this collection found and leaves the role
        for this region.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Reads C(GetServiceSetting), C(GetRole), (with O(state=present)) C(ListAttachedRolePolicies) and, when the region keeps a
    session-logging policy, C(GetRolePolicy); a rerun writes nothing.
  - Check mode sends no write request and predicts C(changed) and the result.
  - Managed policies someone added to the role are kept (AWS's DHMC guide suggests adding policies there).
  - "Permissions: C(ssm:GetServiceSetting), C(ssm:UpdateServiceSetting), C(ssm:ResetServiceSetting) on
    C(arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/managed-instance/default-ec2-instance-management-role);
    C(iam:GetRole), C(iam:CreateRole), C(iam:TagRole), C(iam:UntagRole), C(iam:AttachRolePolicy), C(iam:DetachRolePolicy),
    C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies), C(iam:GetRolePolicy), C(iam:PutRolePolicy), C(iam:DeleteRolePolicy),
    C(iam:UpdateAssumeRolePolicy), C(iam:UpdateRole), C(iam:DeleteRole) on the role; C(iam:PassRole) on the role with the
    condition C(iam:PassedToService=ssm.amazonaws.com) (updating the setting passes the role to Systems Manager);
    C(sts:GetCallerIdentity) when the role does not exist yet."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Session Manager for every instance of the region that enforces IMDSv2, with no instance profile
  awsops.ssm.ssm_default_host_management:

- name: The same, with session logs in CloudWatch Logs encrypted by a KMS key
  awsops.ssm.ssm_default_host_management:
    log_group_name: /aws/ssm/sessions
    kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9

- name: Leave DHMC in this region (the setting gets back the value it had; the role goes with the last region)
  awsops.ssm.ssm_default_host_management:
    state: absent
"""

RETURN = r"""
setting_id:
  description: The service setting.
  returned: always
  type: str
  sample: /ssm/managed-instance/default-ec2-instance-management-role
setting_value:
  description: The setting's value after this run (C($None) when it names no role).
  returned: always
  type: str
  sample: service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole
previous_setting_value:
  description:
    - The value recorded for teardown (C(:default) for AWS's default), or null when this collection did not change the setting.
    - With O(state=absent), the value put back, or null.
  returned: always
  type: str
role_arn:
  description: ARN of the role (null when O(state=absent) deleted it or it does not exist).
  returned: always
  type: str
role_owned:
  description: Whether this collection created the role (false for a role it uses as it is).
  returned: always
  type: bool
regions:
  description: Regions that use the role after this run.
  returned: always
  type: list
  elements: str
kept:
  description: Why O(state=absent) left the setting as it is, when it did.
  returned: when state is absent and the setting was left
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import default_host_management as dhmc
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import account_id_from_arn
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import caller_account_id
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_logging_policy
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import SharedRole
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import call
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import managed_policy_arn
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import regions_in


# input_rules field -> this module's option
OPTIONS = {
    "role_name": "role_name",
    "path": "path",
    "log_group": "log_group_name",
    "s3_bucket": "s3_bucket",
    "s3_key_prefix": "s3_key_prefix",
    "kms_key_arn": "kms_key_arn",
    "tags": "tags",
}


def input_problems(params, region=None):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS, region=region).problems


def logging_policy_name(region):
    return dhmc.LOGGING_POLICY_PREFIX + region


def role_spec(params, partition, region):
    # The region's logging policy: None until its document is known (it names the account), and None to remove it.
    return dict(
        name=params["role_name"],
        path=params["path"],
        description=params["description"],
        trust_policy=None,
        managed_policy_arns=[managed_policy_arn(partition, dhmc.MANAGED_POLICY)],
        purge_managed_policies=False,
        inline_policies={logging_policy_name(region): None},
        permissions_boundary=None,
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        instance_profile=False,
        partition=partition,
    )


def is_owned(role):
    return role.role is None or role.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE


def use_as_it_is(module, role, policy_arn):
    """A role this collection did not create: checked, never changed (the spec leaves all but region tags alone)."""
    lacks = []
    if not dhmc.trusts_service(role.role.get("AssumeRolePolicyDocument")):
        lacks.append("does not trust %s" % dhmc.SERVICE)
    if policy_arn not in role.attached:
        lacks.append("lacks the managed policy %s" % dhmc.MANAGED_POLICY)
    if lacks:
        module.fail_json(
            msg="role_name: the role %s exists, was not created by awsops.ssm and %s; awsops.ssm uses such a role as it is and never changes it: "
            "fix the role, or give another role_name" % (role.spec["name"], " and ".join(lacks))
        )
    role.spec.update(
        path=None, description=None, trust_policy=role.role.get("AssumeRolePolicyDocument"), managed_policy_arns=None, permissions_boundary=None, tags=None
    )


def logging_policy(params, partition, region, account_id):
    return session_logging_policy(
        partition,
        region,
        account_id,
        log_group_name=params["log_group_name"],
        s3_bucket=params["s3_bucket"],
        s3_key_prefix=params["s3_key_prefix"],
        kms_key_arn=params["kms_key_arn"],
    )


def result_of(role, setting_value, previous, owned):
    return {
        "setting_id": dhmc.SETTING_ID,
        "setting_value": setting_value,
        "previous_setting_value": previous,
        "role_arn": role.role["Arn"] if role.role else None,
        "role_owned": owned,
        "regions": regions_in(role.tags) if role.role else [],
    }


def ensure_present(module, iam, ssm):
    params = module.params
    region, partition = module.region, partition_of(module.region)
    setting = dhmc.get_setting(ssm)
    spec = role_spec(params, partition, region)
    # The logging policy to compare with is read only if the region wants or keeps one (see SharedRole).
    if any(params[option] for option in ("log_group_name", "s3_bucket", "kms_key_arn")):
        spec["inline_policies"][logging_policy_name(region)] = {}
    role = SharedRole(module, iam, region, spec)
    record_key = dhmc.previous_tag(region)
    record = dhmc.record_of(setting)
    wanted = dhmc.setting_value_for(role.role["Path"] if role.role else spec["path"], params["role_name"])
    to_record = dhmc.current_value(setting) != wanted and record_key not in role.tags
    if to_record and dhmc.record_problem(record):
        module.fail_json(msg=dhmc.record_problem(record))
    owned = is_owned(role)
    spec["account_id"] = account_id_from_arn(role.role["Arn"]) if role.role else caller_account_id(module)
    if owned:
        spec["trust_policy"] = dhmc.dhmc_trust_policy(spec["account_id"])
    else:
        use_as_it_is(module, role, spec["managed_policy_arns"][0])
    spec["inline_policies"][logging_policy_name(region)] = logging_policy(params, partition, region, spec["account_id"])
    before = {"setting": dhmc.setting_view(setting), "role": role.before, "previous_setting_value": role.tags.get(record_key)}

    changed = role.present()
    if to_record:
        if not module.check_mode:
            call(iam, "tag_role", RoleName=params["role_name"], Tags=ansible_dict_to_boto3_tag_list({record_key: record}))
        role.tags[record_key] = record
        changed = True
    if dhmc.current_value(setting) != wanted:
        if not module.check_mode:
            dhmc.update_setting(ssm, wanted)
        setting = dict(setting, SettingValue=wanted, Status="Customized")
        changed = True
    result = dict(result_of(role, setting["SettingValue"], role.tags.get(record_key), owned), changed=changed)
    if module._diff:
        after = {"setting": dhmc.setting_view(setting), "role": role.describe(), "previous_setting_value": role.tags.get(record_key)}
        result["diff"] = {"before": before, "after": after}
    return result


def ensure_absent(module, iam, ssm):
    params = module.params
    region, partition = module.region, partition_of(module.region)
    setting = dhmc.get_setting(ssm)
    spec = dict(role_spec(params, partition, region), managed_policy_arns=None, tags=None, description=None)
    role = SharedRole(module, iam, region, spec)
    owned = is_owned(role)
    record_key = dhmc.previous_tag(region)
    record = role.tags.get(record_key) if role.role else None
    ours = dhmc.setting_value_for(role.role["Path"] if role.role else spec["path"], params["role_name"])
    before = {"setting": dhmc.setting_view(setting), "role": role.before, "previous_setting_value": record}
    changed = False
    restored = None
    kept = None
    if record is not None:
        if dhmc.current_value(setting) == ours:
            if not module.check_mode:
                dhmc.restore(ssm, record)
            setting = dict(setting, SettingValue="$None", Status="Default") if record == dhmc.DEFAULT_RECORD else dict(setting, SettingValue=record)
            restored = record
        else:
            kept = "the setting names %s, not %s: it was changed after awsops.ssm set it, and is left as it is" % (
                dhmc.current_value(setting) or "no role",
                ours,
            )
        if not module.check_mode:
            call(iam, "untag_role", RoleName=params["role_name"], TagKeys=[record_key])
        role.tags.pop(record_key, None)
        changed = True
    elif dhmc.current_value(setting) == ours:
        kept = "the setting names %s, but awsops.ssm recorded no value from before it: it is left as it is" % ours
    changed |= role.absent()
    result = dict(result_of(role, setting["SettingValue"], restored, owned), changed=changed)
    if kept:
        result["kept"] = kept
    if module._diff:
        after = {"setting": dhmc.setting_view(setting), "role": role.describe(), "previous_setting_value": None}
        result["diff"] = {"before": before, "after": after}
    return result


def run(module, iam, ssm):
    if module.params["state"] == "present":
        return ensure_present(module, iam, ssm)
    return ensure_absent(module, iam, ssm)


def main():
    argument_spec = dict(
        role_name=dict(type="str", default=dhmc.ROLE_NAME),
        path=dict(type="str", default=dhmc.ROLE_PATH),
        description=dict(type="str", default="Default Host Management Configuration: lets Systems Manager manage this account's EC2 instances (awsops.ssm)"),
        log_group_name=dict(type="str"),
        s3_bucket=dict(type="str"),
        s3_key_prefix=dict(type="str", default="", no_log=False),
        kms_key_arn=dict(type="str", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["tags"] is not None:
        module.params["tags"] = dict((str(key), str(value)) for key, value in module.params["tags"].items())
    problems = input_problems(module.params, module.region)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    iam = aws_retries.client(module, "iam")
    ssm = aws_retries.client(module, "ssm")
    try:
        result = run(module, iam, ssm)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
