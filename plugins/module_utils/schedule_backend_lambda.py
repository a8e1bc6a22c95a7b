# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``lambda`` backend: EventBridge rules in UTC invoking a Lambda function.

This is the reference design (EventBridge rules -> Lambda ->
StartAutomationExecution) made correct about local time and least
privilege. With ``group`` GROUP it manages:

* the log group ``/aws/lambda/GROUP`` (retention LOG_RETENTION_DAYS days,
  tagged ``awsops:ssm:managed-by=awsops.ssm`` plus ``tags``), created before
  the function so that the function's role needs no ``logs:CreateLogGroup``;
* the function ``GROUP`` (``lambda_package``: python3.13, ``index.handler``,
  the code of ``scheduler_lambda_handler`` and the TZif files of the zones its
  rules use, zipped deterministically so that a rerun compares CodeSha256
  and sends nothing), run as the invoker role, tagged like the log group;
* per office-hours schedule NAME and action, the rule ``GROUP-NAME-start`` /
  ``GROUP-NAME-stop`` on the default event bus: ``ScheduleExpression`` the
  UTC cron of ``office_hours.translate_to_utc(...).combined`` (the times a
  local fire can have in UTC over the year: one in a zone without DST, two in
  a zone with DST), ``Description`` the ownership marker, one target (the
  function) whose ``Input`` is ``office_hours.lambda_event``: the
  StartAutomationExecution request and the gate with which the handler acts
  only at the real local time (the proof is in tests/unit:
  test_lambda_utc_translation.py);
* per rule, the function policy statement ``Sid`` = the rule name allowing
  ``events.amazonaws.com`` to invoke the function only for that rule
  (``AWS:SourceArn``).

Reads on a no-op (one per resource kind, plus one per rule for its target):
DescribeLogGroups and ListTagsForResource for the log group, GetFunction
(configuration, code hash and tags), GetPolicy, ListRules (prefix
``GROUP-``), ListTargetsByRule for each rule of ours.

Ownership: the log group and the function by their tag, a rule by its
Description (``Managed by awsops.ssm: function GROUP, schedule NAME start``),
a policy statement by its Sid on a function of ours. A function of the same
name that is not ours stops the run before any write; a log group that is
not ours (Lambda creates one when a function logs) is used as it is and
never deleted.
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import format_days_of_week
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import error_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import error_message
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import has_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import resend_while
from ansible_collections.awsops.ssm.plugins.module_utils.idempotent_create import create_or_adopt
from ansible_collections.awsops.ssm.plugins.module_utils.lambda_package import LAMBDA_ENVIRONMENT
from ansible_collections.awsops.ssm.plugins.module_utils.lambda_package import LAMBDA_HANDLER
from ansible_collections.awsops.ssm.plugins.module_utils.lambda_package import LAMBDA_RUNTIME
from ansible_collections.awsops.ssm.plugins.module_utils.lambda_package import build_package
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import parse_time
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import parse_weekdays
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import lambda_event
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import show
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import target_input
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import ACTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_VALUE
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Change
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import DeployedAction
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Inventory
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import ScheduleBackend
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import parse_input
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import read_all
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import read_together

LOG_RETENTION_DAYS = 90
FUNCTION_TIMEOUT = 60
FUNCTION_MEMORY = 128
FUNCTION_DESCRIPTION = "Office-hours start/stop of tagged EC2 instances (awsops.ssm)"
TARGET_ID = "instance-scheduler"
# A late delivery is useless once the handler's gate (15 minutes) has passed.
TARGET_RETRY_POLICY = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
EVENTS_PRINCIPAL = "events.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"
MARKER_PREFIX = "Managed by awsops.ssm: function "
# How long a write waits for the function to become Active / its update Successful: at most a minute.
FUNCTION_WAIT = {"Delay": 1, "MaxAttempts": 60}
FUNCTION_CONFIGURATION_KEYS = ("runtime", "handler", "role", "timeout", "memory_size", "description", "environment")


def log_group_name(group):
    return "/aws/lambda/%s" % group


