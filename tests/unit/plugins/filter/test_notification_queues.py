# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filter notification_queues: the queue names ssm_scheduler_notifications makes, for the role's invoker policy."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.filter.notification_queues import notification_queues
from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import queue_names

SCHEDULES = [{"name": "office", "start": "09:00", "stop": "18:00"}, {"name": "night", "start": "22:00"}, {"name": "old", "state": "absent"}]


def test_scheduler_one_dead_letter_queue_per_present_schedule():
    assert notification_queues(SCHEDULES, backend="scheduler", group="hours") == {"office": "hours-office-dlq", "night": "hours-night-dlq"}
    assert notification_queues([], backend="scheduler") == {}


def test_lambda_the_functions_on_failure_queue():
    assert notification_queues(SCHEDULES, backend="lambda", group="hours") == {"hours": "hours-failed-invocations"}


def test_the_names_are_the_modules_own():
    """One place for the names: what the module creates is what the role grants."""
    assert list(notification_queues(SCHEDULES, group="g").values()) == list(queue_names("scheduler", "g", ["office", "night"]).values())


def test_invalid_schedules_fail_with_their_problems():
    with pytest.raises(AnsibleFilterError, match="instance_scheduler_schedules"):
        notification_queues([{"name": "office", "start": "25:00"}])
