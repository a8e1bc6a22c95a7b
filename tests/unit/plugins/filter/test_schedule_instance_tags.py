# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filter awsops.ssm.schedule_instance_tags: the tags the present schedules start and stop."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.filter.schedule_instance_tags import FilterModule
from ansible_collections.awsops.ssm.plugins.filter.schedule_instance_tags import schedule_instance_tags


def test_the_role_variables_give_the_tags_of_the_present_schedules():
    schedules = [
        {"name": "test", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul", "tag_key": "Service", "tag_value": "test"},
        {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE"]},
        {"name": "office", "start": "08:00", "tag_key": None},  # None is not given: the default key
        {"name": "prod", "start": "09:00", "tag_key": "Service", "tag_value": "prod", "state": "absent"},
        {"name": "weekend-stop", "stop_cron": "cron(0 20 ? * FRI *)", "enabled": False},
    ]
    assert schedule_instance_tags(schedules, tag_key="Env") == {"Env": ["night", "office", "weekend-stop"], "Service": ["test"]}
    assert schedule_instance_tags(schedules) == {"Schedule": ["night", "office", "weekend-stop"], "Service": ["test"]}


def test_no_present_schedule_gives_no_tag():
    assert schedule_instance_tags([]) == {}
    assert schedule_instance_tags([{"name": "old", "state": "absent"}]) == {}


def test_invalid_schedules_fail_with_their_problems():
    with pytest.raises(AnsibleFilterError, match=r"instance_scheduler_schedules\[0\]\.start: .*is not a time"):
        schedule_instance_tags([{"name": "office", "start": "25:00"}])


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"schedule_instance_tags": schedule_instance_tags}
