# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Closed days of the schedules: which actions run the runbook, the calendars' dates across years, both backends' requests,
the IAM statements the runbook needs, and the pause-until examples of the documentation."""

import datetime
import pathlib
import re

import boto3
import botocore.session
import holidays
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

from awsops_harness.policy_lint import assert_no_findings

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc
from ansible_collections.awsops.ssm.plugins.module_utils import runbook_decision
from ansible_collections.awsops.ssm.plugins.module_utils import scheduler_lambda_handler
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_closed_days
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_holidays
from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import years_in_view
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import lambda_event
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_documents import needed_documents
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import automation_role_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import invoker_policy
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_policies import lambda_role_policy

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE_ARN = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
SETTINGS = {"automation_role_arn": ROLE_ARN, "max_concurrency": "10", "max_errors": "25%"}
GROUP = "instance-scheduler"
RUNBOOK = "instance-scheduler-StartStopInstance"


def parsed(schedules, **target):
    values = dict(schedules=schedules, group=GROUP, backend="scheduler", timezone="Asia/Seoul", tag_key="Schedule",
                  closed_days=[], holidays={}, pause_tags=False)
    values.update(target)
    checked = check_input(values, "instance_scheduler_")
    assert checked.problems == []
    return checked.parsed


def documents_of(schedules, **target):
    values = parsed(schedules, **target)
    plans, reads, runbook = needed_documents(GROUP, values["timezone"], ClosedDays(values["closed_days"], values["holidays"]), values["schedules"])
    return sorted(plans), reads, runbook, values["schedules"]


OFFICE = {"name": "office", "start": "09:00", "stop": "18:00"}


def test_no_closed_days_no_runbook_no_calendar():
    assert documents_of([OFFICE])[:3] == ([], {}, None)


def test_target_closed_days_give_one_calendar_and_the_runbook_for_the_start_only():
    calendars, reads, runbook, (schedule,) = documents_of([OFFICE], closed_days=["2026-12-25"])
    assert (calendars, reads, runbook) == ([GROUP], {"office": [GROUP]}, RUNBOOK)
    assert (schedule.uses_runbook("start"), schedule.uses_runbook("stop")) == (True, False)


@pytest.mark.parametrize("changes, start, stop", [
    ({"on_closed_days": "skip_both"}, True, True),
    ({"hibernate": True, "closed_days": []}, False, True),
    ({"closed_days": [], "holidays": {}}, False, False),
])
def test_which_actions_run_the_runbook(changes, start, stop):
    _calendars, _reads, _runbook, (schedule,) = documents_of([dict(OFFICE, **changes)], closed_days=["2026-12-25"])
    assert (schedule.uses_runbook("start"), schedule.uses_runbook("stop")) == (start, stop)


def test_pause_tags_run_the_runbook_on_every_action_reading_the_target_calendar():
    calendars, reads, runbook, (schedule,) = documents_of([OFFICE], pause_tags=True)
    assert (calendars, runbook) == ([GROUP], RUNBOOK)
    assert schedule.uses_runbook("start") and schedule.uses_runbook("stop")


def test_a_schedule_of_another_zone_or_own_closed_days_gets_its_own_calendar():
    schedules = [OFFICE, dict(OFFICE, name="berlin", timezone="Europe/Berlin"), dict(OFFICE, name="shop", closed_days=["2026-12-24"])]
    calendars, reads, _runbook, _schedules = documents_of(schedules, holidays={"country": "KR"})
    assert calendars == [GROUP, GROUP + "-berlin", GROUP + "-shop"]
    assert reads == {"office": [GROUP], "berlin": [GROUP + "-berlin"], "shop": [GROUP + "-shop"]}


@pytest.mark.parametrize("year", range(2020, 2040))
def test_every_holiday_the_library_lists_is_closed_and_no_other_day(year):
    """Property across years: the calendar's collection events cover exactly KR's holidays in view and the ranges."""
    ranges = ["%d-12-24..%d-12-31" % (year, year), "%d-08-03..%d-08-07" % (year + 1, year + 1)]
    today = datetime.date(year, 3, 1)
    closed = ClosedDays(parse_closed_days("closed_days", ranges), parse_holidays("holidays", {"country": "KR"}), years_in_view(today))
    events = cc.desired_events(GROUP, closed, "Asia/Seoul")
    covered = set(cc.covered_dates(events.values()))
    expected = set(holidays.country_holidays("KR", years=[year, year + 1]))
    for text in ranges:
        first, last = (datetime.date.fromisoformat(part) for part in text.split(".."))
        expected |= set(first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1))
    assert covered == expected


def model():
    return botocore.session.get_session().get_service_model("ssm").operation_model("StartAutomationExecution").input_shape


def runbook_schedule(**target):
    _calendars, _reads, _runbook, (schedule,) = documents_of([OFFICE], closed_days=["2026-12-25"], **target)
    schedule.runbook, schedule.calendar_names = RUNBOOK, [GROUP]
    return schedule


def test_the_scheduler_target_input_names_the_runbook_and_is_valid():
    request = automation_request(runbook_schedule(), "start", SETTINGS)
    validate_parameters(request, model())
    assert request["DocumentName"] == RUNBOOK
    assert request["Parameters"] == {
        "Action": ["start"], "AtTime": ["<aws.scheduler.scheduled-time>"], "CalendarNames": [GROUP], "OnClosedDays": ["skip_start"],
        "Hibernate": ["false"], "AutomationAssumeRole": [ROLE_ARN]}
    assert request["Targets"] == [{"Key": "tag:Schedule", "Values": ["office"]}]


def test_the_lambda_request_names_the_runbook_and_the_function_sets_the_time_of_the_local_fire():
    """The function's own code, in-process, with botocore's Stubber checking the exact request (StartAutomationExecution)."""
    schedule = runbook_schedule()
    translation = schedule.lambda_rules("start")
    event = lambda_event("start", automation_request(schedule, "start", SETTINGS), translation.gate, "office")
    client = boto3.client("ssm", region_name="ap-northeast-2", aws_access_key_id="testing", aws_secret_access_key="testing")
    expected = dict(event["request"], Parameters=dict(event["request"]["Parameters"], AtTime=["2026-12-24T00:00:00Z"]))
    validate_parameters(expected, model())
    with Stubber(client) as stubber:
        stubber.add_response("start_automation_execution", {"AutomationExecutionId": "0123abcd-0123-4567-89ab-0123456789ab"}, expected)
        # 09:00 in Seoul is 00:00 UTC; EventBridge delivered it three minutes late
        now = datetime.datetime(2026, 12, 24, 0, 3, 20, tzinfo=datetime.timezone.utc)
        result = scheduler_lambda_handler.handler(event, None, now=now, ssm_client=client)
        stubber.assert_no_pending_responses()
    assert result["action"] == "start"


def test_the_runbook_statements_are_scoped_and_lint_clean():
    automation = automation_role_policy("aws", "ap-northeast-2", "123456789012", ROLE_ARN, instance_tags={"Schedule": ["office"]},
                                        runbook=RUNBOOK, calendar_names=[GROUP])
    by_sid = dict((statement["Sid"], statement) for statement in automation["Statement"])
    assert by_sid["ReadPauseTags"] == {"Sid": "ReadPauseTags", "Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": "*"}
    assert by_sid["ReadChangeCalendars"]["Resource"] == ["arn:aws:ssm:ap-northeast-2:123456789012:document/instance-scheduler"]
    assert by_sid["ReadChangeCalendars"]["Action"] == ["ssm:GetCalendarState", "ssm:GetDocument"]
    runbook_arn = "arn:aws:ssm:ap-northeast-2:123456789012:automation-definition/%s:*" % RUNBOOK
    assert runbook_arn in by_sid["StartChildAutomations"]["Resource"]
    invoker = invoker_policy("aws", "ap-northeast-2", ROLE_ARN, "123456789012", RUNBOOK)
    assert runbook_arn in invoker["Statement"][0]["Resource"]
    function = lambda_role_policy("aws", "ap-northeast-2", "123456789012", ROLE_ARN, GROUP, RUNBOOK)
    assert runbook_arn in function["Statement"][0]["Resource"]
    assert_no_findings({"automation": automation, "invoker": invoker, "function": function})


def test_no_runbook_no_runbook_statements():
    automation = automation_role_policy("aws", "ap-northeast-2", "123456789012", ROLE_ARN)
    assert not [statement for statement in automation["Statement"] if statement["Sid"] in ("ReadPauseTags", "ReadChangeCalendars")]


# Where the documentation shows a pause-until value (README, guides, role and module docs, the runbook's own docstring).
DOCUMENTED = ["README.md", "docs/docsite/rst/guides/closed_days.rst", "roles/instance_scheduler/README.md",
              "plugins/modules/ssm_automation_runbook.py", "plugins/module_utils/runbook_decision.py"]
PAUSE_UNTIL_VALUE = re.compile(r"pause-until(?:\)|`)*\s*(?:=|:)\s*[\"'`(C]*\(?([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9:]+)?)")


def test_every_documented_pause_until_example_parses():
    examples = []
    for name in DOCUMENTED:
        examples += [(name, value) for value in PAUSE_UNTIL_VALUE.findall((ROOT / name).read_text(encoding="utf-8"))]
    assert len(set(name for name, _value in examples)) >= 3, examples
    for name, value in examples:
        parsed = runbook_decision.parse_time(value)
        assert parsed.tzinfo is not None, (name, value)
