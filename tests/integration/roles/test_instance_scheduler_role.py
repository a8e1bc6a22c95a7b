# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The instance_scheduler role (backend scheduler) against the local endpoint.

The emulator never fires schedules and lacks StartAutomationExecution: these
tests check what the role leaves in IAM and EventBridge Scheduler, and that
reruns and check mode send no write call.
"""

import json

from awsops_harness.scheduler_state import group_names
from awsops_harness.scheduler_state import schedule_names

ROLE = "awsops.ssm.instance_scheduler"
PREFIX = ROLE + " : "
ROLES_TASK = PREFIX + "Create the automation and invoker roles"
SCHEDULES_TASK = PREFIX + "Create or update the schedules"
REMOVE_SCHEDULES_TASK = PREFIX + "Remove the schedules this role created"
REMOVE_ROLES_TASK = PREFIX + "Remove the automation and invoker roles (kept while another region uses them)"
PRESENT_TASKS = (ROLES_TASK, SCHEDULES_TASK)
ABSENT_TASKS = (REMOVE_SCHEDULES_TASK, REMOVE_ROLES_TASK)
GROUP = "instance-scheduler"
AUTOMATION_ROLE = "SSMSchedulerAutomationRole"
INVOKER_ROLE = "SSMSchedulerInvokerRole"
ALL_FOUR = ["night-start", "night-stop", "test-start", "test-stop"]


def schedules():
    """The reference design (09:00-18:00 Asia/Seoul MON-FRI, tag Service=test) and an overnight schedule."""
    return [
        {"name": "test", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul", "tag_key": "Service", "tag_value": "test"},
        {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE", "WED", "THU"]},
    ]


def role_play(moto, region="us-east-1", **role_vars):
    variables = {"aws_region": region, "aws_endpoint_url": moto.url, "instance_scheduler_timezone": "Europe/Berlin"}
    variables.update(("instance_scheduler_" + key, value) for key, value in role_vars.items())
    return [{"name": "instance_scheduler", "hosts": "localhost", "gather_facts": False, "vars": variables, "roles": [{"role": ROLE}]}]


def changed_by_task(run, names):
    """{task: changed} for the role's AWS tasks; every one of them must have run."""
    assert run.returncode == 0, run.summary()
    return dict((name, run.task(name).changed) for name in names)


def role_names(iam):
    return sorted(role["RoleName"] for role in iam.list_roles()["Roles"])


def hand_made_schedule(scheduler, name, role_arn):
    """A schedule someone created in the group by hand (no awsops.ssm marker in its description)."""
    scheduler.create_schedule(
        Name=name,
        GroupName=GROUP,
        ScheduleExpression="cron(0 7 ? * * *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:queue", "RoleArn": role_arn},
    )
    return scheduler.get_schedule(GroupName=GROUP, Name=name)


def definition(schedule):
    """What a later run must not change in a hand-made schedule."""
    return {key: schedule.get(key) for key in ("ScheduleExpression", "ScheduleExpressionTimezone", "Description", "State", "Target")}


