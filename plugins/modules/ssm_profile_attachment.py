#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_profile_attachment
version_added: 0.1.0
short_description: Attach the Session Manager instance profile to EC2 instances selected by tags
description:
  - Attaches an IAM instance profile (typically the one made by M(awsops.ssm.ssm_session_role)) to the EC2 instances
    selected by O(target_tags) and/or O(instance_ids), so that their SSM agent can register with Systems Manager.
  - Only instances in state C(pending), C(running), C(stopping) or C(stopped) are considered;
    C(shutting-down) and C(terminated) instances are ignored.
  - An instance that already has another instance profile keeps it and is reported in RV(skipped_instances),
    unless O(replace=true).
  - O(state=absent) detaches the profile from the selected instances where it is the one attached, and never touches
    an instance that has another profile.
  - Nothing is selected when neither O(target_tags) nor O(instance_ids) is given (or both are empty); the module then
    sends no request at all and reports no change.
  - Profiles are compared by name (the last part of the instance profile ARN), since a name is unique in an account.
  - Right after an instance profile is created, EC2 may not know it yet for a few seconds and answers
    C(InvalidParameterValue) (Invalid IAM Instance Profile name). The module retries that answer with a bounded backoff
    (about a minute at most) before it fails, so it can run right after the task that creates the profile.
author:
  - awsops.ssm maintainers (@awsops)
options:
  instance_profile:
    description:
      - Name of the instance profile (C(SSMSessionInstanceRole)), or its ARN
        (C(arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)).
    type: str
    required: true
  target_tags:
    description:
      - "Tag filters selecting the instances, C(key: value). A value may be a list of values, meaning any of them."
      - Keys are combined with AND, the values of one key with OR, as EC2 C(tag:KEY) filters; the EC2 wildcards
        C(*) and C(?) work in values (the value C(*) selects every instance that has the tag key).
      - Keys and values are strings; quote numbers and booleans.
      - An empty dict selects nothing (unless O(instance_ids) is given).
    type: dict
  instance_ids:
    description:
      - IDs of the instances to select (C(i-0123456789abcdef0)).
      - When O(target_tags) is also given, an instance is selected only if it is in this list B(and) matches the tags.
      - An id that matches no considered instance (it does not exist, is terminated, or does not match
        O(target_tags)) is reported in RV(skipped_instances).
      - An empty list selects by O(target_tags) alone.
    type: list
    elements: str
  replace:
    description:
      - When an instance already has another instance profile, replace it with O(instance_profile)
        (C(ReplaceIamInstanceProfileAssociation)).
      - When false, such an instance keeps its profile and is reported in RV(skipped_instances).
      - Ignored when O(state=absent).
    type: bool
    default: false
  state:
    description:
      - C(present) attaches O(instance_profile) to the selected instances.
      - C(absent) detaches it from the selected instances that have it; other profiles are left alone.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Reads one C(DescribeInstances) (paginated). C(DescribeIamInstanceProfileAssociations) is read only when an
    association id is needed (a profile to replace or detach), and its answer then takes precedence.
  - Check mode sends no write request and predicts C(changed) and the lists truthfully.
  - Boto's C(DryRun) is not used for check mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Attach the Session Manager profile to every dev instance
  awsops.ssm.ssm_profile_attachment:
    instance_profile: SSMSessionInstanceRole
    target_tags:
      Env: dev

- name: Attach it to dev and test web servers, replacing any other profile they have
  awsops.ssm.ssm_profile_attachment:
    instance_profile: arn:aws:iam::123456789012:instance-profile/SSMSessionInstanceRole
    target_tags:
      Env: [dev, test]
      Role: web*
    replace: true

- name: Attach it to two given instances
  awsops.ssm.ssm_profile_attachment:
    instance_profile: SSMSessionInstanceRole
    instance_ids:
      - i-0123456789abcdef0
      - i-0fedcba9876543210

