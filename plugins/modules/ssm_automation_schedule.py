#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_automation_schedule
version_added: 0.1.0
short_description: Start and stop tagged EC2 instances at office hours with SSM Automation (one schedule)
description:
  - Starts the EC2 instances tagged O(tag_key)=O(tag_value) at O(start) and stops them at O(stop), local time in O(timezone),
    on O(weekdays), by running the AWS runbooks C(AWS-StartEC2Instance) / C(AWS-StopEC2Instance) with tag targets
    (C(TargetParameterName=InstanceId)) and rate control (O(max_concurrency), O(max_errors)).
  - "With backend C(scheduler), the schedule C(<name>) is two EventBridge Scheduler schedules C(<name>-start) and C(<name>-stop)
    in the group O(group). Scheduler schedules cannot carry tags, so each carries the description
    C(Managed by awsops.ssm: <name> <start|stop>); a schedule without it is never changed or deleted."
  - "With backend C(lambda), it is the EventBridge rules C(<group>-<name>-start) and C(<group>-<name>-stop) in UTC, invoking the
    Lambda function O(group) (see O(backend)); the function's code bundles the time zones of every rule of ours, so adding a schedule
    here keeps the others working."
  - A schedule with only O(start) (or only O(stop)) has one AWS schedule; an existing other one of this schedule is removed.
  - O(state=absent) removes this schedule's AWS schedules and leaves the group (other schedules may use it);
    M(awsops.ssm.ssm_automation_schedules) with O(awsops.ssm.ssm_automation_schedules#module:state=absent) also removes the group.
  - To manage the whole list of a target in one run, use M(awsops.ssm.ssm_automation_schedules); this module is that one with a
    single schedule and C(exclusive=false).
  - Every option is checked before the first call; a bad value fails naming the option and the accepted form.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - Name of the schedule; the AWS schedules are C(<name>-start) and C(<name>-stop), so at most 58 letters, digits, C(-), C(_) or C(.).
    type: str
    required: true
  start:
    description:
      - Local start time, C("HH:MM") (24 hours). Quote it in YAML (an unquoted C(09:00) is a number to YAML 1.1).
      - Mutually exclusive with O(start_cron) and O(stop_cron).
    type: raw
  stop:
    description:
      - Local stop time, C("HH:MM"). When it is earlier than O(start) (overnight), the stop fires on the following day.
    type: raw
  weekdays:
    description:
      - The days on which the running period begins, C(SUN) to C(SAT), as a range (C(MON-FRI)), a comma-separated string or a list.
      - Defaults to C(MON-FRI) when O(start) or O(stop) is given.
    type: raw
  timezone:
    description:
      - IANA time zone of O(start), O(stop) and the cron expressions, for example C(Europe/Berlin) or C(Asia/Seoul).
    type: str
    default: UTC
  tag_key:
    description:
      - Key of the tag that selects the instances.
    type: str
    default: Schedule
  tag_value:
    description:
      - Value of the tag that selects the instances. Defaults to O(name).
    type: raw
  start_cron:
    description:
      - A raw AWS cron expression for the start, C(cron(Minutes Hours Day-of-month Month Day-of-week Year)) with exactly one day field C(?),
        evaluated in O(timezone). Instead of O(start), O(stop) and O(weekdays).
    type: str
  stop_cron:
    description:
      - A raw AWS cron expression for the stop. Instead of O(start), O(stop) and O(weekdays).
    type: str
  enabled:
    description:
      - C(false) keeps the schedule but disables it (Scheduler schedule or EventBridge rule state C(DISABLED)).
    type: bool
    default: true
  state:
    description:
      - C(present) creates or updates the schedule; C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - awsops.ssm.automation_schedule
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Roles for the scheduler backend, which may start and stop the instances tagged Schedule=office or Team=data
  awsops.ssm.ssm_scheduler_roles:
    backend: scheduler
    instance_tags:
      Schedule: office
      Team: data
  register: scheduler_roles

- name: Office hours in Seoul, Monday to Friday, for instances tagged Schedule=office
  awsops.ssm.ssm_automation_schedule:
    name: office
    start: "09:00"
    stop: "18:00"
    weekdays: MON-FRI
    timezone: Asia/Seoul
    automation_role_arn: "{{ scheduler_roles.automation_role_arn }}"
    invoker_role_arn: "{{ scheduler_roles.invoker_role_arn }}"

- name: Stop only, every evening, instances tagged Team=data
  awsops.ssm.ssm_automation_schedule:
    name: evening-stop
    stop_cron: cron(0 20 ? * * *)
    timezone: Europe/Berlin
    tag_key: Team
    tag_value: data
    automation_role_arn: "{{ scheduler_roles.automation_role_arn }}"
    invoker_role_arn: "{{ scheduler_roles.invoker_role_arn }}"

- name: Remove the schedule
  awsops.ssm.ssm_automation_schedule:
    name: office
    state: absent
"""

RETURN = r"""
schedule:
  description: The schedule as managed.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the schedule.
      type: str
      sample: office
    state:
      description: C(present) or C(absent).
      type: str
    enabled:
      description: Whether the schedule is enabled.
      type: bool
    timezone:
      description: IANA time zone of the expressions.
      type: str
      sample: Asia/Seoul
    tag:
      description: The tag that selects the instances, as C(key) and C(value).
      type: dict
      sample: {"key": "Schedule", "value": "office"}
    start_expression:
      description: The local start expression, or null.
      type: str
      sample: cron(0 9 ? * MON-FRI *)
    stop_expression:
      description: The local stop expression, or null.
      type: str
      sample: cron(0 18 ? * MON-FRI *)
    aws_names:
      description: Names of the AWS schedules (or rules) for C(start) and C(stop) (null where there is none).
      type: dict
      sample: {"start": "office-start", "stop": "office-stop"}
created:
  description: AWS schedules (backend C(scheduler)) or EventBridge rules (backend C(lambda)) created.
  returned: always
  type: list
  elements: str
  sample: [office-start, office-stop]
updated:
  description: AWS schedules or rules updated.
  returned: always
  type: list
  elements: str
deleted:
  description: AWS schedules or rules deleted.
  returned: always
  type: list
  elements: str
changes:
  description: Every write made (or, in check mode, that would be made), in order, as C(<action> <kind> <name>).
  returned: always
  type: list
  elements: str
  sample: [create group instance-scheduler, create schedule office-start, create schedule office-stop]
resources:
  description:
    - What this collection manages after the run (in check mode, would), by kind and name - C(group) and C(schedule) (backend C(scheduler));
      C(log_group), C(function), C(rule) and C(permission) (backend C(lambda)).
  returned: always
  type: dict
backend:
  description: The backend used.
  returned: always
  type: str
  sample: scheduler
group:
  description: The schedule group (backend C(scheduler)) or the function name (backend C(lambda)).
  returned: always
  type: str
  sample: instance-scheduler
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import COMMON_ARGUMENT_SPEC
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import COMMON_OPTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import checked_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import run_module
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of

SCHEDULE_KEYS = ("name", "start", "stop", "weekdays", "timezone", "tag_key", "tag_value", "start_cron", "stop_cron", "enabled", "state")
# input_rules field -> this module's option; the schedule's keys are options of their own (schedules: None)
OPTIONS = dict(COMMON_OPTIONS, schedules=None)


def input_values(params):
    """The options as input_rules fields: the one schedule is made of this module's top-level options."""
    values = options_of(params, COMMON_OPTIONS)
    values["schedules"] = [dict((key, params[key]) for key in SCHEDULE_KEYS if params[key] is not None)]
    return values


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        start=dict(type="raw"),
        stop=dict(type="raw"),
        weekdays=dict(type="raw"),
        timezone=dict(type="str", default="UTC"),
        tag_key=dict(type="str", default="Schedule", no_log=False),
        tag_value=dict(type="raw"),
        start_cron=dict(type="str"),
        stop_cron=dict(type="str"),
        enabled=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    schedules = checked_schedules(module, input_values(module.params), OPTIONS)
    result = run_module(module, schedules, exclusive=False, state="present")
    result["schedule"] = result.pop("schedules")[0]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