def rule_marker(group, name, action):
    return "%s%s, schedule %s %s" % (MARKER_PREFIX, group, name, action)


def schedule_of_rule(group, rule_name, description):
    """(schedule name, action) when a rule of this group carries our marker, else None."""
    for action in ACTIONS:
        suffix = "-" + action
        prefix = group + "-"
        if rule_name.startswith(prefix) and rule_name.endswith(suffix):
            name = rule_name[len(prefix):-len(suffix)]
            if name and description == rule_marker(group, name, action):
                return name, action
    return None


def user_tags(tags):
    return dict((key, value) for key, value in (tags or {}).items() if not key.startswith(INTERNAL_TAG_PREFIX))


def log_group_arn(log_group):
    """The log group's ARN without the ":*" DescribeLogGroups appends."""
    arn = log_group["arn"]
    return arn[:-2] if arn.endswith(":*") else arn


def account_of_role(role_arn):
    return role_arn.split(":")[4]


class LambdaErrorHandler(AWSErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# ---- thin API wrappers: "not found is None" in one place (retries: aws_retries) ----


@LambdaErrorHandler.list_error_handler("describe the log group")
def describe_log_group(client, name):
    pages = client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name).build_full_result()
    return next((group for group in pages["logGroups"] if group["logGroupName"] == name), None)


@LambdaErrorHandler.list_error_handler("list the tags of the log group", {})
def log_group_tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn)["tags"]


@LambdaErrorHandler.list_error_handler("get the function")
def get_function(client, name):
    return client.get_function(FunctionName=name)


@LambdaErrorHandler.list_error_handler("get the function's policy")
def get_policy_statements(client, name):
    return json.loads(client.get_policy(FunctionName=name)["Policy"]).get("Statement", [])


@LambdaErrorHandler.list_error_handler("list the rules")
def list_rules(client, prefix):
    # 100 a page, the most ListRules returns (a group of 100 schedules is two pages of its 200 rules).
    return client.get_paginator("list_rules").paginate(NamePrefix=prefix, PaginationConfig={"PageSize": 100}).build_full_result()["Rules"]


@LambdaErrorHandler.list_error_handler("list the targets of the rule", [])
def list_targets(client, rule):
    return client.get_paginator("list_targets_by_rule").paginate(Rule=rule).build_full_result()["Targets"]


def update_in_progress(error):
    """Lambda's ResourceConflictException for a function still being created or updated (not "already exists")."""
    return error_code(error) == "ResourceConflictException" and "already exist" not in error_message(error).lower()


@LambdaErrorHandler.common_error_handler("write the lambda backend's resources")
def call(client, operation, **kwargs):
    """A write; sent again while the function is still being updated."""
    return resend_while(lambda: getattr(client, operation)(**kwargs), update_in_progress)


@LambdaErrorHandler.deletion_error_handler("delete a resource of the lambda backend")
def delete_call(client, operation, **kwargs):
    resend_while(lambda: getattr(client, operation)(**kwargs), update_in_progress)
    return True


def function_problem(name, configuration, seconds):
    """Why the function is not usable, from its configuration: a Failed state or update, or a wait that ran out."""
    if configuration.get("State") == "Failed":
        return "the Lambda function %s is Failed (%s): %s" % (name, configuration.get("StateReasonCode"), configuration.get("StateReason"))
    if configuration.get("LastUpdateStatus") == "Failed":
        return "the last update of the Lambda function %s Failed (%s): %s" % (
            name,
            configuration.get("LastUpdateStatusReasonCode"),
            configuration.get("LastUpdateStatusReason"),
        )
    return "the Lambda function %s is not ready after %d seconds (State %s, LastUpdateStatus %s)" % (
        name,
        seconds,
        configuration.get("State"),
        configuration.get("LastUpdateStatus"),
    )


