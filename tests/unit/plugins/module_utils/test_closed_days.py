# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Closed days: the input forms, holidays from the holidays library, and which calendar each schedule reads."""

import datetime

import holidays
import pytest

from ansible_collections.awsops.ssm.plugins.module_utils import closed_days as cd

DAY = datetime.date


def test_dates_and_ranges_parse_inclusively():
    days = cd.parse_closed_days("instance_scheduler_closed_days", ["2026-12-25", "2026-12-24..2026-12-31", DAY(2027, 1, 1)])
    assert [day.label for day in days] == ["2026-12-25", "2026-12-24..2026-12-31", "2027-01-01"]
    assert list(days[1].dates())[-1] == DAY(2026, 12, 31) and len(list(days[1].dates())) == 8


def test_a_named_day():
    (day,) = cd.parse_closed_days("closed_days", [{"date": "2026-08-14", "name": " Foundation day "}])
    assert (day.first, day.name, day.source) == (DAY(2026, 8, 14), "Foundation day", cd.SOURCE_INVENTORY)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-02-30", 'instance_scheduler_closed_days[0]: "2026-02-30" is not a closed day'),
        ("2026-12-31..2026-12-24", 'instance_scheduler_closed_days[0]: "2026-12-31..2026-12-24" ends before it starts'),
        ("2026-12-24..2026-13-01", 'instance_scheduler_closed_days[0]: "2026-12-24..2026-13-01" is not a range of dates'),
        ("25.12.2026", 'instance_scheduler_closed_days[0]: "25.12.2026" is not a closed day; expected "YYYY-MM-DD"'),
        ({"day": "2026-12-25"}, "instance_scheduler_closed_days[0]: {\"day\": \"2026-12-25\"} is not a closed day"),
        (datetime.datetime(2026, 12, 25, 9), "instance_scheduler_closed_days[0]"),
    ],
)
def test_bad_closed_days_name_the_option_and_item(value, expected):
    problems = cd.check_closed_days("instance_scheduler_closed_days", [value])
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_every_bad_item_is_reported_at_once():
    problems = cd.check_closed_days("schedules[1].closed_days", ["2026-02-30", "2026-12-25", "2026-12-31..2026-12-01"])
    assert [problem.split(":")[0] for problem in problems] == ["schedules[1].closed_days[0]", "schedules[1].closed_days[2]"]


def test_closed_days_must_be_a_list():
    assert cd.check_closed_days("closed_days", "2026-12-25") == [
        'closed_days: "2026-12-25" is not a list of closed days; expected a list of ' + cd.CLOSED_DAY_FORM]


def test_on_closed_days():
    assert cd.check_on_closed_days("schedules[0].on_closed_days", "skip_both") == []
    assert cd.check_on_closed_days("schedules[0].on_closed_days", "skip") == [
        'schedules[0].on_closed_days: "skip" is not a closed-day rule; expected skip_start (a stop still happens on a closed day) or skip_both']


# ---------------------------------------------------------------- holidays


def test_korean_holidays_are_the_librarys_in_korean():
    spec = cd.parse_holidays("instance_scheduler_holidays", {"country": "kr"})
    days = spec.days([2026])
    expected = holidays.country_holidays("KR", years=[2026], language="ko")
    assert dict((day.first, day.name) for day in days) == dict(expected.items())
    assert all(day.source == cd.SOURCE_HOLIDAYS for day in days)


def test_subdivision_in_iso_form_and_categories():
    spec = cd.parse_holidays("holidays", {"country": "DE", "subdivision": "DE-BY", "categories": ["public", "catholic"], "language": "en_US"})
    assert (spec.subdivision, spec.categories) == ("BY", ("catholic", "public"))
    names = dict((day.first, day.name) for day in spec.days([2026]))
    assert names[DAY(2026, 8, 15)] == "Assumption Day" and names[DAY(2026, 1, 6)] == "Epiphany"


def test_include_and_exclude():
    spec = cd.parse_holidays("holidays", {"country": "US", "subdivision": "CA", "exclude": ["2026-11-27"],
                                          "include": ["2026-12-24", {"date": "2026-12-31", "name": "New Year's Eve"}]})
    days = dict((day.first, day.name) for day in spec.days([2026]))
    assert DAY(2026, 11, 27) not in days  # the day after Thanksgiving, a California holiday, kept open
    assert days[DAY(2026, 12, 31)] == "New Year's Eve" and DAY(2026, 12, 24) in days
    assert days[DAY(2026, 11, 26)] == "Thanksgiving Day"


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"country": "XX"}, 'instance_scheduler_holidays.country: "XX" is not a country the holidays library knows'),
        ({"country": "US", "subdivision": "ZZ"}, 'instance_scheduler_holidays.subdivision: "ZZ" is not a subdivision of US'),
        ({"country": "US", "subdivision": "DE-BY"}, 'instance_scheduler_holidays.subdivision: "DE-BY" is not a subdivision of US'),
        ({"country": "KR", "categories": ["catholic"]}, "instance_scheduler_holidays.categories: [\"catholic\"] is not a list of holiday categories of KR"),
        ({"country": "KR", "language": "de"}, 'instance_scheduler_holidays.language: "de" is not a language the holidays library has for KR'),
        ({"country": "KR", "include": ["2026-12-24..2026-12-26"]}, "instance_scheduler_holidays.include[0]: \"2026-12-24..2026-12-26\" is a range"),
        ({"country": "KR", "exclude": ["2026-02-30"]}, 'instance_scheduler_holidays.exclude[0]: "2026-02-30" is not a date'),
        ({"country": "KR", "region": "x"}, "instance_scheduler_holidays: unknown key(s) region"),
        ({"subdivision": "CA"}, "instance_scheduler_holidays.country: null is not a country"),
        (["KR"], 'instance_scheduler_holidays: ["KR"] is not a holidays setting'),
    ],
)
def test_bad_holidays_name_the_option(value, expected):
    problems = cd.check_holidays("instance_scheduler_holidays", value)
    assert problems and problems[0].startswith(expected), problems


