# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The runner every schedule backend goes through: check mode, changed, result and diff."""

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import COMMON_ARGUMENT_SPEC
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import BACKENDS as OFFICE_HOURS_BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Change
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Inventory
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import ScheduleBackend
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import run
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, diff=True):
        self.check_mode = check_mode
        self._diff = diff

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])


class FakeBackend(ScheduleBackend):
    name = "fake"

    def __init__(self, module, settings, changes=None, error=None):
        super(FakeBackend, self).__init__(module, settings)
        self.changes = changes or []
        self.error = error
        self.applied = None

    def read(self):
        inventory = Inventory()
        inventory.add("schedule", "old-start", {"expression": "cron(0 7 ? * * *)"})
        return inventory

    def plan(self, inventory, schedules, exclusive, state):
        if self.error:
            raise PlanError(self.error)
        return self.changes

    def apply(self, inventory, changes):
        self.applied = list(changes)


SETTINGS = {"group": "instance-scheduler"}
CHANGES = [
    Change("create", "group", "instance-scheduler", None, {"name": "instance-scheduler"}),
    Change("create", "schedule", "office-start", None, {"expression": "cron(0 9 ? * MON-FRI *)"}),
    Change("delete", "schedule", "old-start", {"expression": "cron(0 7 ? * * *)"}, None),
]


def office():
    return validate_schedules([{"name": "office", "start": "09:00"}], {"timezone": "Europe/Berlin"})


def test_changes_are_applied_and_reported():
    backend = FakeBackend(FakeModule(), SETTINGS, CHANGES)
    result = run(backend.module, backend, office())
    assert backend.applied == CHANGES
    assert result["changed"] is True
    assert (result["created"], result["updated"], result["deleted"]) == (["office-start"], [], ["old-start"])
    assert result["changes"] == ["create group instance-scheduler", "create schedule office-start", "delete schedule old-start"]
    assert result["diff"]["before"] == {"schedule": {"old-start": {"expression": "cron(0 7 ? * * *)"}}}
    assert result["diff"]["after"] == {"group": {"instance-scheduler": {"name": "instance-scheduler"}},
                                       "schedule": {"office-start": {"expression": "cron(0 9 ? * MON-FRI *)"}}}
    assert result["schedules"][0]["aws_names"] == {"start": "office-start", "stop": None}
    assert result["schedules"][0]["start_expression"] == "cron(0 9 ? * MON-FRI *)"


def test_check_mode_predicts_without_applying():
    backend = FakeBackend(FakeModule(check_mode=True), SETTINGS, CHANGES)
    result = run(backend.module, backend, office())
    assert backend.applied is None
    assert result["changed"] is True
    assert result["diff"]["after"]["schedule"] == {"office-start": {"expression": "cron(0 9 ? * MON-FRI *)"}}


def test_nothing_to_do_is_not_a_change_and_no_diff_without_diff_mode():
    backend = FakeBackend(FakeModule(diff=False), SETTINGS, [])
    result = run(backend.module, backend, office())
    assert backend.applied is None
    assert result["changed"] is False and "diff" not in result


def test_module_state_absent_reports_the_schedules_as_absent():
    backend = FakeBackend(FakeModule(), SETTINGS, [])
    summary = run(backend.module, backend, office(), state="absent")["schedules"][0]
    assert summary["state"] == "absent" and summary["aws_names"] == {"start": None, "stop": None}


def test_a_plan_error_fails_before_any_write():
    backend = FakeBackend(FakeModule(), SETTINGS, CHANGES, error="name taken")
    with pytest.raises(Failed, match="name taken"):
        run(backend.module, backend, office())
    assert backend.applied is None


def test_registry():
    assert sorted(BACKENDS) == ["lambda", "scheduler"]
    assert [BACKENDS[name].name for name in ("lambda", "scheduler")] == ["lambda", "scheduler"]
    assert check_input({"backend": "scheduler"}, {"backend": "backend"}).problems == []
    assert check_input({"backend": "lambda"}, {"backend": "backend"}).problems == []
    # the modules' choices and office_hours name exactly the registered backends
    assert sorted(COMMON_ARGUMENT_SPEC["backend"]["choices"]) == sorted(BACKENDS) == sorted(OFFICE_HOURS_BACKENDS)
    # a name no class implements (a choice added before its class) fails naming the option
    assert check_input({"backend": "cron"}, {"backend": "backend"}).problems == ['backend: "cron" is not a backend; expected scheduler or lambda']
    assert FakeBackend.input_problems([], SETTINGS) == []
