# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_scheduler_notifications against the local endpoint, both backends.

The topic, subscriptions, rule, target, queues, alarms and the function's
event invoke config are real resources of the emulator. It never emits SSM
events, delivers to SNS, fires an alarm or checks a key or queue policy: the
rule's pattern and the notification line are tested against sample events in
tests/unit (test_notification_documents.py), the policies are linted there.
"""

import json

import pytest

from awsops_harness.sequence import Step
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_scheduler_notifications"
GROUP = "instance-scheduler"
TOPIC = "instance-scheduler-notifications"
RULE = "instance-scheduler-automation-failures"
DOCUMENTS = ["AWS-StartEC2Instance", "AWS-StopEC2Instance"]
ACCOUNT = "123456789012"
TOPIC_ARN = "arn:aws:sns:us-east-1:%s:%s" % (ACCOUNT, TOPIC)
KEY_ALIAS = "alias/instance-scheduler-notifications"


def notify_args(roles, **extra):
    args = {"documents": DOCUMENTS, "executed_by": sorted(roles.values())}
    args.update(extra)
    return args


def queue_names(sqs):
    return sorted(url.rsplit("/", 1)[-1] for url in sqs.list_queues().get("QueueUrls", []))


def alarm_names(cloudwatch):
    return sorted(alarm["AlarmName"] for alarm in cloudwatch.describe_alarms()["MetricAlarms"])


def topic_arns(sns):
    return sorted(topic["TopicArn"] for topic in sns.list_topics()["Topics"])


def endpoints(sns, topic_arn):
    return sorted("%s:%s" % (s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"])


def rule_names(events):
    return sorted(rule["Name"] for rule in events.list_rules()["Rules"])


def test_scheduler_backend_sequence(ansible, aws, roles):
    sns, sqs, cloudwatch, events, kms = aws("sns"), aws("sqs"), aws("cloudwatch"), aws("events"), aws("kms")
    create = notify_args(roles, schedules=["office", "night"], email=["ops@example.com"], tags={"team": "ops"})
    modify = notify_args(roles, schedules=["office", "late"], email=["ops@example.com"], https=["https://hooks.example.com/notify"],
                         tags={"team": "platform"})
    delete = {"state": "absent"}

    def check_state(step, result):
        if step.name == "create (check)":
            assert result.result["topic_arn"] == TOPIC_ARN
            assert "create rule %s" % RULE in result.result["changes"]
        if step.name == "create":
            assert queue_names(sqs) == ["instance-scheduler-night-dlq", "instance-scheduler-office-dlq"]
            assert alarm_names(cloudwatch) == ["instance-scheduler-night-dlq-messages", "instance-scheduler-office-dlq-messages"]
            assert endpoints(sns, TOPIC_ARN) == ["email:ops@example.com"]
            attributes = sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
            # no kms_key: a customer managed key of the module's own, which EventBridge and CloudWatch may use for this topic only
            assert attributes["KmsMasterKeyId"] == KEY_ALIAS == result.result["kms_key"]
            key = kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]
            key_policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
            assert [s["Sid"] for s in key_policy["Statement"]] == [
                "AccountAdministersKey", "EventBridgePublishesToEncryptedTopic", "CloudWatchPublishesToEncryptedTopic"]
            assert key_policy["Statement"][1]["Condition"]["StringLike"] == {"kms:EncryptionContext:aws:sns:topicArn": TOPIC_ARN}
            assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
            policy = json.loads(attributes["Policy"])
            assert [s["Principal"]["Service"] for s in policy["Statement"]] == ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
            assert policy["Statement"][0]["Condition"] == {"ArnEquals": {"aws:SourceArn": result.result["rule_arn"]}}
            rule = events.describe_rule(Name=RULE)
            assert json.loads(rule["EventPattern"])["detail"]["Definition"] == DOCUMENTS
            target = events.list_targets_by_rule(Rule=RULE)["Targets"]
            assert [t["Arn"] for t in target] == [TOPIC_ARN] and "InputTemplate" in target[0]["InputTransformer"]
            url = sqs.get_queue_url(QueueName="instance-scheduler-office-dlq")["QueueUrl"]
            queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            assert queue["SqsManagedSseEnabled"] == "true"
            condition = json.loads(queue["Policy"])["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
            assert condition == ["arn:aws:scheduler:us-east-1:%s:schedule/%s/office-%s" % (ACCOUNT, GROUP, action) for action in ("start", "stop")]
            assert result.result["dead_letter_configs"]["office-start"] == {"Arn": "arn:aws:sqs:us-east-1:%s:instance-scheduler-office-dlq" % ACCOUNT}
            assert not any("alias/aws/sns" in warning for warning in result.result.get("warnings", []))  # its own key: no warning
        if step.name == "modify":
            assert queue_names(sqs) == ["instance-scheduler-late-dlq", "instance-scheduler-office-dlq"]
            assert alarm_names(cloudwatch) == ["instance-scheduler-late-dlq-messages", "instance-scheduler-office-dlq-messages"]
            assert endpoints(sns, TOPIC_ARN) == ["email:ops@example.com", "https:https://hooks.example.com/notify"]
            tags = dict((t["Key"], t["Value"]) for t in sns.list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"])
            assert tags == {"team": "platform", "awsops:ssm:managed-by": "awsops.ssm"}
            policy = json.loads(sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["Policy"])
            assert sorted(policy["Statement"][1]["Condition"]["ArnEquals"]["aws:SourceArn"]) == [
                "arn:aws:cloudwatch:us-east-1:%s:alarm:instance-scheduler-%s-dlq-messages" % (ACCOUNT, name) for name in ("late", "office")]
        if step.name == "delete":
            assert (queue_names(sqs), alarm_names(cloudwatch), topic_arns(sns), rule_names(events)) == ([], [], [], [])
            assert KEY_ALIAS not in [alias["AliasName"] for alias in kms.list_aliases()["Aliases"]]
            assert [kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] for key in kms.list_keys()["Keys"]] == ["PendingDeletion"]

    run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)


def test_lambda_backend_sequence(ansible, aws, lambda_roles):
    sns, sqs, cloudwatch, functions = aws("sns"), aws("sqs"), aws("cloudwatch"), aws("lambda")
    schedules = dict(lambda_roles, backend="lambda", schedules=[{"name": "office", "start": "09:00", "stop": "18:00"}])
    result, run = ansible.run_module("awsops.ssm.ssm_automation_schedules", schedules)
    assert result.changed, run.summary()
    queue_arn = "arn:aws:sqs:us-east-1:%s:instance-scheduler-failed-invocations" % ACCOUNT
    create = notify_args(lambda_roles, backend="lambda", email=["ops@example.com"])
    modify = notify_args(lambda_roles, backend="lambda", email=["oncall@example.com"])
    delete = {"backend": "lambda", "state": "absent"}

    def check_state(step, result):
        if step.name == "create":
            assert queue_names(sqs) == ["instance-scheduler-failed-invocations"]
            assert alarm_names(cloudwatch) == ["instance-scheduler-function-errors"]
            alarm = cloudwatch.describe_alarms(AlarmNames=["instance-scheduler-function-errors"])["MetricAlarms"][0]
            assert (alarm["Namespace"], alarm["MetricName"], alarm["AlarmActions"]) == ("AWS/Lambda", "Errors", [TOPIC_ARN])
            config = functions.get_function_event_invoke_config(FunctionName=GROUP)
            assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn
            assert result.result["send_statement"]["Resource"] == [queue_arn]
        if step.name == "modify":
            assert endpoints(sns, TOPIC_ARN) == ["email:oncall@example.com"]
        if step.name == "delete":
            assert (queue_names(sqs), alarm_names(cloudwatch), topic_arns(sns)) == ([], [], [])
            assert functions.list_function_event_invoke_configs(FunctionName=GROUP)["FunctionEventInvokeConfigs"] == []
            assert functions.get_function(FunctionName=GROUP)["Configuration"]["FunctionName"] == GROUP  # the function is not ours here

    run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)


def test_an_existing_topic_is_used_and_never_changed(ansible, aws, roles):
    sns, events = aws("sns"), aws("events")
    existing = sns.create_topic(Name="ops-alerts", Tags=[{"Key": "owner", "Value": "ops"}])["TopicArn"]
    snapshot = (sns.get_topic_attributes(TopicArn=existing)["Attributes"], sns.list_tags_for_resource(ResourceArn=existing)["Tags"])
    own = notify_args(roles, schedules=["office"], email=["ops@example.com"])
    use_existing = notify_args(roles, schedules=["office"], topic_arn=existing)
    steps = [
        Step("own topic", own, False, True),
        Step("switch to the existing topic (check)", use_existing, True, True),
        Step("switch to the existing topic", use_existing, False, True),
        Step("again (check)", use_existing, True, False),
        Step("again", use_existing, False, False),
        Step("delete (check)", {"state": "absent"}, True, True),
        Step("delete", {"state": "absent"}, False, True),
        Step("delete again", {"state": "absent"}, False, False),
    ]

    def check_state(step, result):
        if step.name == "switch to the existing topic":
            assert topic_arns(sns) == [existing]  # our own topic went, with its subscription
            assert [t["Arn"] for t in events.list_targets_by_rule(Rule=RULE)["Targets"]] == [existing]
            assert result.result["topic_policy_statements"][0]["Condition"] == {"ArnEquals": {"aws:SourceArn": result.result["rule_arn"]}}
            assert any("does not name the rule" in warning for warning in result.result["warnings"])
            assert any(existing in kept for kept in result.result["kept"])
        if step.name == "delete":
            assert topic_arns(sns) == [existing] and rule_names(events) == []
        assert (sns.get_topic_attributes(TopicArn=existing)["Attributes"], sns.list_tags_for_resource(ResourceArn=existing)["Tags"]) == snapshot

    run_sequence(ansible, MODULE, steps, after_step=check_state)


def test_rerun_reads_once_per_resource(ansible, roles):
    """Measured: one read per resource (two for a queue: its tags say it is ours), no write.

    A resource's reads run in parallel (AWSOPS_SSM_READ_WORKERS), so their order is not part of the promise: the count is.
    """
    args = notify_args(roles, schedules=["office", "night"], email=["ops@example.com"])
    ansible.run_module(MODULE, args)
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed and run.writes == []
    assert sorted(str(call) for call in run.calls) == sorted([
        "events:DescribeRule", "events:ListTargetsByRule",
        "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic",
        "kms:DescribeKey", "kms:ListResourceTags", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
        "sqs:ListQueues", "sqs:ListQueueTags", "sqs:GetQueueAttributes", "sqs:ListQueueTags", "sqs:GetQueueAttributes",
        "cloudwatch:DescribeAlarms",
    ])


def test_writes_are_accepted_again_after_a_lost_answer(ansible, aws, roles):
    """Create after retry: the same run's writes sent a second time (as a retry would after a lost answer) fail nothing and change nothing."""
    args = notify_args(roles, schedules=["office"], email=["ops@example.com"])
    first, run = ansible.run_module(MODULE, args)
    assert first.changed, run.summary()
    sns, sqs, cloudwatch, events = aws("sns"), aws("sqs"), aws("cloudwatch"), aws("events")
    # The writes of the first run, as the module sent them, once more.
    sns.create_topic(Name=TOPIC, Attributes=dict((k, v) for k, v in sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"].items()
                                                 if k in ("KmsMasterKeyId", "Policy")),
                     Tags=[{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}])
    url = sqs.get_queue_url(QueueName="instance-scheduler-office-dlq")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "SqsManagedSseEnabled", "MessageRetentionPeriod"])["Attributes"]
    sqs.create_queue(QueueName="instance-scheduler-office-dlq", Attributes=attributes, tags={"awsops:ssm:managed-by": "awsops.ssm"})
    alarm = cloudwatch.describe_alarms(AlarmNames=["instance-scheduler-office-dlq-messages"])["MetricAlarms"][0]
    cloudwatch.put_metric_alarm(**dict((k, alarm[k]) for k in (
        "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "Namespace", "MetricName", "Dimensions", "Statistic", "Period",
        "EvaluationPeriods", "Threshold", "ComparisonOperator", "TreatMissingData")))
    rule = events.describe_rule(Name=RULE)
    events.put_rule(Name=RULE, EventPattern=rule["EventPattern"], State="ENABLED", Description=rule["Description"])
    events.put_targets(Rule=RULE, Targets=events.list_targets_by_rule(Rule=RULE)["Targets"])
    sns.subscribe(TopicArn=TOPIC_ARN, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True)
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed and run.writes == [], run.summary()
    assert endpoints(sns, TOPIC_ARN) == ["email:ops@example.com"]