def wait_for_function(client, name, waiter_name):
    """botocore's function_active_v2 / function_updated_v2 waiter, bounded (FUNCTION_WAIT); Failed fails with the reason."""
    try:
        client.get_waiter(waiter_name).wait(FunctionName=name, WaiterConfig=dict(FUNCTION_WAIT))
    except botocore.exceptions.WaiterError as error:
        answer = error.last_response or {}
        if "Error" in answer and "Configuration" not in answer:
            raise AnsibleAWSError(message="Failed to wait for the Lambda function %s: %s" % (name, answer["Error"].get("Message")), exception=error)
        raise AnsibleAWSError(message=function_problem(name, answer.get("Configuration") or {}, FUNCTION_WAIT["Delay"] * FUNCTION_WAIT["MaxAttempts"]))


def wait_until_active(client, name):
    wait_for_function(client, name, "function_active_v2")


def wait_for_update(client, name):
    wait_for_function(client, name, "function_updated_v2")


def check_entries(answer, description):
    """PutTargets and RemoveTargets answer HTTP 200 and list the entries they refused."""
    failed = answer.get("FailedEntries") or []
    if answer.get("FailedEntryCount") or failed:
        reasons = "; ".join("%s %s: %s" % (entry.get("TargetId"), entry.get("ErrorCode"), entry.get("ErrorMessage")) for entry in failed)
        raise AnsibleAWSError(message="Failed to %s: %s" % (description, reasons))
    return answer


def role_not_ready(error):
    """Lambda's answer when it cannot (yet) assume the function's role."""
    return error_code(error) == "InvalidParameterValueException" and "role" in error_message(error).lower()


@LambdaErrorHandler.common_error_handler("create the function")
def create_function(client, **request):
    """CreateFunction, sent again while Lambda cannot assume a role that IAM has not propagated yet."""
    return resend_while(lambda: client.create_function(**request), role_not_ready)


def function_exists(error):
    return error_code(error) == "ResourceConflictException" and "already exist" in error_message(error).lower()


def statement_exists(error):
    return error_code(error) == "ResourceConflictException" and "already exists" in error_message(error).lower()


# ---- the resources as this backend compares and shows them ----


def log_group_view(name, retention, tags=None):
    view = {"name": name, "retention_in_days": retention}
    if tags is not None:
        view["tags"] = user_tags(tags)
    return view


def function_state(configuration):
    """Failed (Lambda could not create it: it must be made again), UpdateFailed (its last update failed), or Active.

    Pending, Inactive and an update InProgress are Active here: they need nothing
    from this backend (a write waits for the function first). A CreateFunction
    request (the planned function) has no State: Active.
    """
    if configuration.get("State") == "Failed":
        return "Failed"
    if configuration.get("LastUpdateStatus") == "Failed":
        return "UpdateFailed"
    return "Active"


def function_view(configuration, tags):
    """The fields this backend manages, from GetFunction's Configuration or a CreateFunction request."""
    return {
        "state": function_state(configuration),
        "name": configuration.get("FunctionName"),
        "runtime": configuration.get("Runtime"),
        "handler": configuration.get("Handler"),
        "role": configuration.get("Role"),
        "timeout": configuration.get("Timeout"),
        "memory_size": configuration.get("MemorySize"),
        "description": configuration.get("Description") or "",
        "environment": (configuration.get("Environment") or {}).get("Variables") or {},
        "code_sha256": configuration.get("CodeSha256"),
        "tags": user_tags(tags),
    }


def rule_view(rule, targets):
    return {
        "name": rule.get("Name"),
        "schedule_expression": rule.get("ScheduleExpression"),
        "state": rule.get("State") or "ENABLED",
        "description": rule.get("Description") or "",
        "targets": [
            {
                "id": target.get("Id"),
                "arn": target.get("Arn"),
                "input": parse_input(target.get("Input")),
                "retry_policy": dict(target.get("RetryPolicy") or {}),
            }
            for target in sorted(targets, key=lambda target: target.get("Id", ""))
        ],
    }


def permission_view(statement):
    condition = statement.get("Condition") or {}
    source = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or (condition.get("ArnEquals") or {}).get("AWS:SourceArn")
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("Service")
    return {"sid": statement.get("Sid"), "principal": principal, "action": statement.get("Action"), "source_arn": source}


