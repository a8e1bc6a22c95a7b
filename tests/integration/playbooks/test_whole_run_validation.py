# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One validation before the first AWS call of the whole run.

Every bad input of issue 11, each given to one target of one inventory with
both components on: site fails every target at its first task, each naming
the variable and the accepted form, and the endpoint records no AWS call at
all (not only no write). The same for teardown with what teardown uses.
"""

import pytest

from awsops_harness.playbook_runs import SCHEDULE
from awsops_harness.playbook_runs import assert_each_target_fails_naming_its_variable
from awsops_harness.playbook_runs import hosts_with
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

PREFLIGHT = "Check every input and connect to the target"
TEARDOWN_PREFLIGHT = "Check every input teardown uses and connect to the target"


def schedule(**changes):
    return [dict(SCHEDULE, **changes)]


# host -> (its bad variables, a message its failure must list)
BAD_SITE_INPUT = {
    "timezone": ({"instance_scheduler_schedules": schedule(timezone="Asia/Seol")},
                 'instance_scheduler_schedules[0].timezone: "Asia/Seol" is not an IANA time zone; expected a name like "Europe/Berlin"'),
    "hour-25": ({"instance_scheduler_schedules": schedule(start="25:00")},
                'instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)'),
    "nine-am": ({"instance_scheduler_schedules": schedule(stop="9am")},
                'instance_scheduler_schedules[0].stop: "9am" is not a time; expected "HH:MM" (00:00-23:59)'),
    "weekday": ({"instance_scheduler_schedules": schedule(weekdays="MON-FRY")},
                'instance_scheduler_schedules[0].weekdays: "MON-FRY" is not a day; expected SUN, MON, TUE, WED, THU, FRI or SAT'),
    "cron-days": ({"instance_scheduler_schedules": [{"name": "office", "start_cron": "cron(0 9 1 * MON *)"}]},
                  'instance_scheduler_schedules[0].start_cron: "cron(0 9 1 * MON *)" is not an AWS cron expression'),
    "name-spaces": ({"instance_scheduler_schedules": schedule(name="office hours")},
                    'instance_scheduler_schedules[0].name: "office hours" would name the EventBridge Scheduler schedules "office hours-start"'),
    "duplicates": ({"instance_scheduler_schedules": schedule() + schedule(start="08:00")},
                   'instance_scheduler_schedules[1].name: "office-hours" is also the name of instance_scheduler_schedules[0]; schedule names must be unique'),
    "backend": ({"instance_scheduler_backend": "cron"}, 'instance_scheduler_backend: "cron" is not a backend; expected scheduler or lambda'),
    "role-name": ({"session_manager_role_name": "r" * 65},
                  'session_manager_role_name: "%s" is not an IAM role name; expected 1-64 letters, digits and + = , . @ _ -' % ("r" * 65)),
    "idle-timeout": ({"session_manager_idle_timeout": 0}, "session_manager_idle_timeout: 0 is not a number of minutes from 1 to 60"),
    "retention": ({"session_manager_log_retention_days": 42},
                  "session_manager_log_retention_days: 42 is not a retention CloudWatch Logs accepts; expected one of 1, 3, 5, 7, 14, 30"),
    "alias": ({"session_manager_kms_key": "alias/mine"},
              'session_manager_kms_key: "alias/mine" is neither create, a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) nor empty for none'),
    "bucket": ({"session_manager_s3_bucket": "Bad_Bucket"},
               'session_manager_s3_bucket: "Bad_Bucket" is not an S3 bucket name; expected 3-63 lowercase letters, digits, dots and hyphens'),
    "role-to-assume": ({"aws_assume_role_arn": "deploy"}, 'aws_assume_role_arn: "deploy" is not a role ARN; expected arn:aws:iam::ACCOUNT:role/NAME'),
}


def test_every_bad_input_stops_site_before_any_aws_call(ansible, moto):
    run = ansible.run_playbook("awsops.ssm.site", inventory=hosts_with(moto, BAD_SITE_INPUT), args=["--forks", "20"])
    assert_each_target_fails_naming_its_variable(run, BAD_SITE_INPUT, PREFLIGHT)


def test_every_problem_of_a_target_is_listed_at_once(ansible, moto):
    variables = {"instance_scheduler_schedules": schedule(start="25:00") + [dict(SCHEDULE, name="shop", weekdays="FUN")],
                 "session_manager_idle_timeout": 61, "session_manager_kms_key": "alias/mine", "aws_endpoint_url": "localhost"}
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(one=target(moto, "eu-west-1", **variables)), check=True)
    problems = run.task(PREFLIGHT).result["problems"]
    assert [problem.split(":")[0] for problem in problems] == [
        "aws_endpoint_url", "session_manager_kms_key", "session_manager_idle_timeout",
        "instance_scheduler_schedules[0].start", "instance_scheduler_schedules[1].weekdays"], problems
    assert run.calls == []


BAD_TEARDOWN_INPUT = {
    "role-name": ({"session_manager_role_name": "r" * 65}, 'session_manager_role_name: "%s" is not an IAM role name' % ("r" * 65)),
    "log-group": ({"session_manager_log_group": "bad group!"}, 'session_manager_log_group: "bad group!" is not a log group name'),
    "purge": ({"session_manager_purge_session_logs": "sometimes"}, 'session_manager_purge_session_logs: "sometimes" is not a boolean'),
    "backend": ({"instance_scheduler_backend": "cron"}, 'instance_scheduler_backend: "cron" is not a backend'),
    "group": ({"instance_scheduler_backend": "lambda", "instance_scheduler_group": "office.hours"},
              'instance_scheduler_group: "office.hours" is not usable as Lambda function name and rule prefix'),
    "region": ({"aws_region": "Asia/Seoul"}, 'aws_region: "Asia/Seoul" is not an AWS region name'),
}


def test_every_bad_input_teardown_uses_stops_it_before_any_aws_call(ansible, moto):
    run = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts_with(moto, BAD_TEARDOWN_INPUT), args=["--forks", "20"])
    assert_each_target_fails_naming_its_variable(run, BAD_TEARDOWN_INPUT, TEARDOWN_PREFLIGHT)


@pytest.mark.parametrize("playbook", ["awsops.ssm.site", "awsops.ssm.teardown"])
def test_the_check_sees_the_roles_defaults_and_the_import_overrides_none_of_them(ansible, moto, playbook):
    # session_manager_state and instance_scheduler_state: absent in the inventory do not turn site into a teardown
    # (nor the other way round): the playbook says what it does; a role default that is not set anywhere is checked too.
    variables = {"session_manager_state": "gone", "instance_scheduler_state": "gone"}
    run = ansible.run_playbook(playbook, inventory=inventory(one=target(moto, "us-east-1", **variables)), check=True)
    assert run.returncode == 0, run.summary()
    inputs = run.tasks[0].result["inputs"]
    expected_state = "present" if playbook == "awsops.ssm.site" else "absent"
    assert inputs["session_manager"]["state"] == inputs["instance_scheduler"]["state"] == expected_state
    if playbook == "awsops.ssm.site":
        assert inputs["session_manager"]["log_retention_days"] == 365 and inputs["instance_scheduler"]["max_errors"] == "25%"


def test_a_bad_retry_setting_is_refused_with_the_inputs_before_any_aws_call(ansible, moto):
    """The retry bound of every call of the run (environment variables of ansible-playbook) is checked with the inputs."""
    variables = {"session_manager_idle_timeout": 0}
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(one=target(moto, "eu-west-1", **variables)),
                               env={"AWSOPS_SSM_RETRY_ATTEMPTS": "1000"})
    assert run.returncode == 2, run.summary()
    problems = run.task(PREFLIGHT).result["problems"]
    assert [problem.split(":")[0] for problem in problems] == ["session_manager_idle_timeout", "AWSOPS_SSM_RETRY_ATTEMPTS"], problems
    assert problems[1] == "AWSOPS_SSM_RETRY_ATTEMPTS: '1000' is not a whole number from 1 to 50", problems
    assert run.calls == []
