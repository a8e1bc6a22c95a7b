# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""instance_scheduler_notify through the role, on both backends, against the local endpoint.

The integration sequence (create (check), create, again (check), again,
modify, delete (check), delete, delete again) of the failure notifications,
with what they change elsewhere: the invoker role may send to exactly the
queues (``sqs:SendMessage``), the scheduler backend's schedules name their
dead-letter queue, the lambda backend's function has its on-failure
destination. The emulator never emits SSM events nor delivers a dead letter:
the rule's pattern is tested against sample events in
tests/unit/plugins/module_utils/test_notification_documents.py.
"""

import json

import pytest

from awsops_harness.scheduler_state import schedule_names

ROLE = "awsops.ssm.instance_scheduler"
PREFIX = ROLE + " : "
ROLES_TASK = PREFIX + "Create the automation and invoker roles"
SCHEDULES_TASK = PREFIX + "Create or update the schedules"
NOTIFY_TASK = PREFIX + "Create, update or remove the failure notifications"
REMOVE_NOTIFY_TASK = PREFIX + "Remove the failure notifications this role created (an existing topic it was given is kept)"
GROUP = "instance-scheduler"
ACCOUNT = "123456789012"
REGION = "us-east-1"
TOPIC_ARN = "arn:aws:sns:%s:%s:%s-notifications" % (REGION, ACCOUNT, GROUP)
RULE = GROUP + "-automation-failures"
INVOKER_ROLES = {"scheduler": "SSMSchedulerInvokerRole", "lambda": "SSMSchedulerLambdaRole"}
POLICY = "awsops-ssm-scheduler-" + REGION
CREATE = {"create": True, "email": ["ops@example.com"]}
MODIFY = {"create": True, "email": ["ops@example.com"], "https": ["https://hooks.example.com/notify"]}


def schedules(*names):
    return [{"name": name, "start": "09:00", "stop": "18:00", "timezone": "Europe/Berlin"} for name in names]


def role_play(moto, backend, notify, names=("office",), state="present"):
    variables = {
        "aws_region": REGION,
        "aws_endpoint_url": moto.url,
        "instance_scheduler_backend": backend,
        "instance_scheduler_schedules": schedules(*names),
        "instance_scheduler_notify": notify,
        "instance_scheduler_state": state,
    }
    return [{"name": "instance_scheduler", "hosts": "localhost", "gather_facts": False, "vars": variables, "roles": [{"role": ROLE}]}]


def ran(run, name):
    """The result of the task that ran (notifications.yml is imported twice, one import skipped by backend)."""
    tasks = [task for task in run.tasks if task.task == name and task.status != "skipped"]
    assert len(tasks) == 1, run.summary()
    return tasks[0]


def queue_arns(sqs):
    arns = []
    for url in sqs.list_queues().get("QueueUrls", []):
        arns.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    return sorted(arns)


def send_statements(iam, backend):
    policy = iam.get_role_policy(RoleName=INVOKER_ROLES[backend], PolicyName=POLICY)["PolicyDocument"]
    return [statement for statement in policy["Statement"] if statement["Action"] == "sqs:SendMessage"]


def dead_letter_arns(scheduler):
    return dict((name, scheduler.get_schedule(GroupName=GROUP, Name=name)["Target"].get("DeadLetterConfig", {}).get("Arn"))
                for name in schedule_names(scheduler))


def on_failure_destination(lambda_client):
    try:
        config = lambda_client.get_function_event_invoke_config(FunctionName=GROUP)
    except lambda_client.exceptions.ResourceNotFoundException:
        return None
    return config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")


def assert_no_op(run):
    assert run.returncode == 0, run.summary()
    assert run.changed_tasks == [], run.summary()
    assert run.writes == [], run.summary()


@pytest.mark.parametrize("backend", ["scheduler", "lambda"])
def test_notify_sequence_through_the_role(ansible, moto, aws, backend):
    sqs, sns, iam, events = aws("sqs"), aws("sns"), aws("iam"), aws("events")
    create = role_play(moto, backend, CREATE)
    modify = role_play(moto, backend, MODIFY, names=("office", "late"))
    delete = role_play(moto, backend, {"state": "absent"}, names=("office", "late"))
    ansible.run_playbook(role_play(moto, backend, {}))  # the schedules, without notifications
    off_writes = ansible.run_playbook(role_play(moto, backend, {}))
    assert_no_op(off_writes)
    # off costs no call (events:ListRules is the pre-flight's look for the other backend's schedules)
    assert not [call for call in off_writes.calls if call.service in ("sns", "sqs", "cloudwatch") or str(call) == "events:DescribeRule"], off_writes.summary()

    # create (check): predicted, nothing sent
    predicted = ansible.run_playbook(create, check=True)
    assert predicted.returncode == 0 and predicted.writes == [], predicted.summary()
    assert ran(predicted, NOTIFY_TASK).changed and predicted.task(ROLES_TASK).changed
    assert sns.list_topics()["Topics"] == [] and sqs.list_queues().get("QueueUrls", []) == []

    # create
    run = ansible.run_playbook(create)
    assert run.returncode == 0, run.summary()
    assert ran(run, NOTIFY_TASK).result["changes"] == ran(predicted, NOTIFY_TASK).result["changes"]
    assert [task.task for task in run.changed_tasks] == [task.task for task in predicted.changed_tasks], run.summary()
    result = ran(run, NOTIFY_TASK).result
    assert result["topic_arn"] == TOPIC_ARN
    assert events.describe_rule(Name=RULE)["State"] == "ENABLED"
    pattern = json.loads(events.describe_rule(Name=RULE)["EventPattern"])
    roles = [iam.get_role(RoleName=INVOKER_ROLES[backend])["Role"]["Arn"], iam.get_role(RoleName="SSMSchedulerAutomationRole")["Role"]["Arn"]]
    assert [value for value in pattern["detail"]["ExecutedBy"] if isinstance(value, str)] == sorted(roles)
    queues = queue_arns(sqs)
    assert [statement["Resource"] for statement in send_statements(iam, backend)] == [queues]
    if backend == "scheduler":
        assert queues == ["arn:aws:sqs:%s:%s:%s-office-dlq" % (REGION, ACCOUNT, GROUP)]
        assert dead_letter_arns(aws("scheduler")) == {"office-start": queues[0], "office-stop": queues[0]}
    else:
        assert queues == ["arn:aws:sqs:%s:%s:%s-failed-invocations" % (REGION, ACCOUNT, GROUP)]
        assert on_failure_destination(aws("lambda")) == queues[0]

    # again (check), again: no change, no write
    assert_no_op(ansible.run_playbook(create, check=True))
    assert_no_op(ansible.run_playbook(create))

    # modify: an https subscription, and (scheduler) a second schedule with its own dead-letter queue
    run = ansible.run_playbook(modify)
    assert run.returncode == 0 and ran(run, NOTIFY_TASK).changed, run.summary()
    assert "create subscription https:https://hooks.example.com/notify" in ran(run, NOTIFY_TASK).result["changes"]
    queues = queue_arns(sqs)
    assert [statement["Resource"] for statement in send_statements(iam, backend)] == [queues]
    if backend == "scheduler":
        assert len(queues) == 2
        assert set(dead_letter_arns(aws("scheduler")).values()) == set(queues)
    assert_no_op(ansible.run_playbook(modify))

    # delete (check), delete, delete again: {state: absent} removes what the role made, and the schedules keep running
    predicted = ansible.run_playbook(delete, check=True)
    assert predicted.returncode == 0 and predicted.writes == [] and ran(predicted, NOTIFY_TASK).changed, predicted.summary()
    assert sns.list_topics()["Topics"] != []
    run = ansible.run_playbook(delete)
    assert run.returncode == 0, run.summary()
    assert [task.task for task in run.changed_tasks] == [task.task for task in predicted.changed_tasks], run.summary()
    assert sns.list_topics()["Topics"] == [] and sqs.list_queues().get("QueueUrls", []) == []
    assert RULE not in [rule["Name"] for rule in events.list_rules()["Rules"]]
    assert send_statements(iam, backend) == []
    if backend == "scheduler":
        assert set(dead_letter_arns(aws("scheduler")).values()) == {None}
        assert len(schedule_names(aws("scheduler"))) == 4
    else:
        assert on_failure_destination(aws("lambda")) is None
    assert_no_op(ansible.run_playbook(delete))


def test_teardown_keeps_a_topic_it_was_given(ansible, moto, aws):
    sns = aws("sns")
    existing = sns.create_topic(Name="ops-alerts")["TopicArn"]
    run = ansible.run_playbook(role_play(moto, "scheduler", {"topic_arn": existing}))
    assert run.returncode == 0, run.summary()
    assert ran(run, NOTIFY_TASK).result["topic_arn"] == existing
    # its policy (the emulator's default) does not let the rule publish: said, never changed
    assert any("does not name the rule" in warning for warning in ran(run, NOTIFY_TASK).result["warnings"]), run.summary()

    run = ansible.run_playbook(role_play(moto, "scheduler", {"topic_arn": existing}, state="absent"))
    assert run.returncode == 0 and run.task(REMOVE_NOTIFY_TASK).changed, run.summary()
    assert [topic["TopicArn"] for topic in sns.list_topics()["Topics"]] == [existing]
    assert aws("sqs").list_queues().get("QueueUrls", []) == []
    assert not [call for call in run.writes if call.service == "sns"], run.summary()