class LambdaInventory(Inventory):
    def __init__(self):
        super(LambdaInventory, self).__init__()
        self.log_group = None  # DescribeLogGroups entry
        self.log_group_tags = None
        self.function = None  # GetFunction response
        self.statements = {}  # Sid -> permission_view
        self.rules = {}  # our rule name -> (schedule name, action, ListRules entry, targets)
        self.foreign_rules = set()


class LambdaBackend(ScheduleBackend):
    """EventBridge rules, a Lambda function and its log group (see the module docstring)."""

    name = "lambda"
    resource_kind = "rule"

    def __init__(self, module, settings):
        super(LambdaBackend, self).__init__(module, settings)
        self.logs = aws_retries.client(module, "logs")
        self.functions = aws_retries.client(module, "lambda")
        self.events = aws_retries.client(module, "events")
        self.group = settings["group"]
        self.log_group = log_group_name(self.group)

    @classmethod
    def input_problems(cls, schedules, settings):
        problems = []
        for schedule in schedules:
            if "." in schedule.name:
                problems.append(
                    "%s: %s has a dot; with the lambda backend a schedule name is letters, digits, - or _ (it names the function's permission "
                    "statements, which cannot hold a dot)" % (schedule.option("name"), show(schedule.name))
                )
        return problems

    # ---- read ----

    def read(self):
        """The log group, the function and the rules read at the same time, then every rule's targets at the same time."""
        inventory = LambdaInventory()
        (log_group, log_tags), (function, statements), rules = read_together(self._read_log_group, self._read_function, self._read_rules)
        inventory.log_group, inventory.log_group_tags = log_group, log_tags
        if log_group:
            inventory.add("log_group", self.log_group, self._current_log_group_view(inventory))
        inventory.function = function
        if function:
            inventory.add("function", self.group, function_view(function["Configuration"], function.get("Tags")))
            for statement in statements or []:
                view = permission_view(statement)
                inventory.statements[view["sid"]] = view
                inventory.add("permission", view["sid"], view)
        ours = []
        for rule in rules:
            owner = schedule_of_rule(self.group, rule["Name"], rule.get("Description"))
            if owner is None:
                inventory.foreign_rules.add(rule["Name"])
            else:
                ours.append((rule, owner))
        for (rule, owner), targets in zip(ours, read_all(lambda entry: list_targets(self.events, entry[0]["Name"]), ours)):
            inventory.rules[rule["Name"]] = (owner[0], owner[1], rule, targets)
            inventory.add("rule", rule["Name"], rule_view(rule, targets))
        return inventory

    def _read_log_group(self):
        log_group = describe_log_group(self.logs, self.log_group)
        return log_group, (log_group_tags(self.logs, log_group_arn(log_group)) if log_group else None)

    def _read_function(self):
        function = get_function(self.functions, self.group)
        ours = bool(function) and (function.get("Tags") or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE
        return function, (get_policy_statements(self.functions, self.group) if ours else None)

    def _read_rules(self):
        return list_rules(self.events, self.group + "-") or []

    def _log_group_arn(self, inventory):
        return log_group_arn(inventory.log_group)

    def _current_log_group_view(self, inventory):
        return log_group_view(self.log_group, inventory.log_group.get("retentionInDays"), inventory.log_group_tags)

    def _function_is_ours(self, inventory):
        return bool(inventory.function) and (inventory.function.get("Tags") or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    def _log_group_is_ours(self, inventory):
        return bool(inventory.log_group) and (inventory.log_group_tags or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    # ---- desired state ----

    def _arn(self, service, resource):
        account = account_of_role(self.settings["invoker_role_arn"])
        return "arn:%s:%s:%s:%s:%s" % (self.settings["partition"], service, self.settings["region"], account, resource)

    def function_arn(self, inventory):
        if inventory.function:
            return inventory.function["Configuration"]["FunctionArn"]
        return self._arn("lambda", "function:%s" % self.group)

    def rule_arn(self, inventory, name):
        current = inventory.rules.get(name)
        if current:
            return current[2]["Arn"]
        return self._arn("events", "rule/%s" % name)

    def rule_request(self, schedule, action, function_arn):
        """(PutRule request, PutTargets target) for one action of a schedule."""
        translation = schedule.lambda_rules(action)
        automation = automation_request(schedule, action, self.settings)
        rule = {
            "Name": schedule.resource_name(action),
            "ScheduleExpression": translation.combined,
            "State": "ENABLED" if schedule.enabled else "DISABLED",
            "Description": rule_marker(self.group, schedule.name, action),
        }
        target = {
            "Id": TARGET_ID,
            "Arn": function_arn,
            "Input": target_input(lambda_event(action, automation, translation.gate, schedule.name)),
            "RetryPolicy": dict(TARGET_RETRY_POLICY),
        }
        return rule, target

    def function_request(self):
        return {
            "FunctionName": self.group,
            "Runtime": LAMBDA_RUNTIME,
            "Handler": LAMBDA_HANDLER,
            "Role": self.settings["invoker_role_arn"],
            "Timeout": FUNCTION_TIMEOUT,
            "MemorySize": FUNCTION_MEMORY,
            "Description": FUNCTION_DESCRIPTION,
            "Environment": {"Variables": dict(LAMBDA_ENVIRONMENT)},
        }

    def _new_tags(self):
        """The tags of a resource this backend creates: `tags` and the ownership tag."""
        return dict(self.settings["tags"] or {}, **{MANAGED_BY_TAG: MANAGED_BY_VALUE})

    def _tag_delta(self, current):
        """(user tags after, tags to set, keys to remove) for a resource of ours with tags `current`."""
        current = user_tags(current)
        if self.settings["tags"] is None:
            return current, {}, []
        to_set, to_remove = compare_aws_tags(current, self.settings["tags"], purge_tags=self.settings["purge_tags"])
        after = dict(current)
        after.update(to_set)
        for key in to_remove:
            after.pop(key, None)
        return after, to_set, to_remove

    # ---- plan ----

    def plan(self, inventory, schedules, exclusive, state):
        if state == "absent":
            return self._plan_absent(inventory)
        if inventory.function and not self._function_is_ours(inventory):
            raise PlanError(
                "a Lambda function named %s exists and was not created by awsops.ssm (it lacks the tag %s=%s); "
                "choose another group or remove that function by hand" % (self.group, MANAGED_BY_TAG, MANAGED_BY_VALUE)
            )
        function_arn = self.function_arn(inventory)
        wanted = {}  # rule name -> (rule request, target)
        unwanted = set()
        for schedule in schedules:
            for action in ACTIONS:
                name = schedule.resource_name(action)
                if schedule.state == "present" and schedule.expression(action):
                    wanted[name] = self.rule_request(schedule, action, function_arn)
                else:
                    unwanted.add(name)
        taken = sorted(name for name in wanted if name in inventory.foreign_rules)
        if taken:
            raise PlanError(
                "EventBridge rule(s) %s exist and were not created by awsops.ssm (their description lacks %r); "
                "rename the schedule or remove those rules by hand" % (", ".join(taken), MARKER_PREFIX.strip())
            )
        kept = dict((name, entry) for name, entry in inventory.rules.items() if name not in unwanted and (name in wanted or not exclusive))
        deleted = sorted(name for name in inventory.rules if name not in kept and name not in wanted)

        changes = []
        statements = inventory.statements
        if wanted or kept:
            changes.extend(self._plan_log_group(inventory))
            function_changes = self._plan_function(inventory, wanted, kept)
            changes.extend(function_changes)
            if any(change.action == "delete" for change in function_changes):
                # A Failed function is made again, without its policy: every statement of ours is added again.
                statements = {}
                for name in sorted(kept):
                    if name not in wanted and name in inventory.statements:
                        changes.append(Change("create", "permission", name, None, inventory.statements[name], {"replace": False}))
        for name in sorted(wanted):
            changes.extend(self._plan_rule(inventory, name, *wanted[name], statements=statements))
        for name in deleted:
            changes.append(Change("delete", "rule", name, inventory.get("rule", name), None, {"targets": self._target_ids(inventory, name)}))
            if name in statements:
                changes.append(Change("delete", "permission", name, statements[name], None))
        return changes

    def _plan_log_group(self, inventory):
        if inventory.log_group is None:
            tags = self._new_tags()
            after = log_group_view(self.log_group, LOG_RETENTION_DAYS, tags)
            return [Change("create", "log_group", self.log_group, None, after, {"tags": tags})]
        if not self._log_group_is_ours(inventory):
            return []  # made by Lambda or by hand: used as it is
        before = self._current_log_group_view(inventory)
        after_tags, to_set, to_remove = self._tag_delta(inventory.log_group_tags)
        after = log_group_view(self.log_group, LOG_RETENTION_DAYS, after_tags)
        if after == before:
            return []
        request = {"retention": before["retention_in_days"] != LOG_RETENTION_DAYS, "set": to_set, "remove": to_remove}
        return [Change("update", "log_group", self.log_group, before, after, request)]

    def _plan_function(self, inventory, wanted, kept):
        zones = set()
        for _rule, target in wanted.values():
            zones.update(self._gate_zones(parse_input(target["Input"])))
        for name, (_schedule, _action, _rule, targets) in kept.items():
            if name not in wanted:
                for target in targets:
                    zones.update(self._gate_zones(parse_input(target.get("Input"))))
        package = build_package(zones)
        request = self.function_request()
        if inventory.function is None:
            tags = self._new_tags()
            after = function_view(dict(request, CodeSha256=package.code_sha256), tags)
            return [Change("create", "function", self.group, None, after, {"function": request, "zip": package.zip_bytes, "tags": tags})]
        before = inventory.get("function", self.group)
        after_tags, to_set, to_remove = self._tag_delta(inventory.function.get("Tags"))
        after = function_view(dict(request, CodeSha256=package.code_sha256), after_tags)
        if before == after:
            return []
        if before["state"] == "Failed":
            # Lambda could not create it; such a function cannot be repaired, only deleted and created again (its policy goes with it).
            tags = self._new_tags() if self.settings["tags"] is not None else dict(inventory.function.get("Tags") or {})
            cascade = [("permission", sid) for sid in inventory.statements]
            return [
                Change("delete", "function", self.group, before, None, cascade=cascade),
                Change(
                    "create", "function", self.group, None, dict(after, tags=user_tags(tags)), {"function": request, "zip": package.zip_bytes, "tags": tags}
                ),
            ]
        resend = before["state"] == "UpdateFailed"  # Lambda kept the code and configuration before the failed update: send both again
        change_request = {
            "configuration": request if resend or any(before[key] != after[key] for key in FUNCTION_CONFIGURATION_KEYS) else None,
            "zip": package.zip_bytes if resend or before["code_sha256"] != after["code_sha256"] else None,
            "arn": inventory.function["Configuration"]["FunctionArn"],
            "set": to_set,
            "remove": to_remove,
            "wait_first": inventory.function["Configuration"].get("LastUpdateStatus") == "InProgress"
            or inventory.function["Configuration"].get("State") == "Pending",
        }
        return [Change("update", "function", self.group, before, after, change_request)]

    @staticmethod
    def _gate_zones(event):
        gate = event.get("gate") if isinstance(event, dict) else None
        return [gate["timezone"]] if isinstance(gate, dict) and gate.get("timezone") else []

    def _plan_rule(self, inventory, name, rule, target, statements):
        changes = []
        after = rule_view(rule, [target])
        before = inventory.get("rule", name)
        if before is None:
            changes.append(Change("create", "rule", name, None, after, {"rule": rule, "target": target}))
        elif before != after:
            request = {
                "rule": rule if any(before[key] != after[key] for key in ("schedule_expression", "state", "description")) else None,
                "target": target if before["targets"] != after["targets"] else None,
                "stale_targets": sorted(t["id"] for t in before["targets"] if t["id"] != TARGET_ID),
            }
            changes.append(Change("update", "rule", name, before, after, request))
        permission = {"sid": name, "principal": EVENTS_PRINCIPAL, "action": INVOKE_ACTION, "source_arn": self.rule_arn(inventory, name)}
        current = statements.get(name)
        if current != permission:
            action = "create" if current is None else "update"
            changes.append(Change(action, "permission", name, current, permission, {"replace": current is not None}))
        return changes

    def _target_ids(self, inventory, name):
        return sorted(target["Id"] for target in inventory.rules[name][3])

    def _plan_absent(self, inventory):
        changes = [
            Change("delete", "rule", name, inventory.get("rule", name), None, {"targets": self._target_ids(inventory, name)})
            for name in sorted(inventory.rules)
        ]
        if self._function_is_ours(inventory):
            # Deleting the function deletes its policy, permissions included.
            cascade = [("permission", sid) for sid in inventory.statements]
            changes.append(Change("delete", "function", self.group, inventory.get("function", self.group), None, cascade=cascade))
        if self._log_group_is_ours(inventory):
            changes.append(Change("delete", "log_group", self.log_group, inventory.get("log_group", self.log_group), None))
        return changes

    # ---- report ----

    def deployed_actions(self, inventory):
        actions = []
        for name, (schedule, action, rule, targets) in sorted(inventory.rules.items()):
            target = next((target for target in targets if target.get("Id") == TARGET_ID), targets[0] if targets else {})
            event = parse_input(target.get("Input"))
            gate = event.get("gate") if isinstance(event.get("gate"), dict) else None
            local_cron, timezone = rule.get("ScheduleExpression"), "UTC"
            if gate:
                try:
                    hour, minute = parse_time(gate["time"])
                    local_cron = "cron(%d %d ? * %s *)" % (minute, hour, format_days_of_week(parse_weekdays(gate["weekdays"])))
                    timezone = gate["timezone"]
                except (KeyError, TypeError, ValueError):
                    pass  # a gate edited by hand: report the UTC rule as it is
            actions.append(DeployedAction(
                schedule=schedule,
                action=action,
                aws_name=name,
                aws_expression=rule.get("ScheduleExpression"),
                local_cron=local_cron,
                timezone=timezone,
                enabled=rule.get("State", "ENABLED") == "ENABLED",
                request=event.get("request"),
            ))
        return actions

    def status(self, inventory):
        """The function's state as Lambda reports it (None when there is none): a Failed function runs no start or stop."""
        if not inventory.function:
            return {"function": None}
        configuration = inventory.function["Configuration"]
        return {
            "function": {
                "name": self.group,
                "state": configuration.get("State"),
                "state_reason": configuration.get("StateReason"),
                "last_update_status": configuration.get("LastUpdateStatus"),
                "last_update_status_reason": configuration.get("LastUpdateStatusReason"),
                "ok": function_state(configuration) == "Active",
            }
        }

    # ---- apply ----

    def apply(self, inventory, changes):
        for change in changes:
            getattr(self, "_apply_%s" % change.kind)(inventory, change)

    def _apply_log_group(self, inventory, change):
        if change.action == "create":
            outcome = create_or_adopt(
                lambda: call(self.logs, "create_log_group", logGroupName=self.log_group, tags=change.request["tags"]),
                has_code("ResourceAlreadyExistsException"),
                lambda _error: describe_log_group(self.logs, self.log_group),
            )
            if outcome.adopted and (log_group_tags(self.logs, log_group_arn(outcome.existing)) or {}).get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
                return  # made meanwhile by Lambda or by hand: used as it is, never reconfigured
            call(self.logs, "put_retention_policy", logGroupName=self.log_group, retentionInDays=LOG_RETENTION_DAYS)
        elif change.action == "update":
            if change.request["retention"]:
                call(self.logs, "put_retention_policy", logGroupName=self.log_group, retentionInDays=LOG_RETENTION_DAYS)
            arn = self._log_group_arn(inventory)
            if change.request["remove"]:
                call(self.logs, "untag_resource", resourceArn=arn, tagKeys=change.request["remove"])
            if change.request["set"]:
                call(self.logs, "tag_resource", resourceArn=arn, tags=change.request["set"])
        else:
            delete_call(self.logs, "delete_log_group", logGroupName=self.log_group)

    def _apply_function(self, inventory, change):
        if change.action == "create":
            self._create_function(change)
        elif change.action == "update":
            request = change.request
            if request.get("wait_first"):
                wait_for_update(self.functions, self.group)
            self._update_function(request["configuration"], request["zip"])
            if request["remove"]:
                call(self.functions, "untag_resource", Resource=request["arn"], TagKeys=request["remove"])
            if request["set"]:
                call(self.functions, "tag_resource", Resource=request["arn"], Tags=request["set"])
        else:
            delete_call(self.functions, "delete_function", FunctionName=self.group)

    def _update_function(self, configuration, zip_bytes):
        """UpdateFunctionConfiguration and/or UpdateFunctionCode, each followed by the wait until its update is Successful."""
        if configuration:
            call(self.functions, "update_function_configuration", **configuration)
            wait_for_update(self.functions, self.group)
        if zip_bytes:
            call(self.functions, "update_function_code", FunctionName=self.group, ZipFile=zip_bytes)
            wait_for_update(self.functions, self.group)

    def _create_function(self, change):
        """CreateFunction, then the wait until it is Active; a function of ours found there instead is made what was asked."""
        request = dict(change.request["function"], Code={"ZipFile": change.request["zip"]}, Tags=change.request["tags"])
        outcome = create_or_adopt(
            lambda: create_function(self.functions, **request),
            function_exists,
            lambda _error: get_function(self.functions, self.group),
            is_ours=lambda function: (function.get("Tags") or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE,
        )
        wait_until_active(self.functions, self.group)
        if not outcome.adopted:
            return
        existing = outcome.existing
        current = function_view(existing["Configuration"], existing.get("Tags"))
        differs = any(current[key] != change.after[key] for key in FUNCTION_CONFIGURATION_KEYS)
        code_differs = current["code_sha256"] != change.after["code_sha256"]
        self._update_function(change.request["function"] if differs else None, change.request["zip"] if code_differs else None)
        missing = dict((key, value) for key, value in change.request["tags"].items() if (existing.get("Tags") or {}).get(key) != value)
        if missing:
            call(self.functions, "tag_resource", Resource=existing["Configuration"]["FunctionArn"], Tags=missing)

    def _apply_rule(self, inventory, change):
        if change.action == "delete":
            if change.request["targets"]:
                answer = call(self.events, "remove_targets", Rule=change.name, Ids=change.request["targets"])
                check_entries(answer, "remove the targets of the rule %s" % change.name)
            delete_call(self.events, "delete_rule", Name=change.name)
            return
        request = change.request
        if change.action == "create" or request["rule"]:
            call(self.events, "put_rule", **request["rule"])
        if change.action == "update" and request["stale_targets"]:
            answer = call(self.events, "remove_targets", Rule=change.name, Ids=request["stale_targets"])
            check_entries(answer, "remove the stray targets of the rule %s" % change.name)
        if request["target"]:
            answer = call(self.events, "put_targets", Rule=change.name, Targets=[request["target"]])
            check_entries(answer, "put the target of the rule %s" % change.name)

    def _apply_permission(self, inventory, change):
        if change.action in ("update", "delete"):
            delete_call(self.functions, "remove_permission", FunctionName=self.group, StatementId=change.name)
        if change.action in ("create", "update"):
            request = dict(
                FunctionName=self.group, StatementId=change.name, Action=INVOKE_ACTION, Principal=EVENTS_PRINCIPAL, SourceArn=change.after["source_arn"]
            )
            # "already exists" for the very statement asked for: the retry of an AddPermission whose answer was lost.
            create_or_adopt(
                lambda: call(self.functions, "add_permission", **request),
                statement_exists,
                lambda _error: next((st for st in get_policy_statements(self.functions, self.group) or [] if st.get("Sid") == change.name), None),
                is_ours=lambda statement: permission_view(statement) == change.after,
            )
