# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What runs when: the schedules a backend holds, read back into the schedule model.

ssm_automation_schedule_info reads a target with the backend's own read()
(the same reads a no-op run makes), asks it for its DeployedAction list and
turns each schedule into an ``office_hours.Schedule`` built from the local
crons, so the report's next fire times, weekly hours and grid come from the
same code that plans the schedules.

Closed days (``closures``): an action whose request runs the collection's
runbook names its Change Calendars (``Parameters.CalendarNames``); the
module reads each once (GetDocument, TEXT) and the report lists the closed
days ahead (each local date of an event that has not ended: the
collection's, from the inventory or the holidays library, and those people
added in the console) and the next seven local days of the schedule, with
each fire the calendar closes left out, exactly as the runbook decides
(a start on a closed day, the stop too with ``OnClosedDays=skip_both``):
``#`` running, ``x`` an hour it would run were the day not closed, ``.``
stopped. The week ahead's running hours are then those the instances
really run, and the hours closed days save are the difference.
"""

import datetime

from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import UTC
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ACTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import Schedule
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import MINUTES_PER_DAY
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import load_zone

WEEK_AHEAD_DAYS = 7
_WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def tag_of(request):
    """(key, value) of the request's first tag target, or (None, None)."""
    for target in request.get("Targets") or []:
        key = target.get("Key") or ""
        values = target.get("Values") or []
        if key.startswith("tag:") and values:
            return key[len("tag:"):], values[0]
    return None, None


def schedule_from(actions):
    """A Schedule (raw local crons) from the deployed start and/or stop of one schedule."""
    by_action = dict((deployed.action, deployed) for deployed in actions)
    first = by_action.get("start") or by_action.get("stop")
    tag_key, tag_value = tag_of(first.request)
    return Schedule(
        name=first.schedule,
        zone=load_zone(first.timezone),
        tag_key=tag_key,
        tag_value=tag_value,
        enabled=all(deployed.enabled for deployed in actions),
        start_cron=by_action["start"].local_cron if "start" in by_action else None,
        stop_cron=by_action["stop"].local_cron if "stop" in by_action else None,
    )


def calendar_events_by_name(calendars):
    from ansible_collections.awsops.ssm.plugins.module_utils.change_calendar import calendar_events

    return dict((name, calendar_events(calendar) if calendar is not None else []) for name, calendar in calendars.items())


def closures(schedule, actions, events, now):
    """What the report adds about closed days: the calendars, the closed days ahead, the week ahead."""
    names = calendar_names_of(actions)
    if not names:
        return {"calendars": [], "closed_days_ahead": [], "week_ahead": None}
    return {
        "calendars": names,
        "closed_days_ahead": closed_days_ahead(names, events, now.astimezone(schedule.zone).date()),
        "week_ahead": week_ahead(schedule, actions, events, now),
    }


def calendar_names_of(actions):
    """The Change Calendars the schedule's runbook actions read, in order."""
    names = []
    for deployed in actions:
        for name in (deployed.request.get("Parameters") or {}).get("CalendarNames") or []:
            if name not in names:
                names.append(name)
    return names


def _skips(deployed, events):
    """fire instant (aware) -> the summary of the event that closes it, or None, for one deployed action."""
    parameters = deployed.request.get("Parameters") or {}
    calendars = parameters.get("CalendarNames")
    on_closed_days = (parameters.get("OnClosedDays") or ["skip_start"])[0]
    if not calendars or (deployed.action == "stop" and on_closed_days != "skip_both"):
        return lambda instant: None
    mine = [event for name in calendars for event in events.get(name, [])]

    def closing(instant):
        for event in mine:
            if event.covers(instant):
                return event.summary or "closed"
        return None

    return closing


def closed_days_ahead(schedule_calendars, events, today):
    """[{date, name, source, calendar}] of the local dates of every event of the calendars from today on."""
    from ansible_collections.awsops.ssm.plugins.module_utils.schedule_documents import event_source

    days = {}
    for name in schedule_calendars:
        for event in events.get(name, []):
            for date in event.local_dates():
                if date >= today:
                    entry = {"date": date.isoformat(), "name": event.summary, "source": event_source(event), "calendar": name}
                    days.setdefault((date, event.summary), entry)
    return [days[key] for key in sorted(days)]


