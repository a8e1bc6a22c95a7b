# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lambda backend's UTC rules plus the handler's gate fire exactly at the local times.

EventBridge rules only know UTC, so a local schedule becomes one UTC cron per
UTC offset of the zone, and the Lambda handler's gate drops the invocations
that are an hour (or 30 minutes, Lord Howe) off. The properties below
simulate two years (2026-2027): every minute at which an emitted rule fires
and the gate lets it through must be a local fire, and every local fire must
be such a minute, exactly once. The local fires are computed independently
here: the first instant whose wall time in the zone is the schedule's time,
none when a daylight-saving gap skips it (EventBridge Scheduler's rule).
"""

import bisect
import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from ansible_collections.awsops.ssm.plugins.module_utils import office_hours
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_cron
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import translate_to_utc
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_lambda_handler import GATE_WINDOW
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_lambda_handler import gate_refusal

UTC = datetime.timezone.utc
ZONES = ["Asia/Seoul", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]
FIRST_DAY = datetime.date(2026, 1, 1)
LAST_DAY = datetime.date(2027, 12, 31)
# Compare inside the simulated years, away from their edges.
WINDOW = (datetime.datetime(2026, 1, 2, tzinfo=UTC), datetime.datetime(2027, 12, 30, tzinfo=UTC))
EVERY_DAY = frozenset(range(1, 8))


def days_between(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def aws_weekday(day):
    return (day.weekday() + 1) % 7 + 1


def in_window(instant):
    return WINDOW[0] <= instant < WINDOW[1]


def first_instant_with_wall_time(wall, zone):
    """Independent of the code under test: try every offset the zone has around that day."""
    offsets = set()
    for probe in (wall - datetime.timedelta(days=1), wall, wall + datetime.timedelta(days=1)):
        offsets.add(zone.utcoffset(probe.replace(fold=0)))
        offsets.add(zone.utcoffset(probe.replace(fold=1)))
    instants = [(wall - offset).replace(tzinfo=UTC) for offset in offsets]
    matching = [instant for instant in instants if instant.astimezone(zone).replace(tzinfo=None) == wall]
    return min(matching) if matching else None


def local_fires(hour, minute, days, zone):
    fires = set()
    for day in days_between(FIRST_DAY - datetime.timedelta(days=1), LAST_DAY + datetime.timedelta(days=1)):
        if aws_weekday(day) in days:
            instant = first_instant_with_wall_time(datetime.datetime(day.year, day.month, day.day, hour, minute), zone)
            if instant is not None and in_window(instant):
                fires.add(instant)
    return fires


def rule_fires(expression):
    """Every UTC minute at which an EventBridge rule with this (UTC) cron fires."""
    cron = parse_cron(expression)
    fires = set()
    for day in days_between(FIRST_DAY, LAST_DAY):
        if aws_weekday(day) in cron.days_of_week.days:
            for hour in cron.hours:
                for minute in cron.minutes:
                    instant = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if in_window(instant):
                        fires.add(instant)
    return fires


def passes(gate, instant):
    return gate_refusal(gate, instant) is None


def check_translation(zone_key, hour, minute, days, delay):
    zone = ZoneInfo(zone_key)
    translation = translate_to_utc(hour, minute, days, zone, start_year=2026, years=2)
    expected = local_fires(hour, minute, days, zone)
    exact = set().union(*[rule_fires(expression) for expression in translation.expressions])
    combined = rule_fires(translation.combined)
    assert exact <= combined
    # On-time delivery: the exact rules, and the single combined rule, each act once per local fire.
    assert set(instant for instant in exact if passes(translation.gate, instant)) == expected
    assert set(instant for instant in combined if passes(translation.gate, instant)) == expected
    # Late delivery within the window: still once per local fire, never for a twin rule.
    assert set(instant for instant in combined if passes(translation.gate, instant + delay)) == expected
    return translation


weekday_sets = st.frozensets(st.integers(min_value=1, max_value=7), min_size=1)


@pytest.mark.parametrize("zone_key", ZONES)
@settings(max_examples=25, deadline=None)
@given(hour=st.integers(0, 23), minute=st.integers(0, 59), days=weekday_sets, delay_minutes=st.integers(0, 14))
@example(hour=2, minute=30, days=EVERY_DAY, delay_minutes=14)  # inside the spring gap in New York and Berlin
@example(hour=1, minute=30, days=EVERY_DAY, delay_minutes=0)  # inside the autumn fold in New York
@example(hour=2, minute=15, days=EVERY_DAY, delay_minutes=7)  # inside Berlin's fold and Lord Howe's 30-minute gap
@example(hour=1, minute=45, days=EVERY_DAY, delay_minutes=14)  # late delivery across New York's gap
@example(hour=19, minute=30, days=frozenset([2, 3, 4, 5, 6]), delay_minutes=3)  # one UTC rule crosses midnight, the other not
def test_rules_and_gate_fire_exactly_at_the_local_times(zone_key, hour, minute, days, delay_minutes):
    check_translation(zone_key, hour, minute, days, datetime.timedelta(minutes=delay_minutes))


def transition_minutes(zone):
    """Every UTC minute of the days around the zone's offset changes in 2026-2027 (the day before to the day after, local)."""
    minutes = set()
    for day in days_between(FIRST_DAY, LAST_DAY):
        noon = datetime.datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        if noon.astimezone(zone).utcoffset() != (noon + datetime.timedelta(days=1)).astimezone(zone).utcoffset():
            start = noon - datetime.timedelta(hours=36 + 14)
            minutes.update(start + datetime.timedelta(minutes=step) for step in range((3 * 24 + 2 * 14) * 60))
    return sorted(minutes)


@pytest.mark.parametrize("zone_key, hour, minute", [
    ("America/New_York", 2, 30),
    ("America/New_York", 1, 30),
    ("Europe/Berlin", 2, 30),
    ("Australia/Lord_Howe", 1, 45),
])
def test_gate_passes_every_minute_around_offset_changes_exactly_within_the_window(zone_key, hour, minute):
    zone = ZoneInfo(zone_key)
    gate = {"timezone": zone_key, "time": "%02d:%02d" % (hour, minute), "weekdays": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]}
    fires = sorted(local_fires(hour, minute, EVERY_DAY, zone))
    minutes = transition_minutes(zone)
    assert len(minutes) > 4 * 3 * 24 * 60  # four changes in two years
    for now in minutes:
        latest = bisect.bisect_right(fires, now)  # fires[latest - 1] is the last fire at or before now
        expected = latest > 0 and now - fires[latest - 1] < GATE_WINDOW
        assert passes(gate, now) is expected, now


