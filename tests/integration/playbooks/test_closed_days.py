# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Closed days through the playbooks: site, report and teardown with holidays and closed-day ranges.

What moto does here: it stores the Change Calendar (DocumentFormat TEXT, through
awsops_harness/moto_launcher.py), the runbook and the Scheduler schedules, and records every request.
What it cannot: run a schedule or an automation, or answer GetCalendarState; the runbook's logic over
these calendars runs in tests/integration/runbook/test_runbook_interpreter.py, and the requests the
schedules send are read back from the schedules' Input and validated against botocore's model.
"""

import datetime
import json

import botocore.session
import holidays
from botocore.validate import validate_parameters

from awsops_harness.playbook_runs import SCHEDULE
from awsops_harness.playbook_runs import assert_each_target_fails_naming_its_variable
from awsops_harness.playbook_runs import hosts_with
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc

REGION = "ap-northeast-2"
CALENDAR = "instance-scheduler"
RUNBOOK = "instance-scheduler-StartStopInstance"
TODAY = datetime.date.today()
YEARS = [TODAY.year, TODAY.year + 1]
RANGES = ["%d-12-24..%d-12-31" % (TODAY.year, TODAY.year), "%d-08-03..%d-08-07" % (TODAY.year + 1, TODAY.year + 1)]
CONSOLE_EVENT = (
    "BEGIN:VEVENT\r\nUID:5e1f7a52-0f7c-4c1e-a9a4-6b8d2e3f4a5b\r\nSEQUENCE:0\r\nSUMMARY:Datacenter maintenance\r\n"
    "DTSTART;TZID=Asia/Seoul:{day}T000000\r\nDTEND;TZID=Asia/Seoul:{day}T235900\r\nX-EVENT-TYPE:STANDARD\r\nEND:VEVENT\r\n"
)
PREFLIGHT = "Check every input and connect to the target"
ONLY_SCHEDULER = {"awsops_ssm_components": "instance_scheduler"}


def host_vars(moto, closed_days=tuple(RANGES)):
    return target(moto, REGION, instance_scheduler_holidays={"country": "KR"}, instance_scheduler_closed_days=list(closed_days))


def dates_of(text):
    first, last = (datetime.date.fromisoformat(part) for part in text.split(".."))
    return set(first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1))


def korean_holidays():
    return set(holidays.country_holidays("KR", years=YEARS, language="ko"))


def stored(ssm):
    answer = ssm.get_document(Name=CALENDAR, DocumentFormat="TEXT")
    return answer["DocumentVersion"], cc.parse_calendar(answer["Content"])


def closed_dates(calendar):
    return set(cc.covered_dates(cc.collection_events(calendar).values()))


def document_names(ssm):
    return sorted(document["Name"] for document in ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"])


def add_console_event(ssm, day):
    """What a person closing a day in the console does: a new version of the calendar with their event, made the default."""
    version, calendar = stored(ssm)
    text = cc.serialize(calendar).replace("END:VCALENDAR", CONSOLE_EVENT.format(day=day.strftime("%Y%m%d")) + "END:VCALENDAR")
    new = ssm.update_document(Name=CALENDAR, Content=text, DocumentVersion="$LATEST", DocumentFormat="TEXT")["DocumentDescription"]["DocumentVersion"]
    ssm.update_document_default_version(Name=CALENDAR, DocumentVersion=new)


def outcome(run):
    return dict(((task.host, task.task), (task.status, task.changed)) for task in run.tasks)


def test_site_rerun_change_console_event_report_and_teardown(ansible, moto, aws):
    ssm, scheduler = aws("ssm", REGION), aws("scheduler", REGION)
    hosts = inventory(seoul=host_vars(moto))

    # --check on the empty target predicts every task of the run exactly, and writes nothing
    predicted = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=ONLY_SCHEDULER, check=True)
    assert predicted.returncode == 0 and predicted.writes == [], predicted.summary()
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=ONLY_SCHEDULER)
    assert site.returncode == 0, site.summary()
    assert outcome(predicted) == outcome(site)

    # the calendar's events are exactly the Korean holidays of this year and the next and the two ranges
    version, calendar = stored(ssm)
    assert closed_dates(calendar) == korean_holidays() | dates_of(RANGES[0]) | dates_of(RANGES[1])
    assert cc.calendar_type(calendar) == "DEFAULT_OPEN"
    assert document_names(ssm) == [CALENDAR, RUNBOOK]
    start = json.loads(scheduler.get_schedule(GroupName="instance-scheduler", Name="office-hours-start")["Target"]["Input"])
    validate_parameters(start, botocore.session.get_session().get_service_model("ssm").operation_model("StartAutomationExecution").input_shape)
    assert (start["DocumentName"], start["Parameters"]["CalendarNames"]) == (RUNBOOK, [CALENDAR])

    # a rerun writes nothing
    rerun = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=ONLY_SCHEDULER)
    assert rerun.returncode == 0 and rerun.writes == [], rerun.summary()
    assert not any(changed for _status, changed in outcome(rerun).values())

    # someone closes a day in the console; then the inventory drops the second range
    console_day = TODAY + datetime.timedelta(days=2)
    add_console_event(ssm, console_day)
    changed = inventory(seoul=host_vars(moto, RANGES[:1]))
    run = ansible.run_playbook("awsops.ssm.site", inventory=changed, extra_vars=ONLY_SCHEDULER, diff=True)
    assert run.returncode == 0, run.summary()
    _version, calendar = stored(ssm)
    assert closed_dates(calendar) == korean_holidays() | dates_of(RANGES[0])
    foreign = cc.foreign_events(calendar)
    assert [(event.summary, event.local_dates()) for event in foreign] == [("Datacenter maintenance", [console_day])]
    schedules_task = run.task("awsops.ssm.instance_scheduler : Create or update the schedules")
    assert schedules_task.result["changes"] == ["update calendar %s" % CALENDAR], schedules_task.result["changes"]
    diff = schedules_task.result["diff"]
    assert "%s Closed days" % RANGES[1] in diff["before"]["calendar"][CALENDAR]["closed_days"]
    assert "%s Closed days" % RANGES[1] not in diff["after"]["calendar"][CALENDAR]["closed_days"]

    # the report lists the closed days ahead, the console's among them, and the week ahead with its closed day marked
    report = ansible.run_playbook("awsops.ssm.report", inventory=changed, extra_vars=ONLY_SCHEDULER)
    assert report.returncode == 0 and report.writes == [], report.summary()
    lines = report.task("Print the report", host="seoul").result["msg"]
    ahead = lines.index(next(line for line in lines if line.startswith("    closed days  ")))
    assert lines[ahead].endswith("ahead in %s:" % CALENDAR), lines[ahead]
    console_line = "      %s  %-36s console" % (console_day.strftime("%a %Y-%m-%d"), "Datacenter maintenance")
    assert console_line in lines, lines
    grid = [line for line in lines if line.startswith("    %s %s  " % (console_day.strftime("%a").upper(), console_day.strftime("%m-%d")))]
    assert len(grid) == 1, lines
    if console_day.weekday() < 5 and console_day not in korean_holidays() | dates_of(RANGES[0]):
        # 09:00-18:00 would run; the start is skipped on the closed day, so the hours read x and the row names the closure
        assert grid[0].split()[2] == "." * 9 + "x" * 9 + "." * 6, grid
        assert grid[0].endswith("closed: Datacenter maintenance"), grid
    saved = next(line for line in lines if line.startswith("    next 7 days  running "))
    assert "fewer for closed days" in saved

    # teardown removes the calendar and the runbook (the console event goes with the calendar)
    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=changed, extra_vars=ONLY_SCHEDULER)
    assert teardown.returncode == 0, teardown.summary()
    assert document_names(ssm) == []


BAD_CLOSED_DAYS = {
    "country": ({"instance_scheduler_holidays": {"country": "XX"}},
                'instance_scheduler_holidays.country: "XX" is not a country the holidays library knows; expected an ISO 3166-1 alpha-2 code'),
    "february-30": ({"instance_scheduler_closed_days": ["2026-02-30"]},
                    'instance_scheduler_closed_days[0]: "2026-02-30" is not a closed day; expected "YYYY-MM-DD"'),
    "backwards": ({"instance_scheduler_closed_days": ["2026-12-31..2026-12-24"]},
                  'instance_scheduler_closed_days[0]: "2026-12-31..2026-12-24" ends before it starts'),
    "schedule-range": ({"instance_scheduler_schedules": [dict(SCHEDULE, closed_days=["2026-13-01..2026-13-05"])]},
                       'instance_scheduler_schedules[0].closed_days[0]: "2026-13-01..2026-13-05" is not a range of dates'),
    "on-closed-days": ({"instance_scheduler_schedules": [dict(SCHEDULE, on_closed_days="skip_stop")]},
                       'instance_scheduler_schedules[0].on_closed_days: "skip_stop" is not a closed-day rule; expected skip_start'),
    "pause-tags": ({"instance_scheduler_pause_tags": "sometimes"}, 'instance_scheduler_pause_tags: "sometimes" is not a boolean'),
}


def test_bad_closed_days_stop_site_before_any_aws_call(ansible, moto):
    run = ansible.run_playbook("awsops.ssm.site", inventory=hosts_with(moto, BAD_CLOSED_DAYS), args=["--forks", "6"])
    assert_each_target_fails_naming_its_variable(run, BAD_CLOSED_DAYS, PREFLIGHT)
