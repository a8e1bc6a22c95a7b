# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's start/stop runbook: an Automation document (schemaVersion 0.3) for one instance.

It replaces AWS-StartEC2Instance / AWS-StopEC2Instance for schedules with
closed days or instance overrides. StartAutomationExecution calls it as
today (tag targets, ``TargetParameterName: InstanceId``, the same rate
control), so SSM runs it once per instance:

1. ``readPauseTags`` (aws:executeAwsApi, ec2:DescribeTags): the instance's
   tags ``awsops:scheduler:pause`` and ``awsops:scheduler:pause-until``;
   ``$.Tags`` is always there (empty when it has none).
2. ``readCalendar`` (aws:executeAwsApi, ssm:GetCalendarState): the state of
   ``CalendarNames`` at ``AtTime``, the *scheduled* time (EventBridge
   Scheduler's ``<aws.scheduler.scheduled-time>``, or the local fire time the
   Lambda function computed), so a late or retried run still reads the
   calendar of the day it was meant for. CLOSED when any calendar is.
3. ``decide`` (aws:executeScript, Python): runbook_decision.decide, whose
   outputs ``Decision`` and ``Reason`` are the runbook's outputs
   ("closed: 2026-12-25 Christmas Day", "paused until 2026-12-03T18:00+09:00").
4. ``chooseAction`` (aws:branch): to one of the steps below; a skip matches
   no choice, and the branch ends the automation (``isEnd``).
5. ``startInstance`` / ``stopInstance`` (aws:changeInstanceState, as the AWS
   runbooks: change the state and wait for it), or ``hibernateInstance``
   (aws:executeAwsApi StopInstances with ``Hibernate: true``; where the
   instance is not configured for hibernation EC2 refuses, and the step
   falls back to ``stopInstance``; it is not critical, so that fallback
   still ends in Success).

Cost, and why the AWS runbooks stay where nothing needs this one:
Automation bills every step it runs (and aws:executeScript by the second),
and since 2025-08-14 new accounts get no Automation free tier. This runbook
runs 5 steps per instance and action where AWS-StartEC2Instance runs 1, so
the schedules use it only when they have closed days, honour pause tags
or hibernate.

Permissions it needs as the automation role (``PERMISSIONS``):
ec2:DescribeTags (no resource-level permissions), ssm:GetCalendarState and
ssm:GetDocument (to name the closure) on the calendar documents,
ec2:StartInstances / ec2:StopInstances on the instances (Hibernate is a
parameter of StopInstances) and ec2:DescribeInstanceStatus, which
aws:changeInstanceState reads.

