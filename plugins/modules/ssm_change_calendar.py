#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_change_calendar
version_added: 0.1.0
short_description: An SSM Change Calendar of closed days (dates, ranges and a country's public holidays)
description:
  - Manages one AWS Systems Manager Change Calendar, the SSM document O(name) of type C(ChangeCalendar) (format C(TEXT),
    iCalendar content, C(X-CALENDAR-TYPE:DEFAULT_OPEN), open except during its events), whose events close the days in
    O(closed_days) and the public holidays of O(holidays), each a whole local day in O(timezone).
  - "The collection's events have a UID starting with C(awsops.ssm-) and are kept in sync with the options: added, changed and
    removed. Every other event (someone closed a day in the console) and every other part of the calendar is kept as it is,
    never changed or removed."
  - Holidays are those of this year and the next, recomputed on every run, so the calendar rolls forward each January (that run
    removes last year's holidays and adds the new year's).
  - The content is built and read with the C(icalendar) library and compared by meaning (instants, local times, summary), not as text;
    a run with the same closed days writes nothing. A change writes a new version of the document and makes it the default.
  - Every option is checked before the first call; a bad value fails naming the option and the accepted form.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - Name of the calendar document, 3-128 letters, digits, C(_), C(-) or C(.), not starting with C(aws), C(amazon) or C(amzn).
      - The instance scheduler names a target's calendar after its schedule group.
    type: str
    required: true
  state:
    description:
      - C(present) creates or updates the calendar; C(absent) deletes it when the collection created it (events people added go with it).
    type: str
    choices: [present, absent]
    default: present
  timezone:
    description:
      - IANA time zone of the closed days. A closed day is the local day from 00:00 to 24:00 there (23 or 25 hours when daylight saving
        time starts or ends that day).
    type: str
    default: UTC
  closed_days:
    description:
      - Closed days, each C("YYYY-MM-DD"), an inclusive range C("YYYY-MM-DD..YYYY-MM-DD"), or C({date, name}) with either and a name
        (the event's summary). A range is one event.
    type: list
    elements: raw
    default: []
  holidays:
    description:
      - A country's public holidays, from the C(holidays) library, each an event named after the holiday.
      - C(country) (required), an ISO 3166-1 alpha-2 code such as C(KR), C(US) or C(DE).
      - C(subdivision), an ISO 3166-2 subdivision, C(US-CA) or C(CA).
      - C(categories), the library's holiday categories of the country (default its public holidays), for example C([public, catholic]).
      - C(language), the language of the names (default the country's own language, for example Korean for C(KR)).
      - C(include), single dates (or C({date, name})) to close as well; C(exclude), single holiday dates to keep open.
    type: dict
    default: {}
  description:
    description:
      - The calendar's description (C(X-WR-CALDESC)), shown in the console.
    type: str
    default: >-
      Closed days of office-hours schedules, kept in sync by awsops.ssm from the inventory (events whose UID starts with awsops.ssm-).
      Add your own events to close other times: they are never changed.
notes:
  - Reads on a run that changes nothing, two calls, GetDocument (the latest version, the one the console edits) and
    ListTagsForResource.
  - Requires the Python libraries C(holidays) and C(icalendar) on the controller (C(requirements.txt)).
  - GetCalendarState evaluates instants; the calendar's events are local days of O(timezone), so a calendar is right for schedules
    of that time zone. The instance scheduler gives each time zone and set of closed days a calendar of its own.
extends_documentation_fragment:
  - awsops.ssm.ssm_document
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Korean public holidays and the year-end shutdown, in Seoul time
  awsops.ssm.ssm_change_calendar:
    name: instance-scheduler
    timezone: Asia/Seoul
    holidays:
      country: KR
    closed_days:
      - 2026-12-24..2026-12-31
      - {date: "2026-08-14", name: Company foundation day}

- name: California holidays in English, keeping the day after Thanksgiving open
  awsops.ssm.ssm_change_calendar:
    name: instance-scheduler-us-office
    timezone: America/Los_Angeles
    holidays:
      country: US
      subdivision: US-CA
      exclude: ["2026-11-27"]

- name: Remove the calendar
  awsops.ssm.ssm_change_calendar:
    name: instance-scheduler
    state: absent
"""

RETURN = r"""
document:
  description: The calendar document after this run; empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the document.
      type: str
      sample: instance-scheduler
    document_version:
      description: The version holding the content returned. In check mode, null when a new version would be written.
      type: str
      sample: "3"
    document_type:
      description: Document type.
      type: str
      sample: ChangeCalendar
closed_days:
  description: The collection's events after this run, in date order.
  returned: always
  type: list
  elements: dict
  contains:
    uid:
      description: The event's UID.
      type: str
      sample: awsops.ssm-holiday-20261225@instance-scheduler
    summary:
      description: The holiday's name, the closed day's name, or C(Closed day) / C(Closed days).
      type: str
      sample: 기독탄신일
    dates:
      description: The local dates it closes, C(YYYY-MM-DD) or C(YYYY-MM-DD..YYYY-MM-DD).
      type: str
      sample: "2026-12-25"
    start:
      description: Its start, ISO 8601 with the zone's offset.
      type: str
      sample: "2026-12-25T00:00:00+09:00"
    end:
      description: Its end (exclusive).
      type: str
      sample: "2026-12-26T00:00:00+09:00"
other_events:
  description: Events the collection did not write (added in the console), kept as they are; recurring ones list only uid and summary.
  returned: always
  type: list
  elements: dict
dates_added:
  description: Local dates this run closes that were open.
  returned: always
  type: list
  elements: str
  sample: ["2026-12-24", "2026-12-25"]
dates_removed:
  description: Local dates the collection's events no longer close.
  returned: always
  type: list
  elements: str
holiday_years:
  description: The years whose holidays are in the calendar (this year and the next).
  returned: always
  type: list
  elements: int
  sample: [2026, 2027]
kept:
  description: Why a document was left alone (O(state=absent) on a document the collection did not create).
  returned: when a document was kept
  type: str
tags:
  description: The document's tags after this run.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import HAS_HOLIDAYS
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import HOLIDAYS_REQUIRED
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import LATEST
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import OwnedDocument
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import ensure_absent
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import ensure_present


def input_problems(params):
    """Every problem with the options (and the closed days, parsed), before any call."""
    fields = {"document_name": "name", "tags": "tags", "timezone": "timezone", "closed_days": "closed_days", "holidays": "holidays"}
    checked = check_input(dict((field, params[option]) for field, option in fields.items()), fields)
    if checked.problems:
        return checked.problems, None
    return [], ClosedDays(checked.parsed["closed_days"], checked.parsed["holidays"])


def current_calendar(module, document):
    if not document.exists or document.refusal():
        return None
    try:
        return change_calendar.parse_calendar(document.content)
    except ValueError as error:
        module.fail_json(msg="SSM document %s version %s: %s; fix or delete it by hand" % (document.name, document.version, error))


def run(module, client, params, closed_days):
    document = OwnedDocument(client, params["name"], change_calendar.DOCUMENT_TYPE, change_calendar.DOCUMENT_FORMAT, read_version=LATEST)
    document.read()
    current = current_calendar(module, document)
    before = change_calendar.calendar_view(current)
    result = {"holiday_years": list(closed_days.years)}
    if params["state"] == "absent":
        changed, kept = ensure_absent(module, document)
        if kept:
            result["kept"] = kept
        exists_after = document.exists and not changed
        after_calendar = current if exists_after else None
        version, tags = (document.version, document.tags) if exists_after else (None, {})
        events_after = list(change_calendar.collection_events(after_calendar).values()) if after_calendar else []
    else:
        wanted = change_calendar.desired_events(params["name"], closed_days, params["timezone"])
        merged = change_calendar.merge(current, wanted, params["description"])
        text = merged.text()
        problem = change_calendar.content_problem(text, "closed_days")
        if problem:
            module.fail_json(msg=problem)
        changed, version, tags = ensure_present(
            module, document, text, merged.changed, change_calendar.same_meaning(wanted, params["description"]), params["tags"], params["purge_tags"])
        exists_after, after_calendar = True, merged.calendar
        events_after = list(wanted.values())
    events_before = list(change_calendar.collection_events(current).values()) if current else []
    added, removed = change_calendar.dates_diff(change_calendar.covered_dates(events_before), change_calendar.covered_dates(events_after))
    after = change_calendar.calendar_view(after_calendar)
    result.update(
        changed=changed,
        document={"name": params["name"], "document_version": version, "document_type": change_calendar.DOCUMENT_TYPE} if exists_after else {},
        closed_days=[event.as_dict() for event in sorted(events_after, key=lambda event: (event.start.isoformat(), event.uid))],
        other_events=change_calendar.other_events(after_calendar),
        dates_added=added,
        dates_removed=removed,
        tags=tags,
    )
    if module._diff:
        result["diff"] = {"before": dict(before, dates_removed=removed), "after": dict(after, dates_added=added)}
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        timezone=dict(type="str", default="UTC"),
        closed_days=dict(type="list", elements="raw", default=[]),
        holidays=dict(type="dict", default={}),
        description=dict(type="str", default=change_calendar.DEFAULT_DESCRIPTION),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_HOLIDAYS:
        module.fail_json(msg=HOLIDAYS_REQUIRED)
    if not change_calendar.HAS_ICALENDAR:
        module.fail_json(msg=change_calendar.ICALENDAR_REQUIRED)
    params = module.params
    params["tags"] = dict((str(key), str(value)) for key, value in (params["tags"] or {}).items())
    problems, closed_days = input_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = aws_retries.client(module, "ssm")
    try:
        result = run(module, client, params, closed_days)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