@settings(max_examples=300, deadline=None)
@given(now=st.datetimes(min_value=datetime.datetime(2026, 1, 3), max_value=datetime.datetime(2027, 12, 28), timezones=st.just(UTC)))
def test_gate_on_sampled_minutes(now):
    zone = ZoneInfo("Europe/Berlin")
    gate = {"timezone": "Europe/Berlin", "time": "08:00", "weekdays": ["MON", "WED", "FRI"]}
    day = now.astimezone(zone).date()
    expected = False
    for candidate in (day - datetime.timedelta(days=1), day):
        if aws_weekday(candidate) in (2, 4, 6):
            fire = first_instant_with_wall_time(datetime.datetime(candidate.year, candidate.month, candidate.day, 8), zone)
            expected = expected or datetime.timedelta(0) <= now - fire < GATE_WINDOW
    assert passes(gate, now) is expected


def test_seoul_office_hours_need_one_rule_a_day_earlier_in_utc():
    translation = translate_to_utc(7, 30, frozenset([2, 3, 4, 5, 6]), ZoneInfo("Asia/Seoul"), 2026)
    assert list(translation.expressions) == ["cron(30 22 ? * SUN-THU *)"]
    assert translation.combined == "cron(30 22 ? * SUN-THU *)"
    assert translation.gate == {"timezone": "Asia/Seoul", "time": "07:30", "weekdays": ["MON", "TUE", "WED", "THU", "FRI"]}


