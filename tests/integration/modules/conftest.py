# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the schedule modules' integration tests."""

import pytest


@pytest.fixture
def roles(ansible):
    """The automation and invoker role ARNs, made by ssm_scheduler_roles (backend scheduler)."""
    result, run = ansible.run_module("awsops.ssm.ssm_scheduler_roles", {"backend": "scheduler"})
    assert result.changed, run.summary()
    return {"automation_role_arn": result.result["automation_role_arn"], "invoker_role_arn": result.result["invoker_role_arn"]}


@pytest.fixture
def lambda_roles(ansible):
    """The automation role and the Lambda function's role, made by ssm_scheduler_roles (backend lambda)."""
    result, run = ansible.run_module("awsops.ssm.ssm_scheduler_roles", {"backend": "lambda", "function_name": "instance-scheduler"})
    assert result.changed, run.summary()
    return {"automation_role_arn": result.result["automation_role_arn"], "invoker_role_arn": result.result["invoker_role_arn"]}
