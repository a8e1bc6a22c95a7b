# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ssm_automation_schedule and ssm_automation_schedules share: options, validation, the run.

The single-schedule module is the list module with one schedule and
``exclusive=false``: both validate everything before any call, then build
the backend's settings and let ``schedule_backend_common.run`` do the rest.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ScheduleError
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_rate_control
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_tag_key
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import run
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import backend_problem

# EventBridge Scheduler's RoleArn pattern (botocore scheduler model), which IAM role ARNs all match.
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
ROLE_ARN_FORM = "arn:aws:iam::ACCOUNT:role/NAME"

# Options both modules have, documented once in plugins/doc_fragments/automation_schedule.py.
COMMON_ARGUMENT_SPEC = dict(
    backend=dict(type="str", default="scheduler", choices=["scheduler", "lambda"]),
    group=dict(type="str", default="instance-scheduler"),
    automation_role_arn=dict(type="str"),
    invoker_role_arn=dict(type="str"),
    max_concurrency=dict(type="str", default="10"),
    max_errors=dict(type="str", default="25%"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def common_problems(params, needs_roles):
    """Problems with the options shared by both modules, each naming the option and the accepted form."""
    problems = [backend_problem(params["backend"])]
    problems.append(check_rate_control("max_concurrency", params["max_concurrency"], "max_concurrency"))
    problems.append(check_rate_control("max_errors", params["max_errors"], "max_errors"))
    for option in ("automation_role_arn", "invoker_role_arn"):
        value = params[option]
        if value is None:
            if needs_roles:
                problems.append("%s: required when a schedule is present; expected a role ARN (%s)" % (option, ROLE_ARN_FORM))
        elif not ROLE_ARN.fullmatch(value):
            problems.append("%s: %r is not a role ARN; expected %s" % (option, value, ROLE_ARN_FORM))
    for key in params["tags"] or {}:
        problems.append(check_tag_key("tags", key))
    return [problem for problem in problems if problem]


def validate(raw_schedules, defaults, option):
    """(schedules, problems) from office_hours.validate_schedules."""
    try:
        return validate_schedules(raw_schedules, defaults, option=option), []
    except ScheduleError as error:
        return [], list(error.problems)


def backend_problems(module, schedules):
    """What the chosen backend itself rejects; nothing to ask when it is not available."""
    backend = BACKENDS.get(module.params["backend"])
    return backend.input_problems(schedules, settings_from(module)) if backend else []


def settings_from(module):
    params = module.params
    return {
        "group": params["group"],
        "region": module.region,
        "partition": partition_of(module.region),
        "automation_role_arn": params["automation_role_arn"],
        "invoker_role_arn": params["invoker_role_arn"],
        "max_concurrency": params["max_concurrency"],
        "max_errors": params["max_errors"],
        "tags": params["tags"],
        "purge_tags": params["purge_tags"],
    }


def run_module(module, schedules, exclusive, state):
    """Runs the chosen backend; AWS errors become a failed result."""
    backend = BACKENDS[module.params["backend"]](module, settings_from(module))
    try:
        return run(module, backend, schedules, exclusive=exclusive, state=state)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