The content is YAML (aws:executeScript takes an inline ``Script`` in YAML
documents), compared by meaning; its VersionName carries ``REVISION`` and a
digest of the content, so a changed runbook is a new version made default
and the same runbook writes nothing.
"""

import hashlib
import inspect

try:
    import yaml
except ImportError:
    yaml = None  # ansible-core requires PyYAML; kept optional for the sanity import test

from ansible_collections.awsops.ssm.plugins.module_utils import runbook_decision

DOCUMENT_TYPE = "Automation"
DOCUMENT_FORMAT = "YAML"
SCHEMA_VERSION = "0.3"
# Raise when the runbook's logic changes; the VersionName also carries the content's digest.
REVISION = 1
SCRIPT_RUNTIME = "python3.11"
SCRIPT_HANDLER = "decide"
TARGET_PARAMETER = "InstanceId"
PAUSE_TAGS = (runbook_decision.PAUSE_TAG, runbook_decision.PAUSE_UNTIL_TAG)
# EventBridge Scheduler puts the time it was meant to fire in place of this in a target's Input.
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
AT_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"
# (action, resource) pairs the automation role needs for this runbook; CALENDARS are the calendar document ARNs.
PERMISSIONS = (
    ("ec2:DescribeTags", "*"),
    ("ssm:GetCalendarState", "CALENDARS"),
    ("ssm:GetDocument", "CALENDARS"),
    ("ec2:StartInstances", "INSTANCES"),
    ("ec2:StopInstances", "INSTANCES"),
    ("ec2:DescribeInstanceStatus", "*"),
)

DESCRIPTION = (
    "Starts or stops one EC2 instance for an office-hours schedule of awsops.ssm, unless the instance is paused "
    "(tag awsops:scheduler:pause=true, or awsops:scheduler:pause-until=TIME) or the schedule's Change Calendar is closed "
    "at the scheduled time. Managed by awsops.ssm (revision %d): changes made here are replaced on the next run." % REVISION
)


def script_source():
    """The decision step's source; inspect reads it through the loader, also from AnsiballZ's zip."""
    return inspect.getsource(runbook_decision)


def _parameters():
    return {
        "InstanceId": {"type": "String", "description": "The instance to start or stop (the target parameter).", "allowedPattern": "^i-[a-z0-9]{8,17}$"},
        "Action": {"type": "String", "description": "start or stop.", "allowedValues": ["start", "stop"]},
        "AtTime": {
            "type": "String",
            "description": "The scheduled time, ISO 8601 in UTC (2026-12-25T00:00:00Z): the calendar is read at this time, pause-until is compared with it.",
            "allowedPattern": AT_TIME_PATTERN,
        },
        "CalendarNames": {"type": "StringList", "description": "The Change Calendars (names or ARNs) of the schedule; closed when any is closed."},
        "OnClosedDays": {
            "type": "String",
            "description": "skip_start: on a closed day the start is skipped and the stop happens; skip_both: both are skipped.",
            "default": "skip_start",
            "allowedValues": list(runbook_decision.ON_CLOSED_DAYS),
        },
        "Hibernate": {"type": "Boolean", "description": "Stop by hibernating where the instance is configured for hibernation.", "default": False},
        "AutomationAssumeRole": {"type": "String", "description": "The role the automation runs as.", "default": ""},
    }


def _steps():
    instance = ["{{ InstanceId }}"]
    return [
        {
            "name": "readPauseTags",
            "action": "aws:executeAwsApi",
            "inputs": {
                "Service": "ec2",
                "Api": "DescribeTags",
                "Filters": [{"Name": "resource-id", "Values": instance}, {"Name": "key", "Values": list(PAUSE_TAGS)}],
            },
            "outputs": [{"Name": "Tags", "Selector": "$.Tags", "Type": "MapList"}],
            "nextStep": "readCalendar",
        },
        {
            "name": "readCalendar",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "ssm", "Api": "GetCalendarState", "CalendarNames": "{{ CalendarNames }}", "AtTime": "{{ AtTime }}"},
            "outputs": [{"Name": "State", "Selector": "$.State", "Type": "String"}],
            "nextStep": "decide",
        },
        {
            "name": "decide",
            "action": "aws:executeScript",
            "inputs": {
                "Runtime": SCRIPT_RUNTIME,
                "Handler": SCRIPT_HANDLER,
                "Script": script_source(),
                "InputPayload": {
                    "Action": "{{ Action }}",
                    "AtTime": "{{ AtTime }}",
                    "CalendarState": "{{ readCalendar.State }}",
                    "CalendarNames": "{{ CalendarNames }}",
                    "OnClosedDays": "{{ OnClosedDays }}",
                    "Hibernate": "{{ Hibernate }}",
                    "Tags": "{{ readPauseTags.Tags }}",
                },
            },
            "outputs": [
                {"Name": "Decision", "Selector": "$.Payload.decision", "Type": "String"},
                {"Name": "Reason", "Selector": "$.Payload.reason", "Type": "String"},
            ],
            "nextStep": "chooseAction",
        },
        {
            "name": "chooseAction",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {"NextStep": "startInstance", "Variable": "{{ decide.Decision }}", "StringEquals": "start"},
                    {"NextStep": "stopInstance", "Variable": "{{ decide.Decision }}", "StringEquals": "stop"},
                    {"NextStep": "hibernateInstance", "Variable": "{{ decide.Decision }}", "StringEquals": "hibernate"},
                ],
            },
            "isEnd": True,
        },
        {
            "name": "startInstance",
            "action": "aws:changeInstanceState",
            "inputs": {"InstanceIds": instance, "DesiredState": "running"},
            "isEnd": True,
        },
        {
            "name": "hibernateInstance",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "ec2", "Api": "StopInstances", "InstanceIds": instance, "Hibernate": True},
            "onFailure": "step:stopInstance",
            "isCritical": False,
            "isEnd": True,
        },
        {
            "name": "stopInstance",
            "action": "aws:changeInstanceState",
            "inputs": {"InstanceIds": instance, "DesiredState": "stopped"},
            "isEnd": True,
        },
    ]


def runbook_content():
    """The runbook as a dict (what is compared)."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "description": DESCRIPTION,
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": _parameters(),
        "outputs": ["decide.Decision", "decide.Reason"],
        "mainSteps": _steps(),
    }


def _require_yaml():
    if yaml is None:
        raise ValueError("PyYAML is required to write the runbook")


def serialize(content):
    """The Content text: YAML, with multi-line strings (the script) as literal blocks, keys in runbook order."""
    _require_yaml()

    class RunbookDumper(yaml.SafeDumper):
        pass

    def text(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    RunbookDumper.add_representer(str, text)
    return yaml.dump(content, Dumper=RunbookDumper, sort_keys=False, allow_unicode=True, width=1000)


def parse(text):
    """A stored content as a dict, or None when it is not a YAML/JSON mapping."""
    _require_yaml()
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return content if isinstance(content, dict) else None


def same_content(text, content=None):
    return parse(text) == (content or runbook_content())


def version_name(content=None):
    """r<REVISION>-<12 hex digits of the content's SHA-256>: unique per content, as VersionName must be."""
    digest = hashlib.sha256(serialize(content or runbook_content()).encode("utf-8")).hexdigest()
    return "r%d-%s" % (REVISION, digest[:12])


def automation_parameters(action, calendar_names, automation_role_arn, at_time, on_closed_days="skip_start", hibernate=False):
    """The Parameters of a StartAutomationExecution request for this runbook (TargetParameterName InstanceId fills InstanceId)."""
    return {
        "Action": [action],
        "AtTime": [at_time],
        "CalendarNames": list(calendar_names),
        "OnClosedDays": [on_closed_days],
        "Hibernate": ["true" if hibernate else "false"],
        "AutomationAssumeRole": [automation_role_arn],
    }


def runbook_request(request, document_name, action, calendar_names, at_time=SCHEDULED_TIME, on_closed_days="skip_start", hibernate=False):
    """A StartAutomationExecution request for the AWS runbooks (office_hours.build_automation_request) turned to this runbook.

    Targets, TargetParameterName and rate control stay; DocumentName and Parameters change. at_time: the
    Scheduler placeholder by default (the scheduler backend), or the fire time the Lambda function computed.
    """
    converted = dict(request, DocumentName=document_name)
    role = request["Parameters"]["AutomationAssumeRole"][0]
    converted["Parameters"] = automation_parameters(action, calendar_names, role, at_time, on_closed_days, hibernate)
    return converted
