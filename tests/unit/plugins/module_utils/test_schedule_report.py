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


# ---- closed days: the calendars' events leave out the fires they close, as the runbook decides


def calendar_with(*events):
    """A calendar holding events (uid, start, end, summary) as icalendar builds them."""
    from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc

    calendar = cc.new_calendar()
    for uid, start, end, summary in events:
        calendar.add_component(cc._component(cc.ClosureEvent(uid, start, end, summary), start, 0))
    return calendar


def runbook_request(action, on_closed_days="skip_start"):
    return {"DocumentName": "instance-scheduler-StartStopInstance", "Targets": [{"Key": "tag:Schedule", "Values": ["test"]}],
            "Parameters": {"Action": [action], "CalendarNames": ["instance-scheduler"], "OnClosedDays": [on_closed_days]}}


SEOUL = __import__("zoneinfo").ZoneInfo("Asia/Seoul")
# Monday 2026-12-21 06:00 in Seoul: the week ahead is MON 12-21 .. SUN 12-27
MONDAY = datetime.datetime(2026, 12, 21, 6, 0, tzinfo=SEOUL)
CHRISTMAS = ("awsops.ssm-holiday-20261225@instance-scheduler", datetime.datetime(2026, 12, 25, tzinfo=SEOUL),
             datetime.datetime(2026, 12, 26, tzinfo=SEOUL), "Christmas Day")
# someone closed Tuesday morning in the console (until 12:00): the 09:00 start is skipped, nothing starts it later that day
CONSOLE = ("5e1f7a52", datetime.datetime(2026, 12, 22, 8, 0, tzinfo=SEOUL), datetime.datetime(2026, 12, 22, 12, 0, tzinfo=SEOUL), "Maintenance")


def closed_report(on_closed_days="skip_start"):
    actions = [deployed("start", "cron(0 9 ? * MON-FRI *)", request=runbook_request("start", on_closed_days)),
               deployed("stop", "cron(0 18 ? * MON-FRI *)", request=runbook_request("stop", on_closed_days))]
    return report(actions, "scheduler", "instance-scheduler", now=MONDAY, calendars={"instance-scheduler": calendar_with(CHRISTMAS, CONSOLE)})


def test_closed_days_ahead_name_their_source():
    (summary,) = closed_report()["schedules"]
    assert summary["calendars"] == ["instance-scheduler"]
    assert summary["closed_days_ahead"] == [
        {"date": "2026-12-22", "name": "Maintenance", "source": "console", "calendar": "instance-scheduler"},
        {"date": "2026-12-25", "name": "Christmas Day", "source": "holidays", "calendar": "instance-scheduler"},
    ]


def test_the_week_ahead_leaves_out_the_closed_starts_and_counts_the_hours_saved():
    week = closed_report()["schedules"][0]["week_ahead"]
    rows = dict((line.split()[1], line.split()[2]) for line in week["grid"][2:])
    office, closed = "." * 9 + "#" * 9 + "." * 6, "." * 9 + "x" * 9 + "." * 6
    assert [rows["12-%d" % day] for day in range(21, 28)] == [office, closed, office, office, closed, "." * 24, "." * 24]
    assert week["closed_dates"] == {"2026-12-22": "Maintenance", "2026-12-25": "Christmas Day"}
    assert (week["running_hours"], week["hours_saved_by_closed_days"]) == (27.0, 18.0)
    assert week["grid"][3].endswith("closed: Maintenance")


def test_a_schedule_on_the_aws_runbooks_has_no_closures():
    (summary,) = report([deployed("start", "cron(0 9 ? * MON-FRI *)")], "scheduler", "instance-scheduler", now=MONDAY)["schedules"]
    assert (summary["calendars"], summary["closed_days_ahead"], summary["week_ahead"]) == ([], [], None)
