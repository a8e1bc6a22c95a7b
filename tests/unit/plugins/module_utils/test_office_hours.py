# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The office-hours schedule model: validation messages, AWS expressions, weekly figures, next fires.

The request a schedule sends (StartAutomationExecution) is checked against
botocore's own service model, because the local AWS emulator does not
implement SSM Automation and never fires schedules.
"""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import botocore.session
import pytest
from botocore.validate import validate_parameters

from ansible_collections.awsops.ssm.plugins.module_utils import office_hours
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ScheduleError
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules

OPTION = "schedules"
ROLE_ARN = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.timezone.utc)


def one(schedule, **defaults):
    return validate_schedules([schedule], defaults)[0]


def problems(schedules, **defaults):
    with pytest.raises(ScheduleError) as caught:
        validate_schedules(schedules, defaults)
    return caught.value.problems


# ---------------------------------------------------------------- validation messages


@pytest.mark.parametrize("schedule, message", [
    ({"name": "office", "start": "25:00"}, '[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)'),
    ({"name": "office", "start": "9am"}, '[0].start: "9am" is not a time; expected "HH:MM" (00:00-23:59)'),
    ({"name": "office", "start": "09:00", "stop": "18:60"}, '[0].stop: "18:60" is not a time; expected "HH:MM" (00:00-23:59)'),
    ({"name": "office", "stop": 1080},
     '[0].stop: 1080 is not a time; expected "HH:MM" (00:00-23:59) in quotes (YAML reads an unquoted 18:00 as the number 1080)'),
    ({"name": "office", "start": "09:00", "weekdays": "FUNDAY"},
     '[0].weekdays: "FUNDAY" is not a day; expected SUN, MON, TUE, WED, THU, FRI or SAT, a range like "MON-FRI", or a list of them'),
    ({"name": "office", "start": "09:00", "weekdays": ["MON", "Tuesday"]}, '[0].weekdays: "Tuesday" is not a day; expected SUN, MON'),
    ({"name": "office", "start": "09:00", "weekdays": []}, "[0].weekdays: [] is not a set of days; expected SUN, MON"),
    ({"name": "office", "start": "09:00", "timezone": "Mars/Olympus_Mons"},
     '[0].timezone: "Mars/Olympus_Mons" is not an IANA time zone; expected a name like "Europe/Berlin", "America/New_York" or "UTC"'),
    ({"name": "office", "start": "09:00", "timezone": "../../etc/passwd"}, '[0].timezone: "../../etc/passwd" is not an IANA time zone'),
    ({"name": "office", "start_cron": "cron(0 9 1 * MON *)"},
     '[0].start_cron: "cron(0 9 1 * MON *)" is not an AWS cron expression '
     '(day-of-month (1) and day-of-week (MON) are both set; exactly one of them must be ?); '
     'expected cron(Minutes Hours Day-of-month Month Day-of-week Year) with exactly one day field "?", e.g. "cron(0 9 ? * MON-FRI *)"'),
    ({"name": "office", "stop_cron": "cron(0 18 ? * MON-FRI)"},
     '[0].stop_cron: "cron(0 18 ? * MON-FRI)" is not an AWS cron expression (cron expressions have 6 fields'),
    ({"name": "office", "start_cron": "rate(1 day)"}, '[0].start_cron: "rate(1 day)" is not an AWS cron expression'),
    ({"name": "office hours", "start": "09:00"},
     '[0].name: "office hours" would name the EventBridge Scheduler schedules "office hours-start" and "office hours-stop"; '
     "schedule names are 1-64 letters, digits, - _ or . (so at most 58 characters)"),
    ({"name": "x" * 59, "start": "09:00"}, '[0].name: "%s" would name the EventBridge Scheduler schedules' % ("x" * 59)),
    ({"name": "", "start": "09:00"}, "[0].name: required; expected a non-empty string"),
    ({"start": "09:00"}, "[0].name: required; expected a non-empty string"),
    ({"name": "office"}, '[0]: nothing to schedule; expected start and/or stop as "HH:MM" (00:00-23:59), or start_cron and/or stop_cron'),
    ({"name": "office", "weekdays": "MON-FRI"}, "[0]: nothing to schedule"),
    ({"name": "office", "start": "09:00", "start_cron": "cron(0 9 ? * MON-FRI *)"},
     "[0]: start_cron cannot be combined with start; use either start/stop/weekdays or start_cron/stop_cron"),
    ({"name": "office", "start": "09:00", "stop": "09:00"}, '[0].stop: "09:00" is also the start time; start and stop must differ'),
    ({"name": "office", "start": "09:00", "enabled": "maybe"}, '[0].enabled: "maybe" is not a boolean; expected true or false'),
    ({"name": "office", "start": "09:00", "state": "gone"}, '[0].state: "gone" is not a state; expected present or absent'),
    ({"name": "office", "start": "09:00", "colour": "red"}, "[0]: unknown option(s) colour; expected name, start, stop, weekdays"),
    ({"name": "office", "start": "09:00", "tag_key": "aws:reserved"}, '[0].tag_key: "aws:reserved" is not usable as a tag key'),
    ({"name": "office", "start": "09:00", "tag_value": "x" * 257}, "[0].tag_value: "),
    ("office", '[0]: expected a dict with at least a name, got "office"'),
])
def test_each_bad_value_is_named_with_its_option_path_and_the_accepted_form(schedule, message):
    found = problems([schedule])
    assert len(found) == 1
    assert found[0].startswith(OPTION + message[:message.index(":")])
    assert message in OPTION + found[0][len(OPTION):]


def test_the_error_names_the_offending_index_and_the_caller_s_prefix():
    schedules = [{"name": "a", "start": "08:00"}, {"name": "b", "stop": "19:00"}, {"name": "c", "start": "25:00"}]
    with pytest.raises(ScheduleError) as caught:
        validate_schedules(schedules, {}, option="schedules")
    assert str(caught.value) == 'schedules[2].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)'


def test_every_problem_is_reported_at_once():
    found = problems([{"name": "a", "start": "25:00", "timezone": "Nowhere"}, {"name": "a", "stop": "9pm"}])
    assert [problem.split(":")[0] for problem in found] == [OPTION + "[0].timezone", OPTION + "[0].start", OPTION + "[1].stop", OPTION + "[1].name"]
    assert "also the name of %s[0]; schedule names must be unique" % OPTION in found[-1]


def test_duplicate_names():
    found = problems([{"name": "office", "start": "08:00"}, {"name": "office", "state": "absent"}])
    assert found == ['%s[1].name: "office" is also the name of %s[0]; schedule names must be unique' % (OPTION, OPTION)]


def test_bad_defaults_are_named_by_their_keys():
    # validate_schedules is for known-good defaults; input_rules.check_input names them as the caller does
    found = problems([{"name": "a", "start": "08:00"}], timezone="Europe/Atlantis", tag_key="aws:x")
    assert found[0].startswith('tag_key: "aws:x"')
    assert found[1].startswith('timezone: "Europe/Atlantis" is not an IANA time zone')
    assert problems([], backend="cron") == ['backend: "cron" is not a backend; expected scheduler or lambda']
    assert problems([], backend="lambda", group="has.dot")[0].startswith('group: "has.dot" is not usable as Lambda function name')


def test_schedules_must_be_a_list():
    assert problems({"name": "a"}) == ['%s: expected a list of schedules, got {"name": "a"}' % OPTION]


def test_absent_schedules_need_only_a_name():
    schedule = one({"name": "old", "state": "absent"})
    assert schedule.state == "absent" and schedule.start_expression is None


def test_lambda_backend_names_include_the_group():
    assert one({"name": "office", "start": "08:00"}, backend="lambda").resource_name("start") == "instance-scheduler-office-start"
    assert one({"name": "office", "start": "08:00"}).resource_name("stop") == "office-stop"
    name = "n" * (64 - len("instance-scheduler--start") + 1)
    found = problems([{"name": name, "start": "08:00"}], backend="lambda")
    assert found == ['%s[0].name: "%s" would name the EventBridge rules "instance-scheduler-%s-start" and "instance-scheduler-%s-stop"; '
                     'rule names are 1-64 letters, digits, . - or _ (so with group "instance-scheduler" at most 39 characters)' % (OPTION, name, name, name)]
    assert office_hours.check_schedule_name("n" * 39, "lambda", "instance-scheduler") is None
    assert office_hours.check_schedule_name("n" * 58, "scheduler") is None


def test_raw_crons_on_the_lambda_backend_need_a_utc_zone():
    found = problems([{"name": "raw", "start_cron": "cron(0 8 ? * MON-FRI *)", "timezone": "Europe/Berlin"}], backend="lambda")
    assert found == ['%s[0].start_cron: the lambda backend evaluates raw cron expressions in UTC (EventBridge rules know no time zone), and "Europe/Berlin" '
                     "is not UTC; set timezone: UTC on this schedule, use start/stop/weekdays, or use the scheduler backend" % OPTION]
    schedule = one({"name": "raw", "start_cron": "cron(0 8 ? * MON-FRI *)"}, backend="lambda")
    translation = schedule.lambda_rules("start")
    assert translation.expressions == ("cron(0 8 ? * MON-FRI *)",) and translation.gate is None
    assert schedule.lambda_rules("stop") is None


def test_raw_crons_keep_their_time_zone_on_the_scheduler_backend():
    schedule = one({"name": "raw", "start_cron": "cron(0 8 ? * 2#1 *)", "timezone": "Europe/Berlin"})
    assert schedule.start_expression == "cron(0 8 ? * 2#1 *)" and schedule.stop_expression is None
    assert [fire.utc for fire in schedule.next_starts(2, utc(2026, 3, 1))] == [utc(2026, 3, 2, 7), utc(2026, 4, 6, 6)]


def test_raw_crons_are_kept_as_aws_will_store_them():
    schedule = one({"name": "raw", "start_cron": " cron(0 8 ? * MON-FRI *) ", "stop_cron": "cron(0 18 ? * MON-FRI *)"})
    assert (schedule.start_expression, schedule.stop_expression) == ("cron(0 8 ? * MON-FRI *)", "cron(0 18 ? * MON-FRI *)")


# ---------------------------------------------------------------- defaults and forms


def test_defaults():
    schedule = one({"name": "office", "start": "09:00", "stop": "18:00"})
    assert (schedule.timezone, schedule.tag_key, schedule.tag_value, schedule.enabled, schedule.state) == ("UTC", "Schedule", "office", True, "present")
    assert schedule.weekdays == frozenset([2, 3, 4, 5, 6])
    schedule = one({"name": "office", "start": "09:00", "timezone": "Asia/Seoul", "tag_key": "Hours", "tag_value": 1, "enabled": "no"},
                   timezone="Europe/Berlin", tag_key="Team")
    assert (schedule.timezone, schedule.tag_key, schedule.tag_value, schedule.enabled) == ("Asia/Seoul", "Hours", "1", False)
    assert one({"name": "office", "start": "09:00"}, timezone="Europe/Berlin", tag_key="Team").tag_key == "Team"


@pytest.mark.parametrize("weekdays, expression_days", [
    ("MON-FRI", "MON-FRI"),
    ("mon-fri", "MON-FRI"),
    ("MON-SUN", "*"),
    ("SUN-SAT", "*"),
    ("SAT", "SAT"),
    (["MON", "WED", "FRI"], "MON,WED,FRI"),
    ("MON,WED,FRI", "MON,WED,FRI"),
    (["sat", "sun"], "SUN,SAT"),
    ("FRI-MON", "SUN,MON,FRI,SAT"),
    (["MON-TUE", "THU"], "MON,TUE,THU"),
])
def test_weekday_forms(weekdays, expression_days):
    schedule = one({"name": "office", "start": "07:05", "weekdays": weekdays})
    assert schedule.start_expression == "cron(5 7 ? * %s *)" % expression_days


def test_scheduler_expressions():
    schedule = one({"name": "office", "start": "09:00", "stop": "18:00"})
    assert (schedule.start_expression, schedule.stop_expression) == ("cron(0 9 ? * MON-FRI *)", "cron(0 18 ? * MON-FRI *)")
    assert one({"name": "early", "start": "7:30"}).start_expression == "cron(30 7 ? * MON-FRI *)"
    assert one({"name": "stop-only", "stop": "19:00"}).start_expression is None


def test_overnight_schedules_stop_the_following_morning():
    schedule = one({"name": "night", "start": "22:00", "stop": "06:00"})
    assert schedule.is_overnight
    assert (schedule.start_expression, schedule.stop_expression) == ("cron(0 22 ? * MON-FRI *)", "cron(0 6 ? * TUE-SAT *)")


# ---------------------------------------------------------------- weekly figures


def test_office_hours_run_45_hours_a_week():
    schedule = one({"name": "office", "start": "09:00", "stop": "18:00"})
    assert schedule.weekly_running_hours == 45
    assert schedule.share_stopped == pytest.approx(123 / 168)


@pytest.mark.parametrize("schedule, hours", [
    ({"name": "night", "start": "22:00", "stop": "06:00"}, 40),  # MON 22:00 - TUE 06:00 ... FRI 22:00 - SAT 06:00
    ({"name": "start-only", "start": "08:00"}, 168),  # nothing stops them
    ({"name": "stop-only", "stop": "19:00"}, 0),  # nothing starts them
    ({"name": "weekend", "start": "10:00", "stop": "16:30", "weekdays": ["SAT", "SUN"]}, 13),
    ({"name": "all-week", "start": "00:00", "stop": "12:00", "weekdays": "MON-SUN"}, 84),
    ({"name": "raw", "start_cron": "cron(0 8 ? * MON-FRI *)", "stop_cron": "cron(30 17 ? * MON-FRI *)"}, 47.5),
    ({"name": "raw-daily", "start_cron": "cron(0 8 * * ? *)", "stop_cron": "cron(0 20 * * ? *)"}, 84),
])
def test_weekly_running_hours(schedule, hours):
    result = one(schedule)
    assert result.weekly_running_hours == hours
    assert result.share_stopped == pytest.approx((168 - hours) / 168.0)


def test_raw_crons_that_are_not_weekly_have_no_typical_week():
    schedule = one({"name": "monthly", "start_cron": "cron(0 8 ? * 2#1 *)", "stop_cron": "cron(0 18 ? * 2#1 *)"})
    assert schedule.weekly_running_hours is None and schedule.share_stopped is None and schedule.week_grid is None


def test_week_grid_of_office_hours():
    grid = one({"name": "office", "start": "09:00", "stop": "18:00"}).week_grid
    workday = [False] * 9 + [True] * 9 + [False] * 6
    assert grid == [workday] * 5 + [[False] * 24] * 2
    assert office_hours.render_week_grid(grid) == [
        "     000000000011111111112222",
        "     012345678901234567890123",
        "MON  .........#########......",
        "TUE  .........#########......",
        "WED  .........#########......",
        "THU  .........#########......",
        "FRI  .........#########......",
        "SAT  ........................",
        "SUN  ........................",
    ]


def test_week_grid_counts_an_hour_running_from_30_minutes():
    grid = one({"name": "half", "start": "08:31", "stop": "17:29", "weekdays": "MON"}).week_grid
    assert [hour for hour in range(24) if grid[0][hour]] == list(range(9, 17))  # 29 minutes of 08 and of 17
    grid = one({"name": "half", "start": "08:30", "stop": "17:30", "weekdays": "MON"}).week_grid
    assert [hour for hour in range(24) if grid[0][hour]] == list(range(8, 18))  # 30 minutes of 08 and of 17


def test_week_grid_of_an_overnight_schedule_wraps_into_the_next_day():
    grid = one({"name": "night", "start": "22:00", "stop": "06:00", "weekdays": "FRI"}).week_grid
    assert [hour for hour in range(24) if grid[4][hour]] == [22, 23]  # Friday
    assert [hour for hour in range(24) if grid[5][hour]] == list(range(6))  # Saturday


# ---------------------------------------------------------------- next fires and DST


def test_next_times_across_the_spring_change_in_new_york():
    schedule = one({"name": "office", "start": "09:00", "stop": "18:00", "timezone": "America/New_York"})
    starts = schedule.next_starts(3, after=utc(2026, 3, 5, 12))
    assert [fire.local.isoformat() for fire in starts] == ["2026-03-05T09:00:00-05:00", "2026-03-06T09:00:00-05:00", "2026-03-09T09:00:00-04:00"]
    assert [fire.utc for fire in starts] == [utc(2026, 3, 5, 14), utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)]
    stops = schedule.next_stops(2, after=utc(2026, 3, 6, 12))
    assert [fire.utc for fire in stops] == [utc(2026, 3, 6, 23), utc(2026, 3, 9, 22)]
    assert stops[0].as_dict() == {"local": "2026-03-06T18:00:00-05:00", "utc": "2026-03-06T23:00:00+00:00"}


def test_next_times_across_the_autumn_change_in_new_york():
    schedule = one({"name": "office", "start": "09:00", "timezone": "America/New_York"})
    assert [fire.utc for fire in schedule.next_starts(2, after=utc(2026, 10, 30, 12))] == [utc(2026, 10, 30, 13), utc(2026, 11, 2, 14)]


def test_has_dst():
    assert one({"name": "ny", "start": "09:00", "timezone": "America/New_York"}).has_dst is True
    assert one({"name": "seoul", "start": "09:00", "timezone": "Asia/Seoul"}).has_dst is False
    assert office_hours.zone_has_transitions(ZoneInfo("Europe/Berlin"), utc(2026, 4, 1), 100) is False
    assert office_hours.zone_has_transitions(ZoneInfo("Europe/Berlin"), utc(2026, 4, 1), 300) is True


def test_summary_is_json_ready():
    schedule = one({"name": "office", "start": "09:00", "stop": "18:00", "timezone": "America/New_York"})
    summary = schedule.summary(now=utc(2026, 3, 6, 12), count=2)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["next_starts"][1] == {"local": "2026-03-09T09:00:00-04:00", "utc": "2026-03-09T13:00:00+00:00"}
    assert summary["weekly_running_hours"] == 45 and summary["share_stopped"] == round(123 / 168.0, 4) and summary["has_dst"] is True


# ---------------------------------------------------------------- the automation request


def start_automation_input_shape():
    return botocore.session.get_session().get_service_model("ssm").operation_model("StartAutomationExecution").input_shape


def assert_matches_model_patterns(request, shape):
    """botocore does not check patterns client-side; check the ones Python's re can read."""
    for name, value in request.items():
        pattern = shape.members[name].metadata.get("pattern")
        if pattern and isinstance(value, str):
            assert re.search(pattern, value), (name, value, pattern)


