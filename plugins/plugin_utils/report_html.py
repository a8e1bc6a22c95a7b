# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report: one self-contained file rendered with Jinja2 from the data the text report uses.

Input (``render(targets, generated=None)``), one item per target::

    {
      "name": "seoul",                       # the inventory host
      "account": "123456789012",
      "region": "ap-northeast-2",
      "schedules": {...},                    # ssm_automation_schedule_info's result (optional), with last_runs and
                                             # right_now when it ran with executions
      "closed_days": [                       # optional: the target's closed days ahead (its Change Calendar),
        {"date": "2026-12-25", "reason": "Christmas Day"},        # dates in each schedule's own zone; a schedule's
      ],                                     # own "closed_days_ahead" ({date, name, source}, as the info module
                                             # returns it for a schedule with Change Calendars) replaces it
      "session_manager": {                   # optional
        "profile": "SSMSessionInstanceRole",
        "instances": [{"instance_id": "i-0b745b63c0149ee49", "name": "web-1", "state": "running"}],
      },                                     # or amazon.aws.ec2_instance_info's instances: those with the profile are kept
    }

Each schedule shows its weekly grid as a heat map of the next seven days in
its time zone (a day that is closed is marked, with its reason: no start
happens on it), the next starts and stops (a start on a closed day marked
skipped), the hours saved, the last runs with failed runs and instances
highlighted, and which tagged instances are as the schedule wants them now.

The page loads nothing: the style is inline, there is no script, font,
image or link to anything outside the file.
"""

import datetime
import os
import zoneinfo

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import StrictUndefined

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(COLLECTION_ROOT, "playbooks", "templates", "report.html.j2")
GRID_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def parse_week_grid(lines):
    """The info module's week_grid text (two header lines, then MON..SUN rows of # and .) as {day: [24 bools]}."""
    grid = {}
    for line in (lines or [])[2:]:
        day, _sep, cells = line.partition("  ")
        if day in GRID_DAYS and len(cells) == 24:
            grid[day] = [cell == "#" for cell in cells]
    return grid if len(grid) == 7 else None


def closed_by_date(closed_days):
    closed = {}
    for item in closed_days or []:
        # ssm_automation_schedule_info's closed_days_ahead names the day (holiday, console event); a reason may say more.
        closed[str(item["date"])] = item.get("reason") or item.get("name") or "closed"
    return closed


def closed_day_hours(hours):
    """A closed day's hours: no start happens, so only what still runs from the day before (from midnight on) runs."""
    carried = 0
    while carried < len(hours) and hours[carried]:
        carried += 1
    return [hour < carried for hour in range(len(hours))]


def coming_days(schedule, now, closed):
    """The next seven local days of the schedule from today, each with its hours (a closed day without its starts)."""
    grid = parse_week_grid(schedule.get("week_grid"))
    if grid is None:
        return []
    today = now.astimezone(zoneinfo.ZoneInfo(schedule["timezone"])).date()
    days = []
    for offset in range(7):
        date = today + datetime.timedelta(days=offset)
        name = GRID_DAYS[date.weekday()]
        reason = closed.get(date.isoformat())
        hours = closed_day_hours(grid[name]) if reason else grid[name]
        days.append({"date": date.isoformat(), "day": name, "hours": hours, "closed": reason, "running_hours": sum(hours)})
    return days


def fire_rows(times, closed):
    rows = []
    for time in times or []:
        rows.append({"local": time["local"], "utc": time["utc"], "closed": closed.get(time["local"][:10])})
    return rows


def schedule_model(schedule, now, target_closed):
    # A schedule that reads Change Calendars has its own closed days (possibly none ahead); the others have the target's.
    own = schedule.get("calendars") or schedule.get("closed_days_ahead")
    closed = closed_by_date(schedule.get("closed_days_ahead")) if own else target_closed
    share = schedule.get("share_stopped")
    return {
        "name": schedule["name"],
        "enabled": schedule.get("enabled", True),
        "timezone": schedule["timezone"],
        "tag": ", ".join("%s=%s" % item for item in sorted((schedule.get("tag") or {}).items())),
        "start_expression": schedule.get("start_expression"),
        "stop_expression": schedule.get("stop_expression"),
        "aws_names": schedule.get("aws_names") or {},
        "weekly_running_hours": schedule.get("weekly_running_hours"),
        "saved_percent": None if share is None else int(round(share * 100)),
        "days": coming_days(schedule, now, closed),
        "closed_days": sorted(closed.items()),
        "next_starts": fire_rows(schedule.get("next_starts"), closed),
        "next_stops": fire_rows(schedule.get("next_stops"), {}),
        "last_runs": schedule.get("last_runs"),
        "right_now": schedule.get("right_now"),
    }


def attached_instances(session_manager):
    """The attached instances as the page lists them. amazon.aws.ec2_instance_info's instances may be given as they are:
    those whose instance profile is the report's (by name, the last part of its ARN) are kept."""
    if not session_manager:
        return session_manager
    profile = session_manager.get("profile")
    instances = []
    for instance in session_manager.get("instances") or []:
        if isinstance(instance.get("state"), dict):  # ec2_instance_info's shape
            arn = (instance.get("iam_instance_profile") or {}).get("arn") or ""
            if arn.split("/")[-1] != profile:
                continue
            instance = {"instance_id": instance["instance_id"], "name": (instance.get("tags") or {}).get("Name", "-"), "state": instance["state"]["name"]}
        instances.append(instance)
    return dict(session_manager, instances=sorted(instances, key=lambda item: item["instance_id"]))


def target_model(target, now):
    closed = closed_by_date(target.get("closed_days"))
    info = target.get("schedules")
    model = {
        "name": target["name"],
        "account": target.get("account"),
        "region": target.get("region"),
        "backend": info.get("backend") if info else None,
        "group": info.get("group") if info else None,
        "schedules": [schedule_model(schedule, now, closed) for schedule in sorted(info.get("schedules", []), key=lambda s: s["name"])] if info else None,
        "problems": info.get("problems", []) if info else [],
        "session_manager": attached_instances(target.get("session_manager")),
    }
    model["failed_runs"] = sum(1 for schedule in model["schedules"] or [] for run in schedule["last_runs"] or [] if run.get("failed"))
    return model


def render(targets, generated=None):
    """The HTML text of the report of these targets (see the module docstring for their form)."""
    now = generated or datetime.datetime.now(datetime.timezone.utc)
    environment = Environment(loader=FileSystemLoader(os.path.dirname(TEMPLATE)), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    template = environment.get_template(os.path.basename(TEMPLATE))
    return template.render(generated=now.isoformat(timespec="seconds"), targets=[target_model(target, now) for target in targets], hours=range(24))
