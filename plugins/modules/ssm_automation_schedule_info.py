#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_automation_schedule_info
version_added: 0.1.0
short_description: What runs when - the office-hours schedules of one AWS target
description:
  - Reads the office-hours schedules this collection manages in an account and region (those carrying its marker) and reports,
    for each, its expressions, time zone, state, tag, the next O(count) start and stop times (local and UTC),
    the weekly running hours, the share of the week the instances are stopped and a 7-day x 24-hour grid.
  - With backend C(scheduler) it reads the schedules of the group O(group); with backend C(lambda) the rules C(<group>-*-start|stop)
    and their targets, and reports the local time each rule's gate acts at (the rules themselves are in UTC).
  - Weekly figures assume nobody starts or stops the instances by hand and that each start or stop holds until the next one
    (a start-only schedule runs 168 hours a week); expressions that do not repeat weekly have none (null).
  - "Closed days: for a schedule whose actions run the collection's runbook, the Change Calendars it reads (one C(GetDocument) each),
    the closed days ahead (date, name, and source - inventory, holidays library or console) and the next seven days' grid with the
    closed days marked, whose running hours account for them."
  - Makes no change; the reads are those of a run of M(awsops.ssm.ssm_automation_schedules) that changes nothing, plus one C(GetDocument)
    per calendar.
author:
  - awsops.ssm maintainers (@awsops)
options:
  backend:
    description:
      - The backend whose schedules to read, C(scheduler) or C(lambda).
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  group:
    description:
      - The schedule group (backend C(scheduler)) or the Lambda function name and rule prefix (backend C(lambda)).
    type: str
    default: instance-scheduler
  count:
    description:
      - How many next start and stop times to report per schedule, 1 to 50.
    type: int
    default: 3
  executions:
    description:
      - How many of each schedule's last automation runs to report (RV(schedules[].last_runs)), each with the outcome per instance,
        and the instances' state right now (RV(schedules[].right_now)). C(0) reads none.
      - Reads C(ssm:DescribeAutomationExecutions), C(ssm:GetAutomationExecution) and C(ec2:DescribeInstances);
        see plugins/module_utils/automation_executions.py for the bounds.
    type: int
    default: 0
  executions_window_hours:
    description:
      - How far back to look for those runs, in hours (1 to 720).
    type: int
    default: 168
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Read the office-hours schedules of this target
  awsops.ssm.ssm_automation_schedule_info:
    backend: lambda
    group: instance-scheduler
    count: 5
  register: office_hours

- name: Show each schedule's week
  ansible.builtin.debug:
    msg: "{{ item.week_grid }}"
  loop: "{{ office_hours.schedules }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
backend:
  description: The backend read.
  returned: always
  type: str
  sample: lambda
group:
  description: The schedule group or function name read.
  returned: always
  type: str
  sample: instance-scheduler
now:
  description: The instant (UTC) the next times are counted from.
  returned: always
  type: str
  sample: "2026-11-29T03:00:00+00:00"
executions_window:
  description: With O(executions), the window the runs were read from - C(hours) and C(after) (ISO 8601, UTC).
  returned: when O(executions) is above 0
  type: dict
  sample: {"hours": 168, "after": "2026-11-22T03:00:00+00:00"}
problems:
  description: Schedules of ours that could not be read into the model (for example a time zone edited by hand), with the reason.
  returned: always
  type: list
  elements: str
