# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS schedule expressions: EventBridge cron, rate and (Scheduler) at.

The cron dialect is AWS's, not Unix cron's: six fields
``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, where exactly
one of the two day fields is ``?``.

=============  ===================  ======================
field          values               wildcards
=============  ===================  ======================
Minutes        0-59                 , - * /
Hours          0-23                 , - * /
Day-of-month   1-31                 , - * ? / L W
Month          1-12 or JAN-DEC      , - * /
Day-of-week    1-7 or SUN-SAT       , - * ? L #
Year           1970-2199            , - * /
=============  ===================  ======================

Special forms (each must be the whole field): day-of-month ``L`` (last day),
``LW`` (last weekday), ``15W`` (the weekday nearest the 15th, never leaving
the month); day-of-week ``L`` (Saturday, the last day of the week), ``5L``
or ``THUL`` (the last Thursday of the month), ``2#1`` or ``MON#1`` (the
first Monday).

Where AWS's documentation is silent this parser is strict and says why:
a range whose end is before its start (``FRI-MON``, ``22-2``) is rejected,
so are ``L-3`` offsets and special forms inside lists.

Time zones: EventBridge rules evaluate crons in UTC; EventBridge Scheduler
evaluates them in the schedule's ``ScheduleExpressionTimezone``.
``CronExpression.next_fire_times`` works in a given zone's wall time and
follows what AWS documents for Scheduler around daylight saving time: a
wall time that a spring-forward gap skips does not fire at all that day,
and a wall time that a fall-back fold repeats fires once, at its first
occurrence.
"""

import calendar
import datetime
import re

DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers these 1-7
MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
UTC = datetime.timezone.utc

_CRON = re.compile(r"cron\((.*)\)", re.DOTALL)
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_NUMBER = re.compile(r"\d+")
_LAST_WEEKDAY_OF_MONTH = re.compile(r"(\w+)L", re.IGNORECASE)
_NTH_WEEKDAY_OF_MONTH = re.compile(r"(\w+)#(\d+)")
_NEAREST_WEEKDAY = re.compile(r"(\d+)W", re.IGNORECASE)


class CronError(ValueError):
    """An expression AWS would reject; the message says why."""


class _Field(object):
    def __init__(self, label, low, high, wildcards, names=None):
        self.label = label
        self.low = low
        self.high = high
        self.wildcards = wildcards
        self.names = names
        # Characters that only make sense as a whole field (L, W, #, ?); no day or month name contains them.
        self.specials = set("?LW#") & set(wildcards)

    @property
    def accepted(self):
        if self.names:
            return "%d-%d or %s-%s" % (self.low, self.high, self.names[0], self.names[-1])
        return "%d-%d" % (self.low, self.high)

    def value(self, text):
        if _NUMBER.fullmatch(text):
            number = int(text)
        elif self.names and text.upper() in self.names:
            number = self.names.index(text.upper()) + self.low
        else:
            raise CronError("%s: %r is not a value; expected %s" % (self.label, text, self.accepted))
        if not self.low <= number <= self.high:
            raise CronError("%s: %s is out of range; expected %s" % (self.label, text, self.accepted))
        return number


MINUTES = _Field("minutes", 0, 59, ",-*/")
HOURS = _Field("hours", 0, 23, ",-*/")
DAY_OF_MONTH = _Field("day-of-month", 1, 31, ",-*?/LW")
MONTH = _Field("month", 1, 12, ",-*/", MONTH_NAMES)
DAY_OF_WEEK = _Field("day-of-week", 1, 7, ",-*?L#", DAY_NAMES)
YEAR = _Field("year", 1970, 2199, ",-*/")


def _check_wildcards(field, text):
    for char in text:
        if not (char.isalnum() or char in field.wildcards):
            raise CronError("%s: %r is not allowed in %r; the wildcards allowed here are %s" % (field.label, char, text, " ".join(field.wildcards)))


def _parse_item(field, item):
    """One list item: *, N, A-B, with an optional /STEP."""
    base, slash, step_text = item.partition("/")
    if base == "*":
        first, last = field.low, field.high
    elif "-" in base:
        start_text, dummy, end_text = base.partition("-")
        first, last = field.value(start_text), field.value(end_text)
        if last < first:
            raise CronError("%s: the range %s runs backwards (AWS does not document wrap-around ranges); list both parts instead, e.g. %s-%s,%s-%s" % (
                field.label, base, start_text, _name_or_number(field, field.high), _name_or_number(field, field.low), end_text))
    else:
        first = field.value(base)
        last = field.high if slash else first
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text) or not 1 <= int(step_text) <= field.high - field.low + 1:
            raise CronError("%s: %r has no valid increment; expected a number 1-%d after /" % (field.label, item, field.high - field.low + 1))
        step = int(step_text)
    return set(range(first, last + 1, step))


def _name_or_number(field, number):
    return field.names[number - field.low] if field.names else str(number)


def _parse_values(field, text):
    _check_wildcards(field, text)
    values = set()
    for item in text.split(","):
        if not item:
            raise CronError("%s: %r has an empty list item" % (field.label, text))
        if field.specials & set(item.upper()):
            raise CronError("%s: %r combines a special character with a list, range or increment; it must be the whole field" % (field.label, text))
        values |= _parse_item(field, item)
    return frozenset(values)


class _DaysOfMonth(object):
    """Day-of-month field: a set of days, or L, LW, NW."""

    def __init__(self, text):
        self.text = text
        self.days = None
        self.nearest_weekday_to = None
        self.last_day = text.upper() in ("L", "LW")
        self.last_weekday = text.upper() == "LW"
        nearest = _NEAREST_WEEKDAY.fullmatch(text)
        if nearest:
            self.nearest_weekday_to = DAY_OF_MONTH.value(nearest.group(1))
        elif not self.last_day:
            if "L" in text.upper():
                raise CronError("day-of-month: %r is not supported; L must stand alone (last day) or as LW (last weekday)" % text)
            self.days = _parse_values(DAY_OF_MONTH, text)

    def days_in(self, year, month):
        length = calendar.monthrange(year, month)[1]
        if self.days is not None:
            return set(day for day in self.days if day <= length)
        if self.last_weekday:
            return {_weekday_nearest(year, month, length)}
        if self.last_day:
            return {length}
        if self.nearest_weekday_to > length:
            return set()
        return {_weekday_nearest(year, month, self.nearest_weekday_to)}


def _weekday_nearest(year, month, day):
    """Quartz's W: the Monday-Friday day nearest to day, without leaving the month."""
    length = calendar.monthrange(year, month)[1]
    weekday = datetime.date(year, month, day).weekday()  # Monday is 0
    if weekday == 5:  # Saturday: Friday before, or Monday after when Friday is in the previous month
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: Monday after, or Friday before when Monday is in the next month
        return day + 1 if day < length else day - 2
    return day