def test_converge_check_mode_and_rerun(ansible, moto, aws):
    scheduler = aws("scheduler")
    iam = aws("iam")
    play = role_play(moto, schedules=schedules())

    predicted = ansible.run_playbook(play, check=True)
    assert predicted.writes == [], predicted.summary()
    assert changed_by_task(predicted, PRESENT_TASKS) == {ROLES_TASK: True, SCHEDULES_TASK: True}
    prediction = predicted.task(SCHEDULES_TASK).result
    assert sorted(prediction["created"]) == ALL_FOUR
    assert prediction["changes"][0] == "create group %s" % GROUP
    assert GROUP not in group_names(scheduler) and AUTOMATION_ROLE not in role_names(iam)

    run = ansible.run_playbook(play)
    assert changed_by_task(run, PRESENT_TASKS) == changed_by_task(predicted, PRESENT_TASKS), run.summary()
    assert run.task(SCHEDULES_TASK).result["changes"] == prediction["changes"]
    assert schedule_names(scheduler) == ALL_FOUR
    assert {AUTOMATION_ROLE, INVOKER_ROLE} <= set(role_names(iam))

    test_start = scheduler.get_schedule(GroupName=GROUP, Name="test-start")
    assert (test_start["ScheduleExpression"], test_start["ScheduleExpressionTimezone"]) == ("cron(0 9 ? * MON-FRI *)", "Asia/Seoul")
    request = json.loads(test_start["Target"]["Input"])
    assert request["DocumentName"] == "AWS-StartEC2Instance"
    assert request["Targets"] == [{"Key": "tag:Service", "Values": ["test"]}]
    assert request["Parameters"]["AutomationAssumeRole"] == [iam.get_role(RoleName=AUTOMATION_ROLE)["Role"]["Arn"]]
    assert (request["MaxConcurrency"], request["MaxErrors"]) == ("10", "25%")
    assert test_start["Target"]["RoleArn"] == iam.get_role(RoleName=INVOKER_ROLE)["Role"]["Arn"]
    night_stop = scheduler.get_schedule(GroupName=GROUP, Name="night-stop")
    assert (night_stop["ScheduleExpression"], night_stop["ScheduleExpressionTimezone"]) == ("cron(0 6 ? * TUE-FRI *)", "Europe/Berlin")
    assert json.loads(night_stop["Target"]["Input"])["Targets"] == [{"Key": "tag:Schedule", "Values": ["night"]}]

    # the automation role may start and stop only instances with one of the schedules' tags (night: the default key, its name)
    policy = iam.get_role_policy(RoleName=AUTOMATION_ROLE, PolicyName="awsops-ssm-scheduler-us-east-1")["PolicyDocument"]
    conditions = [statement["Condition"] for statement in policy["Statement"] if "ec2:StartInstances" in statement["Action"]]
    assert conditions == [{"StringEquals": {"aws:ResourceTag/Schedule": ["night"]}}, {"StringEquals": {"aws:ResourceTag/Service": ["test"]}}]

    for check in (False, True):
        again = ansible.run_playbook(play, check=check)
        assert changed_by_task(again, PRESENT_TASKS) == {ROLES_TASK: False, SCHEDULES_TASK: False}, again.summary()
        assert again.writes == [], again.summary()


def test_changed_input_is_predicted_by_check_mode(ansible, moto, aws):
    scheduler = aws("scheduler")
    ansible.run_playbook(role_play(moto, schedules=schedules()))
    changed = schedules()
    changed[0]["stop"] = "19:00"
    play = role_play(moto, schedules=changed, max_errors="1")

    predicted = ansible.run_playbook(play, check=True)
    assert predicted.writes == [], predicted.summary()
    run = ansible.run_playbook(play)
    assert changed_by_task(run, PRESENT_TASKS) == changed_by_task(predicted, PRESENT_TASKS) == {ROLES_TASK: False, SCHEDULES_TASK: True}
    assert sorted(run.task(SCHEDULES_TASK).result["updated"]) == ALL_FOUR  # max_errors is in every request
    assert scheduler.get_schedule(GroupName=GROUP, Name="test-stop")["ScheduleExpression"] == "cron(0 19 ? * MON-FRI *)"
    assert json.loads(scheduler.get_schedule(GroupName=GROUP, Name="night-start")["Target"]["Input"])["MaxErrors"] == "1"


