# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The instance_scheduler role refuses bad input before its first AWS call.

Each message is read from the failed task's result (the console output
escapes the quotes the messages contain) and must name the role variable.
"""

import pytest

CHECK_TASK = "awsops.ssm.instance_scheduler : Check the role's input and connect to the target"


def role_play(moto, role_vars):
    return [
        {
            "name": "instance_scheduler with bad input",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": dict({"aws_region": "us-east-1", "aws_endpoint_url": moto.url}, **role_vars),
            "roles": [{"role": "awsops.ssm.instance_scheduler"}],
        }
    ]


def office(**changes):
    schedule = {"name": "office", "start": "09:00", "stop": "18:00"}
    schedule.update(changes)
    return schedule


def failed_result(run):
    assert run.returncode != 0, run.summary()
    failed = run.failed_tasks
    assert len(failed) == 1, run.summary()
    return failed[0].task, failed[0].result


def failure_message(run):
    task, result = failed_result(run)
    return task, result["msg"]


@pytest.mark.parametrize(
    "role_vars, message",
    [
        (
            {"instance_scheduler_timezone": "Asia/Seol"},
            'instance_scheduler_timezone: "Asia/Seol" is not an IANA time zone; expected a name like "Europe/Berlin"',
        ),
        (
            {"instance_scheduler_schedules": [office(timezone="Mars/Olympus_Mons")]},
            'instance_scheduler_schedules[0].timezone: "Mars/Olympus_Mons" is not an IANA time zone',
        ),
        (
            {"instance_scheduler_schedules": [office(start="25:00")]},
            'instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)',
        ),
        (
            {"instance_scheduler_schedules": [office(), office(name="shop", stop="9am")]},
            'instance_scheduler_schedules[1].stop: "9am" is not a time; expected "HH:MM" (00:00-23:59)',
        ),
        (
            {"instance_scheduler_schedules": [office(weekdays="MON-FRY")]},
            'instance_scheduler_schedules[0].weekdays: "MON-FRY" is not a day; expected SUN, MON, TUE, WED, THU, FRI or SAT',
        ),
        (
            {"instance_scheduler_schedules": [{"name": "office", "start_cron": "cron(0 9 1 * MON *)"}]},
            'instance_scheduler_schedules[0].start_cron: "cron(0 9 1 * MON *)" is not an AWS cron expression',
        ),
        (
            {"instance_scheduler_schedules": [office(name="office hours")]},
            'instance_scheduler_schedules[0].name: "office hours" would name the EventBridge Scheduler schedules "office hours-start"',
        ),
        (
            {"instance_scheduler_schedules": [office(name="x" * 59)]},
            "schedule names are 1-64 letters, digits, - _ or . (so at most 58 characters)",
        ),
        (
            {"instance_scheduler_schedules": [office(), office(start="08:00")]},
            'instance_scheduler_schedules[1].name: "office" is also the name of instance_scheduler_schedules[0]; schedule names must be unique',
        ),
        (
            {"instance_scheduler_max_errors": "lots"},
            'instance_scheduler_max_errors: "lots" is not a rate control value; expected a number of instances (0 or more) or a percentage (0%-100%)',
        ),
        (
            {"instance_scheduler_max_concurrency": "0"},
            'instance_scheduler_max_concurrency: "0" is not a rate control value; expected a number of instances (1 or more)',
        ),
        (
            {"instance_scheduler_tags": {"aws:owner": "me"}},
            'instance_scheduler_tags: "aws:owner" is not usable as a tag key; expected 1-128 letters',
        ),
        (
            {"instance_scheduler_tag_key": "bad{key}"},
            'instance_scheduler_tag_key: "bad{key}" is not usable as a tag key',
        ),
        (
            {"instance_scheduler_schedules": [office(tag_key="")]},
            'instance_scheduler_schedules[0].tag_key: "" is not usable as a tag key',
        ),
        (
            {"instance_scheduler_kms_key_arns": ["alias/ebs"]},
            'instance_scheduler_kms_key_arns[0]: "alias/ebs" is not a KMS key ARN; expected arn:aws:kms:REGION:ACCOUNT:key/KEY-ID',
        ),
        (
            {"instance_scheduler_automation_role_name": "SSM Scheduler"},
            'instance_scheduler_automation_role_name: "SSM Scheduler" is not an IAM role name',
        ),
        (
            {"instance_scheduler_group": "office hours"},
            'instance_scheduler_group: "office hours" is not a schedule group name; expected 1-64 letters, digits, - _ or .',
        ),
    ],
)
def test_bad_input_fails_before_any_call(ansible, moto, role_vars, message):
    run = ansible.run_playbook(role_play(moto, role_vars))
    task, text = failure_message(run)
    assert task == CHECK_TASK
    assert message in text, text
    assert run.calls == []


def test_every_problem_is_reported_at_once_one_per_line(ansible, moto):
    role_vars = {
        "instance_scheduler_schedules": [office(start="25:00"), office(name="shop", weekdays=["MON", "FUN"])],
        "instance_scheduler_max_errors": "lots",
    }
    run = ansible.run_playbook(role_play(moto, role_vars))
    _task, text = failure_message(run)
    lines = text.splitlines()
    assert lines[0] == "awsops.ssm: nothing was changed in this target; fix these inputs:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "instance_scheduler_schedules[0].start",
        "instance_scheduler_schedules[1].weekdays",
        "instance_scheduler_max_errors",
    ]
    assert run.calls == []


@pytest.mark.parametrize(
    "role_vars, message",
    [
        ({"instance_scheduler_backend": "cron"}, "instance_scheduler_backend must be one of: scheduler, lambda, got: cron"),
        ({"instance_scheduler_schedules": [office(stat="absent")]},
         "instance_scheduler_schedules.stat. Supported parameters include: closed_days, enabled, hibernate, holidays, name, on_closed_days,"),
        ({"instance_scheduler_schedules": [{"start": "09:00"}]}, "missing required arguments: name found in instance_scheduler_schedules"),
        ({"instance_scheduler_tags": ["not", "a", "dict"]}, "instance_scheduler_tags"),
    ],
)
def test_wrong_values_and_types_are_refused_by_the_argument_spec(ansible, moto, role_vars, message):
    run = ansible.run_playbook(role_play(moto, role_vars))
    task, result = failed_result(run)
    text = "\n".join(result.get("argument_errors") or [result["msg"]])
    assert task.endswith("Validating arguments against arg spec 'main' - Office-hours start and stop of tagged EC2 instances through SSM Automation")
    assert message in text, text
    assert run.calls == []


@pytest.mark.parametrize(
    "role_vars, message",
    [
        (
            {"instance_scheduler_backend": "lambda", "instance_scheduler_group": "office.hours"},
            'instance_scheduler_group: "office.hours" is not usable as Lambda function name and rule prefix',
        ),
        (
            {"instance_scheduler_automation_role_name": "r" * 65},
            'instance_scheduler_automation_role_name: "' + "r" * 65 + '" is not an IAM role name',
        ),
    ],
)
def test_absent_checks_what_a_removal_uses(ansible, moto, role_vars, message):
    # the schedules are not read by a removal: a bad one does not stop it, a bad group or role name does
    role_vars = dict(role_vars, instance_scheduler_state="absent", instance_scheduler_schedules=[office(start="25:00")])
    run = ansible.run_playbook(role_play(moto, role_vars))
    task, text = failure_message(run)
    assert task == CHECK_TASK
    assert message in text, text
    assert "instance_scheduler_schedules" not in text
    assert run.calls == []


def test_the_lambda_backends_own_checks_run_before_any_call(ansible, moto):
    run = ansible.run_playbook(role_play(moto, {"instance_scheduler_backend": "lambda", "instance_scheduler_schedules": [office(name="office.hours")]}))
    task, text = failure_message(run)
    assert task == CHECK_TASK
    # the backend's own rule, naming the role variable
    assert 'instance_scheduler_schedules[0].name: "office.hours" has a dot; with the lambda backend' in text, text
    assert run.calls == []


def test_a_target_without_a_region_fails_before_any_call(ansible, moto):
    play = role_play(moto, {"instance_scheduler_schedules": [office()]})
    play[0]["vars"]["aws_region"] = ""
    run = ansible.run_playbook(play, env={"AWS_DEFAULT_REGION": "", "AWS_REGION": ""})
    task, text = failure_message(run)
    assert task == CHECK_TASK
    assert "aws_region: no region is set for this target" in text, text
    assert run.calls == []
