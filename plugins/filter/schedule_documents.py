# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: schedule_documents
version_added: 0.1.0
short_description: The runbook and Change Calendars that office-hours schedules with closed days or pause tags use
description:
  - "Returns the SSM documents that M(awsops.ssm.ssm_automation_schedules) will keep for these schedules, as
    C({runbook: NAME, calendars: [NAMES]}) (C(runbook) empty and C(calendars) empty when no action needs the collection's runbook),
    in the form of the options O(awsops.ssm.ssm_scheduler_roles#module:runbook_name) and
    O(awsops.ssm.ssm_scheduler_roles#module:calendar_names)."
  - An action needs the runbook when closed days skip it, when O(pause_tags) is true, or when a stop hibernates. The runbook is
    C(<group>-StartStopInstance); the calendar C(<group>), or C(<group>-<schedule>) for a schedule with closed days or a time zone of its own.
  - The role C(awsops.ssm.instance_scheduler) hands this to M(awsops.ssm.ssm_scheduler_roles), so the automation role may read exactly
    those calendars. The input must be valid (M(awsops.ssm.ssm_preflight) checks it first); an invalid one fails with its problems.
positional: _input
options:
  _input:
    description: The schedules (C(instance_scheduler_schedules)).
    type: list
    elements: dict
    required: true
  group:
    description: The schedule group (C(instance_scheduler_group)).
    type: str
    default: instance-scheduler
  backend:
    description: The backend (C(instance_scheduler_backend)).
    type: str
    default: scheduler
  timezone:
    description: The time zone of schedules that set none (C(instance_scheduler_timezone)).
    type: str
    default: UTC
  tag_key:
    description: The tag key of schedules that set none (C(instance_scheduler_tag_key)).
    type: str
    default: Schedule
  closed_days:
    description: The target's closed days (C(instance_scheduler_closed_days)).
    type: list
    elements: raw
    default: []
  holidays:
    description: The target's holidays (C(instance_scheduler_holidays)).
    type: dict
    default: {}
  pause_tags:
    description: Whether every action honours the pause tags (C(instance_scheduler_pause_tags)).
    type: bool
    default: false
author:
  - awsops.ssm maintainers (@awsops)
"""

EXAMPLES = r"""
- name: Roles that may run the runbook and read the calendars of these schedules
  awsops.ssm.ssm_scheduler_roles:
    runbook_name: "{{ documents.runbook }}"
    calendar_names: "{{ documents.calendars }}"
  vars:
    documents: "{{ instance_scheduler_schedules | awsops.ssm.schedule_documents(group='instance-scheduler', holidays={'country': 'KR'}) }}"
"""

RETURN = r"""
_value:
  description: The runbook's name (empty when none is needed) and the calendars' names.
  type: dict
  sample: {"runbook": "instance-scheduler-StartStopInstance", "calendars": ["instance-scheduler"]}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_documents import needed_documents


def schedule_documents(schedules, group="instance-scheduler", backend="scheduler", timezone="UTC", tag_key="Schedule", closed_days=None,
                       holidays=None, pause_tags=False):
    values = dict(schedules=schedules, group=group, backend=backend, timezone=timezone, tag_key=tag_key, closed_days=closed_days or [],
                  holidays=holidays or {}, pause_tags=pause_tags)
    checked = check_input(values, "instance_scheduler_")
    if checked.problems:
        raise AnsibleFilterError("; ".join(checked.problems))
    parsed = checked.parsed
    plans, _reads, runbook = needed_documents(group, timezone, ClosedDays(parsed["closed_days"], parsed["holidays"]), parsed["schedules"])
    return {"runbook": runbook or "", "calendars": sorted(plans)}


class FilterModule(object):
    def filters(self):
        return {"schedule_documents": schedule_documents}
