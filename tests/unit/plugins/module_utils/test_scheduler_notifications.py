# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The notifications' plan where the local endpoint differs from AWS.

The emulator confirms every email and HTTPS subscription at once; AWS lists
an unconfirmed one with SubscriptionArn "PendingConfirmation", which cannot
be unsubscribed. The plan is run here on inventories shaped as AWS answers
(no call is made: the clients are never used).
"""

import boto3
import pytest

from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_notifications import NotificationInventory
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_notifications import Notifications
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError

ACCOUNT = "123456789012"
TOPIC_ARN = "arn:aws:sns:us-east-1:%s:instance-scheduler-notifications" % ACCOUNT


class FakeModule:
    check_mode = False

    def client(self, service, retry_decorator=None, config=None):
        return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def settings(**extra):
    values = dict(state="present", backend="scheduler", group="instance-scheduler", topic_arn=None, email=[], https=[], kms_key=None,
                  documents=["AWS-StartEC2Instance"], executed_by=["arn:aws:iam::%s:role/Invoker" % ACCOUNT], schedules=[], tags=None,
                  purge_tags=True, region="us-east-1", partition="aws")
    values.update(extra)
    return values


def inventory_with(subscriptions):
    inventory = NotificationInventory()
    inventory.account = ACCOUNT
    inventory.topic = {"TopicArn": TOPIC_ARN}
    inventory.subscriptions = subscriptions
    return inventory


def subscription(protocol, endpoint, arn):
    return {"Protocol": protocol, "Endpoint": endpoint, "SubscriptionArn": arn, "TopicArn": TOPIC_ARN, "Owner": ACCOUNT}


def test_a_pending_subscription_counts_as_there_and_is_never_unsubscribed():
    manager = Notifications(FakeModule(), settings(email=["new@example.com"]))
    inventory = inventory_with([
        subscription("email", "new@example.com", "PendingConfirmation"),
        subscription("email", "old@example.com", "PendingConfirmation"),
        subscription("email", "gone@example.com", TOPIC_ARN + ":0f1e2d3c-aaaa-bbbb-cccc-000000000001"),
        subscription("sqs", "arn:aws:sqs:us-east-1:%s:audit" % ACCOUNT, TOPIC_ARN + ":0f1e2d3c-aaaa-bbbb-cccc-000000000002"),
    ])
    changes = manager._plan_subscriptions(inventory, True)
    assert [(change.action, change.name) for change in changes] == [("delete", "email:gone@example.com")]
    kept = manager.kept(inventory)
    assert any("email:old@example.com: pending confirmation" in line for line in kept)
    assert any("sqs:arn:aws:sqs:us-east-1:%s:audit: not email or https" % ACCOUNT in line for line in kept)


def test_a_new_subscription_is_predicted_pending():
    manager = Notifications(FakeModule(), settings(https=["https://hooks.example.com/a"]))
    changes = manager._plan_subscriptions(inventory_with([]), True)
    assert [(change.action, change.name, change.after["pending"]) for change in changes] == [("create", "https:https://hooks.example.com/a", True)]


def test_a_missing_existing_topic_stops_the_plan():
    manager = Notifications(FakeModule(), settings(topic_arn="arn:aws:sns:us-east-1:%s:ops" % ACCOUNT))
    inventory = NotificationInventory()
    inventory.account = ACCOUNT
    with pytest.raises(PlanError, match="topic_arn: .* does not exist"):
        manager.plan(inventory)


def test_absent_leaves_what_is_not_ours_alone():
    manager = Notifications(FakeModule(), settings(state="absent"))
    inventory = NotificationInventory()
    inventory.account = ACCOUNT
    inventory.foreign = [("rule", "instance-scheduler-automation-failures"), ("queue", "instance-scheduler-office-dlq")]
    assert manager.plan(inventory) == []
    assert len(manager.kept(inventory)) == 2
