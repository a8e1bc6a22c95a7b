# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SSM documents behind a group's office-hours schedules: its Change Calendars and the collection's runbook.

``ssm_automation_schedules`` manages them in the same run as the schedules
(one task per target), through the runner (schedule_backend_common.run):

* which: the schedules' actions that need the runbook
  (``Schedule.uses_runbook``: closed days that skip the action, pause tags
  honoured, a stop that hibernates) read the calendars of
  ``closed_days.plan_calendars`` - ``<group>`` in the common case,
  ``<group>-<schedule>`` for a schedule with closed days or a zone of its
  own - and run the runbook ``<group>-StartStopInstance``. Where no action
  needs it, there is neither runbook nor calendar (the AWS runbooks run).
* ownership: each document carries ``awsops:ssm:managed-by=awsops.ssm`` and
  ``awsops:ssm:schedule-group=<group>``; a run finds its group's documents
  with one ListDocuments (Owner Self, the two types) and reads each with
  GetDocument. A document of a wanted name that is not this group's is
  refused before any write (``PlanError``).
* calendars: the collection's events (UID ``awsops.ssm-``) are kept in sync,
  events people added in the console stay (change_calendar.merge).
* order: documents are created and updated before the schedules that name
  them, and removed after the schedules that named them changed or went.
  ``exclusive`` (or ``state: absent``) removes the group's documents no
  schedule needs any more.

Reads on a rerun: none where no schedule needs the runbook and none of the
deployed schedules runs it (the backend's own read shows that: then the
group has no documents to keep or remove); otherwise ListDocuments (one page
per 50 documents of the account) and GetDocument of each document of the
group. ``state: absent`` always lists them.
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar
from ansible_collections.awsops.ssm.plugins.module_utils import instance_runbook
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import check_document_names
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import plan_calendars
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import runbook_name
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_VALUE
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Change
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import LATEST
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import OwnedDocument
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import get_document
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import list_documents
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import owned_tags
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import tags_after

GROUP_TAG = INTERNAL_TAG_PREFIX + "schedule-group"
CALENDAR = "calendar"
RUNBOOK = "runbook"
KINDS = {CALENDAR: (change_calendar.DOCUMENT_TYPE, change_calendar.DOCUMENT_FORMAT, LATEST),
         RUNBOOK: (instance_runbook.DOCUMENT_TYPE, instance_runbook.DOCUMENT_FORMAT, None)}
# ListDocuments filters: this account's documents of the two types (tags are read from the answer).
LIST_FILTERS = [{"Key": "Owner", "Values": ["Self"]},
                {"Key": "DocumentType", "Values": [change_calendar.DOCUMENT_TYPE, instance_runbook.DOCUMENT_TYPE]}]


def kind_of(document_type):
    return CALENDAR if document_type == change_calendar.DOCUMENT_TYPE else RUNBOOK


def group_documents(client, group):
    """{name: (kind, tags)} of the documents this collection made for the group (one ListDocuments)."""
    found = {}
    for identifier in list_documents(client, LIST_FILTERS):
        tags = boto3_tag_list_to_ansible_dict(identifier.get("Tags") or [])
        if tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE and tags.get(GROUP_TAG) == group:
            found[identifier["Name"]] = (kind_of(identifier.get("DocumentType")), tags)
    return found


def calendar_document_view(calendar, tags):
    view = change_calendar.calendar_view(calendar)
    view["tags"] = dict(tags)
    return view


def runbook_view(document, tags):
    return {"version_name": (document or {}).get("VersionName"), "tags": dict(tags)}


def event_source(event):
    """Where a calendar event comes from: inventory or holidays (the collection's, by UID), or console (anyone else's)."""
    if not event.ours:
        return "console"
    return "holidays" if event.uid.startswith(change_calendar.UID_PREFIX + "holiday-") else "inventory"


def needed_documents(group, target_zone, target_closed_days, schedules):
    """({calendar name: CalendarPlan}, {schedule name: [calendar names]}, runbook name or None) for the schedules' actions that need the runbook."""
    users = [schedule for schedule in schedules if any(schedule.uses_runbook(action) for action in ("start", "stop"))]
    plans, reads = plan_calendars(group, target_zone, target_closed_days, [(schedule.name, schedule.timezone, schedule.closed_days) for schedule in users])
    return plans, reads, runbook_name(group) if users else None


