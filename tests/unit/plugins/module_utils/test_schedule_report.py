# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""schedule_report: deployed starts and stops read back into the schedule model."""

import datetime

from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import DeployedAction
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import report
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import tag_of

NOW = datetime.datetime(2026, 11, 27, 23, 0, tzinfo=datetime.timezone.utc)  # Saturday 08:00 in Seoul
REQUEST = {"Targets": [{"Key": "tag:Service", "Values": ["test"]}]}


def deployed(action, cron, zone="Asia/Seoul", enabled=True, schedule="test", request=None):
    return DeployedAction(schedule, action, "%s-%s" % (schedule, action), cron, cron, zone, enabled, request or REQUEST)


def test_next_fires_skip_the_weekend_and_carry_both_times():
    result = report([deployed("start", "cron(0 9 ? * MON-FRI *)"), deployed("stop", "cron(0 18 ? * MON-FRI *)")], "scheduler", "g", 2, NOW)
    schedule = result["schedules"][0]
    assert [fire["local"] for fire in schedule["next_starts"]] == ["2026-11-30T09:00:00+09:00", "2026-12-01T09:00:00+09:00"]
    assert schedule["next_starts"][0]["utc"] == "2026-11-30T00:00:00+00:00"
    assert schedule["weekly_running_hours"] == 45
    assert result["problems"] == [] and result["now"] == NOW.isoformat()


def test_one_disabled_half_makes_the_schedule_disabled():
    result = report([deployed("start", "cron(0 9 ? * MON-FRI *)"), deployed("stop", "cron(0 18 ? * MON-FRI *)", enabled=False)], "lambda", "g", 1, NOW)
    assert result["schedules"][0]["enabled"] is False


def test_a_zone_edited_by_hand_is_a_problem_not_a_failure():
    result = report([deployed("start", "cron(0 9 ? * MON-FRI *)", zone="Mars/Olympus"), deployed("start", "cron(0 7 * * ? *)", schedule="ok")],
                    "scheduler", "g", 1, NOW)
    assert [schedule["name"] for schedule in result["schedules"]] == ["ok"]
    assert len(result["problems"]) == 1 and result["problems"][0].startswith('test: "Mars/Olympus" is not an IANA time zone')


def test_a_monthly_cron_has_no_weekly_figures():
    result = report([deployed("stop", "cron(0 20 L * ? *)", zone="UTC")], "scheduler", "g", 1, NOW)
    schedule = result["schedules"][0]
    assert schedule["weekly_running_hours"] is None and schedule["week_grid"] is None
    assert schedule["next_stops"][0]["utc"] == "2026-11-30T20:00:00+00:00"


def test_tag_of_reads_the_first_tag_target():
    assert tag_of(REQUEST) == ("Service", "test")
    assert tag_of({"Targets": [{"Key": "ParameterValues", "Values": ["i-1"]}]}) == (None, None)
    assert tag_of({}) == (None, None)