def aws_day_of_week(date):
    """1 (SUN) to 7 (SAT) for a date, AWS's numbering."""
    return (date.weekday() + 1) % 7 + 1


class _DaysOfWeek(object):
    """Day-of-week field: a set of days (1=SUN), L, DL (last D of the month) or D#N."""

    def __init__(self, text):
        self.text = text
        self.days = None
        self.last_of_month = None
        self.nth = None
        nth = _NTH_WEEKDAY_OF_MONTH.fullmatch(text)
        last = _LAST_WEEKDAY_OF_MONTH.fullmatch(text)
        if nth:
            number = int(nth.group(2))
            if not 1 <= number <= 5:
                raise CronError("day-of-week: %r asks for occurrence %d; expected 1-5 after #" % (text, number))
            self.nth = (DAY_OF_WEEK.value(nth.group(1)), number)
        elif text.upper() == "L":
            self.days = frozenset([7])  # the last day of the week is Saturday
        elif last and "," not in text and "-" not in text:
            self.last_of_month = DAY_OF_WEEK.value(last.group(1))
        else:
            if "/" in text:
                raise CronError("day-of-week: %r uses /, which AWS does not allow in this field" % text)
            self.days = _parse_values(DAY_OF_WEEK, text)

    def days_in(self, year, month):
        length = calendar.monthrange(year, month)[1]
        matching = [day for day in range(1, length + 1) if self._weekday_matches(year, month, day)]
        if self.last_of_month is not None:
            return set(matching[-1:])
        if self.nth is not None:
            number = self.nth[1]
            return set(matching[number - 1:number])
        return set(matching)

    def _weekday_matches(self, year, month, day):
        weekday = aws_day_of_week(datetime.date(year, month, day))
        if self.days is not None:
            return weekday in self.days
        wanted = self.last_of_month if self.last_of_month is not None else self.nth[0]
        return weekday == wanted


class CronExpression(object):
    """A parsed cron(...) expression; build it with parse_cron."""

    def __init__(self, text, minutes, hours, days_of_month, months, days_of_week, years):
        self.text = text
        self.minutes = minutes
        self.hours = hours
        self.days_of_month = days_of_month  # None when the field is ?
        self.months = months
        self.days_of_week = days_of_week  # None when the field is ?
        self.years = years

    def __repr__(self):
        return "CronExpression(%r)" % self.text

    def days_in(self, year, month):
        """The days of a month on which the expression fires."""
        if year not in self.years or month not in self.months:
            return set()
        if self.days_of_month is not None:
            return self.days_of_month.days_in(year, month)
        return self.days_of_week.days_in(year, month)

    def matches(self, local_datetime):
        """Whether the expression fires at this wall time (seconds ignored)."""
        return (
            local_datetime.minute in self.minutes
            and local_datetime.hour in self.hours
            and local_datetime.day in self.days_in(local_datetime.year, local_datetime.month)
        )

    def next_fire_times(self, after, tz, count=1):
        """The next count fire instants strictly after `after`, evaluated in tz's wall time.

        Returns aware datetimes in tz. A naive `after` is taken as a wall
        time in tz. Wall times in a daylight-saving gap are skipped; wall
        times in a fold fire once, at their first occurrence (fold=0), as
        EventBridge Scheduler does. Fewer than count are returned when the
        expression stops firing (a past year, 30 February).
        """
        if after.tzinfo is None:
            after = after.replace(tzinfo=tz)
        after_utc = after.astimezone(UTC)
        start = after.astimezone(tz).date() - datetime.timedelta(days=1)
        fires = []
        for local in self._wall_times_from(start):
            instant = resolve_wall_time(local, tz)
            if instant is None or instant.astimezone(UTC) <= after_utc:
                continue
            fires.append(instant)
            if len(fires) >= count:
                break
        return fires

    def _wall_times_from(self, start):
        for year in sorted(year for year in self.years if year >= start.year):
            for month in sorted(self.months):
                if (year, month) < (start.year, start.month):
                    continue
                for day in sorted(self.days_in(year, month)):
                    if datetime.date(year, month, day) < start:
                        continue
                    for hour in sorted(self.hours):
                        for minute in sorted(self.minutes):
                            yield datetime.datetime(year, month, day, hour, minute)