def week_ahead(schedule, actions, events, now):
    """The next seven local days of the schedule with the fires closed days skip left out (see the module docstring)."""
    zone = schedule.zone
    local_now = now.astimezone(zone)
    first_day = local_now.date()
    window_start = datetime.datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)
    window_minutes = WEEK_AHEAD_DAYS * MINUTES_PER_DAY
    typical = schedule.running_minutes()
    if typical is None:
        return None
    by_action = dict((deployed.action, deployed) for deployed in actions)
    fires = []  # (minute from window start, action, closing summary or None)
    for action in ACTIONS:
        if action not in by_action:
            continue
        closing = _skips(by_action[action], events)
        for fire in schedule.next_fire_times(action, count=WEEK_AHEAD_DAYS * 24, after=window_start - datetime.timedelta(seconds=1)):
            local = fire.local
            minute = int((local.replace(tzinfo=None) - window_start.replace(tzinfo=None)).total_seconds() // 60)
            if minute >= window_minutes:
                break
            fires.append((minute, action, closing(fire.utc)))
    fires.sort(key=lambda fire: (fire[0], fire[1] == "stop"))
    # the state at the window's start: the typical week's at that minute (Monday 00:00 is minute 0 there)
    running = typical[first_day.weekday() * MINUTES_PER_DAY]
    would_run = running
    actual, planned = [], []
    position = 0
    for minute in range(window_minutes):
        while position < len(fires) and fires[position][0] == minute:
            _minute, action, closed = fires[position]
            would_run = action == "start"
            if not closed:
                running = action == "start"
            position += 1
        actual.append(running)
        planned.append(would_run)
    closed_dates = {}
    for minute, action, closed in fires:
        if closed:
            date = first_day + datetime.timedelta(days=minute // MINUTES_PER_DAY)
            closed_dates.setdefault(date.isoformat(), closed)
    lines = ["            " + "".join(str(hour // 10) for hour in range(24)), "            " + "".join(str(hour % 10) for hour in range(24))]
    for day in range(WEEK_AHEAD_DAYS):
        date = first_day + datetime.timedelta(days=day)
        cells = []
        for hour in range(24):
            start = day * MINUTES_PER_DAY + hour * 60
            if sum(actual[start:start + 60]) >= 30:
                cells.append("#")
            elif sum(planned[start:start + 60]) >= 30:
                cells.append("x")
            else:
                cells.append(".")
        note = closed_dates.get(date.isoformat())
        lines.append("%s %s  %s%s" % (_WEEKDAY_NAMES[date.weekday()], date.strftime("%m-%d"), "".join(cells), "  closed: %s" % note if note else ""))
    running_hours = sum(actual) / 60.0
    planned_hours = sum(planned) / 60.0
    return {
        "first_day": first_day.isoformat(),
        "running_hours": running_hours,
        "hours_saved_by_closed_days": planned_hours - running_hours,
        "closed_dates": closed_dates,
        "grid": lines,
    }


def report(deployed_actions, backend, group, count=3, now=None, calendars=None):
    """The info module's result: every schedule of ours with its next fires and weekly figures.

    calendars: {name: icalendar Calendar or None (not found)} of the calendars the schedules read.
    """
    now = now or datetime.datetime.now(UTC)
    events = calendar_events_by_name(calendars or {})
    grouped = {}
    for deployed in deployed_actions:
        grouped.setdefault(deployed.schedule, []).append(deployed)
    schedules = []
    problems = []
    for name in sorted(grouped):
        actions = grouped[name]
        try:
            summary = schedule_from(actions).summary(now=now, count=count)
        except ValueError as error:  # a time zone or expression edited by hand into something unusable
            problems.append("%s: %s" % (name, error))
            continue
        by_action = dict((deployed.action, deployed) for deployed in actions)
        summary["aws_names"] = dict((action, by_action[action].aws_name if action in by_action else None) for action in ACTIONS)
        summary["aws_expressions"] = dict((action, by_action[action].aws_expression if action in by_action else None) for action in ACTIONS)
        summary.update(closures(schedule_from(actions), actions, events, now))
        schedules.append(summary)
    return {"backend": backend, "group": group, "now": now.isoformat(), "schedules": schedules, "problems": problems}
