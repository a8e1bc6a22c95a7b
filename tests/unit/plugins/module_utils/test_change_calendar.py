# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Change Calendar's content: built from closed days with icalendar, merged into what people edited, compared by meaning."""

import datetime
import zoneinfo

import holidays
import icalendar
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc
from ansible_collections.awsops.ssm.plugins.module_utils import closed_days as cd

DAY = datetime.date
UTC = datetime.timezone.utc
NAME = "instance-scheduler"
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=UTC)

# An event as the console writes it (no VTIMEZONE, TZID on the times).
CONSOLE_EVENT = (
    "BEGIN:VEVENT\r\n"
    "UID:9f3c2a4e-1b7d-4c55-9d0e-2f1a3b4c5d6e\r\n"
    "SEQUENCE:0\r\n"
    "SUMMARY:Datacenter maintenance\r\n"
    "DESCRIPTION:Closed by hand\r\n"
    "DTSTART;TZID=Asia/Seoul:20261203T090000\r\n"
    "DTEND;TZID=Asia/Seoul:20261203T180000\r\n"
    "X-EVENT-TYPE:STANDARD\r\n"
    "END:VEVENT\r\n"
)


def closed_days(days=(), spec=None, today=DAY(2026, 6, 1)):
    return cd.ClosedDays.from_options(list(days), spec, today=today)


def with_console_event(text):
    return text.replace("END:VCALENDAR", CONSOLE_EVENT + "END:VCALENDAR")


def build(days, zone="Asia/Seoul", current=None):
    return cc.merge(current, cc.desired_events(NAME, days, zone), now=NOW)


def test_a_new_calendar_is_what_aws_writes():
    text = build(closed_days(["2026-12-25"])).text()
    calendar = cc.parse_calendar(text)
    assert str(calendar["PRODID"]) == "-//AWS//Change Calendar 1.0//EN" and str(calendar["VERSION"]) == "2.0"
    assert cc.calendar_type(calendar) == "DEFAULT_OPEN"
    (event,) = calendar.walk("VEVENT")
    assert "DTSTART;TZID=Asia/Seoul:20261225T000000" in text and "DTEND;TZID=Asia/Seoul:20261226T000000" in text
    assert str(event["UID"]) == "awsops.ssm-closed-20261225@instance-scheduler" and str(event["SUMMARY"]) == "Closed day"
    assert "BEGIN:VTIMEZONE" not in text  # as the console: AWS resolves IANA names


def test_holidays_are_named_and_a_range_is_one_event():
    days = closed_days(["2026-12-24..2026-12-31"], {"country": "KR"})
    events = cc.desired_events(NAME, days, "Asia/Seoul")
    assert events["awsops.ssm-holiday-20261225@instance-scheduler"].summary == "기독탄신일"
    year_end = events["awsops.ssm-closed-20261224-20261231@instance-scheduler"]
    assert (year_end.start.isoformat(), year_end.end.isoformat()) == ("2026-12-24T00:00:00+09:00", "2027-01-01T00:00:00+09:00")
    assert year_end.summary == "Closed days"


def test_names_of_one_day_are_joined():
    days = closed_days(["2026-08-14", {"date": "2026-08-14", "name": "Foundation day"}])
    events = list(cc.desired_events(NAME, days, "UTC").values())
    assert [event.summary for event in events] == ["Foundation day"]


