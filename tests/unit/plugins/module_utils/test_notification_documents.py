# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The failure rule's pattern against sample SSM events, the notification line, and the requests against botocore's models.

The local endpoint answers TestEventPattern with NotImplementedError, so the
pattern is evaluated by tests/awsops_harness/event_patterns.py (literals and
prefix, the only operators it uses), and cross-checked with moto's own
matcher (the one it uses to route PutEvents), run in-process. The sample
events follow AWS's documented example of "EC2 Automation Execution
Status-change Notification", one per status.
"""

import copy
import json

import pytest
from moto.events.models import EventPattern

from awsops_harness.botocore_models import assert_valid
from awsops_harness.event_patterns import UnsupportedPattern
from awsops_harness.event_patterns import matches

from ansible_collections.awsops.ssm.plugins.module_utils import notification_documents as docs

ACCOUNT = "123456789012"
INVOKER = "arn:aws:iam::%s:role/SSMSchedulerInvokerRole" % ACCOUNT
AUTOMATION = "arn:aws:iam::%s:role/SSMSchedulerAutomationRole" % ACCOUNT
OURS = ["AWS-StartEC2Instance", "AWS-StopEC2Instance"]
STATUSES = ["Pending", "InProgress", "Waiting", "Success", "TimedOut", "Cancelling", "Cancelled", "Failed", "CompletedWithSuccess",
            "CompletedWithFailure", "Exited"]


def status_event(status="Failed", definition="AWS-StartEC2Instance", executed_by=INVOKER.replace(":iam::", ":sts::").replace(
        ":role/", ":assumed-role/") + "/a1b2c3d4e5f6", execution="333ba70b-2333-48db-b17e-a5e69c6f4d1c"):
    return {
        "version": "0",
        "id": "d290ece9-1088-4383-9df6-cd5b4ac42b99",
        "detail-type": "EC2 Automation Execution Status-change Notification",
        "source": "aws.ssm",
        "account": ACCOUNT,
        "time": "2026-11-30T00:00:41Z",
        "region": "ap-northeast-2",
        "resources": ["arn:aws:ssm:ap-northeast-2:%s:automation-execution/%s" % (ACCOUNT, execution),
                      "arn:aws:ssm:ap-northeast-2::automation-definition/%s:2" % definition],
        "detail": {
            "ExecutionId": execution,
            "Definition": definition,
            "DefinitionVersion": 2.0,
            "Status": status,
            "StartTime": "Nov 30, 2026 12:00:20 AM",
            "EndTime": "Nov 30, 2026 12:00:41 AM",
            "Time": 21000.0,
            "ExecutedBy": executed_by,
        },
    }


PATTERN = docs.event_pattern(OURS, [INVOKER, AUTOMATION])


def both_agree(pattern, event):
    ours = matches(pattern, event)
    assert EventPattern(json.dumps(pattern), pattern).matches_event(event) == ours, "moto's matcher disagrees on %r" % event
    return ours


def test_a_failed_start_of_our_runbook_by_our_role_matches():
    assert both_agree(PATTERN, status_event("Failed"))


@pytest.mark.parametrize("status", STATUSES)
def test_only_failed_timed_out_and_cancelled_match(status):
    assert both_agree(PATTERN, status_event(status)) == (status in ("Failed", "TimedOut", "Cancelled"))


def test_a_failed_execution_of_another_document_does_not_match():
    assert not both_agree(PATTERN, status_event("Failed", definition="AWS-RestartEC2Instance"))
    assert not both_agree(PATTERN, status_event("Failed", definition="AWS-StartEC2InstanceX"))


def test_our_runbook_started_by_someone_else_does_not_match():
    person = "arn:aws:sts::%s:assumed-role/Admin/jane" % ACCOUNT
    assert not both_agree(PATTERN, status_event("Failed", executed_by=person))
    # a role whose name only begins like ours is not ours: the prefix ends at the slash after the name
    assert not both_agree(PATTERN, status_event("Failed", executed_by=person.replace("Admin", "SSMSchedulerInvokerRole2")))
    assert not both_agree(PATTERN, status_event("Failed", executed_by="arn:aws:iam::999999999999:role/SSMSchedulerInvokerRole"))


@pytest.mark.parametrize("executed_by", [
    INVOKER,
    AUTOMATION,
    "arn:aws:sts::%s:assumed-role/SSMSchedulerAutomationRole/child-execution" % ACCOUNT,
    "arn:aws:sts::%s:assumed-role/SSMSchedulerInvokerRole/instance-scheduler" % ACCOUNT,
])
def test_the_roles_and_their_sessions_match(executed_by):
    assert both_agree(PATTERN, status_event("TimedOut", definition="AWS-StopEC2Instance", executed_by=executed_by))


def test_other_event_types_do_not_match():
    step = status_event("Failed")
    step["detail-type"] = "EC2 Automation Step Status-change Notification"
    assert not both_agree(PATTERN, step)
    other_source = status_event("Failed")
    other_source["source"] = "aws.ec2"
    assert not both_agree(PATTERN, other_source)


def test_a_role_with_a_path_is_matched_by_its_name_in_sessions():
    pattern = docs.event_pattern(OURS, ["arn:aws:iam::%s:role/service/ops/Invoker" % ACCOUNT])
    assert matches(pattern, status_event(executed_by="arn:aws:sts::%s:assumed-role/Invoker/x" % ACCOUNT))
    assert matches(pattern, status_event(executed_by="arn:aws:iam::%s:role/service/ops/Invoker" % ACCOUNT))


def test_the_collections_own_runbook_is_matched_by_its_name():
    pattern = docs.event_pattern(["awsops-ssm-StartStopInstances"], [INVOKER])
    assert matches(pattern, status_event("Failed", definition="awsops-ssm-StartStopInstances"))
    assert not matches(pattern, status_event("Failed", definition="AWS-StartEC2Instance"))


def test_the_evaluator_refuses_operators_it_does_not_know():
    for pattern in ({"detail": {"Status": [{"anything-but": "Success"}]}}, {"$or": [{"source": ["aws.ssm"]}]}, {"source": "aws.ssm"}):
        with pytest.raises(UnsupportedPattern):
            matches(pattern, status_event())
    assert not matches({"detail": {"Time": ["21000.0"]}}, status_event())  # literals compare with their type


def test_the_notification_line_names_what_failed_and_links_to_the_execution():
    transformer = docs.input_transformer("instance-scheduler", "scheduler", "aws")
    line = docs.notification_line(transformer, status_event("Failed"))
    assert line == (
        "awsops.ssm office hours (scheduler backend, instance-scheduler) in 123456789012 ap-northeast-2: AWS-StartEC2Instance Failed at "
        "2026-11-30T00:00:41Z, execution 333ba70b-2333-48db-b17e-a5e69c6f4d1c started by "
        "arn:aws:sts::123456789012:assumed-role/SSMSchedulerInvokerRole/a1b2c3d4e5f6. Each instance and its failure: "
        "https://ap-northeast-2.console.aws.amazon.com/systems-manager/automation/execution/333ba70b-2333-48db-b17e-a5e69c6f4d1c"
        "?region=ap-northeast-2")
    assert "console.amazonaws.cn" in docs.input_transformer("g", "lambda", "aws-cn")["InputTemplate"]
    # every placeholder of the template has a path, and every path is used
    template = transformer["InputTemplate"]
    assert all("<%s>" % key in template for key in transformer["InputPathsMap"])


def test_requests_are_valid_for_botocore():
    topic = "arn:aws:sns:us-east-1:%s:instance-scheduler-notifications" % ACCOUNT
    rule = "arn:aws:events:us-east-1:%s:rule/instance-scheduler-automation-failures" % ACCOUNT
    alarm = docs.queue_alarm_request("instance-scheduler", "instance-scheduler-office-dlq", topic)
    assert_valid("cloudwatch", "PutMetricAlarm", alarm)
    assert_valid("cloudwatch", "PutMetricAlarm", docs.function_errors_alarm_request("instance-scheduler", topic))
    assert_valid("events", "PutRule", {"Name": docs.rule_name("instance-scheduler"), "EventPattern": docs.canonical_json(PATTERN),
                                       "State": "ENABLED", "Description": docs.rule_marker("instance-scheduler")})
    target = {"Id": "notify", "Arn": topic, "InputTransformer": docs.input_transformer("instance-scheduler", "scheduler", "aws")}
    assert_valid("events", "PutTargets", {"Rule": docs.rule_name("instance-scheduler"), "Targets": [target]})
    policy = docs.topic_policy(topic, ACCOUNT, rule, ["arn:aws:cloudwatch:us-east-1:%s:alarm:%s" % (ACCOUNT, alarm["AlarmName"])])
    assert_valid("sns", "CreateTopic", {"Name": docs.topic_name("instance-scheduler"),
                                        "Attributes": {"KmsMasterKeyId": "alias/aws/sns", "Policy": docs.canonical_json(policy)}})
    queue = "arn:aws:sqs:us-east-1:%s:instance-scheduler-office-dlq" % ACCOUNT
    queue_policy = docs.dead_letter_queue_policy(queue, ACCOUNT, docs.schedule_arns("aws", "us-east-1", ACCOUNT, "instance-scheduler", "office"))
    assert_valid("sqs", "CreateQueue", {"QueueName": "instance-scheduler-office-dlq", "tags": {"awsops:ssm:managed-by": "awsops.ssm"},
                                        "Attributes": {"SqsManagedSseEnabled": "true", "Policy": docs.canonical_json(queue_policy)}})
    assert_valid("lambda", "PutFunctionEventInvokeConfig", {"FunctionName": "instance-scheduler", "MaximumRetryAttempts": 2,
                                                            "MaximumEventAgeInSeconds": 900,
                                                            "DestinationConfig": {"OnFailure": {"Destination": queue}}})
    assert_valid("scheduler", "UpdateSchedule", {
        "Name": "office-start", "GroupName": "instance-scheduler", "ScheduleExpression": "cron(0 9 ? * MON-FRI *)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution", "RoleArn": INVOKER, "DeadLetterConfig": {"Arn": queue}}})


def test_the_policies_grant_publish_and_send_to_named_sources_only():
    topic = "arn:aws:sns:us-east-1:%s:t" % ACCOUNT
    policy = docs.topic_policy(topic, ACCOUNT, "arn:aws:events:us-east-1:%s:rule/r" % ACCOUNT, [])
    assert [statement["Sid"] for statement in policy["Statement"]] == ["FailureRulePublishes"]  # no alarm, no alarm statement
    for statement in policy["Statement"] + docs.dead_letter_queue_policy("q", ACCOUNT, ["s"])["Statement"]:
        assert statement["Resource"] != "*" and "aws:SourceArn" in json.dumps(statement["Condition"])
        assert isinstance(statement["Action"], str) and "*" not in statement["Action"]
    for statement in docs.topic_key_policy_statements(ACCOUNT, topic):
        assert statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:sns:topicArn"] == topic
    assert docs.send_to_queues_statement(["b", "a"])["Resource"] == ["a", "b"]


@pytest.mark.parametrize("group, backend, schedules, problem", [
    ("instance-scheduler", "scheduler", ["office", "night_shift"], None),
    ("instance.scheduler", "scheduler", [], 'group: "instance.scheduler" cannot name'),
    ("g" * 50, "scheduler", [], "the rule"),
    ("instance-scheduler", "scheduler", ["a.b"], 'schedules[0]: "a.b" cannot name a dead-letter queue'),
    ("instance-scheduler", "scheduler", ["x" * 60], "exceed 80 characters"),
    ("instance-scheduler", "scheduler", ["a", "a"], 'schedules: "a" is listed twice'),
    ("instance-scheduler", "lambda", ["a.b"], None),  # the lambda backend makes no queue per schedule
])
def test_name_problems(group, backend, schedules, problem):
    problems = docs.name_problems(group, backend, schedules)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in text for text in problems), problems


def test_alarm_view_compares_a_request_with_what_describe_alarms_answers():
    request = docs.queue_alarm_request("g", "g-a-dlq", "arn:aws:sns:us-east-1:%s:t" % ACCOUNT)
    described = copy.deepcopy(request)
    described.update(Threshold=0, AlarmArn="arn", StateValue="OK", Dimensions=list(reversed(request["Dimensions"])))
    assert docs.alarm_view(described) == docs.alarm_view(request)
