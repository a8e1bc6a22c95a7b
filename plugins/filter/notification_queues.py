# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: notification_queues
version_added: 0.1.0
short_description: The SQS queues that failure notifications use for office-hours schedules
description:
  - Returns, for the present schedules of a list, the names of the queues M(awsops.ssm.ssm_scheduler_notifications) makes for them,
    as a dict - backend C(scheduler), schedule name to its dead-letter queue C(<group>-<schedule>-dlq); backend C(lambda), the
    function (O(group)) to its on-failure queue C(<group>-failed-invocations).
  - The role C(awsops.ssm.instance_scheduler) hands the names to
    O(awsops.ssm.ssm_scheduler_roles#module:dead_letter_queues) (the invoker role may send to exactly these queues, granted
    before the queues and the schedules that use them exist) and the keys to
    O(awsops.ssm.ssm_scheduler_notifications#module:schedules).
  - The schedules must be valid (M(awsops.ssm.ssm_preflight) checks them first in the playbooks and roles); an invalid list fails
    with its problems.
positional: _input
options:
  _input:
    description:
      - The schedules (C(instance_scheduler_schedules)), a list of dicts.
    type: list
    elements: dict
    required: true
  backend:
    description: The backend of the schedules (C(instance_scheduler_backend)).
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  group:
    description: The schedule group or function name (C(instance_scheduler_group)).
    type: str
    default: instance-scheduler
author:
  - awsops.ssm maintainers (@awsops)
"""

EXAMPLES = r"""
# {'office-hours': 'instance-scheduler-office-hours-dlq'}
- name: Show the dead-letter queue of each present schedule
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'office-hours', 'start': '09:00', 'stop': '18:00'}, {'name': 'old', 'state': 'absent'}]
         | awsops.ssm.notification_queues(backend='scheduler', group='instance-scheduler') }}
"""

RETURN = r"""
_value:
  description:
    - Schedule name (backend C(scheduler)) or function name (backend C(lambda)) to the queue's name; empty when no schedule is present
      (backend C(scheduler)).
  type: dict
  sample: {"office-hours": "instance-scheduler-office-hours-dlq"}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import queue_names
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ScheduleError
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules


def notification_queues(schedules, backend="scheduler", group="instance-scheduler"):
    """The filter: {schedule (or function): queue name}."""
    try:
        present = [schedule.name for schedule in validate_schedules(schedules, option="instance_scheduler_schedules") if schedule.state == "present"]
    except ScheduleError as error:
        raise AnsibleFilterError("awsops.ssm.notification_queues: the schedules are not valid: %s" % error, orig_exc=error)
    return dict((group if schedule is None else schedule, queue) for schedule, queue in queue_names(backend, group, present).items())


class FilterModule(object):
    """awsops.ssm.notification_queues."""

    def filters(self):
        return {"notification_queues": notification_queues}
