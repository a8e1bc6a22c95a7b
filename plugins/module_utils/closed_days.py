# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Closed days of office-hours schedules: the input forms, holidays, and which calendar a schedule reads.

A *closed day* is a local date in a schedule's time zone on which its start
does not happen (and, with ``on_closed_days: skip_both``, its stop neither).
They come from two inputs, at the target level (``instance_scheduler_closed_days``,
``instance_scheduler_holidays``) or per schedule (``closed_days``, ``holidays``):

* closed days: a list of ``"YYYY-MM-DD"`` dates and inclusive ranges
  ``"YYYY-MM-DD..YYYY-MM-DD"``; an item may also be ``{date: ..., name: ...}``
  to give the day a name (the calendar event's summary). YAML reads an
  unquoted ``2026-12-25`` as a date; that is accepted too.
* holidays: ``{country: KR, subdivision: ..., categories: [...], language: ...,
  include: [...], exclude: [...]}``, the public holidays the ``holidays``
  library lists for the country (ISO 3166-1 alpha-2) and optional
  subdivision (ISO 3166-2, ``US-CA`` or just ``CA``), for the *years in view*:
  this year and the next, recomputed on every run so the calendar rolls
  forward. ``categories`` default to the library's (public holidays);
  ``language`` defaults to the country's own language (the library would
  otherwise guess it from the controller's locale, and names would change
  with the machine that runs the play). ``include`` adds single dates
  (closed-day items), ``exclude`` keeps single holiday dates open.

