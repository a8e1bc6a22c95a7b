# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What happened: the last automation runs of each schedule, per instance, and the instances' state right now.

Reads only, bounded:

* per runbook the schedules start (``DocumentName`` of each deployed start
  and stop), one paginated DescribeAutomationExecutions with the filters
  ``DocumentNamePrefix`` and ``StartTimeAfter`` (now minus the window), at
  most LISTING_LIMIT executions. A run belongs to a schedule's action when it
  is a parent (no ``ParentAutomationExecutionId``) of exactly that runbook
  with exactly that action's ``Targets`` (the tag), so it works with the
  AWS-owned runbooks and with the collection's own alike. The newest
  ``count`` runs of each schedule are kept;
* per kept run, its per-instance child executions (with the decision and
  reason of a runbook that may skip an instance, as the collection's own
  does: ``i-0abc: Success: skipped (closed: 2026-12-25 Christmas Day)``): DescribeAutomationExecutions
  with the filter ``ParentExecutionId`` (paginated, at most CHILD_LIMIT), and
  for a failed child without a failure message in the listing one
  GetAutomationExecution, whose failed step holds it (for example the
  ``kms:CreateGrant`` an instance with encrypted volumes needs to start);
* per schedule tag, one paginated DescribeInstances (``tag:KEY=VALUE``,
  instances not terminated), compared with the state the schedule's week
  says the instances should be in now. An instance tagged
  ``awsops:scheduler:pause`` = true, or ``awsops:scheduler:pause-until`` with
  a time still ahead, is left alone by the schedules: it is reported paused,
  neither as expected nor not.

Times are returned in the schedule's time zone and in UTC.
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import UTC
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import MINUTES_PER_DAY
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import load_zone
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import schedule_from

LISTING_LIMIT = 500  # executions read per runbook within the window
CHILD_LIMIT = 200  # instances read per run
PAGE_SIZE = 50  # the API's maximum
FAILED = ("Failed", "TimedOut", "Cancelled", "CompletedWithFailure")
PAUSE_TAG = "awsops:scheduler:pause"
PAUSE_UNTIL_TAG = "awsops:scheduler:pause-until"
RUNNING_STATES = ("pending", "running")
STOPPED_STATES = ("stopping", "stopped")


class ExecutionsErrorHandler(AWSErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["AutomationExecutionNotFoundException", "InvalidInstanceID.NotFound"])


@ExecutionsErrorHandler.list_error_handler("list automation executions", [])
def describe_executions(client, filters, limit):
    """Up to limit executions matching filters, following NextToken."""
    paginator = client.get_paginator("describe_automation_executions")
    pages = paginator.paginate(Filters=filters, PaginationConfig={"MaxItems": limit, "PageSize": PAGE_SIZE})
    executions = []
    for page in pages:
        executions.extend(page.get("AutomationExecutionMetadataList", []))
    return executions[:limit]


@ExecutionsErrorHandler.list_error_handler("get an automation execution")
def get_execution(client, execution_id):
    return client.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]


@ExecutionsErrorHandler.list_error_handler("describe the tagged instances", [])
def describe_instances(client, tag_key, tag_value):
    filters = [{"Name": "tag:%s" % tag_key, "Values": [tag_value]},
               {"Name": "instance-state-name", "Values": list(RUNNING_STATES + STOPPED_STATES)}]
    instances = []
    for page in client.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page.get("Reservations", []):
            instances.extend(reservation.get("Instances", []))
    return instances


