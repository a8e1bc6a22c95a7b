#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_scheduler_roles
version_added: 0.1.0
short_description: IAM roles of office-hours start/stop (SSM Automation and its invoker)
description:
  - Manages, in one run, the two IAM roles that office-hours start/stop needs in this region.
  - "The I(automation role) (O(automation_role_name)), trusted only by C(ssm.amazonaws.com) for this account
    (C(aws:SourceAccount)), which SSM Automation assumes to run C(AWS-StartEC2Instance) and C(AWS-StopEC2Instance):
    C(ec2:StartInstances) and C(ec2:StopInstances) on the region's instances (only those whose tag has one of the values
    of O(instance_tags), when given), C(ec2:DescribeInstanceStatus),
    C(tag:GetResources) (tag targets), the child executions of a targeted run (C(ssm:StartAutomationExecution) on those two
    runbooks, C(ssm:GetAutomationExecution), C(iam:PassRole) on itself to C(ssm.amazonaws.com) only),
    and C(kms:CreateGrant) for AWS resources on exactly O(kms_key_arns) (starting an instance with encrypted EBS volumes)."
  - The I(invoker role) (O(invoker_role_name)) of the chosen O(backend), which calls C(ssm:StartAutomationExecution) on the two runbooks,
    may pass the automation role (C(iam:PassRole) on that role only, to C(ssm.amazonaws.com) only) and resolve tag targets
    (C(tag:GetResources)). For C(scheduler) it is trusted by C(scheduler.amazonaws.com) for this account; for C(lambda) by
    C(lambda.amazonaws.com), and may also write the log streams of its own function's log group C(/aws/lambda/<function_name>).
  - Actions that support no resource-level permissions (C(ec2:DescribeInstanceStatus), C(tag:GetResources)) are the only
    statements with C(Resource=*); no statement grants a wildcard action. Every ARN has the form the IAM Service Authorization
    Reference gives its resource type; the runbooks are C(arn:aws:ssm:REGION:*:automation-definition/AWS-StartEC2Instance:*)
    (AWS evaluates them with an empty account field, which C(*) matches, and the version the call resolves to).
  - "IAM is global and one account is often managed region by region. Each role records the regions that use it with the tag
    C(awsops:ssm:region:<region>) and holds one inline policy per region, C(awsops-ssm-scheduler-<region>).
    O(state=absent) removes this region's tag and policy, and deletes a role only when no region uses it any more and this
    collection created it (tag C(awsops:ssm:managed-by))."
  - The module manages only the invoker role of the given O(backend). After switching backends, removing the other backend's
    role is the caller's job, with O(state=absent), that O(backend) and O(include_automation_role=false), which keeps the
    automation role the new backend uses (or, with the role C(awsops.ssm.instance_scheduler), a run with
    C(instance_scheduler_state=absent) and the old backend before the first run with the new one).
author:
  - awsops.ssm maintainers (@awsops)
