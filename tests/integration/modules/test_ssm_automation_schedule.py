# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedule (backend scheduler) against the local endpoint.

The emulator stores schedules but never fires them, and does not implement
StartAutomationExecution: that the target Input is a valid request is
proven against botocore's model in tests/unit (test_schedule_backend_scheduler.py).
"""

import json

import pytest

from awsops_harness.scheduler_state import group_names
from awsops_harness.scheduler_state import schedule_names
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_automation_schedule"
GROUP = "instance-scheduler"
TARGET = "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution"


def office(roles, **extra):
    args = {"name": "office", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul", "tag_key": "Schedule", "tag_value": "office"}
    args.update(roles)
    args.update(extra)
    return args


def automation_input(action, roles, tag_value="office"):
    return {
        "DocumentName": "AWS-StartEC2Instance" if action == "start" else "AWS-StopEC2Instance",
        "TargetParameterName": "InstanceId",
        "Targets": [{"Key": "tag:Schedule", "Values": [tag_value]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": {"AutomationAssumeRole": [roles["automation_role_arn"]]},
    }


def test_integration_sequence(ansible, aws, roles):
    scheduler = aws("scheduler")
    create = office(roles, tags={"team": "platform"})
    modify = office(roles, stop="19:00", enabled=False, tags={"team": "platform"})
    delete = {"name": "office", "state": "absent"}

    def check_state(step, result):
        if step.name == "create":
            assert schedule_names(scheduler) == ["office-start", "office-stop"]
            start = scheduler.get_schedule(GroupName=GROUP, Name="office-start")
            assert start["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
            assert start["ScheduleExpressionTimezone"] == "Asia/Seoul"
            assert start["State"] == "ENABLED"
            assert start["FlexibleTimeWindow"] == {"Mode": "OFF"}
            assert start["Description"] == "Managed by awsops.ssm: office start"
            assert start["Target"]["Arn"] == TARGET
            assert start["Target"]["RoleArn"] == roles["invoker_role_arn"]
            assert start["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
            assert json.loads(start["Target"]["Input"]) == automation_input("start", roles)
            stop = scheduler.get_schedule(GroupName=GROUP, Name="office-stop")
            assert stop["ScheduleExpression"] == "cron(0 18 ? * MON-FRI *)"
            assert json.loads(stop["Target"]["Input"]) == automation_input("stop", roles)
            group_arn = scheduler.get_schedule_group(Name=GROUP)["Arn"]
            tags = dict((t["Key"], t["Value"]) for t in scheduler.list_tags_for_resource(ResourceArn=group_arn)["Tags"])
            assert tags == {"team": "platform", "awsops:ssm:managed-by": "awsops.ssm"}
            assert result.result["created"] == ["office-start", "office-stop"]
            assert result.result["schedule"]["aws_names"] == {"start": "office-start", "stop": "office-stop"}
        if step.name == "modify":
            stop = scheduler.get_schedule(GroupName=GROUP, Name="office-stop")
            assert stop["ScheduleExpression"] == "cron(0 19 ? * MON-FRI *)"
            assert stop["State"] == "DISABLED"
            start = scheduler.get_schedule(GroupName=GROUP, Name="office-start")
            assert start["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
            assert start["State"] == "DISABLED"
            assert result.result["updated"] == ["office-start", "office-stop"]
        if step.name == "delete":
            assert schedule_names(scheduler) == []
            assert result.result["deleted"] == ["office-start", "office-stop"]
            assert GROUP in group_names(scheduler)  # the single-schedule module leaves the group to others

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    # The check-mode prediction shows what the real run then made.
    assert results["create (check)"][0].result["diff"]["after"] == results["create"][0].result["diff"]["after"]
    assert results["modify"][0].result["diff"]["before"] != results["modify"][0].result["diff"]["after"]


def test_no_op_reads_one_call_per_schedule(ansible, roles):
    ansible.run_module(MODULE, office(roles))
    result, run = ansible.run_module(MODULE, office(roles))
    assert not result.changed
    assert [str(call) for call in run.calls] == ["scheduler:ListSchedules", "scheduler:GetSchedule", "scheduler:GetSchedule"]


def test_start_only_removes_the_stop_schedule(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, office(roles))
    args = office(roles)
    del args["stop"]
    result, run = ansible.run_module(MODULE, args)
    assert result.changed and result.result["deleted"] == ["office-stop"] and result.result["updated"] == [], run.summary()
    assert schedule_names(scheduler) == ["office-start"]
    assert result.result["schedule"]["aws_names"] == {"start": "office-start", "stop": None}


def test_overnight_stop_fires_the_next_morning(ansible, aws, roles):
    scheduler = aws("scheduler")
    result, run = ansible.run_module(MODULE, office(roles, name="night", start="22:00", stop="06:00", weekdays="MON-FRI"))
    assert result.changed, run.summary()
    assert scheduler.get_schedule(GroupName=GROUP, Name="night-stop")["ScheduleExpression"] == "cron(0 6 ? * TUE-SAT *)"


def test_raw_cron_and_rate_control(ansible, aws, roles):
    scheduler = aws("scheduler")
    args = dict(roles, name="weekend", stop_cron="cron(0 20 ? * FRI *)", timezone="Europe/Berlin", tag_key="Team", tag_value="data",
                max_concurrency="20%", max_errors="0")
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    assert schedule_names(scheduler) == ["weekend-stop"]
    stop = scheduler.get_schedule(GroupName=GROUP, Name="weekend-stop")
    assert stop["ScheduleExpression"] == "cron(0 20 ? * FRI *)"
    request = json.loads(stop["Target"]["Input"])
    assert request["Targets"] == [{"Key": "tag:Team", "Values": ["data"]}]
    assert (request["MaxConcurrency"], request["MaxErrors"]) == ("20%", "0")


def test_a_schedule_not_ours_is_never_overwritten(ansible, aws, roles):
    scheduler = aws("scheduler")
    scheduler.create_schedule_group(Name=GROUP)
    scheduler.create_schedule(
        Name="office-start",
        GroupName=GROUP,
        ScheduleExpression="cron(0 7 ? * * *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:queue", "RoleArn": roles["invoker_role_arn"]},
    )
    result, run = ansible.run_module(MODULE, office(roles))
    assert result.failed
    assert "already holds office-start, not created by awsops.ssm" in result.result["msg"]
    assert run.writes == []
    assert scheduler.get_schedule(GroupName=GROUP, Name="office-start")["ScheduleExpression"] == "cron(0 7 ? * * *)"


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"timezone": "Mars/Olympus"}, 'timezone: "Mars/Olympus" is not an IANA time zone'),
        ({"start": "25:00"}, 'start: "25:00" is not a time; expected "HH:MM"'),
        ({"stop": "9am"}, 'stop: "9am" is not a time'),
        ({"weekdays": "MON-FUNDAY"}, 'weekdays: "MON-FUNDAY" is not a day'),
        ({"start": None, "stop": None, "weekdays": None, "start_cron": "cron(0 9 1 * MON *)"}, "start_cron: "),
        ({"start_cron": "cron(0 9 ? * MON-FRI *)"}, "start_cron cannot be combined with start/stop/weekdays"),
        ({"name": "office hours"}, 'name: "office hours" would name the EventBridge Scheduler schedules'),
        ({"name": "o" * 59}, "at most 58 characters"),
        ({"backend": "cron"}, "value of backend must be one of: scheduler, lambda, got: cron"),
        ({"backend": "Lambda"}, "value of backend must be one of: scheduler, lambda, got: Lambda"),
        ({"group": "bad group!"}, 'group: "bad group!" is not a schedule group name'),
        ({"max_concurrency": "0"}, 'max_concurrency: "0" is not a rate control value'),
        ({"max_errors": "101%"}, 'max_errors: "101%" is not a rate control value'),
        ({"automation_role_arn": None}, "automation_role_arn: required when a schedule is present"),
        ({"invoker_role_arn": "SSMSchedulerInvokerRole"}, 'invoker_role_arn: "SSMSchedulerInvokerRole" is not a role ARN'),
        ({"tag_key": "aws:cloudformation"}, "tag_key: "),
    ],
)
def test_bad_input_fails_before_any_call(ansible, extra, message):
    roles = {"automation_role_arn": "arn:aws:iam::123456789012:role/A", "invoker_role_arn": "arn:aws:iam::123456789012:role/B"}
    args = dict((key, value) for key, value in office(roles, **extra).items() if value is not None)
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []
