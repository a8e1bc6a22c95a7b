# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Office-hours schedule backends: the interface they implement and the runner that drives them.

The modules ``ssm_automation_schedule`` and ``ssm_automation_schedules``
validate their input (``office_hours.validate_schedules``), pick a backend
class from ``schedule_backends.BACKENDS`` by the ``backend`` option and hand
it to ``run()``. A backend only knows AWS; the runner owns check mode,
``changed``, the result and the diff. Adding a backend is one class and one
line in ``schedule_backends.BACKENDS``; the modules do not change.

The interface (see ``ScheduleBackend``)::

    Backend.input_problems(schedules, settings) -> [str]  # classmethod, before any client or call;
                                                          # "schedule.option(key): value is not ... (form)"
    backend = Backend(module, settings)          # settings: see SETTINGS; may create its clients
    inventory = backend.read()         -> Inventory
    changes = backend.plan(inventory, schedules, exclusive, state) -> [Change]
    backend.apply(inventory, changes)            # only when not in check mode
    backend.resource_names(schedule)   -> {"start": name or None, "stop": name or None}
    backend.deployed_actions(inventory) -> [DeployedAction]  # what the info module reports
    backend.status(inventory) -> dict                        # and what else it reports (a function's state)

``schedules`` are ``office_hours.Schedule`` objects (built with the
module's ``backend`` and ``group``), including listed ones with state
absent, whose resources must go. ``exclusive``: also remove marked
resources of the group that no listed schedule names. ``state`` is the
module's: ``absent`` removes every marked resource and then the container
(group / function) when it is ours and empty. ``Inventory.add(kind, name,
view)`` records what was read as the diff shows it; each ``Change(action,
kind, name, before, after, request)`` carries the views the runner turns
into the result (``created``/``updated``/``deleted`` list the names of
changes of kind ``resource_kind``) and the ``request`` ``apply`` sends.

``read`` costs one read per resource this collection manages, and nothing
else on a no-op. ``plan`` may read what only a change needs (for example
whether a group exists before creating it) and must raise ``PlanError``
for anything that would fail half-way (a name taken by a resource that is
not ours), so that nothing is written. ``plan`` lists every write ``apply``
will send, in order; ``apply`` sends exactly those.

Ownership: a backend never changes or deletes a resource that does not
carry its marker (a tag or, where AWS allows no tags, the description), and
``exclusive`` removes only marked resources of the same group.
"""

import copy
import json

from ansible_collections.awsops.ssm.plugins.module_utils.instance_runbook import SCHEDULED_TIME
from ansible_collections.awsops.ssm.plugins.module_utils.instance_runbook import runbook_request
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request

# settings, as the modules build them:
SETTINGS = (
    "group",  # schedule group (scheduler) / function name and rule prefix (lambda)
    "region",
    "partition",
    "automation_role_arn",  # AutomationAssumeRole passed to SSM; None when no schedule is present
    "invoker_role_arn",  # what calls StartAutomationExecution: scheduler execution role / Lambda role
    "max_concurrency",
    "max_errors",
    "tags",  # dict, or None to leave tags alone
    "purge_tags",
    "dead_letter_queue_arns",  # scheduler: office-hours schedule name -> its dead-letter queue ({} for none)
)

# The role that starts the automations, by backend (ssm_scheduler_roles): the EventBridge Scheduler execution
# role, or the Lambda function's role. The automation role must be named otherwise.
INVOKER_ROLE_NAMES = {"scheduler": "SSMSchedulerInvokerRole", "lambda": "SSMSchedulerLambdaRole"}

MANAGED_BY_TAG = "awsops:ssm:managed-by"
MANAGED_BY_VALUE = "awsops.ssm"
INTERNAL_TAG_PREFIX = "awsops:ssm:"
ACTIONS = ("start", "stop")


def parse_input(text):
    """A target's Input (JSON text) as a dict; what is not JSON is shown as it is."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {"unparsable_input": text}


class PlanError(Exception):
    """The changes cannot be made (for example a name is taken by a resource that is not ours)."""


class Change(object):
    """One write: action create/update/delete on a resource of a kind ("group", "schedule", ...).

    before/after: the resource as the diff shows it (None when absent);
    request: what the backend will send (backend-specific); cascade: (kind,
    name) of other resources a delete removes with it (a function's policy).
    """

    def __init__(self, action, kind, name, before=None, after=None, request=None, cascade=()):
        self.cascade = tuple(cascade)
        self.action = action
        self.kind = kind
        self.name = name
        self.before = before
        self.after = after
        self.request = request

    def __repr__(self):
        return "Change(%s %s %s)" % (self.action, self.kind, self.name)


class Inventory(object):
    """What a backend read: resources by kind and name, as the diff shows them."""

    def __init__(self):
        self.resources = {}

    def add(self, kind, name, view):
        self.resources.setdefault(kind, {})[name] = view

    def get(self, kind, name):
        return self.resources.get(kind, {}).get(name)

    def view(self):
        return copy.deepcopy(self.resources)


class DeployedAction(object):
    """One start or stop of ours as AWS holds it, in local terms for the report.

    local_cron: the cron in `timezone` that fires at the same instants (the
    Scheduler expression itself; for a lambda rule, the local time of its
    gate); aws_expression: the expression AWS holds (UTC for a lambda rule).
    request: the StartAutomationExecution request it sends.
    """

    def __init__(self, schedule, action, aws_name, aws_expression, local_cron, timezone, enabled, request):
        self.schedule = schedule
        self.action = action
        self.aws_name = aws_name
        self.aws_expression = aws_expression
        self.local_cron = local_cron
        self.timezone = timezone
        self.enabled = enabled
        self.request = request if isinstance(request, dict) else {}

    def __repr__(self):
        return "DeployedAction(%s %s)" % (self.schedule, self.action)


class ScheduleBackend(object):
    """Base class: what every backend implements (see the module docstring)."""

    name = None
    # The kind of the resources that created/updated/deleted list (one per start or stop).
    resource_kind = "schedule"

    def __init__(self, module, settings):
        self.module = module
        self.settings = settings

    @classmethod
    def input_problems(cls, schedules, settings):
        """Backend-specific problems with valid schedules and settings (the modules already checked the rest)."""
        return []

    def read(self):
        raise NotImplementedError

    def plan(self, inventory, schedules, exclusive, state):
        raise NotImplementedError

    def apply(self, inventory, changes):
        raise NotImplementedError

    def resource_names(self, schedule):
        return dict((action, schedule.resource_name(action)) for action in ACTIONS)

    def deployed_actions(self, inventory):
        raise NotImplementedError

    def status(self, inventory):
        """What the info module reports besides the schedules (the lambda backend: its function's state)."""
        return {}


def automation_request(schedule, action, settings, at_time=None):
    """The StartAutomationExecution request of one action of a schedule, for either backend.

    The AWS runbook's (office_hours.build_automation_request), or, where the action needs it
    (Schedule.uses_runbook), the collection's runbook with the schedule's calendars. at_time: the
    time the runbook reads the calendar at; by default EventBridge Scheduler's placeholder of the
    scheduled time, which the Lambda function of the lambda backend replaces with its fire time.
    """
    request = build_automation_request(
        action, schedule.tag_key, schedule.tag_value, settings["automation_role_arn"], settings["max_concurrency"], settings["max_errors"])
    if not schedule.uses_runbook(action):
        return request
    if not schedule.runbook:
        raise ValueError("schedule %s needs the collection's runbook, and none was planned" % schedule.name)
    return runbook_request(request, schedule.runbook, action, schedule.calendar_names, at_time or SCHEDULED_TIME,
                           schedule.on_closed_days, schedule.hibernate and action == "stop")


def after_view(before, changes):
    """The inventory view once the changes are made (the check-mode prediction is the same)."""
    view = copy.deepcopy(before)
    for change in changes:
        resources = view.setdefault(change.kind, {})
        if change.action == "delete":
            resources.pop(change.name, None)
            for kind, name in change.cascade:
                view.get(kind, {}).pop(name, None)
        else:
            resources[change.name] = copy.deepcopy(change.after)
    return view


def schedule_summary(schedule, names, removed=False):
    """What the modules return about one office-hours schedule (removed: by a module-level state absent)."""
    summary = {
        "name": schedule.name,
        "state": schedule.state,
        "enabled": schedule.enabled,
        "timezone": schedule.timezone,
        "tag": {"key": schedule.tag_key, "value": schedule.tag_value},
        "start_expression": None,
        "stop_expression": None,
        "aws_names": {"start": None, "stop": None},
    }
    if removed:
        summary["state"] = "absent"
    elif schedule.state == "present":
        summary["start_expression"] = schedule.start_expression
        summary["stop_expression"] = schedule.stop_expression
        summary["aws_names"] = dict((action, names[action] if schedule.expression(action) else None) for action in ACTIONS)
    return summary


def run(module, backend, schedules, exclusive=True, state="present", documents=None):
    """Reads, plans, applies (unless check mode) and returns the module result.

    documents: the group's calendars and runbook (schedule_documents.ScheduleDocuments), or None where the
    caller manages none; its writes come before the schedules' (creations) and after them (removals), and
    its planning sets the schedules' runbook and calendars, which their requests name.
    """
    try:
        inventory = backend.read()
        first, last = [], []
        if documents:
            first, last = documents.read(schedules, backend.deployed_actions(inventory), state).plan(schedules, exclusive, state)
        changes = backend.plan(inventory, schedules, exclusive, state)
    except PlanError as error:
        module.fail_json(msg=str(error))
    documents_before = documents.view() if documents else {}
    if (first or changes or last) and not module.check_mode:
        for change in first:
            change.request()
        if changes:
            backend.apply(inventory, changes)
        for change in last:
            change.request()
    before = inventory.view()
    before.update(documents_before)
    changes = first + changes + last
    after = after_view(before, changes)
    result = {
        "changed": bool(changes),
        "backend": backend.name,
        "group": backend.settings["group"],
        "schedules": [schedule_summary(schedule, backend.resource_names(schedule), state == "absent") for schedule in schedules],
        "created": _names(changes, backend.resource_kind, "create"),
        "updated": _names(changes, backend.resource_kind, "update"),
        "deleted": _names(changes, backend.resource_kind, "delete"),
        "changes": ["%s %s %s" % (change.action, change.kind, change.name) for change in changes],
        "resources": after,
    }
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def _names(changes, kind, action):
    return sorted(change.name for change in changes if change.kind == kind and change.action == action)
