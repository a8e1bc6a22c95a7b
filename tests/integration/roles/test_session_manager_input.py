# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The session_manager role, run alone, refuses bad input before its first AWS call.

Each message is read from the failed task's result (the console output
escapes the quotes the messages contain) and must name the role variable.
"""

import pytest

CHECK_TASK = "awsops.ssm.session_manager : Check the role's input and connect to the target"


def role_play(moto, role_vars):
    return [
        {
            "name": "session_manager with bad input",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": dict({"aws_region": "us-east-1", "aws_endpoint_url": moto.url}, **role_vars),
            "roles": [{"role": "awsops.ssm.session_manager"}],
        }
    ]


def failure(run):
    assert run.returncode != 0, run.summary()
    (failed,) = run.failed_tasks
    return failed.task, failed.result


@pytest.mark.parametrize(
    "role_vars, message",
    [
        ({"session_manager_role_name": "r" * 65}, 'session_manager_role_name: "' + "r" * 65 + '" is not an IAM role name; expected 1-64 letters'),
        ({"session_manager_idle_timeout": 0}, "session_manager_idle_timeout: 0 is not a number of minutes from 1 to 60"),
        ({"session_manager_max_duration": "2000"}, 'session_manager_max_duration: "2000" is not a number of minutes from 1 to 1440, or empty for no limit'),
        ({"session_manager_log_group": "bad group!"}, 'session_manager_log_group: "bad group!" is not a log group name'),
        ({"session_manager_kms_key": "alias/mine"}, 'session_manager_kms_key: "alias/mine" is neither create, a KMS key ARN'),
        ({"session_manager_log_retention_days": 42}, "session_manager_log_retention_days: 42 is not a retention CloudWatch Logs accepts"),
        ({"session_manager_s3_bucket": "Bad_Bucket"}, 'session_manager_s3_bucket: "Bad_Bucket" is not an S3 bucket name'),
        ({"session_manager_run_as_user": "9lives"}, 'session_manager_run_as_user: "9lives" is not a Linux user name'),
        ({"aws_region": ""}, "aws_region: no region is set for this target"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, moto, role_vars, message):
    run = ansible.run_playbook(role_play(moto, role_vars), env={"AWS_DEFAULT_REGION": ""})
    task, result = failure(run)
    assert task == CHECK_TASK and message in result["msg"], result
    assert run.calls == []


def test_absent_checks_what_a_removal_uses(ansible, moto):
    role_vars = {"session_manager_state": "absent", "session_manager_idle_timeout": 0, "session_manager_role_name": "bad name"}
    task, result = failure(ansible.run_playbook(role_play(moto, role_vars)))
    assert task == CHECK_TASK and [problem.split(":")[0] for problem in result["problems"]] == ["session_manager_role_name"], result


def test_wrong_type_is_refused_by_the_argument_spec(ansible, moto):
    run = ansible.run_playbook(role_play(moto, {"session_manager_target_tags": ["not", "a", "dict"]}))
    assert run.returncode != 0
    assert "session_manager_target_tags" in run.output
    assert run.calls == []