def test_exclusive_removes_only_what_the_role_created(ansible, moto, aws):
    scheduler = aws("scheduler")
    iam = aws("iam")
    ansible.run_playbook(role_play(moto, schedules=schedules()))
    invoker_arn = iam.get_role(RoleName=INVOKER_ROLE)["Role"]["Arn"]
    manual = definition(hand_made_schedule(scheduler, "manual", invoker_arn))

    # not exclusive: an unlisted schedule of the role stays
    run = ansible.run_playbook(role_play(moto, schedules=schedules()[:1], exclusive=False))
    assert changed_by_task(run, PRESENT_TASKS)[SCHEDULES_TASK] is False, run.summary()
    assert schedule_names(scheduler) == sorted(ALL_FOUR + ["manual"])

    play = role_play(moto, schedules=schedules()[:1])
    predicted = ansible.run_playbook(play, check=True)
    assert predicted.writes == [], predicted.summary()
    run = ansible.run_playbook(play)
    assert changed_by_task(run, PRESENT_TASKS) == changed_by_task(predicted, PRESENT_TASKS), run.summary()
    assert run.task(SCHEDULES_TASK).result["deleted"] == ["night-start", "night-stop"]
    assert [str(call) for call in run.writes if call.service == "scheduler"] == ["scheduler:DeleteSchedule"] * 2
    assert schedule_names(scheduler) == ["manual", "test-start", "test-stop"]
    assert definition(scheduler.get_schedule(GroupName=GROUP, Name="manual")) == manual


def test_a_hand_made_schedule_of_the_same_name_is_never_overwritten(ansible, moto, aws):
    scheduler = aws("scheduler")
    iam = aws("iam")
    ansible.run_playbook(role_play(moto, schedules=schedules()))
    taken = definition(hand_made_schedule(scheduler, "other-start", iam.get_role(RoleName=INVOKER_ROLE)["Role"]["Arn"]))

    # "other" targets Service=test like "test", so the automation role's policy already fits it
    other = {"name": "other", "start": "08:00", "stop": "17:00", "tag_key": "Service", "tag_value": "test"}
    run = ansible.run_playbook(role_play(moto, schedules=schedules() + [other]))
    assert run.returncode != 0
    message = run.task(SCHEDULES_TASK).result["msg"]
    assert "already holds other-start, not created by awsops.ssm" in message, run.summary()
    assert run.writes == [], run.summary()  # the roles already fit; the schedules task stops before its first write
    assert definition(scheduler.get_schedule(GroupName=GROUP, Name="other-start")) == taken
    assert schedule_names(scheduler) == sorted(ALL_FOUR + ["other-start"])


def test_absent_removes_everything_it_created(ansible, moto, aws):
    scheduler = aws("scheduler")
    iam = aws("iam")
    ansible.run_playbook(role_play(moto, schedules=schedules()))
    play = role_play(moto, schedules=schedules(), state="absent")

    predicted = ansible.run_playbook(play, check=True)
    assert predicted.writes == [], predicted.summary()
    assert changed_by_task(predicted, ABSENT_TASKS) == {REMOVE_SCHEDULES_TASK: True, REMOVE_ROLES_TASK: True}
    run = ansible.run_playbook(play)
    assert changed_by_task(run, ABSENT_TASKS) == changed_by_task(predicted, ABSENT_TASKS), run.summary()
    assert run.task(REMOVE_SCHEDULES_TASK).result["changes"] == predicted.task(REMOVE_SCHEDULES_TASK).result["changes"]
    assert GROUP not in group_names(scheduler)
    assert sorted(run.task(REMOVE_ROLES_TASK).result["deleted"]) == [AUTOMATION_ROLE, INVOKER_ROLE]
    assert not {AUTOMATION_ROLE, INVOKER_ROLE} & set(role_names(iam))

    again = ansible.run_playbook(play)
    assert changed_by_task(again, ABSENT_TASKS) == {REMOVE_SCHEDULES_TASK: False, REMOVE_ROLES_TASK: False}, again.summary()
    assert again.writes == []


