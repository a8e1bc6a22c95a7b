#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_automation_schedules
version_added: 0.1.0
short_description: All office-hours start/stop schedules of one AWS target, in one run
description:
  - Manages the whole list of office-hours schedules of an account and region in one invocation (the role
    C(awsops.ssm.instance_scheduler) uses it; looping M(awsops.ssm.ssm_automation_schedule) would cost one module run per schedule).
  - Each schedule starts the EC2 instances carrying its tag at its local start time and stops them at its stop time,
    by running C(AWS-StartEC2Instance) / C(AWS-StopEC2Instance) with tag targets and rate control.
  - "With backend C(scheduler), schedule C(<name>) is the EventBridge Scheduler schedules C(<name>-start) and C(<name>-stop)
    in the group O(group), marked with the description C(Managed by awsops.ssm: <name> <start|stop>) (Scheduler schedules
    cannot carry tags). A schedule without the marker, for example one created by hand in the same group, is never changed or deleted."
  - "With backend C(lambda), schedule C(<name>) is the EventBridge rules C(<group>-<name>-start) and C(<group>-<name>-stop), marked with the
    description C(Managed by awsops.ssm: function <group>, schedule <name> <start|stop>), each with one permission statement (Sid the rule name)
    on the function O(group). A rule without the marker is never changed or deleted; a function named O(group) without the tag
    C(awsops:ssm:managed-by=awsops.ssm) stops the run before any change."
  - O(exclusive=true) also removes the schedules of this collection in the group that are no longer listed.
  - O(state=absent) removes every schedule of this collection in the group, then the group itself when this collection
    created it (tag C(awsops:ssm:managed-by=awsops.ssm)) and nothing else is left in it; with backend C(lambda), every rule of ours
    with the prefix, then the function and its log group when they carry the tag.
  - Every schedule and option is checked before the first call; a bad value fails with a message naming it
    (for example C(schedules[2].start)) and the accepted form, and nothing is changed.
  - "Closed days and pause tags - an action that needs them runs the collection's runbook C(<group>-StartStopInstance) (an Automation
    document, see M(awsops.ssm.ssm_automation_runbook)) instead of the AWS one, which reads the Change Calendar C(<group>) (or
    C(<group>-<schedule>) for a schedule with closed days or a time zone of its own, see M(awsops.ssm.ssm_change_calendar)) at the
    scheduled time and the instance's pause tags. The module keeps those documents in sync in the same run (created before the schedules
    that name them, removed after), tagged C(awsops:ssm:schedule-group=<group>); events people add to a calendar in the console are kept.
    Actions that need none of this keep the AWS runbooks (the collection's costs five Automation steps per instance instead of one)."
  - "Reads on a run that changes nothing: one C(ListSchedules) for the group and one C(GetSchedule) per schedule named C(*-start) or C(*-stop)
    (the listing does not return the description); one C(ListTagsForResource) more when O(tags) is given.
    With backend C(lambda): C(DescribeLogGroups) and C(ListTagsForResource) (log group), C(GetFunction), C(GetPolicy), C(ListRules) and
    one C(ListTargetsByRule) per rule. Both - one C(ListDocuments) (the account's Change Calendars and Automation documents) and one
    C(GetDocument) per calendar and runbook of the group."
author:
  - awsops.ssm maintainers (@awsops)
options:
  schedules:
    description:
      - The schedules. Each is a dict with C(name) (required; at most 58 letters, digits, C(-), C(_) or C(.)),
        C(start) and/or C(stop) (C("HH:MM"), local time), C(weekdays) (default C(MON-FRI); a range or a list of C(SUN)..C(SAT)),
        C(timezone) (default O(defaults.timezone)), C(tag_key) (default O(defaults.tag_key)), C(tag_value) (default the name),
        or instead of start/stop/weekdays raw AWS expressions C(start_cron) / C(stop_cron) (C(cron(0 9 ? * MON-FRI *))),
        C(enabled) (default C(true)) and C(state) (C(present) or C(absent), default C(present)).
      - When C(stop) is earlier than C(start) (overnight), the stop fires on the following day.
      - "Closed days, per schedule: C(closed_days) and C(holidays) (the forms of O(defaults.closed_days) and O(defaults.holidays)) replace the
        defaults for that schedule (C([]) and C({}) turn them off); C(on_closed_days) is C(skip_start) (default - on a closed day the start
        does not happen, the stop does) or C(skip_both); C(hibernate=true) stops by hibernating where the instance supports it."
    type: list
    elements: dict
    default: []
  defaults:
    description:
      - Values used where a schedule sets none.
    type: dict
    suboptions:
      timezone:
        description:
          - IANA time zone, for example C(Europe/Berlin).
        type: str
        default: UTC
      tag_key:
        description:
          - Key of the tag that selects the instances.
        type: str
        default: Schedule
      closed_days:
        description:
          - Closed days, each C("YYYY-MM-DD"), an inclusive range C("YYYY-MM-DD..YYYY-MM-DD") or C({date, name}), local dates in the
            schedule's time zone, on which the start does not happen (see C(on_closed_days) in O(schedules)).
        type: list
        elements: raw
        default: []
      holidays:
        description:
          - "A country's public holidays as closed days: C({country: KR, subdivision: ..., categories: [...], language: ...,
            include: [...], exclude: [...]}), from the C(holidays) library, for this year and the next (recomputed on every run)."
        type: dict
        default: {}
  pause_tags:
    description:
      - Honour the instance tags C(awsops:scheduler:pause=true) and C(awsops:scheduler:pause-until=TIME) (ISO 8601 with an offset) on
        every start and stop, which then run the collection's runbook. When false, only actions that skip closed days or hibernate run it
        (and those honour the tags too).
    type: bool
    default: false
  exclusive:
    description:
      - Remove the schedules of this collection in O(group) that are not in O(schedules).
    type: bool
    default: true
  state:
    description:
      - C(present) makes the group hold exactly the listed schedules (see O(exclusive)).
      - C(absent) removes every schedule of this collection in the group, and the group when it is this collection's and empty;
        O(schedules) is then only validated.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - awsops.ssm.automation_schedule
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Roles for the scheduler backend, which may start and stop the instances these schedules target
  awsops.ssm.ssm_scheduler_roles:
    backend: scheduler
    instance_tags:
      Schedule: [office, seoul, night-batch, weekend-stop]
  register: scheduler_roles

