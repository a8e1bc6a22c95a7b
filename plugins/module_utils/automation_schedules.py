# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ssm_automation_schedule, ssm_automation_schedules and ssm_automation_schedule_info share.

The options, the one constructor of a backend's settings, and the run. The
single-schedule module is the list module with one schedule and
``exclusive=false``: both check everything with ``input_rules.check_input``
before any call, then let ``schedule_backend_common.run`` do the rest.
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import run
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS

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
    dead_letter_queue_arns=dict(type="dict", default={}),
)
# field (input_rules) -> option, for the options of COMMON_ARGUMENT_SPEC that are checked
COMMON_OPTIONS = dict(
    (field, field) for field in (
        "backend", "group", "automation_role_arn", "invoker_role_arn", "max_concurrency", "max_errors", "dead_letter_queue_arns", "tags",
    )
)


def backend_settings(group, region, automation_role_arn=None, invoker_role_arn=None, max_concurrency=None, max_errors=None, tags=None,
                     purge_tags=False, dead_letter_queue_arns=None):
    """The settings a backend is built with (schedule_backend_common.SETTINGS); the partition comes from the region.

    The role ARNs are None where no schedule is written (a read, a removal, a check of the input);
    tags None leaves the tags alone.
    """
    return {
        "group": group,
        "region": region,
        "partition": partition_of(region),
        "automation_role_arn": automation_role_arn,
        "invoker_role_arn": invoker_role_arn,
        "max_concurrency": max_concurrency,
        "max_errors": max_errors,
        "tags": tags,
        "purge_tags": purge_tags,
        "dead_letter_queue_arns": dead_letter_queue_arns or {},
    }


def settings_from(module):
    params = module.params
    return backend_settings(
        params["group"],
        module.region,
        automation_role_arn=params["automation_role_arn"],
        invoker_role_arn=params["invoker_role_arn"],
        max_concurrency=params["max_concurrency"],
        max_errors=params["max_errors"],
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        dead_letter_queue_arns=params["dead_letter_queue_arns"],
    )


def checked_input(module, values, names):
    """The options as check_input parsed them (the Schedule objects under schedules); a failed result names every problem."""
    checked = check_input(values, names, region=module.region)
    if checked.problems:
        module.fail_json(msg="; ".join(checked.problems), problems=checked.problems)
    return checked.parsed


def checked_schedules(module, values, names):
    """The validated schedules, after check_input of the module's options."""
    return checked_input(module, values, names)["schedules"]


def schedule_documents(module, parsed):
    """The group's calendars and runbook (schedule_documents.ScheduleDocuments) for the parsed options."""
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDays
    from ansible_collections.awsops.ssm.plugins.module_utils.schedule_documents import ScheduleDocuments

    target_closed_days = ClosedDays(parsed.get("closed_days") or [], parsed.get("holidays"))
    return ScheduleDocuments(aws_retries.client(module, "ssm"), module.params["group"], parsed["timezone"], target_closed_days,
                             tags=module.params["tags"], purge_tags=module.params["purge_tags"])


def run_module(module, schedules, exclusive, state, documents=None):
    """Runs the chosen backend (and the group's documents, when given); AWS errors become a failed result."""
    backend = BACKENDS[module.params["backend"]](module, settings_from(module))
    try:
        return run(module, backend, schedules, exclusive=exclusive, state=state, documents=documents)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