def resolve_wall_time(local, tz):
    """The instant a naive wall time names in tz: None inside a gap, the first occurrence in a fold."""
    instant = local.replace(tzinfo=tz, fold=0)
    if instant.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        return None
    return instant


def parse_cron(expression):
    """Parse cron(...) as AWS does, or raise CronError saying what is wrong."""
    if not isinstance(expression, str):
        raise CronError("expected a string like cron(0 9 ? * MON-FRI *), got %r" % (expression,))
    match = _CRON.fullmatch(expression.strip())
    if not match:
        raise CronError("%r is not of the form cron(Minutes Hours Day-of-month Month Day-of-week Year)" % expression)
    fields = match.group(1).split()
    if len(fields) != 6:
        raise CronError("cron expressions have 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), %r has %d" % (expression, len(fields)))
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        if day_of_month == "?":
            raise CronError("day-of-month and day-of-week are both ?; exactly one of them must be ?")
        raise CronError("day-of-month (%s) and day-of-week (%s) are both set; exactly one of them must be ?" % (day_of_month, day_of_week))
    return CronExpression(
        text=expression.strip(),
        minutes=_parse_values(MINUTES, minutes),
        hours=_parse_values(HOURS, hours),
        days_of_month=None if day_of_month == "?" else _parse_day_field(_DaysOfMonth, DAY_OF_MONTH, day_of_month),
        months=_parse_values(MONTH, month),
        days_of_week=None if day_of_week == "?" else _parse_day_field(_DaysOfWeek, DAY_OF_WEEK, day_of_week),
        years=_parse_values(YEAR, year),
    )


def _parse_day_field(cls, field, text):
    _check_wildcards(field, text)
    if "?" in text:
        raise CronError("%s: %r; ? must be the whole field" % (field.label, text))
    return cls(text)


class RateExpression(object):
    """rate(N unit): every N minutes, hours or days."""

    def __init__(self, text, value, unit):
        self.text = text
        self.value = value
        self.unit = unit

    @property
    def interval(self):
        return datetime.timedelta(**{self.unit.rstrip("s") + "s": self.value})


class AtExpression(object):
    """at(yyyy-mm-ddThh:mm:ss): one time (EventBridge Scheduler only), a naive wall time."""

    def __init__(self, text, when):
        self.text = text
        self.when = when


def parse_rate(expression):
    match = _RATE.fullmatch(expression.strip()) if isinstance(expression, str) else None
    if not match:
        raise CronError("%r is not of the form rate(VALUE UNIT) with UNIT minute(s), hour(s) or day(s)" % (expression,))
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise CronError("%r: the value must be a positive whole number" % expression)
    if (value == 1) != (not unit.endswith("s")):
        raise CronError("%r: use the singular unit for 1 and the plural for more (rate(1 hour), rate(5 hours))" % expression)
    return RateExpression(expression.strip(), value, unit)


def parse_at(expression):
    match = _AT.fullmatch(expression.strip()) if isinstance(expression, str) else None
    if not match:
        raise CronError("%r is not of the form at(yyyy-mm-ddThh:mm:ss)" % (expression,))
    try:
        when = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise CronError("%r names no real date and time" % expression)
    return AtExpression(expression.strip(), when)


def parse_schedule_expression(expression):
    """cron(...), rate(...) or at(...), as EventBridge Scheduler accepts them."""
    text = expression.strip() if isinstance(expression, str) else ""
    if text.startswith("rate("):
        return parse_rate(text)
    if text.startswith("at("):
        return parse_at(text)
    return parse_cron(expression)


def format_days_of_week(days):
    """AWS day numbers (1=SUN) as a compact named list: {2,3,4,5,6} -> MON-FRI, all -> *."""
    days = sorted(set(days))
    if not days:
        raise ValueError("no days of the week")
    if days == list(range(1, 8)):
        return "*"
    runs = []
    for day in days:
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = []
    for first, last in runs:
        if first == last:
            parts.append(DAY_NAMES[first - 1])
        elif last == first + 1:
            parts.append("%s,%s" % (DAY_NAMES[first - 1], DAY_NAMES[last - 1]))
        else:
            parts.append("%s-%s" % (DAY_NAMES[first - 1], DAY_NAMES[last - 1]))
    return ",".join(parts)
