# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The last-runs readers against botocore-shaped answers (botocore's Stubber).

The local endpoint runs no automation and keeps no execution history, so
DescribeAutomationExecutions, GetAutomationExecution and the instances'
DescribeInstances answer from Stubber here: real botocore clients (which
validate every request against the service model before the stub sees
it; the patterns are checked with assert_valid), answers validated against
the output shapes, paginated with NextToken as the API pages.
"""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from awsops_harness.botocore_models import assert_valid

from ansible_collections.awsops.ssm.plugins.module_utils import automation_executions as ae
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import DeployedAction
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import report
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import schedule_from

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Mon 10:00 in Seoul: office hours
ROLE = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
INVOKER_SESSION = "arn:aws:sts::123456789012:assumed-role/SSMSchedulerInvokerRole/0b1c2d3e"
KMS_FAILURE = ("Step fails when it is Polling instance state. The instance i-0bbb2222bbbb2222b went from pending to stopped: Client.InternalError: "
               "Client error on launch. The KMS key arn:aws:kms:ap-northeast-2:123456789012:key/0f1e2d3c used by volume vol-0abc is not usable: "
               "the role lacks kms:CreateGrant")


def client(service):
    return boto3.client(service, region_name="ap-northeast-2", aws_access_key_id="testing", aws_secret_access_key="testing")


def deployed(action, cron):
    request = build_automation_request(action, "Schedule", "office", ROLE)
    return DeployedAction("office", action, "office-%s" % action, cron, cron, "Asia/Seoul", True, request)


DEPLOYED = [deployed("start", "cron(0 9 ? * MON-FRI *)"), deployed("stop", "cron(0 18 ? * MON-FRI *)")]
TARGETS = [{"Key": "tag:Schedule", "Values": ["office"]}]


def parent(execution_id, document, status, start, **extra):
    execution = {
        "AutomationExecutionId": execution_id,
        "DocumentName": document,
        "AutomationExecutionStatus": status,
        "ExecutionStartTime": start,
        "ExecutionEndTime": start + datetime.timedelta(minutes=2),
        "ExecutedBy": INVOKER_SESSION,
        "Mode": "Auto",
        "TargetParameterName": "InstanceId",
        "Targets": TARGETS,
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
    }
    execution.update(extra)
    return execution


def child(execution_id, parent_id, instance, status, **extra):
    execution = {
        "AutomationExecutionId": execution_id,
        "DocumentName": "AWS-StartEC2Instance",
        "AutomationExecutionStatus": status,
        "ExecutionStartTime": datetime.datetime(2026, 11, 30, 0, 0, 5, tzinfo=UTC),
        "ParentAutomationExecutionId": parent_id,
        "Mode": "Auto",
        "Target": instance,
        "ExecutedBy": INVOKER_SESSION,
    }
    execution.update(extra)
    return execution


def expect(stubber, operation, answer, params):
    if operation != "GetAutomationExecution":
        assert_valid("ssm", operation, params)
    stubber.add_response(operation[0].lower() + "".join("_" + c.lower() if c.isupper() else c for c in operation[1:]), answer, params)


def listing_filters(document):
    return [{"Key": "DocumentNamePrefix", "Values": [document]}, {"Key": "StartTimeAfter", "Values": ["2026-11-23T01:00:00Z"]}]


FAILED_START = "aaaaaaaa-0000-4000-8000-000000000001"
OLDER_START = "aaaaaaaa-0000-4000-8000-000000000002"
STOP = "bbbbbbbb-0000-4000-8000-000000000001"


def stub_history(stubber, runs_read=(FAILED_START, STOP, OLDER_START)):
    """Last week of schedule office: this morning's start failed on one of three instances.

    runs_read: the runs whose children the reader is expected to read, in order.
    """
    failed_start, older_start, stop = FAILED_START, OLDER_START, STOP
    start_first_page = [
        child("cccccccc-0000-4000-8000-000000000009", failed_start, "i-0aaa1111aaaa1111a", "Success"),  # a child in the listing: not a run
        parent("dddddddd-0000-4000-8000-000000000001", "AWS-StartEC2InstanceWithApproval", "Success", NOW),  # same prefix, other runbook
        parent(failed_start, "AWS-StartEC2Instance", "Failed", datetime.datetime(2026, 11, 30, 0, 0, 2, tzinfo=UTC),
               FailureMessage="Automation failed: 1 of 3 targets failed, more than MaxErrors 25%"),
    ]
    expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": start_first_page, "NextToken": "page-2"},
           {"Filters": listing_filters("AWS-StartEC2Instance"), "MaxResults": 50})
    start_second_page = [
        parent(older_start, "AWS-StartEC2Instance", "Success", datetime.datetime(2026, 11, 27, 0, 0, 2, tzinfo=UTC)),
        parent("eeeeeeee-0000-4000-8000-000000000001", "AWS-StartEC2Instance", "Success", NOW, Targets=[{"Key": "tag:Schedule", "Values": ["lab"]}]),
    ]
    expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": start_second_page},
           {"Filters": listing_filters("AWS-StartEC2Instance"), "MaxResults": 50, "NextToken": "page-2"})
    # the stop runbook: one run last Friday
    expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": [
        parent(stop, "AWS-StopEC2Instance", "Success", datetime.datetime(2026, 11, 27, 9, 0, 1, tzinfo=UTC))]},
        {"Filters": listing_filters("AWS-StopEC2Instance"), "MaxResults": 50})
    if FAILED_START in runs_read:
        stub_failed_start_children(stubber)
    if STOP in runs_read:
        expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": [
            child("cccccccc-0000-4000-8000-000000000005", stop, "i-0aaa1111aaaa1111a", "Success", DocumentName="AWS-StopEC2Instance")]},
            {"Filters": [{"Key": "ParentExecutionId", "Values": [stop]}], "MaxResults": 50})
    if OLDER_START in runs_read:
        expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": [
            child("cccccccc-0000-4000-8000-000000000004", older_start, "i-0aaa1111aaaa1111a", "Success")]},
            {"Filters": [{"Key": "ParentExecutionId", "Values": [older_start]}], "MaxResults": 50})


def stub_failed_start_children(stubber):
    """The children of this morning's start, in two pages; the failed one's message is only in its step."""
    failed_start = FAILED_START
    children = {"Filters": [{"Key": "ParentExecutionId", "Values": [failed_start]}], "MaxResults": 50}
    expect(stubber, "DescribeAutomationExecutions", {"NextToken": "children-2", "AutomationExecutionMetadataList": [
        child("cccccccc-0000-4000-8000-000000000001", failed_start, "i-0aaa1111aaaa1111a", "Success"),
        child("cccccccc-0000-4000-8000-000000000002", failed_start, "i-0bbb2222bbbb2222b", "Failed")]}, children)
    expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": [
        child("cccccccc-0000-4000-8000-000000000003", failed_start, "i-0ccc3333cccc3333c", "Success")]}, dict(children, NextToken="children-2"))
    expect(stubber, "GetAutomationExecution", {"AutomationExecution": {
        "AutomationExecutionId": "cccccccc-0000-4000-8000-000000000002",
        "AutomationExecutionStatus": "Failed",
        "StepExecutions": [
            {"StepName": "startInstances", "Action": "aws:changeInstanceState", "StepStatus": "Success"},
            {"StepName": "waitForRunning", "Action": "aws:changeInstanceState", "StepStatus": "Failed", "FailureMessage": KMS_FAILURE},
        ]}}, {"AutomationExecutionId": "cccccccc-0000-4000-8000-000000000002"})


def test_a_failed_start_on_one_of_three_instances_shows_its_message_under_that_instance():
    ssm = client("ssm")
    with Stubber(ssm) as stubber:
        stub_history(stubber)
        runs = ae.last_runs(ssm, DEPLOYED, count=3, window_hours=168, now=NOW)
        stubber.assert_no_pending_responses()
    office = runs["office"]
    assert [(run["action"], run["status"], run["start"]["local"]) for run in office] == [
        ("start", "Failed", "2026-11-30T09:00:02+09:00"),
        ("stop", "Success", "2026-11-27T18:00:01+09:00"),
        ("start", "Success", "2026-11-27T09:00:02+09:00"),
    ]
    latest = office[0]
    assert latest["start"]["utc"] == "2026-11-30T00:00:02+00:00" and latest["failed"]
    assert [(i["instance_id"], i["status"]) for i in latest["instances"]] == [
        ("i-0aaa1111aaaa1111a", "Success"), ("i-0bbb2222bbbb2222b", "Failed"), ("i-0ccc3333cccc3333c", "Success")]
    failed = latest["instances"][1]
    assert failed["failure_message"] == KMS_FAILURE
    assert failed["line"] == "i-0bbb2222bbbb2222b: Failed: " + KMS_FAILURE
    assert [i["failure_message"] for i in latest["instances"] if i["instance_id"] != "i-0bbb2222bbbb2222b"] == [None, None]
    assert not latest["instances_truncated"]
    assert not office[1]["failed"] and not office[2]["failed"]


def test_count_keeps_the_newest_runs():
    ssm = client("ssm")
    with Stubber(ssm) as stubber:
        stub_history(stubber, runs_read=(FAILED_START,))  # only the kept run's instances are read
        runs = ae.last_runs(ssm, DEPLOYED, count=1, window_hours=168, now=NOW)
        stubber.assert_no_pending_responses()
    assert [run["execution_id"] for run in runs["office"]] == [FAILED_START]


def test_the_listing_is_bounded():
    ssm = client("ssm")
    assert ae.PAGE_SIZE == ssm.meta.service_model.shape_for("MaxResults").metadata["max"]
    with Stubber(ssm) as stubber:
        many = [parent("aaaaaaaa-0000-4000-8000-%012d" % index, "AWS-StartEC2Instance", "Success", NOW) for index in range(50)]
        stubber.add_response("describe_automation_executions", {"AutomationExecutionMetadataList": many, "NextToken": "more"},
                             {"Filters": [{"Key": "DocumentNamePrefix", "Values": ["AWS-StartEC2Instance"]}], "MaxResults": 50})
        stubber.add_response("describe_automation_executions", {"AutomationExecutionMetadataList": many, "NextToken": "more"},
                             {"Filters": [{"Key": "DocumentNamePrefix", "Values": ["AWS-StartEC2Instance"]}], "MaxResults": 50, "NextToken": "more"})
        found = ae.describe_executions(ssm, [{"Key": "DocumentNamePrefix", "Values": ["AWS-StartEC2Instance"]}], 70)
        stubber.assert_no_pending_responses()  # and no third page was asked for (Stubber would have failed)
    assert len(found) == 70


def instance(instance_id, state, tags):
    return {"InstanceId": instance_id, "State": {"Code": 16 if state == "running" else 80, "Name": state},
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


def test_right_now_compares_the_instances_with_the_week():
    ec2 = client("ec2")
    office = schedule_from(DEPLOYED)
    filters = [{"Name": "tag:Schedule", "Values": ["office"]}, {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    assert_valid("ec2", "DescribeInstances", {"Filters": filters})
    with Stubber(ec2) as stubber:
        stubber.add_response("describe_instances", {"Reservations": [{"Instances": [
            instance("i-0aaa1111aaaa1111a", "running", {"Name": "web-1", "Schedule": "office"}),
            instance("i-0bbb2222bbbb2222b", "stopped", {"Name": "web-2", "Schedule": "office"})]}], "NextToken": "next"}, {"Filters": filters})
        stubber.add_response("describe_instances", {"Reservations": [{"Instances": [
            instance("i-0ccc3333cccc3333c", "stopped", {"Schedule": "office", "awsops:scheduler:pause-until": "2026-12-01T09:00:00+09:00"}),
            instance("i-0ddd4444dddd4444d", "stopped", {"Schedule": "office", "awsops:scheduler:pause-until": "2026-11-29T09:00:00+09:00"})]}]},
            {"Filters": filters, "NextToken": "next"})
        now = ae.right_now(ec2, office, NOW)
        stubber.assert_no_pending_responses()
    assert now["expected"] == "running" and now["at"]["local"] == "2026-11-30T10:00:00+09:00"
    assert now["as_expected"] == ["i-0aaa1111aaaa1111a"]
    assert now["not_as_expected"] == ["i-0bbb2222bbbb2222b", "i-0ddd4444dddd4444d"]  # a pause that has ended counts again
    assert now["paused"] == ["i-0ccc3333cccc3333c"]
    assert now["instances"][0]["name"] == "web-1"


@pytest.mark.parametrize("moment, expected", [
    (datetime.datetime(2026, 11, 30, 8, 59, tzinfo=UTC), "running"),  # Mon 17:59 Seoul
    (datetime.datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "stopped"),  # Mon 18:00 Seoul: the stop has fired
    (datetime.datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "stopped"),  # Sat 10:00 Seoul
    (datetime.datetime(2026, 12, 4, 0, 30, tzinfo=UTC), "running"),  # Fri 09:30 Seoul
])
def test_expected_state_follows_the_local_week(moment, expected):
    assert ae.expected_state(schedule_from(DEPLOYED), moment) == expected


class FakeModule:
    def __init__(self, clients):
        self.clients = clients

    def client(self, service, retry_decorator=None, config=None):
        return self.clients[service]


def test_the_info_report_gets_last_runs_and_right_now():
    ssm, ec2 = client("ssm"), client("ec2")
    result = report(DEPLOYED, "scheduler", "instance-scheduler", now=NOW)
    with Stubber(ssm) as ssm_stub, Stubber(ec2) as ec2_stub:
        stub_history(ssm_stub)
        ec2_stub.add_response("describe_instances", {"Reservations": []})
        ae.add_last_runs(FakeModule({"ssm": ssm, "ec2": ec2}), result, DEPLOYED, 3, 168)
        ssm_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    office = result["schedules"][0]
    assert office["last_runs"][0]["instances"][1]["line"].startswith("i-0bbb2222bbbb2222b: Failed: Step fails")
    assert office["right_now"]["expected"] == "running" and office["right_now"]["instances"] == []
    assert result["executions_window"]["after"] == "2026-11-23T01:00:00+00:00"


def test_a_runbook_that_skips_an_instance_says_why():
    ssm = client("ssm")
    run_id = "aaaaaaaa-0000-4000-8000-000000000007"
    skipped = child("cccccccc-0000-4000-8000-000000000007", run_id, "i-0aaa1111aaaa1111a", "Success",
                    Outputs={"decide.Decision": ["skip"], "decide.Reason": ["closed: 2026-12-25 Christmas Day"]})
    started = child("cccccccc-0000-4000-8000-000000000008", run_id, "i-0bbb2222bbbb2222b", "Success",
                    Outputs={"decide.Decision": ["start"], "decide.Reason": ["scheduled start"]})
    with Stubber(ssm) as stubber:
        expect(stubber, "DescribeAutomationExecutions", {"AutomationExecutionMetadataList": [skipped, started]},
               {"Filters": [{"Key": "ParentExecutionId", "Values": [run_id]}], "MaxResults": 50})
        outcomes, truncated = ae.instance_outcomes(ssm, run_id)
    assert [outcome["line"] for outcome in outcomes] == [
        "i-0aaa1111aaaa1111a: Success: skipped (closed: 2026-12-25 Christmas Day)", "i-0bbb2222bbbb2222b: Success"]
    assert outcomes[0]["reason"] == "closed: 2026-12-25 Christmas Day" and not truncated
