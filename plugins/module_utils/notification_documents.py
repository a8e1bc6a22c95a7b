# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names, the event pattern, the notification line and the policies of failure notifications.

Pure functions (no AWS call), so unit tests can evaluate the pattern against
sample events and lint every policy document.

What SSM tells EventBridge (the event "EC2 Automation Execution Status-change
Notification", source ``aws.ssm``, documented with an example at
https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html):
``detail`` holds ``ExecutionId``, ``Definition`` (the runbook's name),
``DefinitionVersion``, ``Status``, ``StartTime``, ``EndTime``, ``Time`` and
``ExecutedBy`` (the principal that started it). Every execution sends it,
the parent of a tag-targeted run and each per-instance child alike. It
carries neither the schedule, the instance nor the failure message: the
notification line names the runbook, the status, the execution and who
started it, and links to the execution's console page, which lists each
instance with its failure; the report (``ssm_automation_schedule_info``
with ``executions``) shows the same per schedule and instance.

The rule matches only this collection's executions: the runbooks it
starts (``documents``: AWS-StartEC2Instance / AWS-StopEC2Instance, or the
collection's own runbook) *and* a principal of ours (``executed_by``: the
invoker role that starts the parent and the automation role that the
children run as). ``ExecutedBy`` is an IAM role ARN or, for a role session,
``arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION``; the pattern takes
both forms (exact match and ``prefix``), the only two operators it uses.
"""

import json
import re

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import POLICY_VERSION

EVENT_SOURCE = "aws.ssm"
EVENT_DETAIL_TYPE = "EC2 Automation Execution Status-change Notification"
FAILED_STATUSES = ("Failed", "TimedOut", "Cancelled")
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
EVENTS_SERVICE = "events.amazonaws.com"
CLOUDWATCH_SERVICE = "cloudwatch.amazonaws.com"
SCHEDULER_SERVICE = "scheduler.amazonaws.com"
# Console hosts by partition (the link in the notification line).
CONSOLE_HOSTS = {"aws": "console.aws.amazon.com", "aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com"}

_ROLE_ARN = re.compile(r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)")
_RESOURCE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}")
_DOCUMENT_NAME = re.compile(r"[a-zA-Z0-9_\-.:/]{3,128}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HTTPS_URL = re.compile(r"https://[^/\s]+(/\S*)?")
_KMS_KEY = re.compile(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)|alias/[A-Za-z0-9/_-]{1,250}|(mrk-)?[A-Fa-f0-9-]{32,36}"
)
# AWS name limits: SNS topic 256, EventBridge rule 64, SQS queue 80 ([A-Za-z0-9_-]); alarms 255.
LIMITS = {"topic": 256, "rule": 64, "queue": 80}


# ---------------------------------------------------------------- names


def collection_documents(group):
    """The runbooks this collection's schedules start: AWS's start and stop runbooks, and the group's own runbook
    ``<group>-StartStopInstance`` of closed days and paused instances (a name no execution has yet matches nothing)."""
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import DOCUMENTS

    return sorted(set(DOCUMENTS.values()) | {"%s-StartStopInstance" % group})


def topic_name(group):
    return "%s-notifications" % group


def topic_key_alias(group):
    """The customer managed key the module creates for its topic when no kms_key is given."""
    return "alias/%s-notifications" % group


def rule_name(group):
    return "%s-automation-failures" % group


def dead_letter_queue_name(group, schedule):
    """The scheduler backend's DLQ of one office-hours schedule (its -start and -stop schedules)."""
    return "%s-%s-dlq" % (group, schedule)


def failed_invocations_queue_name(group):
    """The lambda backend's on-failure destination of the function."""
    return "%s-failed-invocations" % group


def queue_names(backend, group, schedules):
    """schedule name (None for the function's queue) -> its queue name: the queues the notifications of these schedules use."""
    if backend == "lambda":
        return {None: failed_invocations_queue_name(group)}
    return dict((schedule, dead_letter_queue_name(group, schedule)) for schedule in schedules)


def queue_alarm_name(queue_name):
    return "%s-messages" % queue_name


def function_errors_alarm_name(group):
    return "%s-function-errors" % group


def rule_marker(group):
    return "Managed by awsops.ssm: failure notifications of %s" % group


def alarm_marker(group):
    return "Managed by awsops.ssm: failure notifications of %s: " % group


def arn(partition, service, region, account, resource, separator=":"):
    return "arn:%s:%s:%s:%s%s%s" % (partition, service, region, account, separator, resource)


def schedule_arns(partition, region, account, group, schedule):
    """The two EventBridge Scheduler schedules of one office-hours schedule (backend scheduler)."""
    return [arn(partition, "scheduler", region, account, "schedule/%s/%s-%s" % (group, schedule, action)) for action in ("start", "stop")]


# ---------------------------------------------------------------- checks


def name_problems(group, backend, schedules, name=lambda option: option):
    """Problems with the group and schedule names as names of the topic, rule and queues; name(option) names them in messages."""
    problems = []
    if not isinstance(group, str) or not _RESOURCE_NAME.fullmatch(group):
        return ["%s: %s cannot name the notification topic and queues; expected letters, digits, - or _" % (name("group"), json.dumps(group))]
    for kind, resource in (("topic", topic_name(group)), ("rule", rule_name(group))):
        if len(resource) > LIMITS[kind]:
            problems.append("%s: %s is too long; the %s %s would exceed %d characters" % (name("group"), json.dumps(group), kind, resource, LIMITS[kind]))
    if backend == "lambda":
        resource = failed_invocations_queue_name(group)
        if len(resource) > LIMITS["queue"]:
            problems.append("%s: %s is too long; the queue %s would exceed %d characters" % (name("group"), json.dumps(group), resource, LIMITS["queue"]))
        return problems
    for index, schedule in enumerate(schedules):
        option = "%s[%d]" % (name("schedules"), index)
        if not isinstance(schedule, str) or not _RESOURCE_NAME.fullmatch(schedule):
            problems.append("%s: %s cannot name a dead-letter queue; expected letters, digits, - or _" % (option, json.dumps(schedule)))
        elif len(dead_letter_queue_name(group, schedule)) > LIMITS["queue"]:
            problems.append("%s: %s is too long; its dead-letter queue %s would exceed %d characters" % (
                option, json.dumps(schedule), dead_letter_queue_name(group, schedule), LIMITS["queue"]))
    seen = set()
    for schedule in schedules:
        if schedule in seen:
            problems.append("%s: %s is listed twice" % (name("schedules"), json.dumps(schedule)))
        seen.add(schedule)
    return problems


TOPIC_OPTIONS = ("topic_arn", "email", "https", "kms_key")


def topic_problems(values, name=lambda option: option):
    """Problems with the topic options (TOPIC_OPTIONS) in values; name(option) is what the messages call each one."""
    problems = []
    if values.get("topic_arn") is not None:
        if not isinstance(values["topic_arn"], str) or not _TOPIC_ARN.fullmatch(values["topic_arn"]):
            problems.append("%s: %s is not an SNS topic ARN; expected arn:aws:sns:REGION:ACCOUNT:NAME" % (name("topic_arn"), json.dumps(values["topic_arn"])))
        for option in ("email", "https", "kms_key"):
            if values.get(option):
                problems.append("%s: only for a topic the collection creates; an existing topic (%s) is used as it is, never changed" % (
                    name(option), name("topic_arn")))
    for option, pattern, what in (("email", _EMAIL, "an email address (NAME@DOMAIN)"), ("https", _HTTPS_URL, "an HTTPS URL (https://HOST/PATH)")):
        addresses = values.get(option) or []
        if not isinstance(addresses, list):
            problems.append("%s: %s is not a list; expected a list of texts" % (name(option), json.dumps(addresses)))
            continue
        for address in addresses:
            if not isinstance(address, str) or not pattern.fullmatch(address):
                problems.append("%s: %s is not %s" % (name(option), json.dumps(address), what))
    kms_key = values.get("kms_key")
    if kms_key is not None and (not isinstance(kms_key, str) or not _KMS_KEY.fullmatch(kms_key)):
        problems.append("%s: %s is not a KMS key; expected a key ARN, key id, alias/NAME or an alias ARN" % (name("kms_key"), json.dumps(kms_key)))
    return problems


def input_problems(params):
    """Every problem with the module's options, each naming the option and the accepted form."""
    problems = name_problems(params["group"], params["backend"], params["schedules"] or [])
    present = params["state"] == "present"
    problems.extend(topic_problems(params))
    if present:
        if params["documents"] == []:
            problems.append("documents: an empty list matches no execution; expected the names of the runbooks the schedules start, "
                            "or no documents for the collection's own")
        for document in params["documents"] or []:
            if not _DOCUMENT_NAME.fullmatch(document):
                problems.append("documents: %s is not an SSM document name (3-128 letters, digits and _ - . : /)" % json.dumps(document))
        if not params["executed_by"]:
            problems.append("executed_by: required with state present; expected the role ARNs that start the automations "
                            "(the invoker role and the automation role)")
        for role in params["executed_by"] or []:
            if not _ROLE_ARN.fullmatch(role):
                problems.append("executed_by: %s is not a role ARN; expected arn:aws:iam::ACCOUNT:role/NAME" % json.dumps(role))
    return problems


# ---------------------------------------------------------------- the rule


def executed_by_filters(role_arns):
    """The ExecutedBy values of executions started by these roles: the role ARN, or any session of it."""
    filters = []
    for role in sorted(set(role_arns)):
        match = _ROLE_ARN.fullmatch(role)
        filters.append(role)
        filters.append({"prefix": "arn:%s:sts::%s:assumed-role/%s/" % (match.group("partition"), match.group("account"), match.group("name"))})
    return filters


def event_pattern(documents, role_arns):
    """Failed, timed-out and cancelled executions of these runbooks started by these roles."""
    return {
        "source": [EVENT_SOURCE],
        "detail-type": [EVENT_DETAIL_TYPE],
        "detail": {
            "Definition": sorted(set(documents)),
            "Status": list(FAILED_STATUSES),
            "ExecutedBy": executed_by_filters(role_arns),
        },
    }


def canonical_json(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def input_transformer(group, backend, partition):
    """One readable line per event: what failed, when, who started it, and where to see each instance."""
    host = CONSOLE_HOSTS.get(partition, CONSOLE_HOSTS["aws"])
    paths = {
        "definition": "$.detail.Definition",
        "status": "$.detail.Status",
        "execution": "$.detail.ExecutionId",
        "executedBy": "$.detail.ExecutedBy",
        "time": "$.time",
        "region": "$.region",
        "account": "$.account",
    }
    line = (
        "awsops.ssm office hours (%s backend, %s) in <account> <region>: <definition> <status> at <time>, execution <execution> "
        "started by <executedBy>. Each instance and its failure: https://<region>.%s/systems-manager/automation/execution/<execution>?region=<region>"
    ) % (backend, group, host)
    return {"InputPathsMap": paths, "InputTemplate": json.dumps(line)}


def notification_line(transformer, event):
    """The line the transformer writes for an event (what SNS receives), for tests and the docs."""
    values = {}
    for key, path in transformer["InputPathsMap"].items():
        value = event
        for part in path[2:].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        values[key] = value
    text = json.loads(transformer["InputTemplate"])
    for key, value in values.items():
        text = text.replace("<%s>" % key, "" if value is None else str(value))
    return text


# ---------------------------------------------------------------- policies


def topic_policy(topic_arn, account, rule_arn, alarm_arns):
    """Only the rule (EventBridge) and the alarms (CloudWatch) may publish, each by its own ARN."""
    statements = [
        {
            "Sid": "FailureRulePublishes",
            "Effect": "Allow",
            "Principal": {"Service": EVENTS_SERVICE},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }
    ]
    if alarm_arns:
        statements.append(
            {
                "Sid": "FailureAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH_SERVICE},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(alarm_arns)}, "StringEquals": {"aws:SourceAccount": account}},
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def dead_letter_queue_policy(queue_arn, account, source_arns):
    """EventBridge Scheduler may send dead letters to the queue, for these schedules only."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "SchedulerDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": SCHEDULER_SERVICE},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(source_arns)}, "StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def send_to_queues_statement(queue_arns):
    """What the role that delivers to the queues needs (the Scheduler execution role for its DLQs, the Lambda role
    for its on-failure destination: both services send with the role's credentials)."""
    return {"Sid": "SendFailedInvocations", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": sorted(queue_arns)}


def topic_key_policy_statements(account, topic_arn):
    """What a customer managed key of the topic needs so that EventBridge and CloudWatch can publish to it.

    SNS asks KMS for a data key on behalf of the publisher; the AWS managed
    key alias/aws/sns only serves principals of the account and its policy
    cannot be changed, so AWS services cannot publish to a topic it
    encrypts.
    """
    return [
        {
            "Sid": "%sPublishesToEncryptedTopic" % label,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}, "StringLike": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}},
        }
        for label, service in (("EventBridge", EVENTS_SERVICE), ("CloudWatch", CLOUDWATCH_SERVICE))
    ]


def topic_key_policy(partition, account, topic_arn):
    """The key policy of the key the module creates for its topic: the account administers it (the AWS default,
    without which the key becomes unmanageable) and EventBridge and CloudWatch may publish to the topic."""
    administer = {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:%s:iam::%s:root" % (partition, account)},
        "Action": "kms:*",
        "Resource": "*",
    }
    return {"Version": POLICY_VERSION, "Statement": [administer] + topic_key_policy_statements(account, topic_arn)}


# ---------------------------------------------------------------- alarms


def _alarm_request(group, name, what, topic_arn, namespace, metric, dimension, statistic):
    """An alarm to the topic as soon as the metric is above 0 in a 5-minute period (no data is no failure)."""
    return {
        "AlarmName": name,
        "AlarmDescription": alarm_marker(group) + what,
        "ActionsEnabled": True,
        "AlarmActions": [topic_arn],
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [dimension],
        "Statistic": statistic,
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 0.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }


def queue_alarm_request(group, queue_name, topic_arn):
    """A dead letter waits in the queue."""
    what = "a start or stop could not be sent; its dead letter is in the SQS queue %s" % queue_name
    return _alarm_request(group, queue_alarm_name(queue_name), what, topic_arn, "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                          {"Name": "QueueName", "Value": queue_name}, "Maximum")


def function_errors_alarm_request(group, topic_arn):
    """The function failed (a start or stop it could not make)."""
    what = "the function %s failed; its failed invocations are in the SQS queue %s" % (group, failed_invocations_queue_name(group))
    return _alarm_request(group, function_errors_alarm_name(group), what, topic_arn, "AWS/Lambda", "Errors",
                          {"Name": "FunctionName", "Value": group}, "Sum")


ALARM_FIELDS = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "Namespace", "MetricName", "Dimensions", "Statistic", "Period",
                "EvaluationPeriods", "Threshold", "ComparisonOperator", "TreatMissingData")


def alarm_view(alarm):
    """The fields this collection sets, from DescribeAlarms or a PutMetricAlarm request (comparable either way)."""
    view = dict((field, alarm.get(field)) for field in ALARM_FIELDS)
    view["Threshold"] = float(view["Threshold"]) if view["Threshold"] is not None else None
    view["Dimensions"] = sorted(view["Dimensions"] or [], key=lambda dimension: dimension.get("Name", ""))
    view["AlarmActions"] = sorted(view["AlarmActions"] or [])
    return view