def times(moment, zone):
    """{local, utc} ISO 8601 of an aware datetime (None stays None)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return {"local": moment.astimezone(zone).isoformat(), "utc": moment.astimezone(UTC).isoformat()}


def _targets_key(targets):
    return tuple(sorted((target.get("Key"), tuple(target.get("Values") or [])) for target in targets or []))


def failure_of(ssm, child):
    """The failure message of a failed child: the listing's, else its failed step's (one GetAutomationExecution)."""
    if child.get("FailureMessage"):
        return child["FailureMessage"]
    execution = get_execution(ssm, child["AutomationExecutionId"]) or {}
    if execution.get("FailureMessage"):
        return execution["FailureMessage"]
    for step in execution.get("StepExecutions") or []:
        if step.get("StepStatus") in FAILED and (step.get("FailureMessage") or (step.get("FailureDetails") or {}).get("Details")):
            return step.get("FailureMessage") or str(step["FailureDetails"]["Details"])
    return None


def instance_of(child):
    """The instance a child ran for: its Target, else the target parameter it was given."""
    if child.get("Target"):
        return child["Target"]
    values = ((child.get("ResolvedTargets") or {}).get("ParameterValues")) or []
    return values[0] if values else None


def decision_of(child):
    """(decision, reason) a runbook that may skip an instance gives as its outputs (``<step>.Decision``, ``<step>.Reason``:
    the collection's own runbook says "skip", "closed: 2026-12-25 Christmas Day"); (None, None) from the AWS-owned ones."""
    found = {}
    for name, values in (child.get("Outputs") or {}).items():
        for field in ("Decision", "Reason"):
            if name.endswith("." + field) and values:
                found[field] = values[0]
    return found.get("Decision"), found.get("Reason")


def instance_outcomes(ssm, run_id):
    """[{instance_id, status, failure_message, execution_id, line}] of one run's children, and whether the list was cut."""
    children = describe_executions(ssm, [{"Key": "ParentExecutionId", "Values": [run_id]}], CHILD_LIMIT + 1)
    outcomes = []
    for child in children[:CHILD_LIMIT]:
        status = child.get("AutomationExecutionStatus")
        message = failure_of(ssm, child) if status in FAILED else None
        instance = instance_of(child)
        decision, reason = decision_of(child)
        line = "%s: %s" % (instance or child["AutomationExecutionId"], status)
        if message:
            line += ": %s" % message
        elif decision and decision.lower().startswith("skip"):
            line += ": skipped (%s)" % reason if reason else ": skipped"
        outcomes.append({"instance_id": instance, "status": status, "failure_message": message, "decision": decision, "reason": reason,
                         "execution_id": child["AutomationExecutionId"], "line": line})
    outcomes.sort(key=lambda outcome: (outcome["instance_id"] or "", outcome["execution_id"]))
    return outcomes, len(children) > CHILD_LIMIT


def last_runs(ssm, deployed_actions, count, window_hours, now=None):
    """{schedule name: [run, newest first, at most count]} of the deployed start/stop actions."""
    now = now or datetime.datetime.now(UTC)
    after = now - datetime.timedelta(hours=window_hours)
    owners = {}  # (document, targets) -> (schedule, action, zone)
    for deployed in deployed_actions:
        document = deployed.request.get("DocumentName")
        if document:
            owners[(document, _targets_key(deployed.request.get("Targets")))] = (deployed.schedule, deployed.action, deployed.timezone)
    runs = dict((deployed.schedule, []) for deployed in deployed_actions)
    for document in sorted(set(key[0] for key in owners)):
        filters = [{"Key": "DocumentNamePrefix", "Values": [document]},
                   {"Key": "StartTimeAfter", "Values": [after.strftime("%Y-%m-%dT%H:%M:%SZ")]}]
        for execution in describe_executions(ssm, filters, LISTING_LIMIT):
            if execution.get("DocumentName") != document or execution.get("ParentAutomationExecutionId"):
                continue
            owner = owners.get((document, _targets_key(execution.get("Targets"))))
            if owner is not None:
                runs[owner[0]].append((owner, execution))
    result = {}
    for schedule, found in runs.items():
        found.sort(key=lambda item: item[1].get("ExecutionStartTime") or now, reverse=True)
        result[schedule] = [run_summary(ssm, owner, execution) for owner, execution in found[:count]]
    return result


def run_summary(ssm, owner, execution):
    _schedule, action, timezone = owner
    try:
        zone = load_zone(timezone)
    except ValueError:
        zone = UTC
    instances, truncated = instance_outcomes(ssm, execution["AutomationExecutionId"])
    status = execution.get("AutomationExecutionStatus")
    return {
        "action": action,
        "execution_id": execution["AutomationExecutionId"],
        "document": execution.get("DocumentName"),
        "status": status,
        "failed": status in FAILED or any(instance["status"] in FAILED for instance in instances),
        "start": times(execution.get("ExecutionStartTime"), zone),
        "end": times(execution.get("ExecutionEndTime"), zone),
        "executed_by": execution.get("ExecutedBy"),
        "failure_message": execution.get("FailureMessage"),
        "instances": instances,
        "instances_truncated": truncated,
    }


def expected_state(schedule, now):
    """"running" or "stopped" as the schedule's typical week has it at now, or None when the schedule is not weekly."""
    minutes = schedule.running_minutes()
    if minutes is None:
        return None
    local = now.astimezone(schedule.zone)
    return "running" if minutes[local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute] else "stopped"


def is_paused(tags, now):
    if str(tags.get(PAUSE_TAG, "")).strip().lower() == "true":
        return True
    until = tags.get(PAUSE_UNTIL_TAG)
    if until:
        try:
            moment = datetime.datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError:
            return False
        return moment.tzinfo is not None and moment > now
    return False


def right_now(ec2, schedule, now=None):
    """The tagged instances, and whether each is in the state the schedule says it should be in now."""
    now = now or datetime.datetime.now(UTC)
    expected = expected_state(schedule, now) if schedule.enabled else None
    instances = []
    for instance in describe_instances(ec2, schedule.tag_key, schedule.tag_value):
        tags = boto3_tag_list_to_ansible_dict(instance.get("Tags") or [])
        state = instance["State"]["Name"]
        paused = is_paused(tags, now)
        wanted_states = RUNNING_STATES if expected == "running" else STOPPED_STATES
        instances.append({
            "instance_id": instance["InstanceId"],
            "name": tags.get("Name"),
            "state": state,
            "paused": paused,
            "as_expected": None if expected is None or paused else state in wanted_states,
        })
    instances.sort(key=lambda item: item["instance_id"])
    return {
        "at": times(now, schedule.zone),
        "expected": expected,
        "instances": instances,
        "as_expected": [item["instance_id"] for item in instances if item["as_expected"] is True],
        "not_as_expected": [item["instance_id"] for item in instances if item["as_expected"] is False],
        "paused": [item["instance_id"] for item in instances if item["paused"]],
    }


def add_last_runs(module, report, deployed_actions, count, window_hours, now=None):
    """Adds last_runs and right_now to each schedule of the info module's report (reads only), at the report's now."""
    now = now or datetime.datetime.fromisoformat(report["now"])
    ssm = aws_retries.client(module, "ssm")
    ec2 = aws_retries.client(module, "ec2")
    runs = last_runs(ssm, deployed_actions, count, window_hours, now)
    grouped = {}
    for deployed in deployed_actions:
        grouped.setdefault(deployed.schedule, []).append(deployed)
    for summary in report["schedules"]:
        summary["last_runs"] = runs.get(summary["name"], [])
        summary["right_now"] = right_now(ec2, schedule_from(grouped[summary["name"]]), now)
    report["executions_window"] = {"hours": window_hours, "after": (now - datetime.timedelta(hours=window_hours)).isoformat()}
    return report