def test_names_taken_by_resources_not_ours_stop_the_run_before_any_write(ansible, aws, roles):
    aws("sqs").create_queue(QueueName="instance-scheduler-office-dlq")
    result, run = ansible.run_module(MODULE, notify_args(roles, schedules=["office"]))
    assert result.failed and "queue instance-scheduler-office-dlq" in result.result["msg"], run.summary()
    assert run.writes == []
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert not result.changed and run.writes == []
    assert queue_names(aws("sqs")) == ["instance-scheduler-office-dlq"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"schedules": ["a.b"]}, 'schedules[0]: "a.b" cannot name a dead-letter queue'),
        ({"schedules": ["x" * 70]}, "schedules[0]: "),
        ({"group": "my.group"}, 'group: "my.group" cannot name'),
        ({"topic_arn": "ops-alerts"}, 'topic_arn: "ops-alerts" is not an SNS topic ARN'),
        ({"topic_arn": "arn:aws:sns:us-east-1:123456789012:ops", "email": ["a@example.com"]}, "email: only for a topic the collection creates"),
        ({"email": ["not-an-address"]}, 'email: "not-an-address" is not an email address'),
        ({"https": ["http://insecure.example.com"]}, 'https: "http://insecure.example.com" is not an HTTPS URL'),
        ({"kms_key": "my key"}, 'kms_key: "my key" is not a KMS key'),
        ({"documents": []}, "documents: an empty list matches no execution"),
        ({"executed_by": ["SSMSchedulerInvokerRole"]}, 'executed_by: "SSMSchedulerInvokerRole" is not a role ARN'),
    ],
)
def test_bad_input_fails_before_any_call(ansible, extra, message):
    args = {"documents": DOCUMENTS, "executed_by": ["arn:aws:iam::%s:role/Invoker" % ACCOUNT]}
    args.update(extra)
    result, run = ansible.run_module(MODULE, args)
    assert result.failed and message in result.result["msg"], result.result
    assert run.calls == []