A schedule's own ``closed_days`` / ``holidays`` replace the target's (as its
``timezone`` and ``tag_key`` replace the target's); ``closed_days: []`` and
``holidays: {}`` turn them off for that schedule.

Check functions take ``(name, value)``, where name is the option or variable
the messages name, and return a list of messages (empty when the value is
good), in the form ``NAME: VALUE is not WHAT; expected FORM``.

Calendars (see ``plan_calendars``): a closed day is a local date, while
``ssm:GetCalendarState`` evaluates an instant. An event for 2026-12-25 in
America/New_York covers 2026-12-25T05:00Z..2026-12-26T05:00Z; read by a
schedule in Asia/Seoul it would close that schedule's 2026-12-26 09:00 start
(00:00Z). So every calendar holds the days of one time zone, and a schedule
reads only a calendar written for its own zone and closed days: the target's
calendar, named after the schedule group, for every schedule whose closed
days and zone are the target's (the common case: one calendar per target),
and ``<group>-<schedule>`` for a schedule with closed days of its own or
another zone. A calendar without collection-made events is zone-free (what
people add in the console are instants), so schedules without closed days
share the target's calendar whatever their zone.
"""

import datetime
import json
import re

from ansible.module_utils.basic import missing_required_lib

try:
    import holidays as holidays_library

    HAS_HOLIDAYS = True
except ImportError:
    HAS_HOLIDAYS = False

HOLIDAYS_REQUIRED = missing_required_lib("holidays")

ON_CLOSED_DAYS = ("skip_start", "skip_both")
DEFAULT_ON_CLOSED_DAYS = "skip_start"
HOLIDAY_KEYS = ("country", "subdivision", "categories", "language", "include", "exclude")
CLOSED_DAY_KEYS = ("date", "name")
SOURCE_INVENTORY = "inventory"
SOURCE_HOLIDAYS = "holidays"

DATE_FORM = '"YYYY-MM-DD"'
CLOSED_DAY_FORM = '"YYYY-MM-DD", an inclusive range "YYYY-MM-DD..YYYY-MM-DD", or {date: ..., name: ...}'
HOLIDAYS_FORM = "{country: KR, subdivision: ..., categories: [...], language: ..., include: [...], exclude: [...]}"
# The reserved prefixes and the pattern of SSM document names (CreateDocument, Name).
DOCUMENT_NAME = re.compile(r"[a-zA-Z0-9_\-.]{3,128}")
RESERVED_DOCUMENT_PREFIXES = ("aws", "amazon", "amzn")
RUNBOOK_SUFFIX = "StartStopInstance"

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_RANGE_SEPARATOR = ".."


def show(value):
    """A value as the user wrote it (dates as YAML shows them)."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


class ClosedDaysError(ValueError):
    """Every problem found; str() joins them, .problems lists them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ClosedDaysError, self).__init__("; ".join(self.problems))


class ClosedDay(object):
    """Closed local dates first..last (inclusive), with a name (or None) and where they came from."""

    def __init__(self, first, last=None, name=None, source=SOURCE_INVENTORY):
        self.first = first
        self.last = last or first
        self.name = name
        self.source = source

    @property
    def label(self):
        if self.first == self.last:
            return self.first.isoformat()
        return "%s%s%s" % (self.first.isoformat(), _RANGE_SEPARATOR, self.last.isoformat())

    def dates(self):
        day = self.first
        while day <= self.last:
            yield day
            day += datetime.timedelta(days=1)

    def key(self):
        return (self.first, self.last, self.name or "", self.source)

    def __eq__(self, other):
        return isinstance(other, ClosedDay) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return "ClosedDay(%s %r %s)" % (self.label, self.name, self.source)

    def as_dict(self):
        return {"dates": self.label, "name": self.name, "source": self.source}


# ---------------------------------------------------------------- parsing


def parse_date(value):
    """A datetime.date from "YYYY-MM-DD" (or a date YAML already read), or ValueError with the reason."""
    if isinstance(value, datetime.datetime):
        raise ValueError("%s is a time, not a date; expected %s" % (show(value), DATE_FORM))
    if isinstance(value, datetime.date):
        return value
    match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError("%s is not a date; expected %s" % (show(value), DATE_FORM))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError as error:
        raise ValueError("%s is not a date (%s); expected %s" % (show(value), error, DATE_FORM))


def parse_closed_day(value, source=SOURCE_INVENTORY):
    """One closed-day item -> ClosedDay, or ValueError with the reason."""
    name = None
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(CLOSED_DAY_KEYS))
        if unknown or "date" not in value:
            raise ValueError("%s is not a closed day; expected %s" % (show(value), CLOSED_DAY_FORM))
        name = value.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError("%s has a name that is not a non-empty string" % show(value))
        value = value["date"]
    if isinstance(value, str) and _RANGE_SEPARATOR in value:
        first_text, last_text = value.split(_RANGE_SEPARATOR, 1)
        try:
            first, last = parse_date(first_text), parse_date(last_text)
        except ValueError as error:
            raise ValueError("%s is not a range of dates: %s; expected %s" % (show(value), error, CLOSED_DAY_FORM))
        if last < first:
            raise ValueError("%s ends before it starts; expected a range whose end is on or after its start" % show(value))
        return ClosedDay(first, last, name and name.strip(), source)
    try:
        day = parse_date(value)
    except ValueError:
        raise ValueError("%s is not a closed day; expected %s" % (show(value), CLOSED_DAY_FORM))
    return ClosedDay(day, day, name and name.strip(), source)


def parse_closed_days(name, value):
    """A closed-days list -> [ClosedDay], or ClosedDaysError naming each bad item."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ClosedDaysError(["%s: %s is not a list of closed days; expected a list of %s" % (name, show(value), CLOSED_DAY_FORM)])
    days, problems = [], []
    for index, item in enumerate(value):
        try:
            days.append(parse_closed_day(item))
        except ValueError as error:
            problems.append("%s[%d]: %s" % (name, index, error))
    if problems:
        raise ClosedDaysError(problems)
    return days


def check_closed_days(name, value):
    try:
        parse_closed_days(name, value)
    except ClosedDaysError as error:
        return error.problems
    return []


def check_on_closed_days(name, value):
    if value is None or value in ON_CLOSED_DAYS:
        return []
    return ["%s: %s is not a closed-day rule; expected skip_start (a stop still happens on a closed day) or skip_both" % (name, show(value))]


# ---------------------------------------------------------------- holidays


class HolidaySpec(object):
    """A validated holidays option: the country's holidays minus exclude, plus include."""

    def __init__(self, country, subdivision=None, categories=None, language=None, include=(), exclude=()):
        self.country = country
        self.subdivision = subdivision
        self.categories = tuple(categories) if categories else None
        self.language = language
        self.include = tuple(include)
        self.exclude = frozenset(exclude)

    def key(self):
        return (self.country, self.subdivision, self.categories, self.language, tuple(day.key() for day in self.include), tuple(sorted(self.exclude)))

    @property
    def label(self):
        return "%s-%s" % (self.country, self.subdivision) if self.subdivision else self.country

    def days(self, years):
        """[ClosedDay] of every holiday in years (not excluded), then the included days."""
        if not HAS_HOLIDAYS:
            raise ClosedDaysError([HOLIDAYS_REQUIRED])
        found = holidays_library.country_holidays(
            self.country, subdiv=self.subdivision, years=sorted(years), categories=self.categories, language=self.language
        )
        days = [ClosedDay(day, day, found.get(day), SOURCE_HOLIDAYS) for day in sorted(found) if day not in self.exclude]
        return days + [ClosedDay(day.first, day.last, day.name, SOURCE_HOLIDAYS) for day in self.include]


def _country_class(country):
    """The holidays library's class for an ISO 3166-1 alpha-2 code, or None."""
    supported = holidays_library.list_supported_countries()
    if not isinstance(country, str) or country.upper() not in supported:
        return None
    return holidays_library.country_holidays(country.upper(), years=[]).__class__


def parse_holidays(name, value):
    """A holidays option -> HolidaySpec, None when empty, or ClosedDaysError naming each bad key."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise ClosedDaysError(["%s: %s is not a holidays setting; expected %s" % (name, show(value), HOLIDAYS_FORM)])
    if not HAS_HOLIDAYS:
        raise ClosedDaysError(["%s: %s" % (name, HOLIDAYS_REQUIRED)])
    problems = []
    unknown = sorted(set(value) - set(HOLIDAY_KEYS))
    if unknown:
        problems.append("%s: unknown key(s) %s; expected %s" % (name, ", ".join(unknown), ", ".join(HOLIDAY_KEYS)))
    country = value.get("country")
    country_class = _country_class(country)
    if country_class is None:
        problems.append("%s.country: %s is not a country the holidays library knows; expected an ISO 3166-1 alpha-2 code such as KR, US or DE" % (
            name, show(country)))
        return _raise_or(problems, None)
    country = country.upper()
    subdivision = _subdivision(name, value.get("subdivision"), country, country_class, problems)
    categories = _categories(name, value.get("categories"), country, country_class, problems)
    language = value.get("language")
    if language is None:
        language = country_class.default_language
    elif language not in (country_class.supported_languages or ()):
        problems.append("%s.language: %s is not a language the holidays library has for %s; expected one of %s" % (
            name, show(language), country, ", ".join(country_class.supported_languages or ()) or "(none: omit it)"))
    include = _single_days(name + ".include", value.get("include"), problems, named=True)
    exclude = [day.first for day in _single_days(name + ".exclude", value.get("exclude"), problems, named=False)]
    return _raise_or(problems, HolidaySpec(country, subdivision, categories, language, include, exclude))


def _raise_or(problems, result):
    if problems:
        raise ClosedDaysError(problems)
    return result


def _subdivision(name, value, country, country_class, problems):
    if value is None:
        return None
    known = tuple(country_class.subdivisions or ())
    code = value.upper() if isinstance(value, str) else value
    if isinstance(code, str) and code.startswith(country + "-"):
        code = code[len(country) + 1:]  # ISO 3166-2 form US-CA
    if code in known:
        return code
    aliases = getattr(country_class, "subdivisions_aliases", None) or {}
    if isinstance(value, str) and value in aliases:
        return aliases[value]
    problems.append("%s.subdivision: %s is not a subdivision of %s the holidays library knows; expected one of %s" % (
        name, show(value), country, ", ".join("%s-%s" % (country, known_code) for known_code in known) or "(none: omit it)"))
    return None


def _categories(name, value, country, country_class, problems):
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    supported = tuple(country_class.supported_categories or ())
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(item, str) and item.lower() in supported for item in items):
        problems.append("%s.categories: %s is not a list of holiday categories of %s; expected some of %s" % (
            name, show(value), country, ", ".join(supported)))
        return None
    return tuple(sorted(set(item.lower() for item in items)))


def _single_days(name, value, problems, named):
    """include / exclude: single dates (include items may carry a name)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        problems.append("%s: %s is not a list of dates; expected a list of %s" % (name, show(value), DATE_FORM))
        return []
    days = []
    for index, item in enumerate(value):
        try:
            day = parse_closed_day(item) if named else ClosedDay(parse_date(item))
        except ValueError as error:
            problems.append("%s[%d]: %s" % (name, index, error))
            continue
        if day.first != day.last:
            problems.append("%s[%d]: %s is a range; expected single dates %s (put ranges in the closed days)" % (name, index, show(item), DATE_FORM))
            continue
        days.append(day)
    return days


def check_holidays(name, value):
    try:
        parse_holidays(name, value)
    except ClosedDaysError as error:
        return error.problems
    return []


def years_in_view(today=None):
    """This year and the next: the years whose holidays are closed (recomputed on each run)."""
    today = today or datetime.date.today()
    return (today.year, today.year + 1)


# ---------------------------------------------------------------- the closed days of one schedule


class ClosedDays(object):
    """The closed days that apply to a schedule (or the target): inventory entries plus holidays in view."""

    def __init__(self, days=(), holidays=None, years=None):
        self.inventory = tuple(days)
        self.holidays = holidays
        self.years = tuple(years or years_in_view())
        self.entries = tuple(sorted(set(self.inventory + tuple(holidays.days(self.years) if holidays else ())), key=lambda day: day.key()))

    @classmethod
    def from_options(cls, closed_days, holidays, names=("closed_days", "holidays"), today=None):
        """Parse both options; ClosedDaysError lists every problem of both."""
        problems = []
        days, spec = [], None
        try:
            days = parse_closed_days(names[0], closed_days)
        except ClosedDaysError as error:
            problems.extend(error.problems)
        try:
            spec = parse_holidays(names[1], holidays)
        except ClosedDaysError as error:
            problems.extend(error.problems)
        if problems:
            raise ClosedDaysError(problems)
        return cls(days, spec, years_in_view(today))

    @property
    def is_empty(self):
        return not self.entries

    def key(self):
        return tuple(day.key() for day in self.entries)

    def dates(self):
        """{date: [names]} of every closed date (a date may be closed by several entries)."""
        found = {}
        for day in self.entries:
            for date in day.dates():
                names = found.setdefault(date, [])
                if day.name and day.name not in names:
                    names.append(day.name)
        return found

    def is_closed(self, date):
        return any(day.first <= date <= day.last for day in self.entries)


def resolve(own, target):
    """A schedule's own closed-day option when it sets one (even empty), else the target's."""
    return target if own is None else own


# ---------------------------------------------------------------- documents and calendars


def check_document_name(name, value, what="an SSM document name"):
    """SSM document names: 3-128 letters, digits, _ - . and no prefix AWS reserves."""
    if isinstance(value, str) and DOCUMENT_NAME.fullmatch(value) and not value.lower().startswith(RESERVED_DOCUMENT_PREFIXES):
        return []
    return ["%s: %s is not usable as %s; expected 3-128 letters, digits, _ - or ., not starting with aws, amazon or amzn (AWS reserves them)" % (
        name, show(value), what)]


def target_calendar_name(group):
    return group


def schedule_calendar_name(group, schedule):
    return "%s-%s" % (group, schedule)


def runbook_name(group):
    return "%s-%s" % (group, RUNBOOK_SUFFIX)


class CalendarPlan(object):
    """One Change Calendar: its closed days, the zone their events are in (None when there are none), who reads it."""

    def __init__(self, name, closed_days, zone, schedules=()):
        self.name = name
        self.closed_days = closed_days
        self.zone = zone
        self.schedules = list(schedules)

    def __repr__(self):
        return "CalendarPlan(%s, %s, %s)" % (self.name, self.zone, self.schedules)


def _calendar_key(closed_days, zone):
    return (closed_days.key(), zone if not closed_days.is_empty else None)


def plan_calendars(group, target_zone, target_closed_days, schedules):
    """Which calendars a target needs and which one each schedule reads.

    schedules: (name, zone key, ClosedDays) of the schedules that use the
    collection's runbook. Returns ({calendar name: CalendarPlan},
    {schedule name: [calendar names]}); see the module docstring for the
    rule. The lists have one calendar each: the runbook takes a list, and
    GetCalendarState answers CLOSED when any calendar in it is closed.
    """
    calendars, reads = {}, {}
    target_key = _calendar_key(target_closed_days, target_zone)
    for name, zone, closed_days in schedules:
        if _calendar_key(closed_days, zone) == target_key:
            calendar = calendars.setdefault(
                target_calendar_name(group),
                CalendarPlan(target_calendar_name(group), target_closed_days, None if target_closed_days.is_empty else target_zone))
        else:
            calendar = CalendarPlan(schedule_calendar_name(group, name), closed_days, None if closed_days.is_empty else zone)
            calendars[calendar.name] = calendar
        calendar.schedules.append(name)
        reads[name] = [calendar.name]
    return calendars, reads


def check_document_names(name, group, calendar_names):
    """The calendars and the runbook of a group need distinct, valid document names."""
    problems = check_document_name(name, target_calendar_name(group), "the name of its Change Calendar")
    if runbook_name(group) in calendar_names:
        problems.append("%s: schedule %s would name its Change Calendar %s, which is the runbook's name; rename the schedule" % (
            name, show(RUNBOOK_SUFFIX), show(runbook_name(group))))
    for calendar in calendar_names:
        if calendar != target_calendar_name(group):
            problems += check_document_name(name, calendar, "a Change Calendar name (%s)" % calendar)
    return problems
