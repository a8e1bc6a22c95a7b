# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS schedule expressions: what AWS accepts and rejects, and when crons fire.

Expected fire dates are read off a calendar by hand (1 January 2026 is a
Thursday; New York's clocks go forward on 8 March 2026 at 02:00 and back on
1 November 2026 at 02:00; Berlin's go forward on 29 March 2026).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import CronError
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import format_days_of_week
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_at
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_cron
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_rate
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_schedule_expression

UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.timezone.utc)


def fires_utc(expression, after, count, zone=UTC_ZONE):
    return [fire.astimezone(datetime.timezone.utc) for fire in parse_cron(expression).next_fire_times(after, zone, count)]


ACCEPTED = [
    # (expression, after (UTC), expected fires as (month, day, hour, minute) in 2026, UTC)
    ("cron(0 0 ? * 1-5 *)", utc(2026, 1, 1), [(1, 4, 0, 0), (1, 5, 0, 0), (1, 6, 0, 0), (1, 7, 0, 0), (1, 8, 0, 0), (1, 11, 0, 0)]),  # 1-5 is SUN-THU
    ("cron(0 9 ? * MON-FRI *)", utc(2026, 1, 1), [(1, 1, 9, 0), (1, 2, 9, 0), (1, 5, 9, 0)]),
    ("cron(0/15 * * * ? *)", utc(2026, 1, 1), [(1, 1, 0, 15), (1, 1, 0, 30), (1, 1, 0, 45), (1, 1, 1, 0)]),
    ("cron(0 18 ? * MON-FRI *)", utc(2026, 1, 2, 18), [(1, 5, 18, 0), (1, 6, 18, 0)]),  # strictly after Friday 18:00
    ("cron(0 10 * * ? *)", utc(2026, 2, 28, 10), [(3, 1, 10, 0), (3, 2, 10, 0)]),
    ("cron(15 12 L * ? *)", utc(2026, 1, 1), [(1, 31, 12, 15), (2, 28, 12, 15), (3, 31, 12, 15), (4, 30, 12, 15)]),
    ("cron(0 8 ? * 6L *)", utc(2026, 1, 1), [(1, 30, 8, 0), (2, 27, 8, 0), (3, 27, 8, 0)]),  # last Friday
    ("cron(0 8 ? * 2#1 *)", utc(2026, 1, 1), [(1, 5, 8, 0), (2, 2, 8, 0), (3, 2, 8, 0), (4, 6, 8, 0)]),  # first Monday
    ("cron(0 9 15W * ? *)", utc(2026, 1, 1), [(1, 15, 9, 0), (2, 16, 9, 0), (3, 16, 9, 0), (4, 15, 9, 0)]),  # Sun 15 Feb/Mar -> Mon 16
    ("cron(0 9 15W * ? *)", utc(2026, 8, 1), [(8, 14, 9, 0)]),  # Saturday 15 August -> Friday 14
    ("cron(0 9 1W * ? *)", utc(2026, 7, 31), [(8, 3, 9, 0)]),  # Saturday 1 August -> Monday 3, never July
    ("cron(0 9 31W * ? *)", utc(2026, 1, 1), [(1, 30, 9, 0), (3, 31, 9, 0), (5, 29, 9, 0)]),  # months without a 31st never fire
    ("cron(0 9 LW * ? *)", utc(2026, 1, 1), [(1, 30, 9, 0), (2, 27, 9, 0), (3, 31, 9, 0)]),
    ("cron(0 9 ? * L *)", utc(2026, 1, 1), [(1, 3, 9, 0), (1, 10, 9, 0)]),  # L alone: the last day of the week, SAT
    ("cron(0 12 ? * THUL *)", utc(2026, 1, 1), [(1, 29, 12, 0), (2, 26, 12, 0)]),
    ("cron(0 12 ? * MON#2 *)", utc(2026, 1, 1), [(1, 12, 12, 0), (2, 9, 12, 0)]),
    ("cron(0 12 ? * 7#5 *)", utc(2026, 1, 1), [(1, 31, 12, 0), (5, 30, 12, 0)]),  # months with five Saturdays
    ("cron(5-50/15 9 * * ? *)", utc(2026, 1, 1), [(1, 1, 9, 5), (1, 1, 9, 20), (1, 1, 9, 35), (1, 1, 9, 50), (1, 2, 9, 5)]),
    ("cron(*/20 9-10 ? * SAT,SUN *)", utc(2026, 1, 1), [(1, 3, 9, 0), (1, 3, 9, 20), (1, 3, 9, 40), (1, 3, 10, 0)]),
    ("cron(0 6 1 JAN,jul ? *)", utc(2026, 1, 2), [(7, 1, 6, 0)]),
    ("cron(0 6 1/10 * ? *)", utc(2026, 1, 1, 7), [(1, 11, 6, 0), (1, 21, 6, 0), (1, 31, 6, 0), (2, 1, 6, 0)]),
    ("cron(0 9 ? * mon-fri *)", utc(2026, 1, 2, 10), [(1, 5, 9, 0)]),
    ("cron(30 23 ? * * *)", utc(2026, 1, 1), [(1, 1, 23, 30), (1, 2, 23, 30)]),
    ("cron(0 12 ? 12 SUN 2026)", utc(2026, 1, 1), [(12, 6, 12, 0), (12, 13, 12, 0), (12, 20, 12, 0), (12, 27, 12, 0)]),  # then no more
]