def test_a_closed_day_is_a_local_day_also_when_dst_changes():
    days = closed_days(["2026-03-08", "2026-11-01", "2026-12-25"])
    events = dict((event.label(), event) for event in cc.desired_events(NAME, days, "America/New_York").values())

    def hours(event):
        return event.end.astimezone(UTC) - event.start.astimezone(UTC)

    assert hours(events["2026-03-08"]) == datetime.timedelta(hours=23)
    assert hours(events["2026-11-01"]) == datetime.timedelta(hours=25)
    christmas = events["2026-12-25"]
    assert christmas.covers(datetime.datetime(2026, 12, 25, 14, tzinfo=UTC))  # 09:00 EST
    # 2026-12-26 09:00 in Seoul is 2026-12-25 19:00 in New York: a New York calendar would close it,
    # which is why a Seoul schedule never reads it (closed_days.plan_calendars).
    assert christmas.covers(datetime.datetime(2026, 12, 26, 0, tzinfo=UTC))
    assert not christmas.covers(datetime.datetime(2026, 12, 26, 5, tzinfo=UTC))


def test_the_same_closed_days_change_nothing_and_keep_dtstamps():
    days = closed_days(["2026-12-24..2026-12-31"], {"country": "KR"})
    first = build(days).text()
    again = cc.merge(cc.parse_calendar(first), cc.desired_events(NAME, days, "Asia/Seoul"), now=NOW + datetime.timedelta(days=30))
    assert not again.changed and again.text() == first


def test_changed_event_is_rewritten_with_a_higher_sequence():
    current = cc.parse_calendar(build(closed_days([{"date": "2026-12-25", "name": "Old"}])).text())
    merged = build(closed_days([{"date": "2026-12-25", "name": "New"}]), current=current)
    assert merged.updated == ["awsops.ssm-closed-20261225@instance-scheduler"] and not merged.added and not merged.removed
    (event,) = merged.calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "New" and int(event["SEQUENCE"]) == 1


def test_a_new_zone_moves_the_events():
    current = cc.parse_calendar(build(closed_days(["2026-12-25"]), "Asia/Seoul").text())
    merged = build(closed_days(["2026-12-25"]), "Europe/Berlin", current)
    assert merged.updated and "DTSTART;TZID=Europe/Berlin:20261225T000000" in merged.text()


def test_events_people_added_stay_unchanged():
    current = cc.parse_calendar(with_console_event(build(closed_days(["2026-12-25", "2026-12-31"])).text()))
    merged = build(closed_days(["2026-12-25"]), current=current)
    assert merged.removed == ["awsops.ssm-closed-20261231@instance-scheduler"]
    (kept,) = [event for event in merged.calendar.walk("VEVENT") if not cc.is_ours(str(event["UID"]))]
    (original,) = icalendar.Calendar.from_ical("BEGIN:VCALENDAR\r\n" + CONSOLE_EVENT + "END:VCALENDAR\r\n").walk("VEVENT")
    assert sorted(kept.property_items()) == sorted(original.property_items())
    assert [event.summary for event in cc.foreign_events(merged.calendar)] == ["Datacenter maintenance"]


def test_calendar_properties_are_set_back():
    text = build(closed_days(["2026-12-25"])).text().replace("DEFAULT_OPEN", "DEFAULT_CLOSED")
    text = text.replace("X-CALENDAR-CMEVENTS:DISABLED", "X-CALENDAR-CMEVENTS:ENABLED")
    merged = build(closed_days(["2026-12-25"]), current=cc.parse_calendar(text))
    assert merged.header == ["X-CALENDAR-TYPE"] and merged.changed
    calendar = cc.parse_calendar(merged.text())
    assert cc.calendar_type(calendar) == "DEFAULT_OPEN" and str(calendar["X-CALENDAR-CMEVENTS"]) == "ENABLED"  # not ours to decide


def test_recurring_events_are_kept_not_expanded():
    recurring = CONSOLE_EVENT.replace("X-EVENT-TYPE", "RRULE:FREQ=WEEKLY;BYDAY=FR\r\nX-EVENT-TYPE")
    text = build(closed_days(["2026-12-25"])).text().replace("END:VCALENDAR", recurring + "END:VCALENDAR")
    merged = build(closed_days([]), current=cc.parse_calendar(text))
    assert cc.recurring_events(merged.calendar) == [{"uid": "9f3c2a4e-1b7d-4c55-9d0e-2f1a3b4c5d6e", "summary": "Datacenter maintenance"}]
    assert cc.calendar_events(merged.calendar) == []