@pytest.mark.parametrize("action, document", [("start", "AWS-StartEC2Instance"), ("stop", "AWS-StopEC2Instance")])
def test_build_automation_request_is_valid_for_botocore(action, document):
    request = build_automation_request(action, "Schedule", "office", ROLE_ARN, "10", "25%")
    assert request == {
        "DocumentName": document,
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:Schedule", "Values": ["office"]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": {"AutomationAssumeRole": [ROLE_ARN]},
    }
    shape = start_automation_input_shape()
    validate_parameters(request, shape)
    assert_matches_model_patterns(request, shape)


def test_build_automation_request_rejects_other_actions():
    with pytest.raises(ValueError):
        build_automation_request("reboot", "Schedule", "office", ROLE_ARN)


def test_scheduler_target_input_is_the_request_as_json():
    request = build_automation_request("stop", "Schedule", "office", ROLE_ARN, 5, "0")
    assert json.loads(office_hours.target_input(request)) == request
    assert office_hours.target_input(request) == office_hours.target_input(dict(reversed(list(request.items()))))


@pytest.mark.parametrize("value, kind, accepted", [
    ("10", "max_concurrency", True), ("10%", "max_concurrency", True), ("100%", "max_concurrency", True), (3, "max_concurrency", True),
    ("0", "max_concurrency", False), ("0%", "max_concurrency", False), ("101%", "max_concurrency", False), ("ten", "max_concurrency", False),
    ("0", "max_errors", True), ("25%", "max_errors", True), ("0%", "max_errors", True), ("-1", "max_errors", False), (True, "max_errors", False),
])
def test_rate_control_values(value, kind, accepted):
    message = office_hours.check_rate_control("instance_scheduler_" + kind, value, kind)  # the caller's name
    assert (message is None) is accepted
    pattern = start_automation_input_shape().members["MaxConcurrency" if kind == "max_concurrency" else "MaxErrors"].metadata["pattern"]
    assert bool(re.search(pattern, str(value))) is accepted or isinstance(value, bool)
    if message:
        assert message.startswith("instance_scheduler_%s: " % kind) and "percentage" in message


def test_lambda_event_shape():
    request = build_automation_request("start", "Schedule", "office", ROLE_ARN)
    gate = {"timezone": "Asia/Seoul", "time": "07:30", "weekdays": ["MON"]}
    assert office_hours.lambda_event("start", request, gate, "office") == {"action": "start", "request": request, "gate": gate, "schedule": "office"}
    assert office_hours.lambda_event("stop", request) == {"action": "stop", "request": request}