function:
  description:
    - With backend C(lambda), the function's state as Lambda reports it; null when there is no function.
    - A function whose C(state) is C(Failed), or whose last update failed, runs no start or stop; the next run of
      M(awsops.ssm.ssm_automation_schedules) repairs it (a Failed function is deleted and created again).
  returned: when backend is lambda
  type: dict
  contains:
    name:
      description: The function's name.
      type: str
      sample: instance-scheduler
    state:
      description: C(Pending), C(Active), C(Inactive) or C(Failed).
      type: str
      sample: Active
    state_reason:
      description: Why the function is in that state (Lambda's C(StateReason)), or null.
      type: str
    last_update_status:
      description: C(Successful), C(InProgress) or C(Failed).
      type: str
      sample: Successful
    last_update_status_reason:
      description: Why the last update failed (Lambda's C(LastUpdateStatusReason)), or null.
      type: str
    ok:
      description: Whether the function can run (neither it nor its last update Failed).
      type: bool
schedules:
  description: The schedules of this collection, by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The schedule's name.
      type: str
      sample: test
    state:
      description: Always C(present) (the schedule exists).
      type: str
    enabled:
      description: Whether its start and stop are both enabled.
      type: bool
    timezone:
      description: The IANA time zone its local times are in.
      type: str
      sample: Asia/Seoul
    has_dst:
      description: Whether that zone changes its UTC offset in the next two years.
      type: bool
    tag:
      description: "The tag selecting the instances, as C({key: value})."
      type: dict
      sample: {"Service": "test"}
    start_expression:
      description: The start as a local cron expression in RV(schedules[].timezone), or null.
      type: str
      sample: cron(0 9 ? * MON-FRI *)
    stop_expression:
      description: The stop as a local cron expression, or null.
      type: str
      sample: cron(0 18 ? * MON-FRI *)
    aws_names:
      description: The AWS schedule or rule names for C(start) and C(stop).
      type: dict
      sample: {"start": "instance-scheduler-test-start", "stop": "instance-scheduler-test-stop"}
    aws_expressions:
      description: The expressions as AWS holds them (UTC for the rules of backend C(lambda)).
      type: dict
      sample: {"start": "cron(0 0 ? * MON-FRI *)", "stop": "cron(0 9 ? * MON-FRI *)"}
    next_starts:
      description: The next starts, each as C(local) and C(utc) ISO 8601 times.
      type: list
      elements: dict
      sample: [{"local": "2026-11-30T09:00:00+09:00", "utc": "2026-11-30T00:00:00+00:00"}]
    next_stops:
      description: The next stops, like RV(schedules[].next_starts).
      type: list
      elements: dict
    weekly_running_hours:
      description: Hours a week the instances run, or null when the schedule does not repeat weekly.
      type: float
      sample: 45.0
    share_stopped:
      description: Share of the week (0 to 1) the instances are stopped, or null.
      type: float
      sample: 0.7321
    calendars:
      description: The Change Calendars the schedule's runbook reads (empty when it runs the AWS runbooks).
      type: list
      elements: str
      sample: [instance-scheduler]
    closed_days_ahead:
      description:
        - Every closed local date from today on in those calendars, with the event's C(name), its C(source) - C(inventory) and
          C(holidays) (the collection's events) or C(console) (an event people added) - and the C(calendar).
      type: list
      elements: dict
      sample: [{"date": "2026-12-25", "name": "Christmas Day", "source": "holidays", "calendar": "instance-scheduler"}]
    week_ahead:
      description:
        - The next seven local days with the fires the calendars close left out (null without calendars) - C(grid), text lines
          with C(#) for an hour the instances run, C(x) for one they would run were the day not closed, C(.) stopped, and the
          closure of each closed day; C(running_hours) in those days; C(hours_saved_by_closed_days); C(closed_dates).
      type: dict
    week_grid:
      description:
        - Text lines of a week, Monday first - two header lines with the hours 00 to 23, then one line per day,
          C(#) for an hour the instances run (at least 30 minutes of it), C(.) for one they are stopped. Null when not weekly.
      type: list
      elements: str
    last_runs:
      description:
        - "With O(executions), the schedule's last runs, newest first - C(action), C(execution_id), C(document), C(status),
          C(failed) (the run or one of its instances), C(start) and C(end) (C(local) and C(utc)), C(executed_by), C(failure_message),
          and C(instances), one per instance with C(instance_id), C(status), C(failure_message), C(execution_id) and C(line)
          (for example C(i-0abc: Failed: ... kms:CreateGrant ...))."
      returned: when O(executions) is above 0
      type: list
      elements: dict
    right_now:
      description:
        - "With O(executions), the state the schedule says its instances should be in now (C(expected), C(running) or C(stopped),
          null when the schedule does not repeat weekly or is disabled), each tagged instance with its C(state), and the ids
          C(as_expected), C(not_as_expected) and C(paused) (tagged C(awsops:scheduler:pause) or C(awsops:scheduler:pause-until))."
      returned: when O(executions) is above 0
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.automation_executions import add_last_runs
from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import backend_settings
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import calendar_names_of
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import report

# input_rules field -> this module's option
OPTIONS = {
    "backend": "backend", "group": "group", "report_count": "count",
    "report_executions": "executions", "report_executions_window_hours": "executions_window_hours",
}


def main():
    argument_spec = dict(
        backend=dict(type="str", default="scheduler", choices=["scheduler", "lambda"]),
        group=dict(type="str", default="instance-scheduler"),
        count=dict(type="int", default=3),
        executions=dict(type="int", default=0),
        executions_window_hours=dict(type="int", default=168),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    checked = check_input(options_of(params, OPTIONS), OPTIONS, region=module.region)
    if checked.problems:
        module.fail_json(msg="; ".join(checked.problems), problems=checked.problems)
    backend = BACKENDS[params["backend"]](module, backend_settings(params["group"], module.region))
    try:
        inventory = backend.read()
        deployed = backend.deployed_actions(inventory)
        calendars = read_calendars(module, calendar_names_of(deployed))
        result = report(deployed, params["backend"], params["group"], params["count"], calendars=calendars)
        if params["executions"]:
            add_last_runs(module, result, deployed, params["executions"], params["executions_window_hours"])
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    result.update(backend.status(inventory))
    module.exit_json(changed=False, **result)


def read_calendars(module, names):
    """{name: Calendar, or None when missing or unreadable} of the Change Calendars the schedules read: one GetDocument each."""
    if not names:
        return {}
    from ansible_collections.awsops.ssm.plugins.module_utils.change_calendar import parse_calendar
    from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import get_document

    client = aws_retries.client(module, "ssm")
    calendars = {}
    for name in names:
        document = get_document(client, name, document_format="TEXT")
        try:
            calendars[name] = parse_calendar(document["Content"]) if document else None
        except ValueError:
            calendars[name] = None
    return calendars


if __name__ == "__main__":
    main()
