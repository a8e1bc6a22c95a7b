# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The scheduler backend: requests valid against botocore's models, the plan, the error paths.

The local endpoint never fires a schedule and does not implement
StartAutomationExecution, so the Input each schedule would send is
validated here against botocore's ssm model. The backend runs against a
real botocore scheduler client with botocore's Stubber (which also checks
every request against the scheduler model); error paths use real
botocore ClientErrors.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_scheduler as sb
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import after_view

from awsops_harness.botocore_models import assert_valid

GROUP = "instance-scheduler"
ACCOUNT = "123456789012"
SETTINGS = {
    "group": GROUP,
    "region": "us-east-1",
    "partition": "aws",
    "automation_role_arn": "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole",
    "invoker_role_arn": "arn:aws:iam::123456789012:role/SSMSchedulerInvokerRole",
    "max_concurrency": "10",
    "max_errors": "25%",
    "tags": None,
    "purge_tags": True,
}


class FakeModule:
    def __init__(self, client, check_mode=False):
        self._client = client
        self.check_mode = check_mode
        self._diff = True

    def client(self, service, **_options):
        assert service == "scheduler"
        return self._client


@pytest.fixture
def scheduler():
    client = boto3.client("scheduler", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def no_sleep(monkeypatch):
    sleeps = []
    monkeypatch.setattr(aws_retries.time, "sleep", sleeps.append)
    return sleeps


def schedules(*raw, **defaults):
    return validate_schedules(list(raw), dict({"timezone": "Asia/Seoul"}, **defaults), option="schedules")


OFFICE = {"name": "office", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI"}


def backend(client, settings=None):
    return sb.SchedulerBackend(FakeModule(client), dict(SETTINGS, **(settings or {})))


def schedule_arn(name):
    return "arn:aws:scheduler:us-east-1:%s:schedule/%s/%s" % (ACCOUNT, GROUP, name)


def summary(name):
    return {"Arn": schedule_arn(name), "Name": name, "GroupName": GROUP, "State": "ENABLED", "Target": {"Arn": sb.universal_target_arn("aws")}}


def got(request, **changes):
    """A GetSchedule answer for what a request created."""
    answer = dict(request, Arn=schedule_arn(request["Name"]))
    answer.update(changes)
    return answer


def client_error(code, message="", operation="ListSchedules"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


# ---- requests against botocore's models ----


@pytest.mark.parametrize(
    "raw",
    [
        OFFICE,
        {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "THU"], "tag_key": "Team", "tag_value": "batch", "enabled": False},
        {"name": "weekend", "stop_cron": "cron(0 20 ? * FRI *)", "timezone": "Europe/Berlin"},
    ],
)
def test_create_and_update_requests_are_valid_for_scheduler_and_their_input_for_ssm(scheduler, raw):
    client, _stubber = scheduler
    office_hours = schedules(raw)[0]
    for action in ("start", "stop"):
        if not office_hours.expression(action):
            continue
        request = backend(client).request(office_hours, action)
        assert_valid("scheduler", "CreateSchedule", request)
        assert_valid("scheduler", "UpdateSchedule", request)
        assert_valid("ssm", "StartAutomationExecution", json.loads(request["Target"]["Input"]))
        assert request["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution"
        assert request["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert request["Description"] == "Managed by awsops.ssm: %s %s" % (office_hours.name, action)


def test_the_model_check_catches_what_aws_would_reject():
    with pytest.raises(AssertionError, match="MaxConcurrency"):
        assert_valid("ssm", "StartAutomationExecution", {"DocumentName": "AWS-StartEC2Instance", "MaxConcurrency": "0"})
    with pytest.raises(AssertionError, match="Name"):
        assert_valid("scheduler", "GetSchedule", {"Name": "office hours-start"})


def test_request_is_stable_text_and_names_the_tag_target(scheduler):
    client, _stubber = scheduler
    office_hours = schedules(dict(OFFICE, tag_value="office"))[0]
    first = backend(client).request(office_hours, "start")
    second = backend(client).request(schedules(dict(OFFICE, tag_value="office"))[0], "start")
    assert first == second
    assert first["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
    assert first["ScheduleExpressionTimezone"] == "Asia/Seoul"
    request = json.loads(first["Target"]["Input"])
    assert request == {
        "DocumentName": "AWS-StartEC2Instance",
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:Schedule", "Values": ["office"]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": {"AutomationAssumeRole": [SETTINGS["automation_role_arn"]]},
    }


def test_universal_target_follows_the_partition():
    assert sb.universal_target_arn("aws-cn") == "arn:aws-cn:scheduler:::aws-sdk:ssm:startAutomationExecution"
    assert sb.group_arn_from_schedule_arn(schedule_arn("office-start")) == "arn:aws:scheduler:us-east-1:%s:schedule-group/%s" % (ACCOUNT, GROUP)


# ---- read and plan ----


def stub_read(stubber, current, foreign=()):
    """ListSchedules, then GetSchedule for every *-start/*-stop name."""
    names = sorted(list(current) + [name for name, _answer in foreign])
    stubber.add_response("list_schedules", {"Schedules": [summary(name) for name in names]}, {"GroupName": GROUP})
    answers = dict(current)
    answers.update(foreign)
    for name in names:
        if name.endswith(("-start", "-stop")):
            stubber.add_response("get_schedule", answers[name], {"GroupName": GROUP, "Name": name})


def existing(client, raw=None):
    """GetSchedule answers for what the backend would have created for raw (default OFFICE)."""
    office_hours = schedules(raw or OFFICE)[0]
    made = backend(client)
    return dict((office_hours.resource_name(a), got(made.request(office_hours, a))) for a in ("start", "stop") if office_hours.expression(a))


def foreign_schedule(name):
    return got(
        {
            "Name": name,
            "GroupName": GROUP,
            "ScheduleExpression": "cron(0 7 ? * * *)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:queue", "RoleArn": SETTINGS["invoker_role_arn"]},
        }
    )


def test_no_op_plans_nothing(scheduler):
    client, stubber = scheduler
    stub_read(stubber, existing(client))
    made = backend(client)
    inventory = made.read()
    assert made.plan(inventory, schedules(OFFICE), exclusive=True, state="present") == []


def test_first_run_creates_the_group_then_the_schedules(scheduler):
    client, stubber = scheduler
    stubber.add_client_error("list_schedules", "ResourceNotFoundException", expected_params={"GroupName": GROUP})
    made = backend(client, {"tags": {"team": "ops"}})
    inventory = made.read()
    changes = made.plan(inventory, schedules(OFFICE), exclusive=True, state="present")
    expected = ["Change(create group instance-scheduler)", "Change(create schedule office-start)", "Change(create schedule office-stop)"]
    assert [repr(c) for c in changes] == expected
    assert changes[0].request["Tags"] == {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}
    stubber.add_response(
        "create_schedule_group",
        {"ScheduleGroupArn": "arn:aws:scheduler:us-east-1:%s:schedule-group/%s" % (ACCOUNT, GROUP)},
        {"Name": GROUP, "Tags": [{"Key": "team", "Value": "ops"}, {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]},
    )
    for change in changes[1:]:
        stubber.add_response("create_schedule", {"ScheduleArn": schedule_arn(change.name)}, change.request)
    made.apply(inventory, changes)


def test_empty_listing_asks_whether_the_group_exists_only_when_something_is_created(scheduler):
    client, stubber = scheduler
    stubber.add_response("list_schedules", {"Schedules": []}, {"GroupName": GROUP})
    made = backend(client)
    inventory = made.read()
    assert made.plan(inventory, [], exclusive=True, state="present") == []
    stubber.add_response("list_schedules", {"Schedules": []}, {"GroupName": GROUP})
    stubber.add_response("get_schedule_group", {"Arn": "arn:aws:scheduler:us-east-1:%s:schedule-group/%s" % (ACCOUNT, GROUP), "Name": GROUP}, {"Name": GROUP})
    inventory = made.read()
    changes = made.plan(inventory, schedules(OFFICE), exclusive=True, state="present")
    assert [c.kind for c in changes] == ["schedule", "schedule"]


def test_a_changed_field_updates_with_the_full_definition(scheduler):
    client, stubber = scheduler
    current = existing(client)
    current["office-stop"]["ScheduleExpressionTimezone"] = "UTC"
    stub_read(stubber, current)
    made = backend(client)
    changes = made.plan(made.read(), schedules(OFFICE), exclusive=True, state="present")
    assert [repr(c) for c in changes] == ["Change(update schedule office-stop)"]
    assert changes[0].before["schedule_expression_timezone"] == "UTC"
    assert changes[0].after["schedule_expression_timezone"] == "Asia/Seoul"
    assert_valid("scheduler", "UpdateSchedule", changes[0].request)


def test_input_is_compared_as_json_not_as_text(scheduler):
    client, stubber = scheduler
    current = existing(client)
    for answer in current.values():
        answer["Target"] = dict(answer["Target"], Input=json.dumps(json.loads(answer["Target"]["Input"]), indent=2))
    stub_read(stubber, current)
    made = backend(client)
    assert made.plan(made.read(), schedules(OFFICE), exclusive=True, state="present") == []


def test_start_only_deletes_our_stop(scheduler):
    client, stubber = scheduler
    stub_read(stubber, existing(client))
    made = backend(client)
    start_only = dict(OFFICE)
    del start_only["stop"]
    changes = made.plan(made.read(), schedules(start_only), exclusive=False, state="present")
    assert [repr(c) for c in changes] == ["Change(delete schedule office-stop)"]


def test_exclusive_never_deletes_a_schedule_without_the_marker(scheduler):
    client, stubber = scheduler
    stub_read(stubber, existing(client), foreign=[("manual-stop", foreign_schedule("manual-stop")), ("other", foreign_schedule("other"))])
    made = backend(client)
    inventory = made.read()
    assert sorted(inventory.foreign) == ["manual-stop", "other"]
    changes = made.plan(inventory, [], exclusive=True, state="present")
    assert sorted(c.name for c in changes) == ["office-start", "office-stop"]
    assert all(c.action == "delete" for c in changes)


def test_absent_keeps_a_group_that_holds_other_schedules(scheduler):
    client, stubber = scheduler
    stub_read(stubber, existing(client), foreign=[("manual", foreign_schedule("manual"))])
    made = backend(client)
    changes = made.plan(made.read(), [], exclusive=True, state="absent")
    assert [repr(c) for c in changes] == ["Change(delete schedule office-start)", "Change(delete schedule office-stop)"]


def test_absent_deletes_the_group_only_when_it_is_ours(scheduler):
    client, stubber = scheduler
    group_arn = "arn:aws:scheduler:us-east-1:%s:schedule-group/%s" % (ACCOUNT, GROUP)
    for tags, expected in (([{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}], True), ([], False)):
        stub_read(stubber, existing(client))
        stubber.add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceArn": group_arn})
        made = backend(client)
        changes = made.plan(made.read(), [], exclusive=True, state="absent")
        assert ("Change(delete group %s)" % GROUP in [repr(c) for c in changes]) is expected


def test_a_taken_name_fails_before_any_write(scheduler):
    client, stubber = scheduler
    stub_read(stubber, {}, foreign=[("office-start", foreign_schedule("office-start"))])
    made = backend(client)
    with pytest.raises(PlanError, match="already holds office-start, not created by awsops.ssm"):
        made.plan(made.read(), schedules(OFFICE), exclusive=True, state="present")


def test_group_tags_are_read_only_when_given_and_internal_tags_survive_purge(scheduler):
    client, stubber = scheduler
    group_arn = "arn:aws:scheduler:us-east-1:%s:schedule-group/%s" % (ACCOUNT, GROUP)
    stub_read(stubber, existing(client))
    stubber.add_response(
        "list_tags_for_resource",
        {"Tags": [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}, {"Key": "team", "Value": "ops"}, {"Key": "old", "Value": "x"}]},
        {"ResourceArn": group_arn},
    )
    made = backend(client, {"tags": {"team": "platform"}})
    inventory = made.read()
    changes = made.plan(inventory, schedules(OFFICE), exclusive=True, state="present")
    assert [repr(c) for c in changes] == ["Change(update group instance-scheduler)"]
    assert changes[0].request == {"ResourceArn": group_arn, "set": {"team": "platform"}, "remove": ["old"]}
    assert after_view(inventory.view(), changes)["group"][GROUP] == {"name": GROUP, "tags": {"team": "platform"}}
    stubber.add_response("untag_resource", {}, {"ResourceArn": group_arn, "TagKeys": ["old"]})
    stubber.add_response("tag_resource", {}, {"ResourceArn": group_arn, "Tags": [{"Key": "team", "Value": "platform"}]})
    made.apply(inventory, changes)


def test_hand_set_fields_on_our_schedule_are_cleared_by_an_update(scheduler):
    client, stubber = scheduler
    current = existing(client)
    current["office-start"]["KmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/k"
    stub_read(stubber, current)
    made = backend(client)
    changes = made.plan(made.read(), schedules(OFFICE), exclusive=True, state="present")
    assert [repr(c) for c in changes] == ["Change(update schedule office-start)"]
    assert "KmsKeyArn" not in changes[0].request


# ---- error paths with real ClientErrors ----


def test_missing_group_reads_as_none_and_other_errors_fail(scheduler):
    client, stubber = scheduler
    stubber.add_client_error("list_schedules", "ResourceNotFoundException", expected_params={"GroupName": GROUP})
    assert sb.list_schedules(client, GROUP) is None
    stubber.add_client_error("list_schedules", "AccessDeniedException", expected_params={"GroupName": GROUP})
    with pytest.raises(AnsibleAWSError, match="Failed to list the schedules of the group"):
        sb.list_schedules(client, GROUP)


def test_deleting_a_schedule_already_gone_is_not_an_error(scheduler):
    client, stubber = scheduler
    stubber.add_client_error("delete_schedule", "ResourceNotFoundException", expected_params={"GroupName": GROUP, "Name": "office-start"})
    assert sb.delete_call(client, "delete_schedule", GroupName=GROUP, Name="office-start") is False


def test_write_waits_for_a_new_role_then_succeeds(scheduler, no_sleep):
    client, stubber = scheduler
    request = existing(client)["office-start"]
    request = dict((k, v) for k, v in request.items() if k != "Arn")
    stubber.add_client_error("create_schedule", "ValidationException", "The execution role you provide must allow EventBridge Scheduler to assume the role.")
    stubber.add_response("create_schedule", {"ScheduleArn": schedule_arn("office-start")}, request)
    assert sb.write_schedule(client, "create_schedule", **request)["ScheduleArn"] == schedule_arn("office-start")
    assert no_sleep == [aws_retries.CONSISTENCY_DELAYS[0]]


def test_write_does_not_retry_other_validation_errors(scheduler, no_sleep):
    client, stubber = scheduler
    stubber.add_client_error("create_schedule", "ValidationException", "Invalid Schedule Expression")
    request = dict((k, v) for k, v in existing(client)["office-start"].items() if k != "Arn")
    with pytest.raises(AnsibleAWSError, match="Failed to write the schedule"):
        sb.write_schedule(client, "create_schedule", **request)
    assert no_sleep == []


def test_role_not_ready_recognises_only_role_validation_errors():
    assert sb.role_not_ready(client_error("ValidationException", "The execution role you provide must allow AWS EventBridge Scheduler to assume the role."))
    assert not sb.role_not_ready(client_error("ValidationException", "Invalid Schedule Expression"))
    assert not sb.role_not_ready(client_error("AccessDeniedException", "role"))


def test_a_dead_letter_queue_goes_into_both_schedules_of_its_office_hours_and_is_valid(scheduler):
    """dead_letter_queue_arns (from ssm_scheduler_notifications' queues): Target.DeadLetterConfig, valid for CreateSchedule."""
    client, _stubber = scheduler
    queue = "arn:aws:sqs:us-east-1:%s:instance-scheduler-office-dlq" % ACCOUNT
    made = backend(client, {"dead_letter_queue_arns": {"office": queue, "gone": queue.replace("office", "gone")}})
    office_hours = schedules(OFFICE)[0]
    for action in ("start", "stop"):
        request = made.request(office_hours, action)
        assert request["Target"]["DeadLetterConfig"] == {"Arn": queue}
        assert_valid("scheduler", "CreateSchedule", request)
        assert sb.schedule_view(request)["dead_letter_config"] == {"arn": queue}
    night = schedules({"name": "night", "start": "22:00", "stop": "06:00"})[0]
    assert "DeadLetterConfig" not in backend(client, {"dead_letter_queue_arns": {"office": queue}}).request(night, "start")["Target"]
    # without the setting (notifications off) a schedule has none, so one that had it is updated to drop it
    assert "DeadLetterConfig" not in backend(client).request(office_hours, "start")["Target"]
    assert sb.schedule_view(made.request(office_hours, "start")) != sb.schedule_view(backend(client).request(office_hours, "start"))