- name: Detach it from the dev instances (instances with other profiles are not touched)
  awsops.ssm.ssm_profile_attachment:
    instance_profile: SSMSessionInstanceRole
    target_tags:
      Env: dev
    state: absent
"""

RETURN = r"""
instance_profile:
  description: Name of the instance profile.
  returned: always
  type: str
  sample: SSMSessionInstanceRole
attached:
  description: Instances the profile was attached to by this run (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [i-0123456789abcdef0]
already_attached:
  description: Selected instances that already had the profile.
  returned: always
  type: list
  elements: str
  sample: [i-0fedcba9876543210]
replaced:
  description: Instances whose other instance profile was replaced by this one (O(replace=true)).
  returned: always
  type: list
  elements: str
  sample: []
detached:
  description: Instances the profile was detached from (O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: []
skipped_instances:
  description:
    - Instances left as they are, with the reason.
    - Not called C(skipped), a key Ansible reserves for skipped tasks.
    - An instance that has another profile (and O(replace=false)), or an id of O(instance_ids) that matches no considered instance.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
    reason:
      description: Why it was left alone.
      type: str
    current_profile:
      description: Name of the instance profile it has, or null.
      type: str
  sample:
    - instance_id: i-0aaaaaaaaaaaaaaaa
      reason: has another instance profile (replace is false)
      current_profile: LegacyAppProfile
instances:
  description: Every selected instance with its instance profile after this run (predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
    state:
      description: Instance state (C(pending), C(running), C(stopping), C(stopped)).
      type: str
    instance_profile:
      description: Name of the instance profile attached after this run, or null.
      type: str
    action:
      description: What this run did to it, one of C(attached), C(already_attached), C(replaced), C(detached), C(skipped), C(none).
      type: str
  sample:
    - instance_id: i-0123456789abcdef0
      state: running
      instance_profile: SSMSessionInstanceRole
      action: attached
"""

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import chunks
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import instances_of
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import selection_filters

# input_rules field -> this module's option
OPTIONS = {"instance_profile": "instance_profile", "target_tags": "target_tags", "instance_ids": "instance_ids"}
ACTIVE_ASSOCIATION_STATES = ["associating", "associated"]
PROPAGATION_ERROR = "InvalidParameterValue:IamInstanceProfile"

REASON_OTHER_PROFILE = "has another instance profile (replace is false)"
REASON_NOT_FOUND = "no instance with this id in state pending, running, stopping or stopped"
REASON_NOT_FOUND_TAGS = REASON_NOT_FOUND + " that matches target_tags"


class ProfilePropagationRetry(AWSRetry):
    """AWSRetry that also retries EC2's answer for an instance profile it does not know yet.

    Right after CreateInstanceProfile, EC2 answers InvalidParameterValue
    "Invalid IAM Instance Profile name" for a few seconds. Other
    InvalidParameterValue answers are not retried.
    """

    @staticmethod
    def status_code_from_exception(error):
        code = error.response["Error"]["Code"]
        message = error.response["Error"].get("Message", "")
        if code == "InvalidParameterValue" and "instance profile" in message.lower():
            return PROPAGATION_ERROR
        return code


# At most about a minute of waiting: sleeps of up to 2, 4, 8, then 10 seconds.
propagation_retry = ProfilePropagationRetry.jittered_backoff(retries=10, delay=2, max_delay=10, catch_extra_error_codes=[PROPAGATION_ERROR])


# ---- thin API wrappers: retries and error wrapping in one place ----


@AWSErrorHandler.common_error_handler("describe instances")
@AWSRetry.jittered_backoff()
def describe_instances(client, filters):
    return client.get_paginator("describe_instances").paginate(Filters=filters).build_full_result()["Reservations"]


@AWSErrorHandler.common_error_handler("describe instance profile associations")
@AWSRetry.jittered_backoff()
def describe_associations(client, instance_ids):
    paginator = client.get_paginator("describe_iam_instance_profile_associations")
    filters = [{"Name": "instance-id", "Values": instance_ids}, {"Name": "state", "Values": ACTIVE_ASSOCIATION_STATES}]
    return paginator.paginate(Filters=filters).build_full_result()["IamInstanceProfileAssociations"]


@AWSErrorHandler.common_error_handler("associate the instance profile")
@propagation_retry
def associate_profile(client, profile_spec, instance_id):
    return client.associate_iam_instance_profile(IamInstanceProfile=profile_spec, InstanceId=instance_id)["IamInstanceProfileAssociation"]


@AWSErrorHandler.common_error_handler("replace the instance profile association")
@propagation_retry
def replace_association(client, profile_spec, association_id):
    return client.replace_iam_instance_profile_association(IamInstanceProfile=profile_spec, AssociationId=association_id)[
        "IamInstanceProfileAssociation"
    ]


@AWSErrorHandler.common_error_handler("disassociate the instance profile")
@AWSRetry.jittered_backoff()
def disassociate_profile(client, association_id):
    return client.disassociate_iam_instance_profile(AssociationId=association_id)["IamInstanceProfileAssociation"]


# ---- pure logic ----


def profile_name_of(name_or_arn):
    """SSMSessionInstanceRole for a name or arn:aws:iam::123456789012:instance-profile/path/SSMSessionInstanceRole."""
    if not name_or_arn:
        return None
    return name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


def profile_spec(name_or_arn):
    """The IamInstanceProfileSpecification EC2 takes: by ARN when given one, else by name (no IAM call)."""
    return {"Arn": name_or_arn} if name_or_arn.startswith("arn:") else {"Name": name_or_arn}


def input_problems(params):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS).problems


def described(instance):
    """What matters of a DescribeInstances instance."""
    return dict(
        instance_id=instance["InstanceId"],
        state=instance.get("State", {}).get("Name"),
        profile_arn=(instance.get("IamInstanceProfile") or {}).get("Arn"),
    )


def needs_associations(instances, profile_name, state, replace):
    """Whether a write may need an association id: a profile to replace (present) or ours to detach (absent)."""
    for instance in instances:
        current = profile_name_of(instance["profile_arn"])
        if current is None:
            continue
        if state == "present" and replace and current != profile_name:
            return True
        if state == "absent" and current == profile_name:
            return True
    return False


def associations_by_instance(associations):
    return dict(
        (association["InstanceId"], dict(association_id=association["AssociationId"], profile_arn=association["IamInstanceProfile"]["Arn"]))
        for association in associations
    )


def plan_actions(instances, profile_name, state, replace, associations=None, missing_ids=(), missing_reason=REASON_NOT_FOUND):
    """Decides what happens to each described instance.

    instances: [{instance_id, state, profile_arn}] from DescribeInstances.
    associations: None when not read, else {instance_id: {association_id, profile_arn}} of the
    active associations of the selected instances; when read it is the truth (fresher than
    DescribeInstances), and an instance missing from it has no profile.
    """
    plan = dict(attach=[], already_attached=[], replace=[], detach=[], skipped=[], before={}, after={}, instances=[])
    for instance in instances:
        instance_id = instance["instance_id"]
        association = None
        current_arn = instance["profile_arn"]
        if associations is not None:
            association = associations.get(instance_id)
            current_arn = association["profile_arn"] if association else None
        current = profile_name_of(current_arn)
        after = current
        action = "none"
        if state == "present":
            if current is None:
                plan["attach"].append(instance_id)
                after, action = profile_name, "attached"
            elif current == profile_name:
                plan["already_attached"].append(instance_id)
                action = "already_attached"
            elif replace:
                plan["replace"].append(dict(instance_id=instance_id, association_id=association["association_id"], current_profile=current))
                after, action = profile_name, "replaced"
            else:
                plan["skipped"].append(dict(instance_id=instance_id, reason=REASON_OTHER_PROFILE, current_profile=current))
                action = "skipped"
        elif current == profile_name:
            plan["detach"].append(dict(instance_id=instance_id, association_id=association["association_id"]))
            after, action = None, "detached"
        plan["before"][instance_id] = current
        plan["after"][instance_id] = after
        plan["instances"].append(dict(instance_id=instance_id, state=instance["state"], instance_profile=after, action=action))
    for instance_id in sorted(missing_ids):
        plan["skipped"].append(dict(instance_id=instance_id, reason=missing_reason, current_profile=None))
    return plan


def plan_changes(plan):
    return bool(plan["attach"] or plan["replace"] or plan["detach"])


def result_of(plan, profile_name, changed, done=None):
    """The module result; done (what was written so far) replaces the plan's lists after a failure."""
    done = done or dict(
        attached=plan["attach"],
        replaced=[item["instance_id"] for item in plan["replace"]],
        detached=[item["instance_id"] for item in plan["detach"]],
    )
    return dict(
        changed=changed,
        instance_profile=profile_name,
        attached=done["attached"],
        already_attached=plan["already_attached"],
        replaced=done["replaced"],
        detached=done["detached"],
        skipped_instances=plan["skipped"],
        instances=plan["instances"],
    )


# ---- module ----


def apply_plan(module, client, plan, name_or_arn, profile_name):
    """Sends the writes of the plan; on a failure, fails with what was done until then."""
    spec = profile_spec(name_or_arn)
    done = dict(attached=[], replaced=[], detached=[])
    instance_id = None
    try:
        for instance_id in plan["attach"]:
            associate_profile(client, spec, instance_id)
            done["attached"].append(instance_id)
        for item in plan["replace"]:
            instance_id = item["instance_id"]
            replace_association(client, spec, item["association_id"])
            done["replaced"].append(instance_id)
        for item in plan["detach"]:
            instance_id = item["instance_id"]
            disassociate_profile(client, item["association_id"])
            done["detached"].append(instance_id)
    except AnsibleAWSError as error:
        partial = result_of(plan, profile_name, any(done.values()), done)
        msg = "%s (instance %s, instance profile %s)" % (error.message, instance_id, profile_name)
        if error.exception is not None:
            module.fail_json_aws(error.exception, msg=msg, **partial)
        module.fail_json(msg=msg, **partial)


def main():
    argument_spec = dict(
        instance_profile=dict(type="str", required=True),
        target_tags=dict(type="dict"),
        instance_ids=dict(type="list", elements="str"),
        replace=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = input_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems))

    profile_name = profile_name_of(params["instance_profile"])
    state = params["state"]
    replace = params["replace"] and state == "present"
    instance_ids = params["instance_ids"] or []
    filters = selection_filters(params["target_tags"], instance_ids)
    if filters is None:
        # Nothing selected (the role's default): no client, no call.
        plan = plan_actions([], profile_name, state, replace)
        result = result_of(plan, profile_name, False)
        if module._diff:
            result["diff"] = dict(before={}, after={})
        module.exit_json(**result)

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        instances = [described(instance) for instance in instances_of(describe_instances(client, filters))]
        associations = None
        if needs_associations(instances, profile_name, state, replace):
            selected_ids = [instance["instance_id"] for instance in instances]
            found = []
            for some_ids in chunks(selected_ids):
                found.extend(describe_associations(client, some_ids))
            associations = associations_by_instance(found)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)

    missing_ids = set(instance_ids) - set(instance["instance_id"] for instance in instances)
    plan = plan_actions(
        instances,
        profile_name,
        state,
        replace,
        associations=associations,
        missing_ids=missing_ids,
        missing_reason=REASON_NOT_FOUND_TAGS if params["target_tags"] else REASON_NOT_FOUND,
    )
    changed = plan_changes(plan)
    if changed and not module.check_mode:
        apply_plan(module, client, plan, params["instance_profile"], profile_name)

    result = result_of(plan, profile_name, changed)
    if module._diff:
        result["diff"] = dict(before=plan["before"], after=plan["after"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
