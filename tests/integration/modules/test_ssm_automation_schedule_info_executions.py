# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedule_info's executions options against the local endpoint.

The emulator keeps no automation history (DescribeAutomationExecutions and
GetAutomationExecution are not implemented): the readers are tested with
botocore's Stubber in tests/unit (test_automation_executions.py). Here: the
options are checked before any call, and executions 0 reads no history.
"""

import pytest

INFO = "awsops.ssm.ssm_automation_schedule_info"


def test_without_executions_no_history_is_read(ansible):
    result, run = ansible.run_module(INFO, {})
    assert not result.failed, run.summary()
    assert [str(call) for call in run.calls] == ["scheduler:ListSchedules"]
    assert "executions_window" not in result.result


@pytest.mark.parametrize("args, message", [
    ({"executions": 51}, "executions: 51 is not a number of runs from 0 to 50"),
    ({"executions": 3, "executions_window_hours": 0}, "executions_window_hours: 0 is not a number of hours from 1 to 720"),
    ({"executions": 3, "executions_window_hours": 1000}, "executions_window_hours: 1000 is not a number of hours from 1 to 720"),
])
def test_bad_options_fail_before_any_call(ansible, args, message):
    result, run = ansible.run_module(INFO, args)
    assert result.failed and message in result.result["msg"], result.result
    assert run.calls == []
