# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decision step of the collection's start/stop runbook (its aws:executeScript ``Script``).

This file's own source is the step's script (instance_runbook embeds it),
so it imports nothing from the collection: the standard library, and boto3
(which aws:executeScript provides) only inside ``closed_reason``.

The step gets (InputPayload)::

    Action         "start" | "stop"
    AtTime         the scheduled time, ISO 8601 UTC ("2026-12-25T00:00:00Z")
    CalendarState  "OPEN" | "CLOSED" (ssm:GetCalendarState of CalendarNames at AtTime)
    CalendarNames  the calendars read
    OnClosedDays   "skip_start" (a stop still happens on a closed day) | "skip_both"
    Hibernate      true: stop by hibernating (the runbook falls back to a plain stop
                   where the instance is not configured for hibernation)
    Tags           the instance's pause tags ([{Key, Value}], ec2:DescribeTags)

and returns ``{"decision": start | stop | hibernate | skip, "reason": ...}``.

Pause tags, checked first: ``awsops:scheduler:pause`` = ``true`` (any case)
leaves the instance alone until the tag is removed (``false`` or empty: no
pause); ``awsops:scheduler:pause-until`` = an ISO 8601 time with a UTC offset
(``2026-12-03T18:00+09:00``, ``2026-12-03T09:00:00Z``) leaves it alone while
AtTime is before that time. A value that is neither raises ``TagError``: the
step fails, so this instance's execution is Failed with the reason (visible
in the console and to failure notifications) and the instance is left
alone, until the tag is fixed or removed. A time without an offset is
refused rather than guessed.

Closed days: when CalendarState is CLOSED the start is skipped, and with
skip_both the stop too. ``closed_reason`` names the closure from the
calendars' events ("closed: 2026-12-25 Christmas Day"); the state itself is
GetCalendarState's. The calendars are read with a minimal iCalendar reader
(unfolded lines, VEVENT, DTSTART/DTEND with TZID, UTC or a date, SUMMARY):
the runbook's Python has no icalendar library. Events it cannot place
(recurring ones, unknown zones) are not named, and the reason then says
that the calendar is closed.
"""

import datetime
import re

PAUSE_TAG = "awsops:scheduler:pause"
PAUSE_UNTIL_TAG = "awsops:scheduler:pause-until"
PAUSE_UNTIL_FORM = "an ISO 8601 time with a UTC offset, e.g. 2026-12-03T18:00+09:00 or 2026-12-03T09:00:00Z"
ACTIONS = ("start", "stop")
ON_CLOSED_DAYS = ("skip_start", "skip_both")
UTC = datetime.timezone.utc

_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}:?\d{2})")
_ICS_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?")


class TagError(ValueError):
    """A pause tag whose value cannot be read."""


def parse_time(value):
    """An aware datetime from ISO 8601 with a UTC offset (Z, +09:00 or +0900), or ValueError."""
    match = _ISO_TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError("%r is not %s" % (value, PAUSE_UNTIL_FORM))
    day, hour, minute, second, fraction, offset = match.groups()
    if offset == "Z":
        offset = "+00:00"
    elif ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    text = "%sT%s:%s:%s.%s%s" % (day, hour, minute, second or "00", (fraction or "0").ljust(6, "0"), offset)
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        raise ValueError("%r is not %s" % (value, PAUSE_UNTIL_FORM))


def tag_map(tags):
    """{key: value} from DescribeTags' [{Key, Value, ...}] (or a dict already)."""
    if isinstance(tags, dict):
        return dict(tags)
    return dict((tag.get("Key"), tag.get("Value", "")) for tag in tags or [] if isinstance(tag, dict))


def pause_reason(tags, at):
    """Why the instance is paused at `at`, or None; TagError for a tag that cannot be read."""
    tags = tag_map(tags)
    pause = tags.get(PAUSE_TAG)
    if pause is not None:
        if pause.strip().lower() == "true":
            return "paused (tag %s=true)" % PAUSE_TAG
        if pause.strip().lower() not in ("false", ""):
            raise TagError("tag %s=%r is neither true nor false; the instance is left alone until the tag is fixed or removed" % (PAUSE_TAG, pause))
    until = tags.get(PAUSE_UNTIL_TAG)
    if until is None or not until.strip():
        return None
    try:
        end = parse_time(until)
    except ValueError:
        raise TagError("tag %s=%r is not %s; the instance is left alone until the tag is fixed or removed" % (PAUSE_UNTIL_TAG, until, PAUSE_UNTIL_FORM))
    if at < end:
        return "paused until %s" % until.strip()
    return None


# ---------------------------------------------------------------- naming a closure


def _unfolded_lines(text):
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    return lines