class ScheduleDocuments(object):
    """The calendars and runbook of one schedule group: read, planned, then applied by the runner."""

    def __init__(self, client, group, target_zone, target_closed_days=None, tags=None, purge_tags=True):
        self.client = client
        self.group = group
        self.target_zone = target_zone
        self.target_closed_days = target_closed_days if target_closed_days is not None else ClosedDays()
        self.tags = tags
        self.purge_tags = purge_tags
        self.found = {}
        self.documents = {}
        self.calendars = {}

    def document(self, name, kind):
        document_type, document_format, version = KINDS[kind]
        return OwnedDocument(self.client, name, document_type, document_format, read_version=version, internal_tags={GROUP_TAG: self.group})

    def read(self, schedules, deployed_actions, state="present"):
        """The group's documents, each with its content (no read where none can exist: see the module docstring)."""
        runbook = runbook_name(self.group)
        needed = any(schedule.uses_runbook(action) for schedule in schedules for action in ("start", "stop"))
        deployed = any(action.request.get("DocumentName") == runbook for action in deployed_actions)
        if not (needed or deployed or state == "absent"):
            return self
        self.found = group_documents(self.client, self.group)
        for name, (kind, tags) in sorted(self.found.items()):
            document = self.document(name, kind)
            document.document = get_document(self.client, name, document.read_version, document.document_format)
            document.tags = tags
            if document.exists:
                self.documents[name] = document
                if kind == CALENDAR:
                    self.calendars[name] = self._parse(document)
        return self

    @staticmethod
    def _parse(document):
        try:
            return change_calendar.parse_calendar(document.content)
        except ValueError as error:
            raise PlanError("SSM document %s version %s: %s; fix or delete it by hand" % (document.name, document.version, error))

    def view(self):
        view = {CALENDAR: {}, RUNBOOK: {}}
        for name, document in self.documents.items():
            if name in self.calendars:
                view[CALENDAR][name] = calendar_document_view(self.calendars[name], document.tags)
            else:
                view[RUNBOOK][name] = runbook_view(document.document, document.tags)
        return view

    # ---- plan ----

    def assign(self, schedules):
        """Sets each present schedule's runbook and calendars; returns the plans of the calendars wanted, and whether the runbook is."""
        plans, reads, runbook = needed_documents(self.group, self.target_zone, self.target_closed_days, schedules)
        for schedule in schedules:
            if schedule.name in reads:
                schedule.runbook = runbook
                schedule.calendar_names = reads[schedule.name]
        return plans, bool(runbook)

    def plan(self, schedules, exclusive=True, state="present"):
        """(changes before the schedules', changes after them)."""
        plans, runbook_wanted = ({}, False) if state == "absent" else self.assign(schedules)
        problems = check_document_names("group", self.group, list(plans)) if plans else []
        if problems:
            raise PlanError("; ".join(problems))
        first, last = [], []
        for name in sorted(plans):
            change = self._plan_calendar(name, plans[name])
            if change:
                first.append(change)
        if runbook_wanted:
            change = self._plan_runbook(runbook_name(self.group))
            if change:
                first.append(change)
        wanted = set(plans) | (set([runbook_name(self.group)]) if runbook_wanted else set())
        if exclusive or state == "absent":
            for name in sorted(set(self.documents) - wanted):
                document = self.documents[name]
                kind = CALENDAR if name in self.calendars else RUNBOOK
                last.append(Change("delete", kind, name, before=self.view()[kind][name], request=document.delete))
        return first, last

    def _existing(self, name, kind):
        """The group's document of that name, or a new one after checking that the name is free (a read only when creating)."""
        if name in self.documents:
            return self.documents[name]
        document = self.document(name, kind)
        if get_document(self.client, name) is not None:
            raise PlanError("SSM document %s exists and is not a document awsops.ssm made for schedule group %s (tags %s=%s, %s=%s); "
                            "it is left alone: rename the group or the schedule, or delete the document" % (
                                name, self.group, MANAGED_BY_TAG, MANAGED_BY_VALUE, GROUP_TAG, self.group))
        return document

    def _write(self, kind, document, text, content_changed, same_content, before, after, version_name=None):
        """The Change that creates the document or writes its new version and tags, or None when nothing differs."""
        to_set, to_remove = document.tag_changes(self.tags, self.purge_tags) if document.exists else ({}, [])
        tags = tags_after(document.tags, to_set, to_remove) if document.exists else owned_tags(self.tags, document.internal_tags)
        after["tags"] = tags
        if not document.exists:
            return Change("create", kind, document.name, after=after,
                          request=lambda: document.create(text, self.tags, same_content, version_name))
        if not (content_changed or to_set or to_remove):
            return None

        def update():
            if content_changed:
                document.write_version(text, same_content, version_name)
            document.apply_tags(to_set, to_remove)

        return Change("update", kind, document.name, before=before, after=after, request=update)

    def _plan_calendar(self, name, plan):
        document = self._existing(name, CALENDAR)
        current = self.calendars.get(name)
        wanted = change_calendar.desired_events(name, plan.closed_days, plan.zone) if plan.zone else {}
        merged = change_calendar.merge(current, wanted)
        text = merged.text()
        problem = change_calendar.content_problem(text, "closed days of calendar %s" % name)
        if problem:
            raise PlanError(problem)
        before = calendar_document_view(current, document.tags) if document.exists else None
        return self._write(CALENDAR, document, text, merged.changed, change_calendar.same_meaning(wanted, change_calendar.DEFAULT_DESCRIPTION),
                           before, change_calendar.calendar_view(merged.calendar))

    def _plan_runbook(self, name):
        document = self._existing(name, RUNBOOK)
        content = instance_runbook.runbook_content()
        changed = not instance_runbook.same_content(document.content or "", content)
        before = runbook_view(document.document, document.tags) if document.exists else None
        after = {"version_name": instance_runbook.version_name(content)}
        if not changed and document.exists:
            after["version_name"] = before["version_name"]
        return self._write(RUNBOOK, document, instance_runbook.serialize(content), changed,
                           lambda stored: instance_runbook.same_content(stored, content), before, after, instance_runbook.version_name(content))