def test_absent_leaves_a_hand_made_schedule_and_its_group(ansible, moto, aws):
    scheduler = aws("scheduler")
    iam = aws("iam")
    ansible.run_playbook(role_play(moto, schedules=schedules()))
    iam.create_role(RoleName="HandMadeRole", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    manual = definition(hand_made_schedule(scheduler, "manual", iam.get_role(RoleName="HandMadeRole")["Role"]["Arn"]))

    run = ansible.run_playbook(role_play(moto, state="absent"))
    assert changed_by_task(run, ABSENT_TASKS) == {REMOVE_SCHEDULES_TASK: True, REMOVE_ROLES_TASK: True}, run.summary()
    assert sorted(run.task(REMOVE_SCHEDULES_TASK).result["deleted"]) == ALL_FOUR
    assert schedule_names(scheduler) == ["manual"]
    assert definition(scheduler.get_schedule(GroupName=GROUP, Name="manual")) == manual
    assert GROUP in group_names(scheduler)
    assert role_names(iam) == ["HandMadeRole"]


def test_one_region_leaving_keeps_the_roles_another_region_uses(ansible, moto, aws):
    iam = aws("iam")
    for region in ("us-east-1", "eu-west-1"):
        run = ansible.run_playbook(role_play(moto, region=region, schedules=schedules()))
        assert run.returncode == 0, run.summary()
    assert schedule_names(aws("scheduler", region="eu-west-1")) == ALL_FOUR

    run = ansible.run_playbook(role_play(moto, region="us-east-1", state="absent"))
    assert run.task(REMOVE_ROLES_TASK).result["deleted"] == [], run.summary()
    for name in (AUTOMATION_ROLE, INVOKER_ROLE):
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["awsops-ssm-scheduler-eu-west-1"]
    assert schedule_names(aws("scheduler", region="eu-west-1")) == ALL_FOUR
    assert GROUP not in group_names(aws("scheduler"))

    run = ansible.run_playbook(role_play(moto, region="eu-west-1", state="absent"))
    assert sorted(run.task(REMOVE_ROLES_TASK).result["deleted"]) == [AUTOMATION_ROLE, INVOKER_ROLE], run.summary()
    assert not {AUTOMATION_ROLE, INVOKER_ROLE} & set(role_names(iam))


def test_lambda_backend_converges_reruns_and_is_removed(ansible, moto, aws):
    """The same role input with backend lambda (the function's code cannot run on the emulator; tests/unit covers it)."""
    iam = aws("iam")
    events = aws("events")
    functions = aws("lambda")
    play = role_play(moto, schedules=schedules(), backend="lambda")

    predicted = ansible.run_playbook(play, check=True)
    assert predicted.writes == [], predicted.summary()
    run = ansible.run_playbook(play)
    assert changed_by_task(run, PRESENT_TASKS) == changed_by_task(predicted, PRESENT_TASKS) == {ROLES_TASK: True, SCHEDULES_TASK: True}
    rules = sorted(rule["Name"] for rule in events.list_rules(NamePrefix=GROUP + "-")["Rules"])
    assert rules == [GROUP + "-" + name for name in ALL_FOUR]
    # 09:00 Asia/Seoul (UTC+9, no DST) MON-FRI is 00:00 UTC on the same days
    assert events.describe_rule(Name=GROUP + "-test-start")["ScheduleExpression"] == "cron(0 0 ? * MON-FRI *)"
    function = functions.get_function(FunctionName=GROUP)["Configuration"]
    assert function["Role"] == iam.get_role(RoleName="SSMSchedulerLambdaRole")["Role"]["Arn"]
    assert INVOKER_ROLE not in role_names(iam)

    again = ansible.run_playbook(play)
    assert changed_by_task(again, PRESENT_TASKS) == {ROLES_TASK: False, SCHEDULES_TASK: False}, again.summary()
    assert again.writes == []

    removal = ansible.run_playbook(role_play(moto, backend="lambda", state="absent"))
    assert changed_by_task(removal, ABSENT_TASKS) == {REMOVE_SCHEDULES_TASK: True, REMOVE_ROLES_TASK: True}, removal.summary()
    assert events.list_rules(NamePrefix=GROUP + "-")["Rules"] == []
    assert functions.list_functions()["Functions"] == []
    assert not {AUTOMATION_ROLE, "SSMSchedulerLambdaRole"} & set(role_names(iam))
