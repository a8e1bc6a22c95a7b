# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The content of an SSM Change Calendar of closed days, built and read with the icalendar library.

A Change Calendar is an SSM document of type ``ChangeCalendar`` whose
content (``DocumentFormat`` ``TEXT``) is an iCalendar (RFC 5545) VCALENDAR
as AWS writes it::

    BEGIN:VCALENDAR
    PRODID:-//AWS//Change Calendar 1.0//EN
    VERSION:2.0
    X-CALENDAR-TYPE:DEFAULT_OPEN          open, except during its events
    X-WR-CALDESC:...                      the description the console shows
    X-CALENDAR-CMEVENTS:DISABLED          Change Manager requests not shown
    BEGIN:VEVENT ... END:VEVENT           one per closure
    END:VCALENDAR

The console writes its events with ``DTSTART;TZID=Asia/Tokyo:...`` and no
VTIMEZONE (AWS resolves IANA names itself); this module writes its events
the same way. A closed day D in zone Z is the event
``DTSTART;TZID=Z:D T000000`` .. ``DTEND;TZID=Z:(D+1) T000000`` (23 or 25
hours long on the days daylight saving time starts or ends; a range is one
event to its last day's end). Where midnight falls into a DST gap, RFC 5545
reads 00:00 with the offset before the gap, which is the first instant of
that day.

Ownership of events: the collection's events have a UID starting with
``UID_PREFIX`` (``awsops.ssm-holiday-20261225@CALENDAR``,
``awsops.ssm-closed-20261224-20261231@CALENDAR``); only those are added,
changed or removed. Every other component (an event someone added in the
console, a VTODO, a VTIMEZONE) is kept with all its properties (icalendar
may write them in another order, which changes nothing they mean).
Comparisons are of what events mean (instants, local times, summary,
description), never of text, so a rerun with the same closed days writes
nothing even though DTSTAMP would differ.
"""

import datetime
import zoneinfo

from ansible.module_utils.basic import missing_required_lib

try:
    import icalendar

    HAS_ICALENDAR = True
except ImportError:
    HAS_ICALENDAR = False

from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import SOURCE_HOLIDAYS
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import SOURCE_INVENTORY

ICALENDAR_REQUIRED = missing_required_lib("icalendar")
DOCUMENT_TYPE = "ChangeCalendar"
DOCUMENT_FORMAT = "TEXT"
PRODID = "-//AWS//Change Calendar 1.0//EN"
ICALENDAR_VERSION = "2.0"
CALENDAR_TYPE = "DEFAULT_OPEN"
UID_PREFIX = "awsops.ssm-"
UTC = datetime.timezone.utc
DEFAULT_DESCRIPTION = (
    "Closed days of office-hours schedules, kept in sync by awsops.ssm from the inventory (events whose UID starts with awsops.ssm-). "
    "Add your own events to close other times: they are never changed."
)
# SSM documents hold at most 64 KB (Systems Manager quotas, "Maximum size of a document").
MAX_CONTENT_BYTES = 64 * 1024
_HEADER = (("PRODID", PRODID), ("VERSION", ICALENDAR_VERSION), ("X-CALENDAR-TYPE", CALENDAR_TYPE))
_DESCRIPTIONS = {
    SOURCE_INVENTORY: "Closed by awsops.ssm from the inventory; changes made here are undone on the next run.",
    SOURCE_HOLIDAYS: "Public holiday, closed by awsops.ssm; changes made here are undone on the next run.",
}


def _require_icalendar():
    if not HAS_ICALENDAR:
        raise ValueError(ICALENDAR_REQUIRED)


class ClosureEvent(object):
    """A VEVENT as this module compares it: start and end instants (aware), summary, description, TZID."""

    def __init__(self, uid, start, end, summary="", description="", timezone=None, source=None, component=None):
        self.uid = uid
        self.start = start
        self.end = end
        self.summary = summary or ""
        self.description = description or ""
        self.timezone = timezone
        self.source = source
        self.component = component

    @property
    def ours(self):
        return is_ours(self.uid)

    def meaning(self):
        """What the event means: its instants, its local wall times, summary, description.

        Not the TZID itself: icalendar writes UTC times with Z and no TZID, and two zone
        names that give the same instants and wall times mean the same event.
        """
        return (_as_utc(self.start), _as_utc(self.end), _wall(self.start), _wall(self.end), self.summary, self.description)

    def local_dates(self):
        """The local dates the event covers, in its own zone: start's date to the date before the end (or of an end past midnight)."""
        if not isinstance(self.start, datetime.datetime):
            first, last = self.start, _date_of(self.end) - datetime.timedelta(days=1)  # DTEND of a date is exclusive
        else:
            first = self.start.date()
            end = self.end if isinstance(self.end, datetime.datetime) else _as_utc(self.end)
            last_instant = end - datetime.timedelta(microseconds=1)
            last = (last_instant.astimezone(self.start.tzinfo) if self.start.tzinfo and last_instant.tzinfo else last_instant).date()
        day, dates = first, []
        while day <= last:
            dates.append(day)
            day += datetime.timedelta(days=1)
        return dates

    def covers(self, instant):
        return _as_utc(self.start) <= instant.astimezone(UTC) < _as_utc(self.end)

    def label(self):
        dates = self.local_dates()
        if not dates:
            return self.start.isoformat()
        return dates[0].isoformat() if len(dates) == 1 else "%s..%s" % (dates[0].isoformat(), dates[-1].isoformat())

    def as_dict(self):
        return {"uid": self.uid, "summary": self.summary, "start": self.start.isoformat(), "end": self.end.isoformat(), "dates": self.label()}

    def __repr__(self):
        return "ClosureEvent(%s %s %r)" % (self.uid, self.label(), self.summary)


def is_ours(uid):
    return isinstance(uid, str) and uid.startswith(UID_PREFIX)


def _wall(value):
    return value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value


def _date_of(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _as_utc(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)  # a floating date: UTC, as AWS has no zone for it


def event_uid(calendar_name, closed_day):
    kind = "holiday" if closed_day.source == SOURCE_HOLIDAYS else "closed"
    span = closed_day.first.strftime("%Y%m%d")
    if closed_day.last != closed_day.first:
        span += "-" + closed_day.last.strftime("%Y%m%d")
    return "%s%s-%s@%s" % (UID_PREFIX, kind, span, calendar_name)


def _midnight(date, zone):
    return datetime.datetime(date.year, date.month, date.day, tzinfo=zone)


def desired_events(calendar_name, closed_days, zone_key):
    """{uid: ClosureEvent} for the closed days in zone_key; entries with the same UID are one event naming them all."""
    if closed_days.is_empty:
        return {}
    zone = zoneinfo.ZoneInfo(zone_key)
    events = {}
    for day in closed_days.entries:
        uid = event_uid(calendar_name, day)
        event = events.get(uid)
        if event is None:
            event = ClosureEvent(
                uid, _midnight(day.first, zone), _midnight(day.last + datetime.timedelta(days=1), zone),
                day.name or "", _DESCRIPTIONS[day.source], zone_key, day.source)
            events[uid] = event
        elif day.name and day.name not in event.summary.split("; "):
            event.summary = "; ".join(filter(None, [event.summary, day.name]))
    for event in events.values():
        if not event.summary:
            event.summary = "Closed day" if len(event.local_dates()) == 1 else "Closed days"
    return events


# ---------------------------------------------------------------- reading


def parse_calendar(text):
    """The icalendar Calendar of a document's content, or ValueError when it is not one VCALENDAR."""
    _require_icalendar()
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as error:
        raise ValueError("the content is not iCalendar (%s)" % error)
    if isinstance(calendar, list) or getattr(calendar, "name", None) != "VCALENDAR":
        raise ValueError("the content is not a single VCALENDAR")
    return calendar


def _event_from_component(component):
    start = component.decoded("DTSTART")
    if "DTEND" in component:
        end = component.decoded("DTEND")
    elif "DURATION" in component:
        end = start + component.decoded("DURATION")
    else:
        end = start + datetime.timedelta(days=1) if not isinstance(start, datetime.datetime) else start
    tzid = component["DTSTART"].params.get("TZID")
    return ClosureEvent(str(component.get("UID", "")), start, end, str(component.get("SUMMARY", "")), str(component.get("DESCRIPTION", "")),
                        tzid, component=component)


def calendar_events(calendar):
    """Every non-recurring VEVENT as a ClosureEvent, in document order (recurring ones: see recurring_events)."""
    return [_event_from_component(component) for component in calendar.walk("VEVENT") if "RRULE" not in component and "DTSTART" in component]


def recurring_events(calendar):
    """The UIDs and summaries of recurring events (RRULE), which this module keeps but does not expand."""
    return [{"uid": str(component.get("UID", "")), "summary": str(component.get("SUMMARY", ""))}
            for component in calendar.walk("VEVENT") if "RRULE" in component]


def collection_events(calendar):
    return dict((event.uid, event) for event in calendar_events(calendar) if event.ours)


def foreign_events(calendar):
    return [event for event in calendar_events(calendar) if not event.ours]


def calendar_type(calendar):
    return str(calendar.get("X-CALENDAR-TYPE", ""))


def events_at(calendar, instant):
    """The non-recurring events that cover an instant (aware datetime)."""
    return [event for event in calendar_events(calendar) if event.covers(instant)]


# ---------------------------------------------------------------- writing


def _component(event, stamp, sequence):
    component = icalendar.Event()
    component.add("UID", event.uid)
    component.add("DTSTAMP", stamp)
    component.add("SEQUENCE", sequence)
    component.add("SUMMARY", event.summary)
    component.add("DESCRIPTION", event.description)
    component.add("DTSTART", event.start)
    component.add("DTEND", event.end)
    component.add("X-EVENT-TYPE", "STANDARD")
    return component


def _header_changes(calendar, description):
    wanted = _HEADER + (("X-WR-CALDESC", description),)
    return [key for key, value in wanted if str(calendar.get(key, "")) != value]


class CalendarMerge(object):
    """The result of merging the wanted closed-day events into a calendar's content.

    calendar: the icalendar Calendar to write; changed: whether it differs in
    meaning from the current one; added/updated/removed: UIDs of the
    collection's events; header: calendar properties set back.
    """

    def __init__(self, calendar, added, updated, removed, header):
        self.calendar = calendar
        self.added = added
        self.updated = updated
        self.removed = removed
        self.header = header

    @property
    def changed(self):
        return bool(self.added or self.updated or self.removed or self.header)

    def text(self):
        return serialize(self.calendar)


def new_calendar(description=DEFAULT_DESCRIPTION):
    _require_icalendar()
    calendar = icalendar.Calendar()
    for key, value in _HEADER:
        calendar.add(key, value)
    calendar.add("X-WR-CALDESC", description)
    calendar.add("X-CALENDAR-CMEVENTS", "DISABLED")
    return calendar


def merge(current, wanted, description=DEFAULT_DESCRIPTION, now=None):
    """CalendarMerge of the wanted {uid: ClosureEvent} into current (a Calendar, or None for a new document).

    Components that are not the collection's stay where they are, unchanged;
    the collection's unchanged events stay too (with their DTSTAMP); changed
    ones are rewritten in place with SEQUENCE one higher; new ones are added
    at the end in date order; the collection's events no longer wanted go.
    """
    _require_icalendar()
    stamp = (now or datetime.datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if current is None:
        calendar, header = new_calendar(description), []
        components = []
    else:
        calendar = icalendar.Calendar()
        header = _header_changes(current, description)
        for key, value in current.property_items(recursive=False):
            if key not in ("BEGIN", "END"):
                calendar.add(key, value, encode=False)
        for key, value in _HEADER + (("X-WR-CALDESC", description),):
            if key in header:
                calendar.pop(key, None)
                calendar.add(key, value)
        components = list(current.subcomponents)
    added, updated, removed, kept = [], [], [], set()
    for component in components:
        uid = str(component.get("UID", "")) if component.name == "VEVENT" else ""
        if not is_ours(uid):
            calendar.add_component(component)
            continue
        event = wanted.get(uid)
        if event is None or uid in kept:
            removed.append(uid)
            continue
        kept.add(uid)
        if "RRULE" not in component and _event_from_component(component).meaning() == event.meaning():
            calendar.add_component(component)
        else:
            updated.append(uid)
            calendar.add_component(_component(event, stamp, int(component.get("SEQUENCE", 0)) + 1))
    for uid, event in sorted(wanted.items(), key=lambda item: (item[1].start, item[0])):
        if uid not in kept:
            added.append(uid)
            calendar.add_component(_component(event, stamp, 0))
    return CalendarMerge(calendar, added, updated, removed, header)


def serialize(calendar):
    return calendar.to_ical().decode("utf-8")


def content_problem(text, option="closed days"):
    """A message when the content exceeds what an SSM document can hold, else None."""
    size = len(text.encode("utf-8"))
    if size <= MAX_CONTENT_BYTES:
        return None
    return "%s: the calendar content would be %d bytes, more than the %d an SSM document holds; use ranges instead of many single days" % (
        option, size, MAX_CONTENT_BYTES)


# ---------------------------------------------------------------- what the module reports


def covered_dates(events):
    """{local date: [summaries]} of events (ClosureEvents), each date in its event's own zone."""
    dates = {}
    for event in events:
        for date in event.local_dates():
            summaries = dates.setdefault(date, [])
            if event.summary not in summaries:
                summaries.append(event.summary)
    return dates


def dates_diff(before, after):
    """(dates added, dates removed) between two {date: ...} maps, as sorted ISO strings."""
    return (sorted(date.isoformat() for date in set(after) - set(before)), sorted(date.isoformat() for date in set(before) - set(after)))


def closed_day_lines(events):
    """What the diff shows of the collection's events: one "DATES SUMMARY" line each, in date order."""
    return ["%s %s" % (event.label(), event.summary) for event in sorted(events, key=lambda event: (event.start.isoformat(), event.uid))]


def calendar_view(calendar):
    """What the diff and the result show of a calendar (None: no document)."""
    if calendar is None:
        return {"closed_days": [], "other_events": []}
    return {
        "closed_days": closed_day_lines(collection_events(calendar).values()),
        "other_events": closed_day_lines(foreign_events(calendar)) + [
            "recurring %s" % event["summary"] for event in recurring_events(calendar)],
    }


def other_events(calendar):
    if calendar is None:
        return []
    return [event.as_dict() for event in foreign_events(calendar)] + recurring_events(calendar)


def same_meaning(wanted, description):
    """same_content for a stored calendar: the collection's events and the calendar properties are the ones wanted."""

    def compare(text):
        try:
            stored = parse_calendar(text)
        except ValueError:
            return False
        return not merge(stored, wanted, description).changed

    return compare