@pytest.mark.parametrize("zone_key, hour, minute, expressions, combined", [
    ("America/New_York", 8, 30, ["cron(30 12 ? * MON-FRI *)", "cron(30 13 ? * MON-FRI *)"], "cron(30 12,13 ? * MON-FRI *)"),
    ("America/New_York", 19, 30, ["cron(30 23 ? * MON-FRI *)", "cron(30 0 ? * TUE-SAT *)"], "cron(30 0,23 ? * MON-SAT *)"),
    ("Europe/Berlin", 8, 0, ["cron(0 6 ? * MON-FRI *)", "cron(0 7 ? * MON-FRI *)"], "cron(0 6,7 ? * MON-FRI *)"),
    ("Australia/Lord_Howe", 7, 30, ["cron(30 20 ? * SUN-THU *)", "cron(0 21 ? * SUN-THU *)"], "cron(0,30 20,21 ? * SUN-THU *)"),
    ("UTC", 9, 0, ["cron(0 9 ? * MON-FRI *)"], "cron(0 9 ? * MON-FRI *)"),
    ("Asia/Kolkata", 9, 0, ["cron(30 3 ? * MON-FRI *)"], "cron(30 3 ? * MON-FRI *)"),
])
def test_fixed_translations(zone_key, hour, minute, expressions, combined):
    translation = translate_to_utc(hour, minute, frozenset([2, 3, 4, 5, 6]), ZoneInfo(zone_key), 2026)
    assert list(translation.expressions) == expressions
    assert translation.combined == combined
    for expression in expressions + [combined]:
        parse_cron(expression)


def test_schedule_lambda_rules_use_the_overnight_stop_days():
    schedule = office_hours.validate_schedules([{"name": "night", "start": "22:00", "stop": "06:00", "timezone": "Asia/Seoul"}], {"backend": "lambda"})[0]
    assert schedule.lambda_rules("start", 2026).expressions == ("cron(0 13 ? * MON-FRI *)",)
    assert schedule.lambda_rules("stop", 2026).expressions == ("cron(0 21 ? * MON-FRI *)",)  # TUE-SAT 06:00 in Seoul
    assert schedule.lambda_rules("stop", 2026).gate["weekdays"] == ["TUE", "WED", "THU", "FRI", "SAT"]


def test_the_gate_window_is_the_one_the_translation_assumes():
    assert GATE_WINDOW == datetime.timedelta(minutes=office_hours.GATE_WINDOW_MINUTES)


def test_offsets_closer_than_the_gate_window_are_refused():
    with pytest.raises(ValueError, match="less than 15 minutes"):
        office_hours._check_gate_spacing([9], [0, 10], ZoneInfo("UTC"))
    office_hours._check_gate_spacing([9, 10], [0, 30], ZoneInfo("UTC"))


def test_offsets_with_seconds_are_refused():
    # Liberia kept a UTC-0:44:30 offset until 1972.
    with pytest.raises(ValueError, match="whole minutes"):
        translate_to_utc(9, 0, EVERY_DAY, ZoneInfo("Africa/Monrovia"), 1970, 1)


def test_the_offsets_of_a_time_are_walked_once_per_time_days_and_zone():
    """Schedules that share a time, days and zone (and each check of the same schedules in a run) reuse one walk of the days."""
    office_hours._offsets_of_days.cache_clear()  # pylint: disable=protected-access
    first = translate_to_utc(8, 15, frozenset([2, 3, 4, 5, 6]), ZoneInfo("Europe/Berlin"), 2026)
    again = translate_to_utc(8, 15, {2, 3, 4, 5, 6}, ZoneInfo("Europe/Berlin"), 2026)
    other_zone = translate_to_utc(8, 15, frozenset([2, 3, 4, 5, 6]), ZoneInfo("America/New_York"), 2026)
    info = office_hours._offsets_of_days.cache_info()  # pylint: disable=protected-access
    assert (info.hits, info.misses) == (1, 2)
    assert repr(first) == repr(again) and repr(first) != repr(other_zone)
    assert list(first.expressions) == ["cron(15 6 ? * MON-FRI *)", "cron(15 7 ? * MON-FRI *)"]  # CEST, then CET