def test_dates_diff_and_lines():
    before = cc.desired_events(NAME, closed_days(["2026-12-24..2026-12-26"]), "UTC").values()
    after = cc.desired_events(NAME, closed_days(["2026-12-25..2026-12-27"]), "UTC").values()
    assert cc.dates_diff(cc.covered_dates(before), cc.covered_dates(after)) == (["2026-12-27"], ["2026-12-24"])
    assert cc.closed_day_lines(after) == ["2026-12-25..2026-12-27 Closed days"]


def test_content_size_limit():
    assert cc.content_problem("x" * 100) is None
    assert cc.content_problem("x" * (64 * 1024 + 1), "closed_days").startswith("closed_days: the calendar content would be 65537 bytes")


def test_not_a_calendar():
    for text in ("not ical", "BEGIN:VEVENT\r\nEND:VEVENT\r\n"):
        try:
            cc.parse_calendar(text)
        except ValueError:
            continue
        raise AssertionError("%r parsed" % text)


# ---------------------------------------------------------------- the property, across years


ZONES = ("Asia/Seoul", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana", "UTC")


@st.composite
def inventories(draw):
    """A run's today, a zone, and two closed-day ranges within the years in view."""
    year = draw(st.integers(min_value=2001, max_value=2098))
    today = DAY(year, 1, 1) + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=364)))
    ranges = []
    for _index in range(2):
        first = DAY(year, 1, 1) + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=720)))
        last = first + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        ranges.append("%s..%s" % (first.isoformat(), last.isoformat()))
    return today, draw(st.sampled_from(ZONES)), ranges


def range_dates(text):
    first, last = (DAY.fromisoformat(part) for part in text.split(".."))
    return set(first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1))


@settings(max_examples=60, deadline=None)
@given(inventories())
def test_holidays_kr_plus_two_ranges_close_exactly_those_days(inventory):
    """Every holiday the library lists for this year and the next is closed, and every day of both ranges, and no other day."""
    today, zone, ranges = inventory
    days = closed_days(ranges, {"country": "KR"}, today)
    text = cc.merge(None, cc.desired_events(NAME, days, zone), now=NOW).text()
    calendar = cc.parse_calendar(text)
    listed = holidays.country_holidays("KR", years=[today.year, today.year + 1], language="ko")
    expected = set(listed) | range_dates(ranges[0]) | range_dates(ranges[1])
    events = cc.collection_events(calendar).values()
    assert set(cc.covered_dates(events)) == expected
    for event in events:  # each event is whole local days of the zone
        assert event.start.astimezone(zoneinfo.ZoneInfo(zone)).date() == event.start.date()
        assert event.start.time() == datetime.time(0) or zone == "America/Havana"  # midnight in a DST gap reads as 01:00
        assert event.start.date() in expected
    # A hand-added event, then a rerun with the same inventory: nothing to write.
    edited = cc.parse_calendar(with_console_event(text))
    assert not cc.merge(edited, cc.desired_events(NAME, days, zone), now=NOW).changed
    # Removing the second range removes only its event (unless the first range has the very same span); the hand-added one stays.
    fewer = closed_days(ranges[:1], {"country": "KR"}, today)
    merged = cc.merge(edited, cc.desired_events(NAME, fewer, zone), now=NOW)
    removed_uid = cc.event_uid(NAME, cd.parse_closed_day(ranges[1]))
    assert merged.removed == ([] if ranges[1] == ranges[0] else [removed_uid]) and not merged.added and not merged.updated
    assert [event.summary for event in cc.foreign_events(merged.calendar)] == ["Datacenter maintenance"]
    assert set(cc.covered_dates(cc.collection_events(merged.calendar).values())) == set(listed) | range_dates(ranges[0])
