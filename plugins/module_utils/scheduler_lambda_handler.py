# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The instance scheduler's Lambda function (lambda backend), deployed as index.py.

This file's own source is the function's code (lambda_package zips it), so
it imports nothing from the collection: the standard library and boto3 only.

EventBridge rules, in UTC, invoke it with this event (the rule's Input)::

    {
      "action": "start" | "stop",
      "request": {                 # StartAutomationExecution keyword arguments, passed as they are
        "DocumentName": "AWS-StartEC2Instance",
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:Schedule", "Values": ["office"]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": {"AutomationAssumeRole": ["arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"]}
      },
      "gate": {                    # optional: act only at this local time
        "timezone": "America/New_York",
        "time": "07:30",
        "weekdays": ["MON", "TUE", "WED", "THU", "FRI"]
      },
      "schedule": "office"         # optional: the schedule's name, for the log
    }

When the request is for the collection's runbook (its Parameters have
``AtTime``), the function sets AtTime to the local fire it acts for (in UTC;
without a gate, the current minute): the runbook reads the Change Calendar
and compares pause-until at that time.

Without a gate the function always acts. With one, it acts only when the
invocation comes within GATE_WINDOW (15 minutes) after a real local fire:
``time`` on one of ``weekdays`` in ``timezone``. A zone with daylight saving
time has two UTC rules per action, and the one that is an hour off the
local time that half of the year is skipped here. The window absorbs late
delivery by EventBridge while staying shorter than the distance between the
two rules (30 minutes or more), so each local fire acts once. Daylight
saving time is handled as EventBridge Scheduler handles it: a local time
that a spring-forward gap skips does not fire that day, and one that a
fall-back fold repeats fires at its first occurrence only.

Time zones come from the TZif files bundled under zoneinfo/ (the function
sets PYTHONTZPATH=/var/task/zoneinfo; Lambda's runtime may have none).
"""

import datetime
import logging
import os
import zoneinfo

try:
    import boto3
except ImportError:
    boto3 = None

GATE_WINDOW = datetime.timedelta(minutes=15)
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
ACTIONS = ("start", "stop")
UTC = datetime.timezone.utc

LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(logging.INFO)
_CLIENTS = {}


def _use_bundled_zones():
    """Read TZif files from zoneinfo/ beside this file when PYTHONTZPATH does not say otherwise."""
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zoneinfo")
    if not os.environ.get("PYTHONTZPATH") and os.path.isdir(bundled):
        zoneinfo.reset_tzpath([bundled] + list(zoneinfo.TZPATH))


_use_bundled_zones()


def get_ssm_client():
    """The SSM client, created on first use and kept for warm invocations."""
    if "ssm" not in _CLIENTS:
        if boto3 is None:
            raise RuntimeError("boto3 is required")
        _CLIENTS["ssm"] = boto3.client("ssm")
    return _CLIENTS["ssm"]


def local_fire(gate, local_date):
    """The instant the gate's local time happens on local_date, or None (not a listed day, or skipped by a DST gap)."""
    if DAY_NAMES[(local_date.weekday() + 1) % 7] not in gate["weekdays"]:
        return None
    zone = zoneinfo.ZoneInfo(gate["timezone"])
    hour, minute = (int(part) for part in gate["time"].split(":"))
    wall = datetime.datetime(local_date.year, local_date.month, local_date.day, hour, minute)
    instant = wall.replace(tzinfo=zone, fold=0)  # fold=0: the first of two repeated times
    if instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def gate_fire(gate, now):
    """The local fire (aware) that `now` comes within GATE_WINDOW after, or None."""
    now = now.astimezone(UTC)
    zone = zoneinfo.ZoneInfo(gate["timezone"])
    # A fire up to GATE_WINDOW ago may belong to yesterday's local date.
    for local_date in sorted({now.astimezone(zone).date(), (now - GATE_WINDOW).astimezone(zone).date()}):
        fire = local_fire(gate, local_date)
        if fire is not None and datetime.timedelta(0) <= now - fire.astimezone(UTC) < GATE_WINDOW:
            return fire
    return None


def gate_refusal(gate, now):
    """None when `now` (aware) is within GATE_WINDOW after a local fire of the gate, else why not."""
    if gate_fire(gate, now) is not None:
        return None
    zone = zoneinfo.ZoneInfo(gate["timezone"])
    return "%s is not within %d minutes after %s %s on %s" % (
        now.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z"), GATE_WINDOW.total_seconds() // 60, gate["time"], gate["timezone"], ",".join(gate["weekdays"]))


def scheduled_time(gate, now):
    """The time the run was meant for, ISO 8601 UTC: the gate's local fire, or (no gate) now to the minute."""
    fire = gate_fire(gate, now) if gate else None
    instant = fire.astimezone(UTC) if fire is not None else now.astimezone(UTC).replace(second=0, microsecond=0)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_scheduled_time(request, gate, now):
    """The request with the runbook's AtTime parameter (when it has one) set to the scheduled time.

    The collection's runbook reads the calendar and compares pause-until at AtTime; the rule's Input carries a
    placeholder there, as EventBridge Scheduler's does, and the function puts the time of the local fire in.
    """
    parameters = request.get("Parameters") or {}
    if "AtTime" not in parameters:
        return request
    return dict(request, Parameters=dict(parameters, AtTime=[scheduled_time(gate, now)]))


def handler(event, context=None, now=None, ssm_client=None):
    """Lambda entry point (index.handler); now and ssm_client are seams for tests."""
    action = event.get("action")
    request = event.get("request")
    if action not in ACTIONS or not isinstance(request, dict):
        raise ValueError("the event needs action (start or stop) and request (StartAutomationExecution arguments), got %r" % (event,))
    label = "%s %s" % (event.get("schedule", request.get("Targets")), action)
    gate = event.get("gate")
    now = now or datetime.datetime.now(UTC)
    if gate:
        refusal = gate_refusal(gate, now)
        if refusal:
            LOGGER.info("%s skipped: %s", label, refusal)
            return {"skipped": refusal}
    client = ssm_client or get_ssm_client()
    execution_id = client.start_automation_execution(**with_scheduled_time(request, gate, now))["AutomationExecutionId"]
    LOGGER.info("%s: started automation execution %s", label, execution_id)
    return {"action": action, "AutomationExecutionId": execution_id}
