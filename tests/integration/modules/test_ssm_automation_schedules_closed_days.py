# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedules with closed days: the calendars and the runbook in the same run, against the local endpoint.

moto stores the documents (TEXT Change Calendars through awsops_harness/moto_launcher.py) but never runs a
schedule or an automation: what the schedules send is read back from the Scheduler schedules' Input, and
checked against botocore's StartAutomationExecution model; the runbook's logic runs in
tests/integration/runbook/test_runbook_interpreter.py.
"""

import datetime
import json

import botocore.session
from botocore.validate import validate_parameters

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc

MODULE = "awsops.ssm.ssm_automation_schedules"
GROUP = "instance-scheduler"
RUNBOOK = "instance-scheduler-StartStopInstance"
THIS_YEAR = datetime.date.today().year


def schedules():
    return [
        {"name": "office", "start": "08:00", "stop": "18:30"},
        {"name": "batch", "start": "22:00", "stop": "06:00", "closed_days": [], "holidays": {}},
    ]


def args_for(roles, **extra):
    args = dict(roles, schedules=schedules(), defaults={"timezone": "Asia/Seoul", "closed_days": ["%d-12-24..%d-12-31" % (THIS_YEAR, THIS_YEAR)]})
    args.update(extra)
    return args


def target_request(scheduler, name):
    return json.loads(scheduler.get_schedule(GroupName=GROUP, Name=name)["Target"]["Input"])


def validate_request(request):
    model = botocore.session.get_session().get_service_model("ssm").operation_model("StartAutomationExecution").input_shape
    validate_parameters(request, model)


def document_names(ssm):
    return sorted(document["Name"] for document in ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"])


def test_closed_days_make_a_calendar_and_the_runbook_used_by_the_start_only(ansible, aws, roles):
    ssm, scheduler = aws("ssm"), aws("scheduler")
    result, run = ansible.run_module(MODULE, args_for(roles))
    assert result.changed, run.summary()
    assert document_names(ssm) == [GROUP, RUNBOOK]
    assert result.result["changes"][:2] == ["create calendar %s" % GROUP, "create runbook %s" % RUNBOOK]
    start = target_request(scheduler, "office-start")
    validate_request(start)
    assert start["DocumentName"] == RUNBOOK
    assert start["Parameters"]["CalendarNames"] == [GROUP]
    assert start["Parameters"]["AtTime"] == ["<aws.scheduler.scheduled-time>"]
    # skip_start: the stop still happens on a closed day and needs no runbook; batch has no closed days
    assert target_request(scheduler, "office-stop")["DocumentName"] == "AWS-StopEC2Instance"
    assert target_request(scheduler, "batch-start")["DocumentName"] == "AWS-StartEC2Instance"
    calendar = cc.parse_calendar(ssm.get_document(Name=GROUP, DocumentFormat="TEXT")["Content"])
    dates = set(cc.covered_dates(cc.collection_events(calendar).values()))
    assert dates == set(datetime.date(THIS_YEAR, 12, day) for day in range(24, 32))

    result, run = ansible.run_module(MODULE, args_for(roles))
    assert not result.changed and run.writes == [], run.summary()

    result, run = ansible.run_module(MODULE, args_for(roles, defaults={"timezone": "Asia/Seoul"}))
    assert result.changed, run.summary()
    assert document_names(ssm) == []
    assert target_request(scheduler, "office-start")["DocumentName"] == "AWS-StartEC2Instance"
    assert result.result["changes"][-2:] == ["delete calendar %s" % GROUP, "delete runbook %s" % RUNBOOK]


def test_no_closed_days_no_document_read(ansible, roles):
    args = dict(roles, schedules=schedules())
    ansible.run_module(MODULE, args)
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed
    assert [str(call) for call in run.calls] == ["scheduler:ListSchedules"] + ["scheduler:GetSchedule"] * 4


def test_pause_tags_and_hibernate_run_the_runbook_on_every_action(ansible, aws, roles):
    scheduler = aws("scheduler")
    args = dict(roles, schedules=[{"name": "office", "start": "08:00", "stop": "18:30", "hibernate": True}], pause_tags=True)
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    stop = target_request(scheduler, "office-stop")
    validate_request(stop)
    assert stop["DocumentName"] == RUNBOOK and stop["Parameters"]["Hibernate"] == ["true"]
    assert target_request(scheduler, "office-start")["Parameters"]["Hibernate"] == ["false"]


def test_check_mode_predicts_and_writes_nothing(ansible, roles):
    result, run = ansible.run_module(MODULE, args_for(roles), check=True)
    assert result.changed and run.writes == [], run.summary()
    assert result.result["changes"][:2] == ["create calendar %s" % GROUP, "create runbook %s" % RUNBOOK]
    applied, run = ansible.run_module(MODULE, args_for(roles))
    assert applied.result["changes"] == result.result["changes"]
    assert applied.result["resources"] == result.result["resources"]


def test_state_absent_removes_the_documents(ansible, aws, roles):
    ssm = aws("ssm")
    ansible.run_module(MODULE, args_for(roles))
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert result.changed, run.summary()
    assert document_names(ssm) == []