def _property(line):
    """(NAME, {PARAM: value}, value) of a content line."""
    head, _colon, value = line.partition(":")
    parts = head.split(";")
    params = {}
    for part in parts[1:]:
        key, _equals, param = part.partition("=")
        params[key.upper()] = param.strip('"')
    return parts[0].upper(), params, value


def _unescape(text):
    return re.sub(r"\\([\\;,nN])", lambda match: "\n" if match.group(1) in "nN" else match.group(1), text)


def _instant(value, params, zones):
    """(UTC instant, local time) of a DTSTART/DTEND value; None when it cannot be placed."""
    match = _ICS_TIME.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, utc = match.groups()
    if hour is None:  # a date: no zone, read as UTC (as AWS reads floating times)
        local = datetime.datetime(int(year), int(month), int(day), tzinfo=UTC)
        return local, local
    local = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    if utc:
        local = local.replace(tzinfo=UTC)
    elif "TZID" in params:
        zone = zones(params["TZID"])
        if zone is None:
            return None
        local = local.replace(tzinfo=zone)
    else:
        local = local.replace(tzinfo=UTC)
    return local.astimezone(UTC), local


def _zone_loader():
    cache = {}

    def load(key):
        if key not in cache:
            try:
                import zoneinfo

                cache[key] = zoneinfo.ZoneInfo(key)
            except Exception:  # no zone database in this runtime, or an unknown zone: that event is not named
                cache[key] = None
        return cache[key]

    return load


def covering_events(text, at):
    """[(local date of `at` in the event's zone, summary)] of the non-recurring VEVENTs that cover `at`."""
    found, event, zones = [], None, _zone_loader()
    for line in _unfolded_lines(text):
        name, params, value = _property(line)
        if name == "BEGIN" and value.upper() == "VEVENT":
            event = {}
        elif name == "END" and value.upper() == "VEVENT" and event is not None:
            start, end = event.get("DTSTART"), event.get("DTEND")
            if start and end and "RRULE" not in event and start[0] <= at < end[0]:
                zone = start[1].tzinfo if isinstance(start[1], datetime.datetime) else UTC
                found.append((at.astimezone(zone).date(), _unescape(event.get("SUMMARY", ""))))
            event = None
        elif event is not None:
            if name in ("DTSTART", "DTEND"):
                placed = _instant(value, params, zones)
                if placed is not None:
                    event[name] = placed
            elif name in ("SUMMARY", "RRULE"):
                event[name] = value
    return found


def closed_reason(calendar_names, at, ssm=None):
    """ "closed: 2026-12-25 Christmas Day", from the events of the calendars that cover `at`."""
    names, unread = [], []
    for calendar in calendar_names:
        try:
            if ssm is None:
                import boto3

                ssm = boto3.client("ssm")
            content = ssm.get_document(Name=calendar, DocumentFormat="TEXT")["Content"]
        except Exception as error:  # naming is best effort: the state itself came from GetCalendarState
            unread.append("%s (%s)" % (calendar, error.__class__.__name__))
            continue
        for day, summary in covering_events(content, at):
            label = "%s %s" % (day.isoformat(), summary) if summary else day.isoformat()
            if label not in names:
                names.append(label)
    if names:
        return "closed: " + "; ".join(names)
    reason = "closed: calendar %s is closed at %s" % (", ".join(calendar_names), at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return reason + ("; could not read %s" % ", ".join(unread) if unread else "")


# ---------------------------------------------------------------- the step


def decide(events, context=None, ssm=None):
    """The handler: {"decision": start | stop | hibernate | skip, "reason": ...}."""
    action = events.get("Action")
    if action not in ACTIONS:
        raise ValueError("Action must be start or stop, not %r" % (action,))
    at = parse_time(events.get("AtTime"))
    paused = pause_reason(events.get("Tags"), at)
    if paused:
        return {"decision": "skip", "reason": paused}
    on_closed_days = events.get("OnClosedDays") or "skip_start"
    if on_closed_days not in ON_CLOSED_DAYS:
        raise ValueError("OnClosedDays must be skip_start or skip_both, not %r" % (on_closed_days,))
    act = "hibernate" if action == "stop" and str(events.get("Hibernate")).lower() == "true" else action
    if str(events.get("CalendarState", "")).upper() != "CLOSED":
        return {"decision": act, "reason": "%s: calendar open at %s" % (act, at.strftime("%Y-%m-%dT%H:%M:%SZ"))}
    reason = closed_reason(events.get("CalendarNames") or [], at, ssm)
    if action == "start" or on_closed_days == "skip_both":
        return {"decision": "skip", "reason": reason}
    return {"decision": act, "reason": "%s on a closed day (on_closed_days skip_start): %s" % (act, reason)}
