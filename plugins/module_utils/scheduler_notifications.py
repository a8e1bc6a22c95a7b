# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Failure notifications of office-hours start/stop: read, plan, apply.

What a target gets (names and documents in ``notification_documents``), with
GROUP the schedule group (backend scheduler) or function name (lambda):

* the SNS topic ``GROUP-notifications`` (tagged ``awsops:ssm:managed-by``),
  encrypted with ``kms_key``, whose policy lets only the rule and the alarms
  publish (``aws:SourceArn``), with the ``email`` / ``https`` subscriptions;
  or an existing topic (``topic_arn``), used and never changed;
* the EventBridge rule ``GROUP-automation-failures`` (its Description is the
  ownership marker) on the status-change events of the runbooks in
  ``documents`` started by the roles in ``executed_by`` whose status is
  Failed, TimedOut or Cancelled, with one target, the topic, and an input
  transformer that writes one line per event;
* backend ``scheduler``: per office-hours schedule NAME the SQS queue
  ``GROUP-NAME-dlq`` (SSE-SQS, 14 days, tagged), the dead-letter queue of
  ``NAME-start`` and ``NAME-stop`` for invocations that fail before SSM runs
  anything (its policy names those two schedules), and the alarm
  ``GROUP-NAME-dlq-messages`` on its depth;
* backend ``lambda``: the queue ``GROUP-failed-invocations``, the function's
  on-failure destination (its event invoke config, 2 retries within 15
  minutes: the function's gate refuses later deliveries anyway), and the
  alarm ``GROUP-function-errors`` on the function's ``Errors``.

Reads on a no-op: DescribeRule and ListTargetsByRule; GetTopicAttributes,
ListTagsForResource and ListSubscriptionsByTopic (topic of ours) or
GetTopicAttributes (an existing topic); ListQueues (prefix ``GROUP-``) and,
per queue of ours, GetQueueAttributes and ListQueueTags; DescribeAlarms
(prefix ``GROUP-``); GetFunctionEventInvokeConfig (lambda). The account comes
from the rule's ARN (one GetCallerIdentity while there is no rule). Tags of
the rule and alarms are read only when ``tags`` is given.

Every write is one AWS accepts again after an answer that was lost (create
after retry): CreateTopic and CreateQueue return what exists with the same
attributes, PutRule, PutTargets, PutMetricAlarm, Subscribe and
PutFunctionEventInvokeConfig are upserts, and deletes of something already
gone count as done.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import notification_documents as docs
from ansible_collections.awsops.ssm.plugins.module_utils import session_key
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import account_id_from_arn
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_VALUE
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Change
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Inventory
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_lambda import check_entries
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_lambda import user_tags

TARGET_ID = "notify"
KEY_DESCRIPTION = "Encrypts the failure notifications topic of office-hours start/stop (awsops.ssm)"
KEY_DELETION_WINDOW_DAYS = 7
QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "1209600"}
INVOKE_CONFIG = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
PENDING = "PendingConfirmation"
# What ListSubscriptionsByTopic says while a subscriber has not confirmed (no ARN to unsubscribe yet).
PENDING_ARNS = (PENDING, "pending confirmation")
MISSING_CODES = ["NotFound", "NotFoundException", "ResourceNotFoundException", "ResourceNotFound",
                 "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"]
# Order of writes: what others point at first; deletes in the reverse order.
CREATE_ORDER = ("key", "topic", "queue", "alarm", "rule", "target", "subscription", "invoke_config")


class NotificationErrorHandler(AWSErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(MISSING_CODES)


@NotificationErrorHandler.list_error_handler("read the notification rule")
def describe_rule(client, name):
    return client.describe_rule(Name=name)


@NotificationErrorHandler.list_error_handler("list the targets of the notification rule", [])
def list_targets(client, name):
    return client.get_paginator("list_targets_by_rule").paginate(Rule=name).build_full_result()["Targets"]


@NotificationErrorHandler.list_error_handler("read the topic")
def topic_attributes(client, topic_arn):
    return client.get_topic_attributes(TopicArn=topic_arn)["Attributes"]


@NotificationErrorHandler.list_error_handler("list the tags", {})
def sns_tags(client, resource_arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=resource_arn)["Tags"])


@NotificationErrorHandler.list_error_handler("list the tags", {})
def resource_tags(client, resource_arn):
    """Tags of an EventBridge rule or a CloudWatch alarm (both answer Tags as a list)."""
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceARN=resource_arn)["Tags"])


@NotificationErrorHandler.list_error_handler("list the subscriptions of the topic", [])
def list_subscriptions(client, topic_arn):
    return client.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn).build_full_result()["Subscriptions"]