@pytest.mark.parametrize("expression, after, expected", ACCEPTED)
def test_accepted_expressions_fire_on_the_hand_computed_dates(expression, after, expected):
    assert fires_utc(expression, after, len(expected) + 1)[:len(expected)] == [utc(2026, *fire) for fire in expected]


def test_a_cron_whose_years_end_stops_firing():
    assert len(fires_utc("cron(0 12 ? 12 SUN 2026)", utc(2026, 1, 1), 10)) == 4
    assert fires_utc("cron(0 9 1 1 ? 2027)", utc(2026, 6, 1), 3) == [utc(2027, 1, 1, 9)]


def test_a_day_that_never_comes_never_fires():
    assert fires_utc("cron(0 0 30 2 ? *)", utc(2026, 1, 1), 1) == []


def test_leap_years_have_a_last_day_29_february():
    assert fires_utc("cron(0 0 L 2 ? *)", utc(2027, 6, 1), 2) == [utc(2028, 2, 29), utc(2029, 2, 28)]


REJECTED = [
    ("cron(0 9 * * ?)", "6 fields"),
    ("cron(0 9 ? * MON-FRI)", "6 fields"),
    ("cron(0 9 * * ? * *)", "6 fields"),
    ("cron()", "6 fields"),
    ("cron(0 9 1 * MON *)", "both set"),
    ("cron(0 9 * * * *)", "both set"),
    ("cron(0 9 ? * ? *)", "both ?"),
    ("cron(60 9 * * ? *)", "minutes: 60 is out of range; expected 0-59"),
    ("cron(0 24 * * ? *)", "hours: 24 is out of range; expected 0-23"),
    ("cron(0 9 ? * 8 *)", "day-of-week: 8 is out of range; expected 1-7 or SUN-SAT"),
    ("cron(0 9 ? * 0 *)", "day-of-week: 0 is out of range"),
    ("cron(0 9 * 13 ? *)", "month: 13 is out of range; expected 1-12 or JAN-DEC"),
    ("cron(0 9 0 * ? *)", "day-of-month: 0 is out of range"),
    ("cron(0 9 32 * ? *)", "day-of-month: 32 is out of range"),
    ("cron(0 9 * * ? 1969)", "year: 1969 is out of range; expected 1970-2199"),
    ("cron(0 9 * * ? 2200)", "year: 2200 is out of range"),
    ("cron(0 9 ? * FUN *)", "day-of-week: 'FUN' is not a value"),
    ("cron(a 9 * * ? *)", "minutes: 'a' is not a value"),
    ("cron(0 9 ? * FRI-MON *)", "runs backwards"),
    ("cron(0 22-2 * * ? *)", "list both parts instead, e.g. 22-23,0-2"),
    ("cron(0/0 9 * * ? *)", "no valid increment"),
    ("cron(0/61 9 * * ? *)", "no valid increment"),
    ("cron(0 9 ? * MON/2 *)", "'/' is not allowed"),
    ("cron(0 9 ? * 2#6 *)", "expected 1-5 after #"),
    ("cron(0 9 ? * 2#0 *)", "expected 1-5 after #"),
    ("cron(0 9 ? * 5L,6 *)", "must be the whole field"),
    ("cron(0 9 1,15W * ? *)", "must be the whole field"),
    ("cron(0 9 L-3 * ? *)", "L must stand alone"),
    ("cron(0 9 1, * ? *)", "empty list item"),
    ("cron(0 9 ?,1 * ? *)", "? must be the whole field"),
    ("cron(0 9 * JAN#1 ? *)", "not allowed"),
    ("cron(0 9 * * L *)", "both set"),
    ("CRON(0 9 * * ? *)", "is not of the form cron("),
    ("cron(0 9 * * ? *", "is not of the form cron("),
    ("rate(5 minutes)", "is not of the form cron("),
    ("garbage", "is not of the form cron("),
    ("", "is not of the form cron("),
    (None, "expected a string"),
]


@pytest.mark.parametrize("expression, reason", REJECTED)
def test_rejected_expressions_say_why(expression, reason):
    with pytest.raises(CronError) as caught:
        parse_cron(expression)
    assert reason in str(caught.value)


def test_a_skipped_wall_time_does_not_fire_that_day():
    # 02:30 does not exist in New York on 8 March 2026: EventBridge Scheduler skips it.
    fires = parse_cron("cron(30 2 * * ? *)").next_fire_times(datetime.datetime(2026, 3, 7, 3, tzinfo=NEW_YORK), NEW_YORK, 2)
    assert [fire.astimezone(datetime.timezone.utc) for fire in fires] == [utc(2026, 3, 9, 6, 30), utc(2026, 3, 10, 6, 30)]
    assert [fire.isoformat() for fire in fires] == ["2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]


def test_a_skipped_wall_time_in_berlin():
    fires = fires_utc("cron(30 2 * * ? *)", utc(2026, 3, 28, 12), 2, BERLIN)
    assert fires == [utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)]


