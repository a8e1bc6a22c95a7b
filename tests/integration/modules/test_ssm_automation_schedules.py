# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedules (backend scheduler) against the local endpoint.

The emulator never fires schedules and lacks StartAutomationExecution; the
request each schedule sends is checked against botocore's model in tests/unit.
"""

import pytest

from awsops_harness.scheduler_state import group_names
from awsops_harness.scheduler_state import schedule_names
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_automation_schedules"
GROUP = "instance-scheduler"


def three_schedules():
    return [
        {"name": "office", "start": "08:00", "stop": "18:30"},
        {"name": "seoul", "start": "09:00", "stop": "18:00", "timezone": "Asia/Seoul"},
        {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE", "WED", "THU"], "tag_key": "Team", "tag_value": "batch"},
    ]


def args_for(roles, schedules, **extra):
    args = dict(roles, schedules=schedules, defaults={"timezone": "Europe/Berlin"})
    args.update(extra)
    return args


def test_integration_sequence(ansible, aws, roles):
    scheduler = aws("scheduler")
    create = args_for(roles, three_schedules(), tags={"team": "platform"})
    changed = three_schedules()
    changed[0]["stop"] = "17:00"
    modify = args_for(roles, changed, tags={"team": "ops"})
    delete = {"state": "absent"}

    def check_state(step, result):
        if step.name == "create":
            assert schedule_names(scheduler) == ["night-start", "night-stop", "office-start", "office-stop", "seoul-start", "seoul-stop"]
            office = scheduler.get_schedule(GroupName=GROUP, Name="office-start")
            assert (office["ScheduleExpression"], office["ScheduleExpressionTimezone"]) == ("cron(0 8 ? * MON-FRI *)", "Europe/Berlin")
            assert scheduler.get_schedule(GroupName=GROUP, Name="night-stop")["ScheduleExpression"] == "cron(0 6 ? * TUE-FRI *)"
        if step.name == "modify":
            assert result.result["updated"] == ["office-stop"]
            assert scheduler.get_schedule(GroupName=GROUP, Name="office-stop")["ScheduleExpression"] == "cron(0 17 ? * MON-FRI *)"
            group_arn = scheduler.get_schedule_group(Name=GROUP)["Arn"]
            tags = dict((t["Key"], t["Value"]) for t in scheduler.list_tags_for_resource(ResourceArn=group_arn)["Tags"])
            assert tags == {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}
        if step.name == "delete":
            assert GROUP not in group_names(scheduler)
            assert len(result.result["deleted"]) == 6

    run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)


def test_rerun_reads_the_listing_and_each_schedule_once(ansible, roles):
    """Measured: ListSchedules once (one page) + GetSchedule for each of the 6 AWS schedules, nothing else, no write."""
    args = args_for(roles, three_schedules())
    result, run = ansible.run_module(MODULE, args)
    assert result.changed and len(result.result["created"]) == 6, run.summary()
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed
    assert run.writes == []
    assert [str(call) for call in run.calls] == ["scheduler:ListSchedules"] + ["scheduler:GetSchedule"] * 6


def test_removing_a_schedule_from_the_list_deletes_only_its_two(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    result, run = ansible.run_module(MODULE, args_for(roles, three_schedules()[:2]))
    assert result.changed, run.summary()
    assert result.result["deleted"] == ["night-start", "night-stop"]
    assert result.result["created"] == [] and result.result["updated"] == []
    assert sorted(str(call) for call in run.writes) == ["scheduler:DeleteSchedule"] * 2
    assert schedule_names(scheduler) == ["office-start", "office-stop", "seoul-start", "seoul-stop"]


def test_not_exclusive_keeps_unlisted_schedules(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    result, run = ansible.run_module(MODULE, args_for(roles, three_schedules()[:1], exclusive=False))
    assert not result.changed, run.summary()
    assert len(schedule_names(scheduler)) == 6


def test_a_listed_schedule_with_state_absent_is_removed(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    schedules = three_schedules()
    schedules[2] = {"name": "night", "state": "absent"}
    result, run = ansible.run_module(MODULE, args_for(roles, schedules, exclusive=False))
    assert result.result["deleted"] == ["night-start", "night-stop"], run.summary()
    assert "night-start" not in schedule_names(scheduler)


def test_hand_made_schedules_in_the_group_are_never_deleted(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    for name in ("manual", "manual-stop"):  # the second looks like ours by name but has no marker
        scheduler.create_schedule(
            Name=name,
            GroupName=GROUP,
            ScheduleExpression="cron(0 7 ? * * *)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:queue", "RoleArn": roles["invoker_role_arn"]},
        )
    result, run = ansible.run_module(MODULE, args_for(roles, []))
    assert sorted(result.result["deleted"]) == sorted(["night-start", "night-stop", "office-start", "office-stop", "seoul-start", "seoul-stop"])
    assert schedule_names(scheduler) == ["manual", "manual-stop"]

    # absent removes ours only, and keeps the group that still holds the hand-made schedules
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert len(result.result["deleted"]) == 6, run.summary()
    assert "delete group %s" % GROUP not in result.result["changes"]
    assert schedule_names(scheduler) == ["manual", "manual-stop"]
    assert GROUP in group_names(scheduler)


def test_absent_removes_all_of_ours_and_the_group(ansible, aws, roles):
    scheduler = aws("scheduler")
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    result, run = ansible.run_module(MODULE, {"state": "absent"}, check=True)
    assert result.changed and run.writes == [], run.summary()
    assert result.result["changes"][-1] == "delete group %s" % GROUP
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert result.changed, run.summary()
    assert [str(call) for call in run.writes] == ["scheduler:DeleteSchedule"] * 6 + ["scheduler:DeleteScheduleGroup"]
    assert GROUP not in group_names(scheduler)
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert not result.changed and run.writes == []


def test_a_group_not_created_by_this_collection_is_kept(ansible, aws, roles):
    scheduler = aws("scheduler")
    scheduler.create_schedule_group(Name=GROUP)
    ansible.run_module(MODULE, args_for(roles, three_schedules()))
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert result.changed and len(result.result["deleted"]) == 6, run.summary()
    assert GROUP in group_names(scheduler)


@pytest.mark.parametrize(
    "schedules, extra, message",
    [
        ([{"name": "a", "start": "08:00"}, {"name": "b", "start": "25:00"}], {}, 'schedules[1].start: "25:00" is not a time'),
        ([{"name": "a", "start": "9am"}], {}, 'schedules[0].start: "9am" is not a time'),
        ([{"name": "a", "start": "08:00", "weekdays": "FUNDAY"}], {}, 'schedules[0].weekdays: "FUNDAY" is not a day'),
        ([{"name": "a", "start": "08:00", "timezone": "Europe/Nowhere"}], {}, 'schedules[0].timezone: "Europe/Nowhere" is not an IANA time zone'),
        ([{"name": "a", "start_cron": "cron(0 8 1 * MON *)"}], {}, "schedules[0].start_cron: "),
        ([{"name": "a b", "start": "08:00"}], {}, 'schedules[0].name: "a b" would name'),
        ([{"name": "x" * 60, "start": "08:00"}], {}, "schedules[0].name: "),
        ([{"name": "a", "start": "08:00"}, {"name": "a", "stop": "18:00"}], {}, 'schedules[1].name: "a" is also the name of schedules[0]'),
        ([{"name": "a", "start": "08:00"}], {"defaults": {"timezone": "Nowhere"}}, "defaults.timezone: "),
        ([{"name": "a", "start": "08:00"}], {"backend": "cron"}, "value of backend must be one of: scheduler, lambda, got: cron"),
        ([{"name": "a", "start": "08:00"}], {"backend": "Lambda"}, "value of backend must be one of: scheduler, lambda, got: Lambda"),
        ([{"name": "a", "start": "08:00"}], {"max_concurrency": "0%"}, "max_concurrency: "),
    ],
)
def test_bad_input_fails_before_any_call(ansible, schedules, extra, message):
    args = {"automation_role_arn": "arn:aws:iam::123456789012:role/A", "invoker_role_arn": "arn:aws:iam::123456789012:role/B", "schedules": schedules}
    args.update(extra)
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []


def test_every_problem_is_reported_at_once(ansible):
    schedules = [{"name": "a", "start": "25:00"}, {"name": "b", "stop": "9am", "timezone": "Mars/Base"}]
    result, run = ansible.run_module(MODULE, {"schedules": schedules})
    assert result.failed and run.calls == []
    for part in ("schedules[0].start", "schedules[1].stop", "schedules[1].timezone", "automation_role_arn: required", "invoker_role_arn: required"):
        assert part in result.result["msg"]
