# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``scheduler`` backend: EventBridge Scheduler schedules that call SSM directly.

Each office-hours schedule NAME becomes up to two schedules, ``NAME-start``
and ``NAME-stop``, in the schedule group ``group``:

* ``ScheduleExpression``: the schedule's local cron (``cron(0 9 ? * MON-FRI *)``),
  ``ScheduleExpressionTimezone``: its IANA zone, so local times hold all year;
* ``FlexibleTimeWindow`` ``OFF``, ``State`` ENABLED or DISABLED (``enabled``);
* ``Target``: the universal target ``arn:PARTITION:scheduler:::aws-sdk:ssm:startAutomationExecution``,
  run as the invoker role, with ``Input`` the StartAutomationExecution
  request (``office_hours.build_automation_request``) as canonical JSON,
  and ``RetryPolicy`` 2 retries within an hour (a start or stop that is an
  hour late is still worth making; older ones are dropped rather than
  starting instances in the evening);
* ``Description``: ``Managed by awsops.ssm: NAME start``. Scheduler schedules
  cannot carry tags; this marker, in the group, is how a schedule is known
  to be ours. A schedule without it is never updated or deleted.

The group is created when a schedule needs it, tagged
``awsops:ssm:managed-by=awsops.ssm`` plus ``tags``. With state absent
(``ssm_automation_schedules``) every schedule of ours in the group is
deleted, then the group if it is ours and holds nothing else (deleting a
group deletes the schedules in it).

Reads: one ListSchedules (paginated) for the group, one GetSchedule per
schedule named ``*-start`` / ``*-stop`` (ListSchedules does not return the
description), and only when needed: GetScheduleGroup (the group's existence
when no schedule is listed) and ListTagsForResource (when ``tags`` is given,
or before deleting the group).
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import error_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import has_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import resend_while
from ansible_collections.awsops.ssm.plugins.module_utils.idempotent_create import create_or_adopt
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

MARKER_PREFIX = "Managed by awsops.ssm: "
RETRY_POLICY = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
FLEXIBLE_TIME_WINDOW = {"Mode": "OFF"}


def universal_target_arn(partition):
    return "arn:%s:scheduler:::aws-sdk:ssm:startAutomationExecution" % partition


def marker(name, action):
    return "%s%s %s" % (MARKER_PREFIX, name, action)


def is_ours(description):
    return isinstance(description, str) and description.startswith(MARKER_PREFIX)


def group_arn_from_schedule_arn(arn):
    """arn:aws:scheduler:R:A:schedule/GROUP/NAME -> arn:aws:scheduler:R:A:schedule-group/GROUP."""
    prefix, _sep, path = arn.partition(":schedule/")
    return "%s:schedule-group/%s" % (prefix, path.split("/")[0])


def user_tags(tags):
    return dict((key, value) for key, value in (tags or {}).items() if not key.startswith(INTERNAL_TAG_PREFIX))


class SchedulerErrorHandler(AWSErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# ---- thin API wrappers: "not found is None" in one place (retries: aws_retries) ----


@SchedulerErrorHandler.list_error_handler("list the schedules of the group")
def list_schedules(client, group):
    return client.get_paginator("list_schedules").paginate(GroupName=group).build_full_result()["Schedules"]


@SchedulerErrorHandler.list_error_handler("get schedule")
def get_schedule(client, group, name):
    return client.get_schedule(GroupName=group, Name=name)


@SchedulerErrorHandler.list_error_handler("get schedule group")
def get_schedule_group(client, group):
    return client.get_schedule_group(Name=group)


@SchedulerErrorHandler.list_error_handler("list the tags of the schedule group", {})
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=arn)["Tags"])


@SchedulerErrorHandler.common_error_handler("write to EventBridge Scheduler")
def call(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


@SchedulerErrorHandler.deletion_error_handler("delete from EventBridge Scheduler")
def delete_call(client, operation, **kwargs):
    getattr(client, operation)(**kwargs)
    return True


def role_not_ready(error):
    """Scheduler's answer when it cannot (yet) assume the execution role."""
    return error_code(error) == "ValidationException" and "role" in aws_retries.error_message(error).lower()


def not_ready(new_group):
    """Scheduler not ready yet: a role it cannot assume yet, or (in a group just created) a group it does not know yet."""
    return lambda error: role_not_ready(error) or (new_group and error_code(error) == "ResourceNotFoundException")


@SchedulerErrorHandler.common_error_handler("write the schedule")
def write_schedule(client, operation, new_group=False, **kwargs):
    """CreateSchedule/UpdateSchedule, sent again while Scheduler cannot assume a role IAM has not propagated yet (or see a new group)."""
    return resend_while(lambda: getattr(client, operation)(**kwargs), not_ready(new_group))


def create_schedule(client, request, new_group=False):
    """CreateSchedule; "already exists" for a schedule of ours is its own retry: what differs is then updated."""
    outcome = create_or_adopt(
        lambda: write_schedule(client, "create_schedule", new_group=new_group, **request),
        has_code("ConflictException"),
        lambda _error: get_schedule(client, request["GroupName"], request["Name"]),
        is_ours=lambda schedule: is_ours(schedule.get("Description")),
    )
    if outcome.adopted and schedule_view(outcome.existing) != schedule_view(request):
        write_schedule(client, "update_schedule", **request)


def create_schedule_group(client, request):
    """CreateScheduleGroup; the group's ARN (an existing one's when the create finds it there)."""
    outcome = create_or_adopt(
        lambda: call(client, "create_schedule_group", **request), has_code("ConflictException"), lambda _error: get_schedule_group(client, request["Name"])
    )
    return outcome.existing["Arn"] if outcome.adopted else outcome.response["ScheduleGroupArn"]


# ---- the resource as this backend compares and shows it ----


def schedule_view(schedule):
    """The fields this backend manages, from a GetSchedule response or a request (comparable either way)."""
    target = schedule.get("Target") or {}
    view = {
        "name": schedule.get("Name"),
        "description": schedule.get("Description") or "",
        "schedule_expression": schedule.get("ScheduleExpression"),
        "schedule_expression_timezone": schedule.get("ScheduleExpressionTimezone") or "UTC",
        "state": schedule.get("State") or "ENABLED",
        "flexible_time_window": camel_dict_to_snake_dict(schedule.get("FlexibleTimeWindow") or {}),
        "target_arn": target.get("Arn"),
        "role_arn": target.get("RoleArn"),
        "input": parse_input(target.get("Input")),  # the StartAutomationExecution request, as AWS takes it
        "retry_policy": camel_dict_to_snake_dict(target.get("RetryPolicy") or {}),
    }
    # Set by hand on a schedule of ours: they differ from what we want (absent), so the update clears them.
    for key, label in (("StartDate", "start_date"), ("EndDate", "end_date"), ("KmsKeyArn", "kms_key_arn")):
        if schedule.get(key):
            view[label] = str(schedule[key])
    if target.get("DeadLetterConfig"):
        view["dead_letter_config"] = camel_dict_to_snake_dict(target["DeadLetterConfig"])
    return view


def group_view(name, tags=None):
    view = {"name": name}
    if tags is not None:
        view["tags"] = user_tags(tags)
    return view


class SchedulerInventory(Inventory):
    def __init__(self):
        super(SchedulerInventory, self).__init__()
        self.group_exists = None  # None: not known yet (ListSchedules found nothing)
        self.group_arn = None
        self.group_tags = None  # read only when needed
        self.ours = {}  # name -> GetSchedule response
        self.foreign = set()  # other schedule names in the group


class SchedulerBackend(ScheduleBackend):
    """EventBridge Scheduler schedules with the SSM universal target (see the module docstring)."""

    name = "scheduler"
    resource_kind = "schedule"

    def __init__(self, module, settings):
        super(SchedulerBackend, self).__init__(module, settings)
        self.client = aws_retries.client(module, "scheduler")
        self.group = settings["group"]

    # ---- read ----

    def read(self):
        inventory = SchedulerInventory()
        listed = list_schedules(self.client, self.group)
        if listed is None:
            inventory.group_exists = False
            listed = []
        elif listed:
            inventory.group_exists = True
            inventory.group_arn = group_arn_from_schedule_arn(listed[0]["Arn"])
        suffixes = tuple("-" + action for action in ACTIONS)
        named_like_ours = [summary["Name"] for summary in listed if summary["Name"].endswith(suffixes)]
        inventory.foreign.update(summary["Name"] for summary in listed if not summary["Name"].endswith(suffixes))
        # One GetSchedule per schedule, at the same time (parallel_reads), in the listing's order.
        for name, schedule in zip(named_like_ours, read_all(lambda name: get_schedule(self.client, self.group, name), named_like_ours)):
            if schedule is None:
                continue  # deleted since the listing
            if is_ours(schedule.get("Description")):
                inventory.ours[name] = schedule
                inventory.add("schedule", name, schedule_view(schedule))
            else:
                inventory.foreign.add(name)
        if inventory.group_exists:
            inventory.add("group", self.group, group_view(self.group))
        return inventory

    def _ensure_group_known(self, inventory):
        """Whether the group exists: known from ListSchedules, else one GetScheduleGroup."""
        if inventory.group_exists is None:
            group = get_schedule_group(self.client, self.group)
            inventory.group_exists = group is not None
            if group:
                inventory.group_arn = group["Arn"]
                inventory.add("group", self.group, group_view(self.group))
        return inventory.group_exists

    def _ensure_group_tags(self, inventory):
        if inventory.group_tags is None and self._ensure_group_known(inventory):
            if inventory.group_arn is None:
                inventory.group_arn = get_schedule_group(self.client, self.group)["Arn"]
            inventory.group_tags = list_tags(self.client, inventory.group_arn)
            inventory.add("group", self.group, group_view(self.group, inventory.group_tags))
        return inventory.group_tags

    # ---- desired state ----

    def request(self, schedule, action):
        """The CreateSchedule/UpdateSchedule request (the full definition) for one action of a schedule."""
        automation = automation_request(schedule, action, self.settings)
        target = {
            "Arn": universal_target_arn(self.settings["partition"]),
            "RoleArn": self.settings["invoker_role_arn"],
            "Input": target_input(automation),
            "RetryPolicy": dict(RETRY_POLICY),
        }
        queue_arn = (self.settings.get("dead_letter_queue_arns") or {}).get(schedule.name)
        if queue_arn:
            target["DeadLetterConfig"] = {"Arn": queue_arn}
        return {
            "Name": schedule.resource_name(action),
            "GroupName": self.group,
            "ScheduleExpression": schedule.expression(action),
            "ScheduleExpressionTimezone": schedule.timezone,
            "Description": marker(schedule.name, action),
            "State": "ENABLED" if schedule.enabled else "DISABLED",
            "FlexibleTimeWindow": dict(FLEXIBLE_TIME_WINDOW),
            "Target": target,
        }

    def desired(self, schedules):
        """name -> request for every start/stop that should exist, and the names listed schedules may not keep."""
        wanted = {}
        unwanted = set()
        for schedule in schedules:
            for action in ACTIONS:
                name = schedule.resource_name(action)
                if schedule.state == "present" and schedule.expression(action):
                    wanted[name] = (schedule, self.request(schedule, action))
                else:
                    unwanted.add(name)
        return wanted, unwanted

    # ---- plan ----

    def plan(self, inventory, schedules, exclusive, state):
        if state == "absent":
            return self._plan_absent(inventory)
        wanted, unwanted = self.desired(schedules)
        taken = sorted(name for name in wanted if name in inventory.foreign)
        if taken:
            raise PlanError(
                "schedule group %s already holds %s, not created by awsops.ssm (its description lacks the marker %r); "
                "rename the schedule or remove that one by hand" % (self.group, ", ".join(taken), MARKER_PREFIX.strip())
            )
        changes = []
        schedule_changes = []
        for name in sorted(wanted):
            request = wanted[name][1]
            after = schedule_view(request)
            current = inventory.ours.get(name)
            if current is None:
                schedule_changes.append(Change("create", "schedule", name, None, after, request))
            elif schedule_view(current) != after:
                schedule_changes.append(Change("update", "schedule", name, schedule_view(current), after, request))
        for name in sorted(inventory.ours):
            if name in unwanted or (exclusive and name not in wanted):
                schedule_changes.append(Change("delete", "schedule", name, schedule_view(inventory.ours[name]), None))
        if any(change.action == "create" for change in schedule_changes) and not self._ensure_group_known(inventory):
            tags = dict(self.settings["tags"] or {})
            tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
            changes.append(Change("create", "group", self.group, None, group_view(self.group, tags), {"Name": self.group, "Tags": tags}))
        elif self.settings["tags"] is not None and self._ensure_group_known(inventory):
            changes.extend(self._plan_group_tags(inventory))
        return changes + schedule_changes

    def _plan_group_tags(self, inventory):
        current = self._ensure_group_tags(inventory)
        to_set, to_remove = compare_aws_tags(user_tags(current), self.settings["tags"], purge_tags=self.settings["purge_tags"])
        if not to_set and not to_remove:
            return []
        after = dict(current)
        after.update(to_set)
        for key in to_remove:
            after.pop(key, None)
        request = {"ResourceArn": inventory.group_arn, "set": to_set, "remove": to_remove}
        return [Change("update", "group", self.group, group_view(self.group, current), group_view(self.group, after), request)]

    def _plan_absent(self, inventory):
        changes = [Change("delete", "schedule", name, schedule_view(inventory.ours[name]), None) for name in sorted(inventory.ours)]
        if inventory.foreign or not self._ensure_group_known(inventory):
            return changes
        tags = self._ensure_group_tags(inventory)
        if tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE:
            changes.append(Change("delete", "group", self.group, group_view(self.group, tags), None))
        return changes

    # ---- report ----

    def deployed_actions(self, inventory):
        actions = []
        for name, schedule in sorted(inventory.ours.items()):
            owner, _sep, action = schedule["Description"][len(MARKER_PREFIX):].rpartition(" ")
            if action not in ACTIONS or not owner:
                continue
            target = schedule.get("Target") or {}
            actions.append(DeployedAction(
                schedule=owner,
                action=action,
                aws_name=name,
                aws_expression=schedule.get("ScheduleExpression"),
                local_cron=schedule.get("ScheduleExpression"),
                timezone=schedule.get("ScheduleExpressionTimezone") or "UTC",
                enabled=schedule.get("State", "ENABLED") == "ENABLED",
                request=parse_input(target.get("Input")),
            ))
        return actions

    # ---- apply ----

    def apply(self, inventory, changes):
        group_created = False
        for change in changes:
            if change.kind == "group":
                if change.action == "create":
                    request = dict(change.request, Tags=ansible_dict_to_boto3_tag_list(change.request["Tags"]))
                    inventory.group_arn = create_schedule_group(self.client, request)
                    group_created = True
                elif change.action == "update":
                    if change.request["remove"]:
                        call(self.client, "untag_resource", ResourceArn=change.request["ResourceArn"], TagKeys=change.request["remove"])
                    if change.request["set"]:
                        tags = ansible_dict_to_boto3_tag_list(change.request["set"])
                        call(self.client, "tag_resource", ResourceArn=change.request["ResourceArn"], Tags=tags)
                else:
                    delete_call(self.client, "delete_schedule_group", Name=self.group)
            elif change.action == "create":
                create_schedule(self.client, change.request, new_group=group_created)
            elif change.action == "update":
                write_schedule(self.client, "update_schedule", **change.request)
            else:
                delete_call(self.client, "delete_schedule", GroupName=self.group, Name=change.name)