def test_a_repeated_wall_time_fires_once_at_its_first_occurrence():
    # 01:30 happens twice in New York on 1 November 2026 (EDT, then EST).
    fires = fires_utc("cron(30 1 * * ? *)", utc(2026, 10, 31, 16), 2, NEW_YORK)
    assert fires == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_frequent_crons_across_the_fold_do_not_repeat_the_hour():
    fires = fires_utc("cron(0/30 * * * ? *)", utc(2026, 11, 1, 4, 45), 5, NEW_YORK)
    # 01:00 and 01:30 EDT, then the repeated 01:00/01:30 EST are not fired again, then 02:00 EST.
    assert fires == [utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7, 0), utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 8, 0)]


def test_office_hours_in_new_york_move_in_utc_with_daylight_saving_time():
    fires = fires_utc("cron(0 9 ? * MON-FRI *)", utc(2026, 3, 6, 5), 2, NEW_YORK)
    assert fires == [utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)]


def test_next_fire_times_accepts_a_naive_after_as_wall_time_in_the_zone():
    fires = parse_cron("cron(0 9 ? * MON-FRI *)").next_fire_times(datetime.datetime(2026, 1, 5, 8, 59), NEW_YORK, 1)
    assert fires[0].isoformat() == "2026-01-05T09:00:00-05:00"


def test_fires_are_strictly_after_the_given_instant():
    assert fires_utc("cron(0 9 ? * MON-FRI *)", utc(2026, 1, 5, 9), 1) == [utc(2026, 1, 6, 9)]


@pytest.mark.parametrize("expression, moment, expected", [
    ("cron(0 9 ? * MON-FRI *)", datetime.datetime(2026, 1, 5, 9, 0), True),
    ("cron(0 9 ? * MON-FRI *)", datetime.datetime(2026, 1, 5, 9, 0, 42), True),  # seconds are ignored
    ("cron(0 9 ? * MON-FRI *)", datetime.datetime(2026, 1, 4, 9, 0), False),  # Sunday
    ("cron(0 9 ? * MON-FRI *)", datetime.datetime(2026, 1, 5, 9, 1), False),
    ("cron(15 12 L * ? *)", datetime.datetime(2026, 2, 28, 12, 15), True),
    ("cron(15 12 L * ? *)", datetime.datetime(2026, 2, 27, 12, 15), False),
    ("cron(0 8 ? * 2#1 *)", datetime.datetime(2026, 2, 2, 8, 0), True),
    ("cron(0 8 ? * 2#1 *)", datetime.datetime(2026, 2, 9, 8, 0), False),
    ("cron(0 9 ? * MON-FRI 2027)", datetime.datetime(2026, 1, 5, 9, 0), False),
])
def test_matches(expression, moment, expected):
    assert parse_cron(expression).matches(moment) is expected


@pytest.mark.parametrize("expression, minutes", [
    ("rate(1 minute)", 1), ("rate(5 minutes)", 5), ("rate(1 hour)", 60), ("rate(12 hours)", 720), ("rate(1 day)", 1440),
])
def test_rate_expressions(expression, minutes):
    assert parse_rate(expression).interval == datetime.timedelta(minutes=minutes)
    assert parse_schedule_expression(expression).text == expression


@pytest.mark.parametrize("expression", [
    "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(2 weeks)", "rate(-1 hours)", "rate(1.5 hours)", "rate(5)", "rate()",
])
def test_rejected_rate_expressions(expression):
    with pytest.raises(CronError):
        parse_rate(expression)


def test_at_expressions():
    assert parse_at("at(2026-03-08T02:30:00)").when == datetime.datetime(2026, 3, 8, 2, 30)
    assert parse_schedule_expression("at(2026-03-08T02:30:00)").when == datetime.datetime(2026, 3, 8, 2, 30)
    for bad in ("at(2026-02-30T09:00:00)", "at(2026-03-08 02:30:00)", "at(2026-03-08T02:30)", "at()"):
        with pytest.raises(CronError):
            parse_at(bad)


def test_schedule_expressions_dispatch_to_cron():
    assert parse_schedule_expression("cron(0 9 ? * MON-FRI *)").text == "cron(0 9 ? * MON-FRI *)"
    with pytest.raises(CronError):
        parse_schedule_expression("every day")


@pytest.mark.parametrize("days, text", [
    ({2, 3, 4, 5, 6}, "MON-FRI"),
    ({1, 2, 3, 4, 5}, "SUN-THU"),
    ({1, 7}, "SUN,SAT"),
    ({1, 2, 6, 7}, "SUN,MON,FRI,SAT"),
    ({2, 4, 6}, "MON,WED,FRI"),
    ({3}, "TUE"),
    (set(range(1, 8)), "*"),
])
def test_format_days_of_week(days, text):
    assert format_days_of_week(days) == text
    assert parse_cron("cron(0 9 ? * %s *)" % text).days_of_week.days == frozenset(days)
