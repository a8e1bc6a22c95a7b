# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedule_info reads back what ssm_automation_schedules made, for both backends."""

import datetime

import pytest

INFO = "awsops.ssm.ssm_automation_schedule_info"
SCHEDULES = "awsops.ssm.ssm_automation_schedules"

LISTED = [
    # The reference design: tag Service=test, 09:00-18:00 Asia/Seoul MON-FRI.
    {"name": "test", "start": "09:00", "stop": "18:00", "timezone": "Asia/Seoul", "tag_key": "Service"},
    {"name": "nyc", "start": "07:30", "timezone": "America/New_York", "weekdays": "MON-SUN"},
    {"name": "paused", "start": "08:00", "stop": "17:00", "enabled": False},
]


@pytest.fixture(params=["scheduler", "lambda"])
def deployed(request, ansible):
    backend = request.param
    roles, run = ansible.run_module("awsops.ssm.ssm_scheduler_roles", {"backend": backend, "function_name": "instance-scheduler"})
    assert roles.changed, run.summary()
    args = {
        "backend": backend,
        "schedules": LISTED,
        "automation_role_arn": roles.result["automation_role_arn"],
        "invoker_role_arn": roles.result["invoker_role_arn"],
    }
    result, run = ansible.run_module(SCHEDULES, args)
    assert result.changed, run.summary()
    return backend


def by_name(result):
    return dict((schedule["name"], schedule) for schedule in result.result["schedules"])


def test_reports_what_runs_when(ansible, deployed):
    result, run = ansible.run_module(INFO, {"backend": deployed, "count": 4})
    assert not result.changed
    assert run.writes == []
    schedules = by_name(result)
    assert sorted(schedules) == ["nyc", "paused", "test"]
    test = schedules["test"]
    assert test["timezone"] == "Asia/Seoul" and not test["has_dst"]
    assert test["tag"] == {"Service": "test"}
    assert (test["start_expression"], test["stop_expression"]) == ("cron(0 9 ? * MON-FRI *)", "cron(0 18 ? * MON-FRI *)")
    assert test["weekly_running_hours"] == 45
    assert round(test["share_stopped"], 4) == round(1 - 45 / 168, 4)
    assert test["week_grid"][2] == "MON  .........#########......"
    assert test["week_grid"][7] == "SAT  ........................"
    assert len(test["next_starts"]) == 4
    for fire in test["next_starts"]:
        local = datetime.datetime.fromisoformat(fire["local"])
        utc = datetime.datetime.fromisoformat(fire["utc"])
        assert (local.hour, local.minute, local.utcoffset()) == (9, 0, datetime.timedelta(hours=9))
        assert local == utc and local.isoweekday() <= 5
    nyc = schedules["nyc"]
    assert nyc["has_dst"] and nyc["stop_expression"] is None and nyc["next_stops"] == []
    assert nyc["weekly_running_hours"] == 168
    assert all(datetime.datetime.fromisoformat(fire["local"]).strftime("%H:%M") == "07:30" for fire in nyc["next_starts"])
    assert schedules["paused"]["enabled"] is False
    if deployed == "lambda":
        assert test["aws_names"] == {"start": "instance-scheduler-test-start", "stop": "instance-scheduler-test-stop"}
        assert test["aws_expressions"] == {"start": "cron(0 0 ? * MON-FRI *)", "stop": "cron(0 9 ? * MON-FRI *)"}
        # New York's 07:30 is 11:30 UTC in summer and 12:30 in winter: one rule at both, the gate picks.
        assert nyc["aws_expressions"]["start"] == "cron(30 11,12 ? * * *)"
        assert nyc["start_expression"] == "cron(30 7 ? * * *)"
    else:
        assert test["aws_names"] == {"start": "test-start", "stop": "test-stop"}
        assert test["aws_expressions"] == {"start": "cron(0 9 ? * MON-FRI *)", "stop": "cron(0 18 ? * MON-FRI *)"}


def test_an_empty_target_has_no_schedules(ansible):
    result, run = ansible.run_module(INFO, {"backend": "lambda"})
    assert not result.failed and result.result["schedules"] == [], run.summary()
    assert run.writes == []


def test_bad_count_is_refused_before_any_call(ansible):
    result, run = ansible.run_module(INFO, {"count": 0})
    assert result.failed and "count: 0 is not a whole number from 1 to 50" in result.result["msg"]
    assert run.calls == []
