# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: schedule_instance_tags
version_added: 0.1.0
short_description: The instance tags that office-hours schedules start and stop
description:
  - Returns the tags that the present schedules of a list target, as a dict of tag key to the sorted list of tag values,
    in the form of the option O(awsops.ssm.ssm_scheduler_roles#module:instance_tags).
  - A schedule's tag is C(tag_key) (default O(tag_key)) with C(tag_value) (default the schedule's C(name)), as the schedule
    modules use it. Schedules with C(state=absent) are left out; disabled ones count (they exist in AWS and may be enabled there).
  - The role C(awsops.ssm.instance_scheduler) hands this to M(awsops.ssm.ssm_scheduler_roles), so the automation role may
    start and stop only the instances its schedules target.
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
  tag_key:
    description: The tag key of schedules that set none (C(instance_scheduler_tag_key)).
    type: str
    default: Schedule
author:
  - awsops.ssm maintainers (@awsops)
"""

EXAMPLES = r"""
- name: Roles that may start and stop only the scheduled instances
  awsops.ssm.ssm_scheduler_roles:
    instance_tags: "{{ instance_scheduler_schedules | awsops.ssm.schedule_instance_tags(tag_key=instance_scheduler_tag_key) }}"

# {'Schedule': ['night'], 'Service': ['test']}
- name: Show the tags of two schedules
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'test', 'start': '09:00', 'stop': '18:00', 'tag_key': 'Service'},
          {'name': 'night', 'start': '22:00', 'stop': '06:00'},
          {'name': 'old', 'state': 'absent'}]
         | awsops.ssm.schedule_instance_tags }}
"""

RETURN = r"""
_value:
  description:
    - Tag key to the sorted tag values of the present schedules; empty when no schedule is present.
  type: dict
  sample: {"Schedule": ["night"], "Service": ["test"]}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import DEFAULTS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ScheduleError
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import scheduled_instance_tags


def schedule_instance_tags(schedules, tag_key=DEFAULTS["tag_key"]):
    """The filter: {tag key: [values]} of the present schedules."""
    try:
        # Only the tags are read; the scheduler backend's checks accept every list that a backend accepts.
        return scheduled_instance_tags(validate_schedules(schedules, defaults={"tag_key": tag_key}, option="instance_scheduler_schedules"))
    except ScheduleError as error:
        raise AnsibleFilterError("awsops.ssm.schedule_instance_tags: the schedules are not valid: %s" % error, orig_exc=error)


class FilterModule(object):
    """awsops.ssm.schedule_instance_tags."""

    def filters(self):
        return {"schedule_instance_tags": schedule_instance_tags}
