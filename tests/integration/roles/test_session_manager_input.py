# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The session_manager role refuses bad input before its first AWS call."""

import pytest


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


@pytest.mark.parametrize(
    "role_vars, message",
    [
        ({"session_manager_role_name": "r" * 65}, "session_manager_role_name: '" + "r" * 65 + "' is not an IAM role name (1-64 characters"),
        ({"session_manager_idle_timeout": 0}, "session_manager_idle_timeout: 0 is not a number of minutes from 1 to 60"),
        ({"session_manager_max_duration": "2000"}, "session_manager_max_duration: '2000' is not a number of minutes from 1 to 1440, or empty"),
        ({"session_manager_log_group": "bad group!"}, "session_manager_log_group: 'bad group!' is not a log group name"),
        ({"session_manager_kms_key": "alias/mine"}, "session_manager_kms_key: 'alias/mine' is neither 'create', a KMS key ARN"),
        ({"session_manager_log_retention_days": 42}, "session_manager_log_retention_days: 42 is not one of 1, 3, 5"),
        ({"session_manager_s3_bucket": "Bad_Bucket"}, "session_manager_s3_bucket: 'Bad_Bucket' is not an S3 bucket name"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, moto, role_vars, message):
    run = ansible.run_playbook(role_play(moto, role_vars))
    assert run.returncode != 0
    assert message in run.output, run.output[-3000:]
    assert run.calls == []


def test_wrong_type_is_refused_by_the_argument_spec(ansible, moto):
    run = ansible.run_playbook(role_play(moto, {"session_manager_target_tags": ["not", "a", "dict"]}))
    assert run.returncode != 0
    assert "session_manager_target_tags" in run.output
    assert run.calls == []
