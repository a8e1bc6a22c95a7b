# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lambda backend's function code, run in-process against botocore's Stubber.

The local AWS emulator cannot run Lambda code (it needs Docker) and does not
implement SSM Automation, so the handler is called directly here: botocore's
Stubber checks the exact StartAutomationExecution request it sends, and
botocore's own model validates it. When the gate says no, no call is made.
"""

import datetime
import logging

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

from ansible_collections.awsops.ssm.plugins.module_utils import scheduler_lambda_handler
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import lambda_event
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules

ROLE_ARN = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
EXECUTION_ID = "0123abcd-0123-4567-89ab-0123456789ab"
NEW_YORK_GATE = {"timezone": "America/New_York", "time": "07:30", "weekdays": ["MON", "TUE", "WED", "THU", "FRI"]}


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.timezone.utc)


@pytest.fixture
def ssm():
    client = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expected_request(document):
    return {
        "DocumentName": document,
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:Schedule", "Values": ["office"]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": {"AutomationAssumeRole": [ROLE_ARN]},
    }


@pytest.mark.parametrize("action, document", [("start", "AWS-StartEC2Instance"), ("stop", "AWS-StopEC2Instance")])
def test_the_exact_request_is_sent_without_a_gate(ssm, action, document):
    client, stubber = ssm
    request = build_automation_request(action, "Schedule", "office", ROLE_ARN, "10", "25%")
    stubber.add_response("start_automation_execution", {"AutomationExecutionId": EXECUTION_ID}, expected_request(document))
    result = scheduler_lambda_handler.handler(lambda_event(action, request), None, ssm_client=client)
    assert result == {"action": action, "AutomationExecutionId": EXECUTION_ID}


@pytest.mark.parametrize("action, document", [("start", "AWS-StartEC2Instance"), ("stop", "AWS-StopEC2Instance")])
def test_the_request_is_valid_for_botocore_s_model(action, document):
    shape = botocore.session.get_session().get_service_model("ssm").operation_model("StartAutomationExecution").input_shape
    request = build_automation_request(action, "Schedule", "office", ROLE_ARN, "10", "25%")
    validate_parameters(request, shape)
    assert request == expected_request(document)


def test_the_right_rule_passes_the_gate(ssm):
    client, stubber = ssm
    request = build_automation_request("start", "Schedule", "office", ROLE_ARN)
    stubber.add_response("start_automation_execution", {"AutomationExecutionId": EXECUTION_ID}, expected_request("AWS-StartEC2Instance"))
    # Monday 9 March 2026 07:30 EDT is 11:30 UTC, delivered a minute late.
    result = scheduler_lambda_handler.handler(lambda_event("start", request, NEW_YORK_GATE, "office"), None, now=utc(2026, 3, 9, 11, 31, 5), ssm_client=client)
    assert result["AutomationExecutionId"] == EXECUTION_ID


@pytest.mark.parametrize("now, why", [
    (utc(2026, 3, 9, 12, 30), "the EST twin rule an hour late in summer"),
    (utc(2026, 3, 6, 11, 30), "the EDT twin rule an hour early in winter (Friday 06:30 EST)"),
    (utc(2026, 3, 9, 11, 45), "15 minutes late is too late"),
    (utc(2026, 3, 9, 11, 29, 59), "early"),
    (utc(2026, 3, 8, 11, 30), "Sunday is not listed"),
])
def test_outside_the_gate_nothing_is_called(ssm, caplog, now, why):
    client, dummy = ssm  # no responses queued: any call would fail
    request = build_automation_request("start", "Schedule", "office", ROLE_ARN)
    with caplog.at_level(logging.INFO, logger=scheduler_lambda_handler.__name__):
        result = scheduler_lambda_handler.handler(lambda_event("start", request, NEW_YORK_GATE, "office"), None, now=now, ssm_client=client)
    assert set(result) == {"skipped"}, why
    assert "is not within 15 minutes after 07:30 America/New_York on MON,TUE,WED,THU,FRI" in result["skipped"]
    assert "office start skipped" in caplog.text


def test_a_schedule_s_lambda_rules_and_handler_agree_on_dst(ssm):
    client, stubber = ssm
    schedule = validate_schedules([{"name": "office", "start": "07:30", "timezone": "America/New_York"}], {"backend": "lambda"})[0]
    translation = schedule.lambda_rules("start", 2026)
    assert translation.expressions == ("cron(30 11 ? * MON-FRI *)", "cron(30 12 ? * MON-FRI *)")
    event = lambda_event("start", build_automation_request("start", schedule.tag_key, schedule.tag_value, ROLE_ARN), translation.gate, schedule.name)
    stubber.add_response("start_automation_execution", {"AutomationExecutionId": EXECUTION_ID}, expected_request("AWS-StartEC2Instance"))
    # Winter: the 12:30 UTC rule acts, the 11:30 UTC one is skipped.
    assert "skipped" in scheduler_lambda_handler.handler(event, None, now=utc(2026, 1, 5, 11, 30), ssm_client=client)
    assert scheduler_lambda_handler.handler(event, None, now=utc(2026, 1, 5, 12, 30), ssm_client=client)["AutomationExecutionId"] == EXECUTION_ID


def test_the_client_is_created_once_and_kept(monkeypatch):
    created = []

    class FakeBoto3(object):
        @staticmethod
        def client(service):
            created.append(service)
            return object()

    monkeypatch.setattr(scheduler_lambda_handler, "boto3", FakeBoto3)
    monkeypatch.setattr(scheduler_lambda_handler, "_CLIENTS", {})
    first = scheduler_lambda_handler.get_ssm_client()
    assert scheduler_lambda_handler.get_ssm_client() is first
    assert created == ["ssm"]


def test_without_boto3_the_client_cannot_be_made(monkeypatch):
    monkeypatch.setattr(scheduler_lambda_handler, "boto3", None)
    monkeypatch.setattr(scheduler_lambda_handler, "_CLIENTS", {})
    with pytest.raises(RuntimeError):
        scheduler_lambda_handler.get_ssm_client()


@pytest.mark.parametrize("event", [{}, {"action": "reboot", "request": {}}, {"action": "start"}, {"action": "stop", "request": "x"}])
def test_malformed_events_are_refused(event):
    with pytest.raises(ValueError):
        scheduler_lambda_handler.handler(event, None, ssm_client=object())
