# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Office-hours schedules: validation, AWS expressions, reports and the UTC rules of the lambda backend.

A schedule (one item of ``instance_scheduler_schedules``) starts and stops
the instances tagged ``tag_key: tag_value`` at local times:

* ``start`` / ``stop`` (``"HH:MM"``, 24 h, local wall time in ``timezone``)
  on ``weekdays`` (default ``MON-FRI``), or raw AWS ``start_cron`` /
  ``stop_cron`` expressions instead (never both forms in one schedule).
* ``weekdays`` names the days on which the running period *begins*. When
  ``stop`` is earlier than ``start`` (overnight, e.g. 22:00-06:00) the stop
  fires the following morning: ``MON-FRI`` stops ``TUE-SAT`` at 06:00, so
  a Friday-night start does not run all weekend.
* Raw crons mean the same on both backends: AWS expressions evaluated in the
  schedule's time zone. EventBridge rules (the lambda backend) only know UTC,
  so there a raw cron needs a zone that is UTC+0 all year (``UTC``).

Backends: ``scheduler`` uses ``start_expression`` / ``stop_expression`` with
``ScheduleExpressionTimezone``; ``lambda`` uses ``lambda_rules``: UTC crons
plus a gate the function checks (see ``translate_to_utc``).
"""

import datetime
import functools
import json
import re
import zoneinfo

from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import DAY_NAMES
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import UTC
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import CronError
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import aws_day_of_week
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import format_days_of_week
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import parse_cron
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import resolve_wall_time
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import DEFAULT_ON_CLOSED_DAYS
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDaysError
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import check_on_closed_days
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_closed_days
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_holidays
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_tag_key
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_tag_value
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import parse_boolean
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import say
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import show

ACTIONS = ("start", "stop")
BACKENDS = ("scheduler", "lambda")
STATES = ("present", "absent")
DOCUMENTS = {"start": "AWS-StartEC2Instance", "stop": "AWS-StopEC2Instance"}
SCHEDULE_OPTIONS = ("name", "start", "stop", "weekdays", "timezone", "tag_key", "tag_value", "start_cron", "stop_cron", "enabled", "state",
                    "closed_days", "holidays", "on_closed_days", "hibernate")
DEFAULTS = {"timezone": "UTC", "tag_key": "Schedule", "backend": "scheduler", "group": "instance-scheduler", "weekdays": "MON-FRI"}
# The Lambda handler acts up to this long after the local fire time (scheduler_lambda_handler.GATE_WINDOW).
GATE_WINDOW_MINUTES = 15
REPORT_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # rows of week_grid
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
HOURS_PER_WEEK = 7 * 24

TIME_FORM = '"HH:MM" (00:00-23:59)'
WEEKDAYS_FORM = 'SUN, MON, TUE, WED, THU, FRI or SAT, a range like "MON-FRI", or a list of them'
CRON_FORM = 'cron(Minutes Hours Day-of-month Month Day-of-week Year) with exactly one day field "?", e.g. "cron(0 9 ? * MON-FRI *)"'

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_SCHEDULER_NAME = re.compile(r"[0-9a-zA-Z\-_.]{1,64}")
_RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9\-_]{1,64}")
_MAX_CONCURRENCY = re.compile(r"[1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%")
_MAX_ERRORS = re.compile(r"[1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%")
_available_zones = []


class ScheduleError(ValueError):
    """Every problem found in the schedules; str() joins them, .problems lists them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ScheduleError, self).__init__("; ".join(self.problems))


# ---------------------------------------------------------------- parsing