options:
  automation_role_name:
    description:
      - Name of the role SSM Automation assumes.
    type: str
    default: SSMSchedulerAutomationRole
  backend:
    description:
      - The start/stop backend whose invoker role to manage.
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  invoker_role_name:
    description:
      - Name of the invoker role. These names are this collection's own defaults (the design fixes only the automation role's name)
        C(SSMSchedulerInvokerRole) for backend C(scheduler) (the EventBridge Scheduler execution role) and
        C(SSMSchedulerLambdaRole) for backend C(lambda) (the Lambda function's execution role).
    type: str
  function_name:
    description:
      - Name of the Lambda function (backend C(lambda)), whose log group C(/aws/lambda/<function_name>) the Lambda role may write.
    type: str
    default: instance-scheduler
  kms_key_arns:
    description:
      - ARNs of the KMS keys (C(arn:aws:kms:REGION:ACCOUNT:key/ID)) that encrypt the EBS volumes of scheduled instances.
        Starting such an instance needs C(kms:CreateGrant) on its key.
    type: list
    elements: str
    default: []
  instance_tags:
    description:
      - "The tags of the instances that the schedules of this region start and stop, as a dict of tag key to tag values
        (a list, or one value), for example C({Service: [test, dev], Schedule: [office-hours]})."
      - The automation role may then start and stop only instances whose tag has one of those values, with one statement
        per key, with condition C(StringEquals) on C(aws:ResourceTag/<key>). An instance tagged C(Service=prod) is not covered
        when only C(Service=test) is listed.
      - List the tag of every present schedule of the region (the role C(awsops.ssm.instance_scheduler) builds this from
        C(instance_scheduler_schedules) with the filter C(awsops.ssm.schedule_instance_tags)); an automation started for
        an instance whose tag is not listed fails with AccessDenied. The policy is rewritten when the list changes.
      - C({}) lets the role start and stop no instance (no schedule in this region).
      - When omitted, the role may start and stop every instance of the region.
    type: dict
  dead_letter_queues:
    description:
      - "Names of SQS queues of this region and account that the invoker role may send to (C(sqs:SendMessage) on exactly those):
        the dead-letter queues of the schedules (backend C(scheduler), EventBridge Scheduler sends a failed invocation there with
        the schedule's execution role) or the function's on-failure destination (backend C(lambda), Lambda sends there with the
        function's role)."
      - The queues of M(awsops.ssm.ssm_scheduler_notifications); the role C(awsops.ssm.instance_scheduler) lists them from
        C(instance_scheduler_notify) with the filter C(awsops.ssm.notification_queues). C([]) grants no queue.
    type: list
    elements: str
    default: []
  runbook_name:
    description:
      - The collection's start/stop runbook (M(awsops.ssm.ssm_automation_runbook)) that schedules of this region run, when any does
        (closed days, pause tags, hibernation). The invoker and the automation role may then start it, and the automation role may
        read the instances' pause tags (C(ec2:DescribeTags)) and the Change Calendars in O(calendar_names).
      - The role C(awsops.ssm.instance_scheduler) builds it and O(calendar_names) with the filter C(awsops.ssm.schedule_documents).
    type: str
  calendar_names:
    description:
      - The Change Calendars the runbook reads (C(ssm:GetCalendarState) and C(ssm:GetDocument) on exactly these documents).
    type: list
    elements: str
    default: []
  include_automation_role:
    description:
      - C(false) manages only the invoker role of O(backend) and leaves the automation role alone
        (to remove the invoker of a backend no longer used). RV(automation_role_arn) is then not returned.
    type: bool
    default: true
  state:
    description:
      - C(present) creates or updates both roles for this region.
      - C(absent) removes this region's use of them, and each role when no region uses it any more.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Roles for the EventBridge Scheduler backend, for instances tagged Service=test or Service=dev
  awsops.ssm.ssm_scheduler_roles:
    backend: scheduler
    instance_tags:
      Service: [test, dev]
    kms_key_arns:
      - arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    tags:
      team: platform
  register: scheduler_roles

- name: Use them
  awsops.ssm.ssm_automation_schedule:
    name: office
    start: "09:00"
    stop: "18:00"
    timezone: Europe/Berlin
    tag_key: Service
    tag_value: test
    automation_role_arn: "{{ scheduler_roles.automation_role_arn }}"
    invoker_role_arn: "{{ scheduler_roles.invoker_role_arn }}"

- name: This region no longer uses them (each role is deleted when no region does)
  awsops.ssm.ssm_scheduler_roles:
    backend: scheduler
    state: absent
"""

RETURN = r"""
automation_role_arn:
  description: ARN of the automation role.
  returned: when state is present and O(include_automation_role=true)
  type: str
  sample: arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole
invoker_role_arn:
  description: ARN of the invoker role of the backend.
  returned: when state is present
  type: str
  sample: arn:aws:iam::123456789012:role/SSMSchedulerInvokerRole
automation_role:
  description: The automation role as managed (name, path, description, trust policy, this region's inline policy, tags, regions).
  returned: when O(include_automation_role=true)
  type: dict
invoker_role:
  description: The invoker role as managed.
  returned: always
  type: dict
deleted:
  description: Names of the roles deleted because no region uses them any more.
  returned: when state is absent
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import account_id_from_arn
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import caller_account_id
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import arn
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INVOKER_ROLE_NAMES
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import invoker_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import role_arn
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import scheduler_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import SharedRole

POLICY_PREFIX = "awsops-ssm-scheduler-"
DEFAULT_INVOKER_ROLE_NAMES = INVOKER_ROLE_NAMES
DESCRIPTIONS = {
    "automation": "Assumed by SSM Automation to start and stop office-hours EC2 instances (awsops.ssm)",
    "scheduler": "EventBridge Scheduler execution role that starts office-hours SSM automations (awsops.ssm)",
    "lambda": "Execution role of the office-hours Lambda function that starts SSM automations (awsops.ssm)",
}
# input_rules field -> this module's option
OPTIONS = dict(
    (field, field) for field in (
        "backend", "automation_role_name", "invoker_role_name", "function_name", "kms_key_arns", "instance_tags", "dead_letter_queues", "tags",
        "runbook_name", "calendar_names",
    )
)


def invoker_role_name(params):
    return params["invoker_role_name"] or DEFAULT_INVOKER_ROLE_NAMES[params["backend"]]


def instance_tags(params):
    """O(instance_tags) with every value a list (one value may be given alone), or None when omitted."""
    if params["instance_tags"] is None:
        return None
    return dict((key, [values] if isinstance(values, str) else values) for key, values in params["instance_tags"].items())


def input_problems(params):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS).problems


def role_spec(name, description, policy_name, params, partition):
    return dict(
        name=name,
        path="/",
        description=description,
        trust_policy=None,  # needs the account id: set before present()
        managed_policy_arns=None,
        inline_policies={policy_name: None},
        permissions_boundary=None,
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        instance_profile=False,
        partition=partition,
    )


def account_of(module, roles):
    """From a role that exists (no call), else one sts:GetCallerIdentity."""
    for role in roles:
        if role.role:
            return account_id_from_arn(role.role["Arn"])
    return caller_account_id(module)


def run(module, iam):
    params = module.params
    region = module.region
    partition = partition_of(region)
    policy_name = POLICY_PREFIX + region
    backend = params["backend"]
    roles = {}
    if params["include_automation_role"]:
        spec = role_spec(params["automation_role_name"], DESCRIPTIONS["automation"], policy_name, params, partition)
        roles["automation_role"] = SharedRole(module, iam, region, spec)
    spec = role_spec(invoker_role_name(params), DESCRIPTIONS[backend], policy_name, params, partition)
    roles["invoker_role"] = SharedRole(module, iam, region, spec)
    result = {}

    if params["state"] == "absent":
        changed = False
        for role in roles.values():
            changed |= role.absent()
        result["deleted"] = [role.spec["name"] for role in roles.values() if role.before and role.role is None]
    else:
        account_id = account_of(module, roles.values())
        automation_arn = role_arn(partition, account_id, params["automation_role_name"])
        for role in roles.values():
            role.spec["account_id"] = account_id
        if "automation_role" in roles:
            roles["automation_role"].spec["trust_policy"] = automation_trust_policy(account_id)
            roles["automation_role"].spec["inline_policies"][policy_name] = automation_role_policy(
                partition, region, account_id, automation_arn, kms_key_arns=params["kms_key_arns"], instance_tags=instance_tags(params),
                runbook=params["runbook_name"], calendar_names=params["calendar_names"],
            )
        invoker = roles["invoker_role"]
        queue_arns = [arn(partition, "sqs", region, account_id, name) for name in params["dead_letter_queues"]]
        if backend == "lambda":
            invoker.spec["trust_policy"] = lambda_trust_policy()
            invoker.spec["inline_policies"][policy_name] = lambda_role_policy(
                partition, region, account_id, automation_arn, params["function_name"], params["runbook_name"], queue_arns)
        else:
            invoker.spec["trust_policy"] = scheduler_trust_policy(account_id)
            invoker.spec["inline_policies"][policy_name] = invoker_policy(partition, region, automation_arn, account_id, params["runbook_name"], queue_arns)
        changed = False
        for role in roles.values():
            changed |= role.present()
        result["invoker_role_arn"] = invoker.role["Arn"]
        if "automation_role" in roles:
            result["automation_role_arn"] = roles["automation_role"].role["Arn"]
    result["changed"] = changed
    for key, role in roles.items():
        result[key] = role.describe()
    if module._diff:
        result["diff"] = dict(before=dict((key, role.before) for key, role in roles.items()), after=dict((key, result[key]) for key in roles))
    return result


def main():
    argument_spec = dict(
        automation_role_name=dict(type="str", default="SSMSchedulerAutomationRole"),
        backend=dict(type="str", default="scheduler", choices=["scheduler", "lambda"]),
        invoker_role_name=dict(type="str"),
        function_name=dict(type="str", default="instance-scheduler"),
        include_automation_role=dict(type="bool", default=True),
        kms_key_arns=dict(type="list", elements="str", default=[], no_log=False),
        instance_tags=dict(type="dict"),
        dead_letter_queues=dict(type="list", elements="str", default=[]),
        runbook_name=dict(type="str"),
        calendar_names=dict(type="list", elements="str", default=[]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = input_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    iam = aws_retries.client(module, "iam")
    try:
        result = run(module, iam)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