@NotificationErrorHandler.list_error_handler("list the queues", [])
def list_queues(client, prefix):
    return client.get_paginator("list_queues").paginate(QueueNamePrefix=prefix).build_full_result().get("QueueUrls", [])


@NotificationErrorHandler.list_error_handler("read the queue")
def queue_attributes(client, url):
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


@NotificationErrorHandler.list_error_handler("list the tags of the queue", {})
def queue_tags(client, url):
    return client.list_queue_tags(QueueUrl=url).get("Tags", {})


@NotificationErrorHandler.list_error_handler("list the alarms", [])
def describe_alarms(client, prefix):
    pages = client.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])
    return pages.build_full_result().get("MetricAlarms", [])


@NotificationErrorHandler.list_error_handler("read the function's event invoke config")
def invoke_config(client, function):
    return client.get_function_event_invoke_config(FunctionName=function)


@NotificationErrorHandler.list_error_handler("read the function")
def get_function(client, function):
    return client.get_function(FunctionName=function)


@NotificationErrorHandler.common_error_handler("read the account id (sts:GetCallerIdentity)")
def caller_account(client):
    return client.get_caller_identity()["Account"]


@NotificationErrorHandler.common_error_handler("write the failure notifications")
def call(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


@NotificationErrorHandler.deletion_error_handler("delete a resource of the failure notifications")
def delete_call(client, operation, **kwargs):
    getattr(client, operation)(**kwargs)
    return True


def parse_policy(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return {"unparsable_policy": text}


def is_pending(subscription_arn):
    return subscription_arn in PENDING_ARNS


def subscription_key(protocol, endpoint):
    return "%s:%s" % (protocol, endpoint)


def queue_name_of(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


class NotificationInventory(Inventory):
    def __init__(self):
        super(NotificationInventory, self).__init__()
        self.account = None
        self.rule = None  # DescribeRule answer, when ours
        self.rule_tags = None
        self.targets = []
        self.topic = None  # attributes of our topic
        self.topic_tags = {}
        self.subscriptions = []
        self.existing_topic = None  # attributes of the topic_arn given
        self.queues = {}  # name -> {"url", "attributes", "tags"} of ours
        self.alarms = {}  # name -> DescribeAlarms entry of ours
        self.alarm_tags = {}
        self.invoke_config = None
        self.key = session_key.KeyState()  # the topic's key of ours (read only when the settings make or remove one)
        self.foreign = []  # (kind, name) in the way, not ours


class Notifications(object):
    """The failure notifications of one target (see the module docstring)."""

    def __init__(self, module, settings):
        self.module = module
        self.settings = settings
        self.sns = aws_retries.client(module, "sns")
        self.events = aws_retries.client(module, "events")
        self.sqs = aws_retries.client(module, "sqs")
        self.cloudwatch = aws_retries.client(module, "cloudwatch")
        self.functions = aws_retries.client(module, "lambda") if settings["backend"] == "lambda" else None
        self.kms = aws_retries.client(module, "kms")
        self.group = settings["group"]
        self.partition = settings["partition"]
        self.region = settings["region"]

    # ---- names and ARNs ----

    def own_topic_arn(self, account):
        return docs.arn(self.partition, "sns", self.region, account, docs.topic_name(self.group))

    def wants_own_key(self):
        """Whether the topic is ours and encrypted with the key the module makes (no kms_key given)."""
        return self.settings["state"] == "present" and not self.settings["topic_arn"] and not self.settings["kms_key"]

    def topic_key(self):
        """What the topic's KmsMasterKeyId is: the key given, or the alias of the module's own key."""
        return self.settings["kms_key"] or docs.topic_key_alias(self.group)

    def topic_arn(self, account):
        return self.settings["topic_arn"] or self.own_topic_arn(account)

    def rule_arn(self, account):
        return docs.arn(self.partition, "events", self.region, account, "rule/%s" % docs.rule_name(self.group))

    def queue_arn(self, account, name):
        return docs.arn(self.partition, "sqs", self.region, account, name)

    def alarm_arn(self, account, name):
        return docs.arn(self.partition, "cloudwatch", self.region, account, "alarm:%s" % name)

    def wanted_queues(self):
        """queue name -> the schedule it serves (None for the function's queue), as the settings want them."""
        if self.settings["state"] != "present":
            return {}
        names = docs.queue_names(self.settings["backend"], self.group, self.settings["schedules"])
        return dict((queue, schedule) for schedule, queue in names.items())

    def _is_our_queue_name(self, name):
        if self.settings["backend"] == "lambda":
            return name == docs.failed_invocations_queue_name(self.group)
        return name.startswith(self.group + "-") and name.endswith("-dlq")

    # ---- read ----

    def read(self):
        inventory = NotificationInventory()
        name = docs.rule_name(self.group)
        rule = describe_rule(self.events, name)
        if rule is not None:
            inventory.account = account_id_from_arn(rule["Arn"])
            if rule.get("Description") == docs.rule_marker(self.group):
                inventory.rule = rule
                inventory.targets = list_targets(self.events, name)
                if self.settings["tags"] is not None:
                    inventory.rule_tags = resource_tags(self.events, rule["Arn"])
                inventory.add("rule", name, self.rule_view(rule, inventory.targets, inventory.rule_tags))
            else:
                inventory.foreign.append(("rule", name))
        if inventory.account is None:
            inventory.account = caller_account(aws_retries.client(self.module, "sts"))
        self._read_topics(inventory)
        if self.wants_own_key() or self.settings["state"] == "absent":
            alias = docs.topic_key_alias(self.group)
            inventory.key = session_key.read_key(self.kms, alias, full=self.settings["state"] == "present")
            if inventory.key.exists and inventory.key.ours and not inventory.key.pending_deletion:
                inventory.add("key", alias, self.key_view(inventory.key))
        self._read_queues(inventory)
        self._read_alarms(inventory)
        if self.functions is not None:
            inventory.invoke_config = invoke_config(self.functions, self.group)
            if inventory.invoke_config:
                inventory.add("invoke_config", self.group, self.invoke_config_view(inventory.invoke_config))
        return inventory

    def _read_topics(self, inventory):
        own_arn = self.own_topic_arn(inventory.account)
        attributes = topic_attributes(self.sns, own_arn)
        if attributes is not None:
            tags = sns_tags(self.sns, own_arn)
            if tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE:
                inventory.topic = attributes
                inventory.topic_tags = tags
                inventory.add("topic", docs.topic_name(self.group), self.topic_view(attributes, tags))
                inventory.subscriptions = list_subscriptions(self.sns, own_arn)
                for subscription in inventory.subscriptions:
                    key = subscription_key(subscription["Protocol"], subscription["Endpoint"])
                    inventory.add("subscription", key, self.subscription_view(subscription))
            elif not self.settings["topic_arn"]:
                inventory.foreign.append(("topic", docs.topic_name(self.group)))
        if self.settings["topic_arn"] and self.settings["topic_arn"] != own_arn:
            inventory.existing_topic = topic_attributes(self.sns, self.settings["topic_arn"])

    def _read_queues(self, inventory):
        for url in list_queues(self.sqs, self.group + "-"):
            name = queue_name_of(url)
            if not self._is_our_queue_name(name):
                continue
            tags = queue_tags(self.sqs, url)
            if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
                inventory.foreign.append(("queue", name))
                continue
            attributes = queue_attributes(self.sqs, url)
            if attributes is None:
                continue  # deleted since the listing
            inventory.queues[name] = {"url": url, "attributes": attributes, "tags": tags}
            inventory.add("queue", name, self.queue_view(attributes, tags))

    def _read_alarms(self, inventory):
        for alarm in describe_alarms(self.cloudwatch, self.group + "-"):
            name = alarm["AlarmName"]
            if not (alarm.get("AlarmDescription") or "").startswith(docs.alarm_marker(self.group)):
                inventory.foreign.append(("alarm", name))
                continue
            inventory.alarms[name] = alarm
            if self.settings["tags"] is not None:
                inventory.alarm_tags[name] = resource_tags(self.cloudwatch, alarm["AlarmArn"])
            inventory.add("alarm", name, self.alarm_view(alarm, inventory.alarm_tags.get(name)))

    # ---- views: the fields managed, comparable between what was read and what is wanted ----

    @staticmethod
    def key_view(state):
        view = state.view()
        return dict((key, view.get(key)) for key in ("description", "policy", "rotation", "tags"))

    @staticmethod
    def topic_view(attributes, tags):
        return {
            "kms_master_key_id": attributes.get("KmsMasterKeyId") or None,
            "policy": parse_policy(attributes.get("Policy")),
            "tags": user_tags(tags),
        }

    @staticmethod
    def subscription_view(subscription):
        return {"protocol": subscription["Protocol"], "endpoint": subscription["Endpoint"], "pending": is_pending(subscription["SubscriptionArn"])}

    @staticmethod
    def rule_view(rule, targets, tags=None):
        view = {
            "event_pattern": parse_policy(rule.get("EventPattern")),
            "state": rule.get("State") or "ENABLED",
            "description": rule.get("Description") or "",
            "targets": [
                {"id": target.get("Id"), "arn": target.get("Arn"), "input_transformer": target.get("InputTransformer")}
                for target in sorted(targets, key=lambda target: target.get("Id", ""))
            ],
        }
        if tags is not None:
            view["tags"] = user_tags(tags)
        return view

    @staticmethod
    def queue_view(attributes, tags):
        return {
            "sqs_managed_sse_enabled": attributes.get("SqsManagedSseEnabled") == "true",
            "message_retention_period": int(attributes.get("MessageRetentionPeriod") or 345600),
            "policy": parse_policy(attributes.get("Policy")),
            "tags": user_tags(tags),
        }

    @staticmethod
    def alarm_view(alarm, tags=None):
        view = docs.alarm_view(alarm)
        if tags is not None:
            view["tags"] = user_tags(tags)
        return view

    @staticmethod
    def invoke_config_view(config):
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        return {
            "on_failure": destination,
            "maximum_retry_attempts": config.get("MaximumRetryAttempts"),
            "maximum_event_age_in_seconds": config.get("MaximumEventAgeInSeconds"),
        }

    # ---- desired state ----

    def _new_tags(self):
        return dict(self.settings["tags"] or {}, **{MANAGED_BY_TAG: MANAGED_BY_VALUE})

    def _tags_after(self, current):
        """(user tags after, to set, to remove) for a resource of ours whose tags are current (None: not read)."""
        if self.settings["tags"] is None or current is None:
            return (None if current is None else user_tags(current)), {}, []
        current = user_tags(current)
        to_set, to_remove = compare_aws_tags(current, self.settings["tags"], purge_tags=self.settings["purge_tags"])
        after = dict(current)
        after.update(to_set)
        for key in to_remove:
            after.pop(key, None)
        return after, to_set, to_remove

    def alarm_requests(self, account):
        """alarm name -> PutMetricAlarm request, as the settings want them."""
        topic = self.topic_arn(account)
        if self.settings["state"] != "present":
            return {}
        if self.settings["backend"] == "lambda":
            request = docs.function_errors_alarm_request(self.group, topic)
            return {request["AlarmName"]: request}
        requests = [docs.queue_alarm_request(self.group, name, topic) for name in self.wanted_queues()]
        return dict((request["AlarmName"], request) for request in requests)

    def wanted_alarm_names(self):
        if self.settings["state"] != "present":
            return set()
        if self.settings["backend"] == "lambda":
            return {docs.function_errors_alarm_name(self.group)}
        return set(docs.queue_alarm_name(name) for name in self.wanted_queues())

    def queue_policy(self, account, name, schedule):
        if schedule is None:
            return None  # the Lambda role sends with its own permission (same account)
        sources = docs.schedule_arns(self.partition, self.region, account, self.group, schedule)
        return docs.dead_letter_queue_policy(self.queue_arn(account, name), account, sources)

    def topic_policy(self, account):
        alarms = [self.alarm_arn(account, name) for name in self.alarm_requests(account)]
        return docs.topic_policy(self.own_topic_arn(account), account, self.rule_arn(account), alarms)

    def rule_request(self):
        pattern = docs.event_pattern(self.settings["documents"], self.settings["executed_by"])
        return {
            "Name": docs.rule_name(self.group),
            "EventPattern": docs.canonical_json(pattern),
            "State": "ENABLED",
            "Description": docs.rule_marker(self.group),
        }

    def target_request(self, account):
        return {
            "Id": TARGET_ID,
            "Arn": self.topic_arn(account),
            "InputTransformer": docs.input_transformer(self.group, self.settings["backend"], self.partition),
        }

    # ---- plan ----

    def plan(self, inventory):
        if inventory.foreign:
            names = ", ".join("%s %s" % item for item in inventory.foreign if self._in_the_way(item))
            if names:
                raise PlanError("%s exist(s) and were not created by awsops.ssm (no %s=%s tag or marker); rename the group or remove them by hand" % (
                    names, MANAGED_BY_TAG, MANAGED_BY_VALUE))
        present = self.settings["state"] == "present"
        if present and self.settings["topic_arn"] and inventory.existing_topic is None:
            raise PlanError("topic_arn: %s does not exist (or cannot be read) in %s" % (self.settings["topic_arn"], self.region))
        changes = []
        changes.extend(self._plan_key(inventory))
        changes.extend(self._plan_topic(inventory, present))
        changes.extend(self._plan_queues(inventory))
        changes.extend(self._plan_alarms(inventory))
        changes.extend(self._plan_rule(inventory, present))
        changes.extend(self._plan_subscriptions(inventory, present))
        changes.extend(self._plan_invoke_config(inventory, present))
        creates = [change for change in changes if change.action != "delete"]
        deletes = [change for change in changes if change.action == "delete"]
        creates.sort(key=lambda change: CREATE_ORDER.index(change.kind))
        deletes.sort(key=lambda change: -CREATE_ORDER.index(change.kind))
        return deletes + creates if not present else creates + deletes

    def _in_the_way(self, item):
        kind, name = item
        if self.settings["state"] != "present":
            return False  # absent never touches what is not ours
        if kind == "queue":
            return name in self.wanted_queues()
        if kind == "alarm":
            return name in self.wanted_alarm_names()
        return True

    def _plan_key(self, inventory):
        """The topic's own key: made, kept as wanted, or (state absent) its alias removed and its deletion scheduled."""
        alias = docs.topic_key_alias(self.group)
        before = inventory.get("key", alias)
        if not self.wants_own_key():
            if self.settings["state"] != "absent":
                return []
            steps = session_key.plan_absent(inventory.key, alias, KEY_DELETION_WINDOW_DAYS)
            return [Change("delete", "key", alias, before, None, {"steps": steps})] if steps else []
        policy = docs.topic_key_policy(self.partition, inventory.account, self.own_topic_arn(inventory.account))
        tags = self.settings["tags"] if self.settings["tags"] is not None else user_tags(inventory.key.tags)
        purge_tags = self.settings["purge_tags"] if self.settings["tags"] is not None else False
        try:
            steps = session_key.plan_present(inventory.key, alias, KEY_DESCRIPTION, policy, tags, purge_tags)
        except session_key.KeyRefused as error:
            raise PlanError("kms_key: %s" % error)
        if not steps:
            return []
        after = session_key.after_view(inventory.key, steps, KEY_DESCRIPTION, policy, tags, purge_tags, alias)
        after = dict((key, after.get(key)) for key in ("description", "policy", "rotation", "tags"))
        creating = any(operation == "create_key" for operation, _request in steps)
        request = {"steps": steps, "create": session_key.create_request(KEY_DESCRIPTION, policy, tags, alias) if creating else None}
        return [Change("create" if creating else "update", "key", alias, before, after, request)]

    def _plan_topic(self, inventory, present):
        name = docs.topic_name(self.group)
        want_own = present and not self.settings["topic_arn"]
        before = inventory.get("topic", name)
        if not want_own:
            if inventory.topic is None:
                return []
            return [Change("delete", "topic", name, before, None,
                           cascade=[("subscription", key) for key in inventory.resources.get("subscription", {})])]
        key = self.topic_key()
        policy = self.topic_policy(inventory.account)
        if inventory.topic is None:
            tags = self._new_tags()
            after = {"kms_master_key_id": key, "policy": policy, "tags": user_tags(tags)}
            request = {"Name": name, "Attributes": {"KmsMasterKeyId": key, "Policy": docs.canonical_json(policy)}, "Tags": tags}
            return [Change("create", "topic", name, None, after, request)]
        tags_after, to_set, to_remove = self._tags_after(inventory.topic_tags)
        after = {"kms_master_key_id": key, "policy": policy, "tags": tags_after}
        if after == before:
            return []
        attributes = {}
        if before["kms_master_key_id"] != key:
            attributes["KmsMasterKeyId"] = key
        if before["policy"] != policy:
            attributes["Policy"] = docs.canonical_json(policy)
        request = {"TopicArn": self.own_topic_arn(inventory.account), "attributes": attributes, "set": to_set, "remove": to_remove}
        return [Change("update", "topic", name, before, after, request)]

    def _plan_queues(self, inventory):
        changes = []
        wanted = self.wanted_queues()
        for name, schedule in sorted(wanted.items()):
            policy = self.queue_policy(inventory.account, name, schedule)
            current = inventory.queues.get(name)
            attributes = dict(QUEUE_ATTRIBUTES)
            if policy:
                attributes["Policy"] = docs.canonical_json(policy)
            if current is None:
                tags = self._new_tags()
                after = self.queue_view(attributes, tags)
                changes.append(Change("create", "queue", name, None, after, {"QueueName": name, "Attributes": attributes, "tags": tags}))
                continue
            before = inventory.get("queue", name)
            tags_after, to_set, to_remove = self._tags_after(current["tags"])
            after = self.queue_view(attributes, current["tags"])
            after["tags"] = tags_after
            if after == before:
                continue
            changed = dict((key, value) for key, value in attributes.items() if current["attributes"].get(key) != value)
            if "Policy" in changed and parse_policy(current["attributes"].get("Policy")) == policy:
                changed.pop("Policy")
            if not policy and current["attributes"].get("Policy"):
                changed["Policy"] = ""
            request = {"QueueUrl": current["url"], "attributes": changed, "set": to_set, "remove": to_remove}
            changes.append(Change("update", "queue", name, before, after, request))
        for name in sorted(inventory.queues):
            if name not in wanted:
                changes.append(Change("delete", "queue", name, inventory.get("queue", name), None, {"QueueUrl": inventory.queues[name]["url"]}))
        return changes

    def _plan_alarms(self, inventory):
        changes = []
        wanted = self.alarm_requests(inventory.account)
        for name, request in sorted(wanted.items()):
            current = inventory.alarms.get(name)
            if current is None:
                tags = self._new_tags()
                after = self.alarm_view(request, tags if self.settings["tags"] is not None else None)
                changes.append(Change("create", "alarm", name, None, after, dict(request, Tags=ansible_dict_to_boto3_tag_list(tags))))
                continue
            before = inventory.get("alarm", name)
            tags_after, to_set, to_remove = self._tags_after(inventory.alarm_tags.get(name))
            after = self.alarm_view(request, tags_after)
            if after == before:
                continue
            request_change = {
                "alarm": request if docs.alarm_view(request) != docs.alarm_view(current) else None,
                "arn": current["AlarmArn"],
                "set": to_set,
                "remove": to_remove,
            }
            changes.append(Change("update", "alarm", name, before, after, request_change))
        for name in sorted(inventory.alarms):
            if name not in wanted:
                changes.append(Change("delete", "alarm", name, inventory.get("alarm", name), None))
        return changes

    def _plan_rule(self, inventory, present):
        name = docs.rule_name(self.group)
        before = inventory.get("rule", name)
        if not present:
            if inventory.rule is None:
                return []
            return [Change("delete", "rule", name, before, None, {"targets": sorted(target["Id"] for target in inventory.targets)})]
        rule = self.rule_request()
        target = self.target_request(inventory.account)
        if inventory.rule is None:
            tags = self._new_tags()
            after = self.rule_view(rule, [target], tags if self.settings["tags"] is not None else None)
            request = {"rule": dict(rule, Tags=ansible_dict_to_boto3_tag_list(tags)), "target": target, "stale_targets": []}
            return [Change("create", "rule", name, None, after, request)]
        tags_after, to_set, to_remove = self._tags_after(inventory.rule_tags)
        after = self.rule_view(rule, [target], tags_after)
        if after == before:
            return []
        request = {
            "rule": rule if any(before[key] != after[key] for key in ("event_pattern", "state", "description")) else None,
            "target": target if before["targets"] != after["targets"] else None,
            "stale_targets": sorted(t["id"] for t in before["targets"] if t["id"] != TARGET_ID),
            "arn": inventory.rule["Arn"],
            "set": to_set,
            "remove": to_remove,
        }
        return [Change("update", "rule", name, before, after, request)]

    def _plan_subscriptions(self, inventory, present):
        """email and https subscriptions of our topic: the listed ones, no others (other protocols are kept)."""
        if not present or self.settings["topic_arn"]:
            return []  # a topic that goes takes its subscriptions with it; an existing topic is not ours to change
        wanted = [("email", address) for address in self.settings["email"]] + [("https", url) for url in self.settings["https"]]
        current = dict((subscription_key(s["Protocol"], s["Endpoint"]), s) for s in inventory.subscriptions)
        changes = []
        for protocol, endpoint in wanted:
            key = subscription_key(protocol, endpoint)
            if key not in current:
                after = {"protocol": protocol, "endpoint": endpoint, "pending": protocol in ("email", "https")}
                changes.append(Change("create", "subscription", key, None, after, {"Protocol": protocol, "Endpoint": endpoint}))
        for key, subscription in sorted(current.items()):
            listed = (subscription["Protocol"], subscription["Endpoint"]) in wanted
            if subscription["Protocol"] in ("email", "https") and not listed and not is_pending(subscription["SubscriptionArn"]):
                changes.append(Change("delete", "subscription", key, inventory.get("subscription", key), None,
                                      {"SubscriptionArn": subscription["SubscriptionArn"]}))
        return changes

    def kept(self, inventory):
        """What the module leaves alone, in words (the run says what it kept)."""
        kept = []
        if self.settings["topic_arn"]:
            kept.append("topic %s: not created by awsops.ssm, used as it is (its policy must let the rule and the alarms publish)" % (
                self.settings["topic_arn"]))
        wanted = set(("%s:%s" % ("email", a)) for a in self.settings["email"]) | set(("https:%s" % u) for u in self.settings["https"])
        for subscription in inventory.subscriptions:
            key = subscription_key(subscription["Protocol"], subscription["Endpoint"])
            if subscription["Protocol"] not in ("email", "https"):
                kept.append("subscription %s: not email or https, left as it is" % key)
            elif is_pending(subscription["SubscriptionArn"]) and key not in wanted and inventory.topic is not None and not self.settings["topic_arn"]:
                kept.append("subscription %s: pending confirmation, cannot be removed (SNS drops it after 3 days unconfirmed)" % key)
        for kind, name in inventory.foreign:
            kept.append("%s %s: not created by awsops.ssm, left as it is" % (kind, name))
        return kept

    def _plan_invoke_config(self, inventory, present):
        if self.functions is None:
            return []
        current = inventory.invoke_config
        our_queue = self.queue_arn(inventory.account, docs.failed_invocations_queue_name(self.group))
        before = inventory.get("invoke_config", self.group)
        if not present:
            if current is None or before["on_failure"] != our_queue:
                return []  # not pointing at our queue: someone else's configuration
            return [Change("delete", "invoke_config", self.group, before, None)]
        after = {"on_failure": our_queue, "maximum_retry_attempts": INVOKE_CONFIG["MaximumRetryAttempts"],
                 "maximum_event_age_in_seconds": INVOKE_CONFIG["MaximumEventAgeInSeconds"]}
        if before == after:
            return []
        if current is None and not self.module.check_mode and get_function(self.functions, self.group) is None:
            raise PlanError("the Lambda function %s does not exist in %s; create the schedules (backend lambda) before their notifications" % (
                self.group, self.region))
        request = dict(INVOKE_CONFIG, FunctionName=self.group, DestinationConfig={"OnFailure": {"Destination": our_queue}})
        return [Change("create" if current is None else "update", "invoke_config", self.group, before, after, request)]

    # ---- apply ----

    def apply(self, inventory, changes):
        for change in changes:
            getattr(self, "_apply_%s" % change.kind)(inventory, change)

    def _apply_key(self, inventory, change):
        session_key.apply_steps(self.kms, change.request["steps"], change.request.get("create"))

    def _apply_topic(self, inventory, change):
        if change.action == "create":
            request = dict(change.request, Tags=ansible_dict_to_boto3_tag_list(change.request["Tags"]))
            call(self.sns, "create_topic", **request)
        elif change.action == "update":
            for name, value in sorted(change.request["attributes"].items()):
                call(self.sns, "set_topic_attributes", TopicArn=change.request["TopicArn"], AttributeName=name, AttributeValue=value)
            if change.request["remove"]:
                call(self.sns, "untag_resource", ResourceArn=change.request["TopicArn"], TagKeys=change.request["remove"])
            if change.request["set"]:
                call(self.sns, "tag_resource", ResourceArn=change.request["TopicArn"], Tags=ansible_dict_to_boto3_tag_list(change.request["set"]))
        else:
            delete_call(self.sns, "delete_topic", TopicArn=self.own_topic_arn(inventory.account))

    def _apply_queue(self, inventory, change):
        request = change.request
        if change.action == "create":
            call(self.sqs, "create_queue", QueueName=request["QueueName"], Attributes=request["Attributes"], tags=request["tags"])
        elif change.action == "update":
            if request["attributes"]:
                call(self.sqs, "set_queue_attributes", QueueUrl=request["QueueUrl"], Attributes=request["attributes"])
            if request["remove"]:
                call(self.sqs, "untag_queue", QueueUrl=request["QueueUrl"], TagKeys=request["remove"])
            if request["set"]:
                call(self.sqs, "tag_queue", QueueUrl=request["QueueUrl"], Tags=request["set"])
        else:
            delete_call(self.sqs, "delete_queue", QueueUrl=request["QueueUrl"])

    def _apply_alarm(self, inventory, change):
        if change.action == "create":
            call(self.cloudwatch, "put_metric_alarm", **change.request)
        elif change.action == "update":
            if change.request["alarm"]:
                call(self.cloudwatch, "put_metric_alarm", **change.request["alarm"])
            self._retag(self.cloudwatch, change.request)
        else:
            call(self.cloudwatch, "delete_alarms", AlarmNames=[change.name])

    def _retag(self, client, request):
        """TagResource/UntagResource of EventBridge and CloudWatch (both take ResourceARN)."""
        if request["remove"]:
            call(client, "untag_resource", ResourceARN=request["arn"], TagKeys=request["remove"])
        if request["set"]:
            call(client, "tag_resource", ResourceARN=request["arn"], Tags=ansible_dict_to_boto3_tag_list(request["set"]))

    def _apply_rule(self, inventory, change):
        if change.action == "delete":
            if change.request["targets"]:
                check_entries(call(self.events, "remove_targets", Rule=change.name, Ids=change.request["targets"]), "remove the targets of " + change.name)
            delete_call(self.events, "delete_rule", Name=change.name)
            return
        request = change.request
        if request["rule"]:
            call(self.events, "put_rule", **request["rule"])
        if request["stale_targets"]:
            check_entries(call(self.events, "remove_targets", Rule=change.name, Ids=request["stale_targets"]), "remove stray targets of " + change.name)
        if request["target"]:
            check_entries(call(self.events, "put_targets", Rule=change.name, Targets=[request["target"]]), "put the target of " + change.name)
        if change.action == "update":
            self._retag(self.events, request)

    def _apply_subscription(self, inventory, change):
        if change.action == "create":
            call(self.sns, "subscribe", TopicArn=self.own_topic_arn(inventory.account), ReturnSubscriptionArn=True, **change.request)
        else:
            delete_call(self.sns, "unsubscribe", **change.request)

    def _apply_invoke_config(self, inventory, change):
        if change.action == "delete":
            delete_call(self.functions, "delete_function_event_invoke_config", FunctionName=self.group)
        else:
            call(self.functions, "put_function_event_invoke_config", **change.request)


def outputs(manager, inventory, changes):
    """What the module returns besides changed/diff: ARNs the schedules and the role need, and the documents."""
    account = inventory.account
    settings = manager.settings
    present = settings["state"] == "present"
    result = {
        "backend": settings["backend"],
        "group": settings["group"],
        "topic_arn": manager.topic_arn(account) if present else None,
        "rule_arn": manager.rule_arn(account) if present else None,
        "queues": {},
        "dead_letter_configs": {},
        "alarms": sorted(manager.alarm_requests(account)),
        "changes": ["%s %s %s" % (change.action, change.kind, change.name) for change in changes],
        "kept": manager.kept(inventory),
        "warnings": [],
    }
    for name, schedule in sorted(manager.wanted_queues().items()):
        queue_arn = manager.queue_arn(account, name)
        result["queues"][schedule or settings["group"]] = queue_arn
        if schedule:
            for action in ("start", "stop"):
                result["dead_letter_configs"]["%s-%s" % (schedule, action)] = {"Arn": queue_arn}
    if present:
        result["event_pattern"] = docs.event_pattern(settings["documents"], settings["executed_by"])
        result["input_transformer"] = docs.input_transformer(settings["group"], settings["backend"], manager.partition)
        result["send_statement"] = docs.send_to_queues_statement(result["queues"].values()) if result["queues"] else None
        if settings["topic_arn"]:
            policy_text = (inventory.existing_topic or {}).get("Policy") or ""
            if manager.rule_arn(account) not in policy_text:
                result["warnings"].append(
                    "topic_arn: the policy of %s does not name the rule %s; until it holds topic_policy_statements, "
                    "EventBridge and the alarms cannot publish to it" % (settings["topic_arn"], manager.rule_arn(account)))
            result["topic_policy_statements"] = docs.topic_policy(settings["topic_arn"], account, manager.rule_arn(account),
                                                                  [manager.alarm_arn(account, n) for n in result["alarms"]])["Statement"]
        else:
            key = manager.topic_key()
            result["kms_key"] = key
            result["kms_key_policy_statements"] = docs.topic_key_policy_statements(account, manager.own_topic_arn(account))
            if key == docs.AWS_MANAGED_SNS_KEY:
                result["warnings"].append(
                    "kms_key: the topic is encrypted with the AWS managed key %s, whose policy serves only principals of the account: "
                    "EventBridge and CloudWatch alarms cannot publish to it. Give a customer managed key whose policy holds "
                    "kms_key_policy_statements." % docs.AWS_MANAGED_SNS_KEY)
    return result


def run(module, settings):
    """Reads, plans, applies (unless check mode) and returns the module result."""
    manager = Notifications(module, settings)
    inventory = manager.read()
    try:
        changes = manager.plan(inventory)
    except PlanError as error:
        module.fail_json(msg=str(error))
    if changes and not module.check_mode:
        manager.apply(inventory, changes)
    before = inventory.view()
    after = after_view(before, changes)
    result = outputs(manager, inventory, changes)
    result["changed"] = bool(changes)
    result["created"] = sorted("%s %s" % (c.kind, c.name) for c in changes if c.action == "create")
    result["updated"] = sorted("%s %s" % (c.kind, c.name) for c in changes if c.action == "update")
    result["deleted"] = sorted("%s %s" % (c.kind, c.name) for c in changes if c.action == "delete")
    result["resources"] = after
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result