def parse_time(value):
    """"HH:MM" -> (hour, minute), or ValueError with the reason."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match and int(match.group(1)) <= 23 and int(match.group(2)) <= 59:
        return int(match.group(1)), int(match.group(2))
    reason = "%s is not a time; expected %s" % (show(value), TIME_FORM)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MINUTES_PER_DAY:
        # YAML 1.1 reads unquoted 18:00 as sexagesimal 1080.
        reason += ' in quotes (YAML reads an unquoted %d:%02d as the number %d)' % (value // 60, value % 60, value)
    raise ValueError(reason)


def format_time(hour_minute):
    return "%02d:%02d" % hour_minute


def parse_weekdays(value):
    """MON-FRI, "MON,WED", [MON, WED-FRI], ... -> frozenset of AWS day numbers (1=SUN .. 7=SAT).

    Names are case-insensitive. A range runs forward through the week and may
    wrap: FRI-MON is FRI, SAT, SUN, MON; MON-SUN is every day.
    """
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("%s is not a set of days; expected %s" % (show(value), WEEKDAYS_FORM))
    days = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError("%s is not a day; expected %s" % (show(item), WEEKDAYS_FORM))
        first, dash, last = item.strip().upper().partition("-")
        for name in (first, last) if dash else (first,):
            if name not in DAY_NAMES:
                raise ValueError("%s is not a day; expected %s" % (show(item.strip()), WEEKDAYS_FORM))
        days |= _day_range(DAY_NAMES.index(first) + 1, DAY_NAMES.index(last if dash else first) + 1)
    return frozenset(days)


def _day_range(first, last):
    days = [first]
    while days[-1] != last:
        days.append(days[-1] % 7 + 1)
    return set(days)


def shift_days(days, shift):
    """AWS day numbers moved by shift days (-1: the day before)."""
    return frozenset((day - 1 + shift) % 7 + 1 for day in days)


def day_names(days):
    return [DAY_NAMES[day - 1] for day in sorted(days)]


def load_zone(key):
    """ZoneInfo for an IANA key, or ValueError with the reason."""
    reason = "%s is not an IANA time zone; expected a name like \"Europe/Berlin\", \"America/New_York\" or \"UTC\"" % show(key)
    if not isinstance(key, str) or not key:
        raise ValueError(reason)
    try:
        zone = zoneinfo.ZoneInfo(key)
    except (KeyError, ValueError, OSError):
        raise ValueError(reason)
    if not _available_zones:
        _available_zones.append(zoneinfo.available_timezones())
    if _available_zones[0] and key not in _available_zones[0]:
        raise ValueError(reason)  # a path or alias zoneinfo loads but AWS does not know
    return zone


def zone_offsets(zone, start, days):
    """The UTC offsets zone uses, sampled daily from start (an aware datetime) for days days."""
    return set((start + datetime.timedelta(days=day)).astimezone(zone).utcoffset() for day in range(days + 1))


def zone_has_transitions(zone, start=None, days=731):
    """Whether zone changes its UTC offset (daylight saving time) within days days of start."""
    start = start or datetime.datetime.now(UTC)
    return len(zone_offsets(zone, start, days)) > 1


# ---------------------------------------------------------------- checks


def check_schedule_name(name, backend="scheduler", group=DEFAULTS["group"]):
    """None when AWS accepts the names derived from a schedule name, else the reason."""
    if backend == "lambda":
        names = ["%s-%s-%s" % (group, name, action) for action in ACTIONS]
        if all(_RULE_NAME.fullmatch(derived) for derived in names):
            return None
        room = 64 - len(group) - len("--start")
        return "%s would name the EventBridge rules %s and %s; rule names are 1-64 letters, digits, . - or _ (so with group %s at most %d characters)" % (
            show(name), show(names[0]), show(names[1]), show(group), room)
    names = ["%s-%s" % (name, action) for action in ACTIONS]
    if all(_SCHEDULER_NAME.fullmatch(derived) for derived in names):
        return None
    return "%s would name the EventBridge Scheduler schedules %s and %s; schedule names are 1-64 letters, digits, - _ or . (so at most 58 characters)" % (
        show(name), show(names[0]), show(names[1]))


def check_group_name(option, group, backend):
    """None when group works as schedule group (scheduler) or function name and rule prefix (lambda)."""
    if backend == "lambda":
        if isinstance(group, str) and _FUNCTION_NAME.fullmatch(group) and len(group) <= 64 - len("-x-start"):
            return None
        return "%s: %s is not usable as Lambda function name and rule prefix; expected 1-56 letters, digits, - or _" % (option, show(group))
    if isinstance(group, str) and _SCHEDULER_NAME.fullmatch(group):
        return None
    return "%s: %s is not a schedule group name; expected 1-64 letters, digits, - _ or ." % (option, show(group))


def check_rate_control(option, value, kind):
    """kind "max_concurrency" or "max_errors": the forms StartAutomationExecution accepts."""
    pattern = _MAX_CONCURRENCY if kind == "max_concurrency" else _MAX_ERRORS
    if isinstance(value, (str, int)) and not isinstance(value, bool) and pattern.fullmatch(str(value)):
        return None
    lowest = "1" if kind == "max_concurrency" else "0"
    return "%s: %s is not a rate control value; expected a number of instances (%s or more) or a percentage (%s%%-100%%)" % (
        option, show(value), lowest, lowest)


# ---------------------------------------------------------------- validation


def validate_schedules(schedules, defaults=None, option="schedules"):
    """Validate every schedule and return [Schedule], or raise one ScheduleError naming each bad option.

    defaults: timezone, tag_key, backend, group, weekdays (see DEFAULTS); a bad default is named by its key.
    The modules and roles check their input with input_rules.check_input, which names every option as
    the caller calls it; this is the short way for code that builds schedules from known-good values.
    """
    settings = dict(DEFAULTS)
    settings.update((key, value) for key, value in (defaults or {}).items() if value is not None)
    problems = _check_defaults(settings)
    if problems:
        raise ScheduleError(problems)
    result, problems = parse_schedules(schedules, settings, option)
    if problems:
        raise ScheduleError(problems)
    return result


def _check_defaults(settings):
    if settings["backend"] not in BACKENDS:
        return ["backend: %s is not a backend; expected scheduler or lambda" % show(settings["backend"])]
    problems = [check_group_name("group", settings["group"], settings["backend"]), check_tag_key("tag_key", settings["tag_key"])]
    try:
        load_zone(settings["timezone"])
    except ValueError as error:
        problems.append("timezone: %s" % error)
    return [problem for problem in problems if problem]


def parse_schedules(schedules, settings, option):
    """([Schedule], []) or (None, [problems]) for a schedule list whose defaults (settings) are valid.

    option names the list in messages (``option[2].start``); None when the schedule's keys are
    the caller's own options (a module that takes one schedule: ``start``).
    """
    if not isinstance(schedules, list):
        return None, ["%s: expected a list of schedules, got %s" % (option, show(schedules))]
    problems = []
    result = []
    for index, raw in enumerate(schedules):
        schedule, schedule_problems = _validate_schedule("%s[%d]" % (option, index) if option else "", raw, settings)
        problems.extend(schedule_problems)
        result.append(schedule)
    problems.extend(_duplicate_names(option, schedules))
    return (None, problems) if problems else (result, [])


def _at(path, key):
    """The option path of a key of the schedule at path (the key alone for a module's own options)."""
    return "%s.%s" % (path, key) if path else key


def _duplicate_names(option, schedules):
    seen = {}
    problems = []
    for index, raw in enumerate(schedules):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name:
            continue
        if name in seen:
            problems.append("%s[%d].name: %s is also the name of %s[%d]; schedule names must be unique" % (option, index, show(name), option, seen[name]))
        else:
            seen[name] = index
    return problems


def _given(raw, key):
    return raw.get(key) is not None


def _validate_schedule(path, raw, settings):
    """(Schedule or None, [problems]) for one schedule dict."""
    if not isinstance(raw, dict):
        return None, [say(path, "expected a dict with at least a name, got %s" % show(raw))]
    problems = []

    def check(key, parse, value):
        try:
            return parse(value)
        except ValueError as error:
            problems.append("%s: %s" % (_at(path, key), error))
            return None

    unknown = sorted(set(raw) - set(SCHEDULE_OPTIONS))
    if unknown:
        problems.append(say(path, "unknown option(s) %s; expected %s" % (", ".join(unknown), ", ".join(SCHEDULE_OPTIONS))))
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        problems.append("%s: required; expected a non-empty string" % _at(path, "name"))
    else:
        reason = check_schedule_name(name, settings["backend"], settings["group"])
        if reason:
            problems.append("%s: %s" % (_at(path, "name"), reason))
    state = raw["state"] if _given(raw, "state") else "present"
    if state not in STATES:
        problems.append("%s: %s is not a state; expected present or absent" % (_at(path, "state"), show(state)))
    enabled = check("enabled", parse_boolean, raw["enabled"]) if _given(raw, "enabled") else True
    zone = check("timezone", load_zone, raw["timezone"]) if _given(raw, "timezone") else load_zone(settings["timezone"])
    tag_key = raw["tag_key"] if _given(raw, "tag_key") else settings["tag_key"]
    tag_value = raw["tag_value"] if _given(raw, "tag_value") else name
    if isinstance(tag_value, (int, float)) and not isinstance(tag_value, bool):
        tag_value = str(tag_value)  # YAML reads tag_value: 1 as a number; the tag is its text
    value_problem = check_tag_value(_at(path, "tag_value"), tag_value) if _given(raw, "tag_value") or name else None  # no name: already reported
    for problem in (check_tag_key(_at(path, "tag_key"), tag_key), value_problem):
        if problem:
            problems.append(problem)
    times = {} if state == "absent" else _validate_times(path, raw, settings, zone, check, problems)
    closures = {} if state == "absent" else _validate_closures(path, raw, settings, check, problems)
    if problems:
        return None, problems
    times.update(closures)
    return Schedule(name=name, state=state, enabled=enabled, zone=zone, tag_key=tag_key, tag_value=tag_value,
                    backend=settings["backend"], group=settings["group"], where=path, **times), []


def _validate_closures(path, raw, settings, check, problems):
    """closed_days/holidays (the schedule's own, else the target's: settings), on_closed_days, hibernate; Schedule keyword arguments.

    settings["closed_days"] / settings["holidays"] are the target's, already parsed ([ClosedDay], HolidaySpec or None).
    """
    days = settings.get("closed_days") or []
    spec = settings.get("holidays")
    own = False
    for key in ("closed_days", "holidays"):
        if key in raw and raw[key] is not None:
            own = True
            try:
                if key == "closed_days":
                    days = parse_closed_days(_at(path, key), raw[key])
                else:
                    spec = parse_holidays(_at(path, key), raw[key])
            except ClosedDaysError as error:
                problems.extend(error.problems)
    on_closed_days = raw.get("on_closed_days")
    problems.extend(check_on_closed_days(_at(path, "on_closed_days"), on_closed_days))
    hibernate = check("hibernate", parse_boolean, raw["hibernate"]) if _given(raw, "hibernate") else False
    return {
        "closed_days": ClosedDays(days, spec),
        "own_closed_days": own,
        "on_closed_days": on_closed_days or DEFAULT_ON_CLOSED_DAYS,
        "hibernate": bool(hibernate),
        "pause_tags": bool(settings.get("pause_tags")),
    }


def _validate_times(path, raw, settings, zone, check, problems):
    """start/stop/weekdays or start_cron/stop_cron, as Schedule keyword arguments."""
    simple = [key for key in ("start", "stop", "weekdays") if _given(raw, key)]
    crons = [key for key in ("start_cron", "stop_cron") if _given(raw, key)]
    if simple and crons:
        problems.append(say(path, "%s cannot be combined with %s; use either start/stop/weekdays or start_cron/stop_cron" % (
            "/".join(crons), "/".join(simple))))
        return {}
    if crons:
        parsed = dict((key, check(key, _parse_office_cron, raw[key])) for key in crons)
        if settings["backend"] == "lambda" and zone is not None and zone_offsets(zone, datetime.datetime.now(UTC), 731) != {datetime.timedelta(0)}:
            problems.append("%s: the lambda backend evaluates raw cron expressions in UTC (EventBridge rules know no time zone), and %s is not UTC; "
                            "set timezone: UTC on this schedule, use start/stop/weekdays, or use the scheduler backend" % (_at(path, crons[0]), show(zone.key)))
        return dict((key, cron.text if cron else None) for key, cron in parsed.items())
    if not (_given(raw, "start") or _given(raw, "stop")):
        problems.append(say(path, "nothing to schedule; expected start and/or stop as %s, or start_cron and/or stop_cron" % TIME_FORM))
        return {}
    start = check("start", parse_time, raw["start"]) if _given(raw, "start") else None
    stop = check("stop", parse_time, raw["stop"]) if _given(raw, "stop") else None
    weekdays = check("weekdays", parse_weekdays, raw["weekdays"] if _given(raw, "weekdays") else settings["weekdays"])
    if start is not None and start == stop:
        problems.append("%s: %s is also the start time; start and stop must differ" % (_at(path, "stop"), show(raw["stop"])))
    elif settings["backend"] == "lambda" and zone is not None and weekdays:
        for hour_minute in (start, stop):
            try:
                if hour_minute:
                    translate_to_utc(hour_minute[0], hour_minute[1], weekdays, zone)
            except ValueError as error:
                problems.append("%s: %s" % (_at(path, "timezone"), error))
                break
    return {"start": start, "stop": stop, "weekdays": weekdays}


def _parse_office_cron(value):
    try:
        return parse_cron(value)
    except CronError as error:
        raise ValueError("%s is not an AWS cron expression (%s); expected %s" % (show(value), error, CRON_FORM))


# ---------------------------------------------------------------- the schedule


class FireTime(object):
    """One fire: the same instant as a local (schedule zone) and a UTC datetime."""

    def __init__(self, local):
        self.local = local
        self.utc = local.astimezone(UTC)

    def __repr__(self):
        return "FireTime(%s)" % self.local.isoformat()

    def as_dict(self):
        return {"local": self.local.isoformat(), "utc": self.utc.isoformat()}


class UtcTranslation(object):
    """The lambda backend's view of one action: UTC rule expressions plus the gate.

    expressions: the exact UTC crons, one per UTC offset the zone uses at that
    local time; combined: one cron firing at every time any of them fires
    (and possibly a few more), for a single rule per action; gate: what the
    Lambda handler checks, or None when the expression is already exact (a
    raw UTC cron).
    """

    def __init__(self, expressions, combined, gate):
        self.expressions = tuple(expressions)
        self.combined = combined
        self.gate = gate

    def __repr__(self):
        return "UtcTranslation(%r, %r, %r)" % (self.expressions, self.combined, self.gate)


class Schedule(object):
    """One validated schedule. Build it with validate_schedules.

    Weekly figures (weekly_running_hours, share_stopped, week_grid) describe
    a typical week in local wall time (168 hours; the 167- and 169-hour weeks
    of daylight saving changes are ignored), assuming nobody starts or stops
    the instances by hand. At every minute the instances are in the state the
    most recent fire put them in, going round the week (a start on Friday
    still holds on Monday morning); so a start-only schedule counts 168
    running hours, a stop-only schedule 0, an overnight 22:00-06:00 MON-FRI
    schedule 5 x 8 = 40. When a start and a stop fire in the same minute the
    stop is taken to win. Raw crons that are not weekly (a day of the month,
    L, #, certain months or years) have no typical week: the figures are None.
    """

    def __init__(self, name, zone, tag_key, tag_value, state="present", enabled=True, start=None, stop=None,
                 weekdays=None, start_cron=None, stop_cron=None, backend="scheduler", group=DEFAULTS["group"], where="",
                 closed_days=None, own_closed_days=False, on_closed_days=DEFAULT_ON_CLOSED_DAYS, hibernate=False, pause_tags=False):
        self.name = name
        self.where = where  # the option path it was given at (schedules[2]), for messages about it
        self.zone = zone
        self.tag_key = tag_key
        self.tag_value = tag_value
        self.state = state
        self.enabled = enabled
        self.times = {"start": start, "stop": stop}
        self.weekdays = weekdays
        self.raw_crons = {"start": start_cron, "stop": stop_cron}
        self.backend = backend
        self.group = group
        self.closed_days = closed_days if closed_days is not None else ClosedDays()
        self.own_closed_days = own_closed_days  # its own closed_days/holidays (not the target's)
        self.on_closed_days = on_closed_days
        self.hibernate = hibernate
        self.pause_tags = pause_tags
        # The Change Calendars its runbook reads (schedule_documents.plan sets them), and the runbook's name.
        self.calendar_names = []
        self.runbook = None

    def __repr__(self):
        return "Schedule(%r)" % self.name

    def uses_runbook(self, action):
        """Whether an action runs the collection's runbook rather than AWS-StartEC2Instance / AWS-StopEC2Instance.

        Only where it is needed, since the runbook costs five Automation steps per instance where the AWS
        one costs one: pause tags honoured, closed days that skip this action, or a stop that hibernates.
        """
        if self.state != "present" or not self.expression(action):
            return False
        if self.pause_tags:
            return True
        if action == "stop" and self.hibernate:
            return True
        skips = action == "start" or self.on_closed_days == "skip_both"
        return skips and not self.closed_days.is_empty

    def option(self, key):
        """The option path of one of its keys, as the caller named the schedule (schedules[2].name)."""
        return _at(self.where, key)

    @property
    def timezone(self):
        return self.zone.key

    @property
    def start(self):
        return self.times["start"]

    @property
    def stop(self):
        return self.times["stop"]

    @property
    def uses_raw_crons(self):
        return any(self.raw_crons.values())

    @property
    def is_overnight(self):
        return self.start is not None and self.stop is not None and self.stop < self.start

    def resource_name(self, action):
        """The AWS schedule (scheduler) or rule (lambda) name for an action."""
        if self.backend == "lambda":
            return "%s-%s-%s" % (self.group, self.name, action)
        return "%s-%s" % (self.name, action)

    def days(self, action):
        """AWS day numbers on which an action fires (stop moves a day on for overnight schedules)."""
        if self.weekdays is None or self.times[action] is None:
            return None
        return shift_days(self.weekdays, 1) if action == "stop" and self.is_overnight else self.weekdays

    def expression(self, action):
        """The EventBridge Scheduler expression (local, with ScheduleExpressionTimezone), or None."""
        if self.uses_raw_crons:
            return self.raw_crons[action]
        if self.times[action] is None:
            return None
        hour, minute = self.times[action]
        return "cron(%d %d ? * %s *)" % (minute, hour, format_days_of_week(self.days(action)))

    @property
    def start_expression(self):
        return self.expression("start")

    @property
    def stop_expression(self):
        return self.expression("stop")

    def cron(self, action):
        expression = self.expression(action)
        return parse_cron(expression) if expression else None

    @property
    def has_dst(self):
        """Whether the zone changes its UTC offset within the next two years."""
        return zone_has_transitions(self.zone)

    def next_fire_times(self, action, count=3, after=None):
        """The next count fires of an action after `after` (default now) as [FireTime]."""
        cron = self.cron(action)
        if cron is None:
            return []
        after = after or datetime.datetime.now(UTC)
        return [FireTime(local) for local in cron.next_fire_times(after, self.zone, count)]

    def next_starts(self, count=3, after=None):
        return self.next_fire_times("start", count, after)

    def next_stops(self, count=3, after=None):
        return self.next_fire_times("stop", count, after)

    def weekly_events(self):
        """[(minute of the week from Monday 00:00, action)], or None when the schedule is not weekly."""
        events = []
        for action in ACTIONS:
            cron = self.cron(action)
            if cron is None:
                continue
            days = _weekly_days(cron)
            if days is None:
                return None
            for day in days:
                day_start = ((day - 2) % 7) * MINUTES_PER_DAY  # AWS 2 (MON) is the report's first day
                events.extend((day_start + hour * 60 + minute, action) for hour in cron.hours for minute in cron.minutes)
        return events

    def running_minutes(self):
        """One bool per minute of the typical week (see the class docstring), or None."""
        events = self.weekly_events()
        if events is None:
            return None
        events.sort(key=lambda event: (event[0], event[1] == "stop"))
        running = bool(events) and events[-1][1] == "start"
        by_minute = []
        position = 0
        for minute in range(MINUTES_PER_WEEK):
            while position < len(events) and events[position][0] == minute:
                running = events[position][1] == "start"
                position += 1
            by_minute.append(running)
        return by_minute

    @property
    def weekly_running_hours(self):
        minutes = self.running_minutes()
        return None if minutes is None else sum(minutes) / 60.0

    @property
    def share_stopped(self):
        """The stopped share of the typical week, 0.0-1.0 (09:00-18:00 MON-FRI: 123/168)."""
        hours = self.weekly_running_hours
        return None if hours is None else (HOURS_PER_WEEK - hours) / HOURS_PER_WEEK

    @property
    def week_grid(self):
        """7 rows (REPORT_DAYS, Monday first) of 24 bools: running for at least 30 minutes of that hour."""
        minutes = self.running_minutes()
        if minutes is None:
            return None
        return [[sum(minutes[day * MINUTES_PER_DAY + hour * 60:day * MINUTES_PER_DAY + hour * 60 + 60]) >= 30 for hour in range(24)] for day in range(7)]

    def lambda_rules(self, action, start_year=None, years=2):
        """UtcTranslation for the lambda backend, or None when the action is not scheduled."""
        if self.uses_raw_crons:
            raw = self.raw_crons[action]
            return UtcTranslation([raw], raw, None) if raw else None
        if self.times[action] is None:
            return None
        hour, minute = self.times[action]
        return translate_to_utc(hour, minute, self.days(action), self.zone, start_year, years)

    def summary(self, now=None, count=3):
        """What a report shows about the schedule, JSON-ready."""
        now = now or datetime.datetime.now(UTC)
        grid = self.week_grid
        return {
            "name": self.name,
            "state": self.state,
            "enabled": self.enabled,
            "timezone": self.timezone,
            "has_dst": zone_has_transitions(self.zone, now),
            "tag": {self.tag_key: self.tag_value},
            "start_expression": self.start_expression,
            "stop_expression": self.stop_expression,
            "next_starts": [fire.as_dict() for fire in self.next_starts(count, now)],
            "next_stops": [fire.as_dict() for fire in self.next_stops(count, now)],
            "weekly_running_hours": self.weekly_running_hours,
            "share_stopped": None if self.share_stopped is None else round(self.share_stopped, 4),
            "week_grid": None if grid is None else render_week_grid(grid),
        }


def _weekly_days(cron):
    """The AWS days a cron fires on when it repeats every week, else None."""
    every_year = cron.years == frozenset(range(1970, 2200))
    every_month = cron.months == frozenset(range(1, 13))
    if not (every_year and every_month):
        return None
    if cron.days_of_week is not None:
        return cron.days_of_week.days
    if cron.days_of_month.days == frozenset(range(1, 32)):
        return frozenset(range(1, 8))
    return None


def render_week_grid(grid):
    """Text lines for week_grid: '#' running, '.' stopped, hours 00-23 across."""
    lines = ["     " + "".join(str(hour // 10) for hour in range(24)), "     " + "".join(str(hour % 10) for hour in range(24))]
    for day, hours in zip(REPORT_DAYS, grid):
        lines.append("%s  %s" % (day, "".join("#" if running else "." for running in hours)))
    return lines


# ---------------------------------------------------------------- lambda backend


def translate_to_utc(hour, minute, weekdays, zone, start_year=None, years=2):
    """UTC EventBridge crons and a gate that together fire exactly at a local time.

    For every UTC offset the zone has at hour:minute on the given weekdays
    from 1 January of start_year (default: this year) for `years` years, one
    cron in UTC, its days shifted when the conversion crosses midnight
    (07:30 Asia/Seoul MON-FRI -> cron(30 22 ? * SUN-THU *)). A zone with DST
    gets two; each fires at the right instant half the year and an hour off
    the other half. The gate ({timezone, time, weekdays}) lets the handler
    act only within GATE_WINDOW_MINUTES after a real local fire, so the
    union fires once per local fire and never otherwise, with Scheduler's
    DST rules: a time skipped by a gap never fires that day, a time
    repeated by a fold fires at its first occurrence. Offsets first used
    after the horizon (a country changing its rules) need a new run.
    """
    start_year = start_year or datetime.datetime.now(UTC).year
    offsets = _offsets_at(hour, minute, weekdays, zone, start_year, years)
    if not offsets:
        raise ValueError("%02d:%02d never happens in %s on %s" % (hour, minute, zone.key, ",".join(day_names(weekdays))))
    rules = []
    for offset in sorted(offsets, reverse=True):
        utc_minute = hour * 60 + minute - offset
        shift, minute_of_day = divmod(utc_minute, MINUTES_PER_DAY)
        rules.append((minute_of_day // 60, minute_of_day % 60, shift_days(weekdays, shift)))
    expressions = []
    for utc_hour, utc_minute, days in rules:
        expression = "cron(%d %d ? * %s *)" % (utc_minute, utc_hour, format_days_of_week(days))
        if expression not in expressions:
            expressions.append(expression)
    hours = sorted(set(rule[0] for rule in rules))
    minutes = sorted(set(rule[1] for rule in rules))
    all_days = frozenset().union(*[rule[2] for rule in rules])
    _check_gate_spacing(hours, minutes, zone)
    combined = "cron(%s %s ? * %s *)" % (",".join(map(str, minutes)), ",".join(map(str, hours)), format_days_of_week(all_days))
    gate = {"timezone": zone.key, "time": "%02d:%02d" % (hour, minute), "weekdays": day_names(weekdays)}
    return UtcTranslation(expressions, combined, gate)


def _offsets_at(hour, minute, weekdays, zone, start_year, years):
    """UTC offsets in whole minutes of the real fires of hour:minute on weekdays (a frozenset)."""
    return _offsets_of_days(hour, minute, frozenset(weekdays), zone, start_year, years)


# Walking two years of days costs about 8 ms; the same time, days and zone come back for each schedule that
# shares them and each time a run checks the schedules (the pre-flight, the filters, the module).
@functools.lru_cache(maxsize=1024)
def _offsets_of_days(hour, minute, weekdays, zone, start_year, years):
    offsets = set()
    day = datetime.date(start_year, 1, 1)
    end = datetime.date(start_year + years, 1, 1)
    while day < end:
        if aws_day_of_week(day) in weekdays:
            instant = resolve_wall_time(datetime.datetime(day.year, day.month, day.day, hour, minute), zone)
            if instant is not None:
                offset = instant.utcoffset()
                if offset.seconds % 60 or offset.microseconds:
                    raise ValueError("%s uses a UTC offset of %s, which EventBridge rules cannot express in whole minutes" % (zone.key, offset))
                offsets.add(int(offset.total_seconds()) // 60)
        day += datetime.timedelta(days=1)
    return frozenset(offsets)


def _check_gate_spacing(hours, minutes, zone):
    """Two candidate UTC times closer than the gate window could both pass the gate."""
    times = sorted(hour * 60 + minute for hour in hours for minute in minutes)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])] + [times[0] + MINUTES_PER_DAY - times[-1]]
    if len(times) > 1 and min(gaps) < GATE_WINDOW_MINUTES:
        raise ValueError("%s changes its UTC offset by less than %d minutes; the lambda backend cannot tell its fires apart, use the scheduler backend" % (
            zone.key, GATE_WINDOW_MINUTES))


def build_automation_request(action, tag_key, tag_value, automation_role_arn, max_concurrency="10", max_errors="25%"):
    """The StartAutomationExecution keyword arguments (PascalCase, as the API takes them) for an action."""
    if action not in DOCUMENTS:
        raise ValueError("action must be start or stop, not %r" % (action,))
    return {
        "DocumentName": DOCUMENTS[action],
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:%s" % tag_key, "Values": [tag_value]}],
        "MaxConcurrency": str(max_concurrency),
        "MaxErrors": str(max_errors),
        "Parameters": {"AutomationAssumeRole": [automation_role_arn]},
    }


def target_input(request):
    """The universal target's Input for EventBridge Scheduler: the request as canonical JSON."""
    return json.dumps(request, sort_keys=True, separators=(",", ":"))


def lambda_event(action, request, gate=None, schedule=None):
    """The event an EventBridge rule sends the function (see scheduler_lambda_handler)."""
    event = {"action": action, "request": request}
    if gate:
        event["gate"] = gate
    if schedule:
        event["schedule"] = schedule
    return event