def test_no_holidays():
    assert cd.parse_holidays("holidays", {}) is None and cd.parse_holidays("holidays", None) is None


def test_years_in_view_roll_forward():
    assert cd.years_in_view(DAY(2026, 12, 31)) == (2026, 2027)
    assert cd.years_in_view(DAY(2027, 1, 1)) == (2027, 2028)


def test_closed_days_of_a_schedule():
    days = cd.ClosedDays.from_options(["2026-12-24..2026-12-31"], {"country": "KR"}, today=DAY(2026, 6, 1))
    dates = days.dates()
    assert days.years == (2026, 2027)
    assert dates[DAY(2026, 12, 25)] == ["기독탄신일"]  # Christmas, closed by both: the range has no name
    assert DAY(2027, 2, 7) in dates or DAY(2027, 2, 6) in dates  # Seollal 2027 is in view
    assert days.is_closed(DAY(2026, 12, 28)) and not days.is_closed(DAY(2026, 12, 23))


def test_from_options_reports_both_options():
    with pytest.raises(cd.ClosedDaysError) as raised:
        cd.ClosedDays.from_options(["2026-02-30"], {"country": "XX"}, names=("instance_scheduler_closed_days", "instance_scheduler_holidays"))
    assert [problem.split(":")[0] for problem in raised.value.problems] == ["instance_scheduler_closed_days[0]", "instance_scheduler_holidays.country"]


def test_a_schedules_own_option_replaces_the_targets():
    assert cd.resolve(None, ["2026-12-25"]) == ["2026-12-25"]
    assert cd.resolve([], ["2026-12-25"]) == []


# ---------------------------------------------------------------- calendars


def closed(*dates):
    return cd.ClosedDays([cd.ClosedDay(DAY.fromisoformat(date)) for date in dates], years=(2026, 2027))


def test_the_common_case_is_one_calendar_named_after_the_group():
    target = closed("2026-12-25")
    calendars, reads = cd.plan_calendars("instance-scheduler", "Asia/Seoul", target, [
        ("office", "Asia/Seoul", target), ("batch", "Asia/Seoul", target)])
    assert list(calendars) == ["instance-scheduler"] and reads == {"office": ["instance-scheduler"], "batch": ["instance-scheduler"]}
    assert calendars["instance-scheduler"].zone == "Asia/Seoul" and calendars["instance-scheduler"].schedules == ["office", "batch"]


def test_another_zone_or_other_days_get_a_calendar_of_their_own():
    """A 2026-12-25 closure in New York must not close a 2026-12-26 09:00 Seoul start: each zone's days are its own events."""
    target = closed("2026-12-25")
    calendars, reads = cd.plan_calendars("instance-scheduler", "America/New_York", target, [
        ("new-york", "America/New_York", target), ("seoul", "Asia/Seoul", target), ("berlin", "America/New_York", closed("2026-12-24"))])
    assert reads == {"new-york": ["instance-scheduler"], "seoul": ["instance-scheduler-seoul"], "berlin": ["instance-scheduler-berlin"]}
    assert (calendars["instance-scheduler-seoul"].zone, calendars["instance-scheduler-seoul"].closed_days.key()) == ("Asia/Seoul", target.key())


def test_schedules_without_closed_days_share_the_zone_free_target_calendar():
    empty = cd.ClosedDays(years=(2026, 2027))
    calendars, reads = cd.plan_calendars("g", "UTC", empty, [("a", "Asia/Seoul", empty), ("b", "Europe/Berlin", empty)])
    assert reads == {"a": ["g"], "b": ["g"]} and calendars["g"].zone is None


def test_document_names():
    assert cd.check_document_name("instance_scheduler_group", "instance-scheduler") == []
    for bad in ("aws-scheduler", "AmazonThings", "amzn1", "ab", "a b"):
        assert cd.check_document_name("instance_scheduler_group", bad), bad
    assert cd.runbook_name("instance-scheduler") == "instance-scheduler-StartStopInstance"
    problems = cd.check_document_names("instance_scheduler_schedules", "grp", ["grp", "grp-StartStopInstance"])
    assert problems == ['instance_scheduler_schedules: schedule "StartStopInstance" would name its Change Calendar "grp-StartStopInstance", '
                        "which is the runbook's name; rename the schedule"]
    # A schedule group may be 1 character long; a document name needs 3.
    assert cd.check_document_names("instance_scheduler_group", "g", ["g"])[0].startswith('instance_scheduler_group: "g" is not usable as the name')