- name: Every schedule of this target
  awsops.ssm.ssm_automation_schedules:
    group: instance-scheduler
    defaults:
      timezone: Europe/Berlin
    schedules:
      - name: office
        start: "08:00"
        stop: "18:30"
      - name: seoul-office
        start: "09:00"
        stop: "18:00"
        timezone: Asia/Seoul
        tag_value: seoul
      - name: night-batch
        start: "22:00"
        stop: "06:00"
        weekdays: [MON, TUE, WED, THU]
      - name: weekend-stop
        stop_cron: cron(0 20 ? * FRI *)
    automation_role_arn: "{{ scheduler_roles.automation_role_arn }}"
    invoker_role_arn: "{{ scheduler_roles.invoker_role_arn }}"
    max_concurrency: "20%"
    max_errors: "1"
    tags:
      team: platform

- name: Remove every schedule and the group
  awsops.ssm.ssm_automation_schedules:
    group: instance-scheduler
    state: absent
"""

RETURN = r"""
schedules:
  description: The listed schedules as managed.
  returned: always
  type: list
  elements: dict
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
    tag:
      description: The tag that selects the instances, as C(key) and C(value).
      type: dict
      sample: {"key": "Schedule", "value": "office"}
    start_expression:
      description: The local start expression, or null.
      type: str
      sample: cron(0 8 ? * MON-FRI *)
    stop_expression:
      description: The local stop expression, or null.
      type: str
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
  sample: [create group instance-scheduler, create schedule office-start]
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
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import checked_input
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import run_module
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import schedule_documents

# input_rules field -> this module's option
DEFAULTS = ("timezone", "tag_key", "closed_days", "holidays")
OPTIONS = dict(COMMON_OPTIONS, state="state", schedules="schedules", pause_tags="pause_tags", **dict((field, "defaults." + field) for field in DEFAULTS))


def input_values(params):
    """The options as input_rules fields (the schedules' defaults come from the defaults option)."""
    values = dict((field, params[option]) for field, option in OPTIONS.items() if "." not in option)
    values.update((field, params["defaults"][field]) for field in DEFAULTS)
    return values


def main():
    argument_spec = dict(
        schedules=dict(type="list", elements="dict", default=[]),
        defaults=dict(
            type="dict",
            apply_defaults=True,
            options=dict(
                timezone=dict(type="str", default="UTC"),
                tag_key=dict(type="str", default="Schedule", no_log=False),
                closed_days=dict(type="list", elements="raw", default=[]),
                holidays=dict(type="dict", default={}),
            ),
        ),
        pause_tags=dict(type="bool", default=False),
        exclusive=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    parsed = checked_input(module, input_values(module.params), OPTIONS)
    documents = schedule_documents(module, parsed)
    module.exit_json(**run_module(module, parsed["schedules"], exclusive=module.params["exclusive"], state=module.params["state"], documents=documents))


if __name__ == "__main__":
    main()
