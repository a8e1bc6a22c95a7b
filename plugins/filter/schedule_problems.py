# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: schedule_problems
version_added: 0.1.0
short_description: Every problem with the input of the role awsops.ssm.instance_scheduler
description:
  - Checks the office-hours schedules and the other variables of the role C(awsops.ssm.instance_scheduler) on the controller,
    with no AWS call, and returns one message per problem; an empty list means the input is good.
  - Each message names the role variable (for example C(instance_scheduler_schedules[0].start)) and the form it accepts.
  - "The role asserts that the list is empty before its first AWS task, so bad input never leaves IAM roles or schedules
    half made. The checks are the ones the modules M(awsops.ssm.ssm_scheduler_roles) and
    M(awsops.ssm.ssm_automation_schedules) make themselves, including those of the chosen backend."
  - With O(state=absent) only what a removal uses is checked (O(backend), O(group), O(automation_role_name)).
positional: _input
options:
  _input:
    description:
      - The schedules (C(instance_scheduler_schedules)), a list of dicts; see the role's README for their keys.
    type: list
    elements: dict
    required: true
  state:
    description: C(instance_scheduler_state), C(present) or C(absent).
    type: str
    default: present
  backend:
    description: C(instance_scheduler_backend), C(scheduler) or C(lambda).
    type: str
    default: scheduler
  group:
    description: C(instance_scheduler_group), the schedule group or the Lambda function name and rule prefix.
    type: str
    default: instance-scheduler
  timezone:
    description: C(instance_scheduler_timezone), the IANA time zone of schedules that set none.
    type: str
    default: UTC
  tag_key:
    description: C(instance_scheduler_tag_key), the tag key of schedules that set none.
    type: str
    default: Schedule
  max_concurrency:
    description: C(instance_scheduler_max_concurrency), a number of instances or a percentage.
    type: str
    default: "10"
  max_errors:
    description: C(instance_scheduler_max_errors), a number of instances or a percentage.
    type: str
    default: "25%"
  automation_role_name:
    description: C(instance_scheduler_automation_role_name), the IAM role SSM Automation assumes.
    type: str
    default: SSMSchedulerAutomationRole
  kms_key_arns:
    description: C(instance_scheduler_kms_key_arns), KMS key ARNs.
    type: list
    elements: str
    default: []
  tags:
    description: C(instance_scheduler_tags), extra tags on what the role creates.
    type: dict
    default: {}
  region:
    description:
      - The target's region, handed to the backend's own checks.
      - An empty string (no region is set) or a name botocore places in no partition is a problem; omit it when the region is not known.
    type: str
author:
  - awsops.ssm maintainers (@awsops)
"""

EXAMPLES = r"""
- name: Check the role's input before any AWS call
  ansible.builtin.assert:
    that: __problems == []
    fail_msg: "{{ __problems | join('\n') }}"
    quiet: true
  vars:
    __problems: >-
      {{ instance_scheduler_schedules | awsops.ssm.schedule_problems(
           state=instance_scheduler_state, backend=instance_scheduler_backend, group=instance_scheduler_group,
           timezone=instance_scheduler_timezone, tag_key=instance_scheduler_tag_key,
           max_concurrency=instance_scheduler_max_concurrency, max_errors=instance_scheduler_max_errors,
           automation_role_name=instance_scheduler_automation_role_name,
           kms_key_arns=instance_scheduler_kms_key_arns, tags=instance_scheduler_tags, region=aws_region) }}

# [] for the reference design
- name: Check one schedule
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'test', 'start': '09:00', 'stop': '18:00', 'tag_key': 'Service'}]
         | awsops.ssm.schedule_problems(timezone='Asia/Seoul') }}

# ['instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)']
- name: Show a problem
  ansible.builtin.debug:
    msg: "{{ [{'name': 'office', 'start': '25:00'}] | awsops.ssm.schedule_problems }}"
"""

RETURN = r"""
_value:
  description:
    - One message per problem, each starting with the role variable it is about; empty when the input is good.
  type: list
  elements: str
  sample:
    - 'instance_scheduler_schedules[1].weekdays: "MOM" is not a day; expected SUN, MON, TUE, WED, THU, FRI or SAT, a range like "MON-FRI", or a list of them'
    - 'instance_scheduler_max_errors: "lots" is not a rate control value; expected a number of instances (0 or more) or a percentage (0%-100%)'
"""

import re

try:
    from botocore.exceptions import UnknownRegionError
except ImportError:  # the modules report a missing botocore; here a region is then not checked
    UnknownRegionError = None

from ansible.errors import AnsibleFilterError

from ansible_collections.amazon.aws.plugins.module_utils.iam import validate_iam_identifiers

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.input_checks import check_kms_key_arn
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import DEFAULTS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import STATES
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ScheduleError
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_rate_control
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_tag_key
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import show
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import backend_problem
from ansible_collections.awsops.ssm.plugins.modules.ssm_scheduler_roles import DEFAULT_INVOKER_ROLE_NAMES

PREFIX = "instance_scheduler_"
SCHEDULES_OPTION = PREFIX + "schedules"
# The modules' option names -> the role variables they come from, to rename the options in the modules' messages.
ROLE_VARIABLES = {
    "schedules": SCHEDULES_OPTION,
    "defaults.timezone": PREFIX + "timezone",
    "defaults.tag_key": PREFIX + "tag_key",
    "backend": PREFIX + "backend",
    "group": PREFIX + "group",
    "function_name": PREFIX + "group",
    "max_concurrency": PREFIX + "max_concurrency",
    "max_errors": PREFIX + "max_errors",
    "automation_role_name": PREFIX + "automation_role_name",
    "kms_key_arns": PREFIX + "kms_key_arns",
    "tags": PREFIX + "tags",
}
_MODULE_OPTION = re.compile(r"(%s)(?=[\[.:])" % "|".join(re.escape(name) for name in sorted(ROLE_VARIABLES, key=len, reverse=True)))


def role_message(problem, option=SCHEDULES_OPTION):
    """A module's or backend's message naming the role variable.

    A message that starts with a module option gets it renamed (``schedules[2].name: ...`` ->
    ``instance_scheduler_schedules[2].name: ...``); one that names no option is about ``option``.
    """
    if problem.startswith(PREFIX):
        return problem
    if _MODULE_OPTION.match(problem):
        return _MODULE_OPTION.sub(lambda match: ROLE_VARIABLES[match.group(1)], problem, count=1)
    return "%s: %s" % (option, problem)


def _schedule_list_problems(schedules, settings):
    """(validated schedules, problems) of the schedule list and the defaults it uses."""
    defaults = dict((key, settings[key]) for key in ("timezone", "tag_key", "backend", "group"))
    try:
        return validate_schedules(schedules, defaults=defaults, option=SCHEDULES_OPTION), []
    except ScheduleError as error:
        return None, list(error.problems)


def _role_name_problems(name, backend):
    if not isinstance(name, str):
        return ["%sautomation_role_name: %s is not an IAM role name; expected 1-64 letters, digits and + = , . @ _ -" % (PREFIX, show(name))]
    problem = validate_iam_identifiers("role", name=name)
    if problem:
        return ["%sautomation_role_name: %s is not an IAM role name (%s); expected 1-64 letters, digits and + = , . @ _ -" % (PREFIX, show(name), problem)]
    if name == DEFAULT_INVOKER_ROLE_NAMES.get(backend):
        return ["%sautomation_role_name: %s is the name of the %s backend's invoker role; the two roles must differ" % (PREFIX, show(name), backend)]
    return []


def _kms_key_problems(arns):
    if not isinstance(arns, list):
        return ["%skms_key_arns: expected a list of KMS key ARNs, got %s" % (PREFIX, show(arns))]
    problems = []
    for index, arn in enumerate(arns):
        option = "%skms_key_arns[%d]" % (PREFIX, index)
        problems.append(check_kms_key_arn(option, arn) if isinstance(arn, str) else "%s: %s is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)" % (
            option, show(arn)))
    return problems


def _tag_problems(tags):
    if not isinstance(tags, dict):
        return ["%stags: expected a dict of tag keys and values, got %s" % (PREFIX, show(tags))]
    problems = []
    for key in tags:
        problems.append(check_tag_key(PREFIX + "tags", key))
        if isinstance(key, str) and key.startswith(INTERNAL_TAG_PREFIX):
            problems.append("%stags: %s starts with %s, which awsops.ssm keeps for its own tags; choose another key" % (PREFIX, show(key), INTERNAL_TAG_PREFIX))
    return problems


def _partition(region):
    """The region's partition (aws, aws-cn, ...), or None when botocore knows no partition for it."""
    if UnknownRegionError is None:
        return "aws"
    try:
        return partition_of(region or None)
    except UnknownRegionError:
        return None


def _region_problems(region):
    """None for an unknown region (the filter's region option omitted), a region botocore places in a partition."""
    if region is None:
        return []
    if not isinstance(region, str) or not region:
        return ["aws_region: no region is set for this target (set the host variable aws_region, or AWS_REGION)"]
    if _partition(region) is None:
        return ["aws_region: %s is not an AWS region name; expected a region like \"us-east-1\" or \"eu-west-1\"" % show(region)]
    return []


def _backend_settings(settings):
    """The settings the modules hand a backend; the role ARNs are not known before the roles task."""
    region = settings["region"] or None
    return {
        "group": settings["group"],
        "region": region,
        "partition": _partition(region) or "aws",
        "automation_role_arn": None,
        "invoker_role_arn": None,
        "max_concurrency": settings["max_concurrency"],
        "max_errors": settings["max_errors"],
        "tags": settings["tags"],
        "purge_tags": True,
    }


def problems_of(schedules, settings):
    """Every problem of the role's input (settings: the keyword options of the filter), as role-variable messages."""
    problems = []
    if settings["state"] not in STATES:
        return ["%sstate: %s is not a state; expected present or absent" % (PREFIX, show(settings["state"]))]
    problems.extend(_region_problems(settings["region"]))
    if settings["state"] == "absent":
        # A removal uses the backend, the group (or function) name and the automation role name; schedules are not read.
        validated, list_problems = _schedule_list_problems([], dict(settings, timezone=DEFAULTS["timezone"], tag_key=DEFAULTS["tag_key"]))
        problems.extend(list_problems)
    else:
        validated, list_problems = _schedule_list_problems(schedules, settings)
        problems.extend(list_problems)
        problems.append(check_rate_control(PREFIX + "max_concurrency", settings["max_concurrency"], "max_concurrency"))
        problems.append(check_rate_control(PREFIX + "max_errors", settings["max_errors"], "max_errors"))
        problems.extend(_kms_key_problems(settings["kms_key_arns"]))
        problems.extend(_tag_problems(settings["tags"]))
    problems.extend(_role_name_problems(settings["automation_role_name"], settings["backend"]))
    backend = BACKENDS.get(settings["backend"])
    if backend is None:
        if not any(problem.startswith(PREFIX + "backend:") for problem in problems if problem):
            problems.append(role_message(backend_problem(settings["backend"])))
    elif validated is not None and settings["state"] == "present":
        problems.extend(role_message(problem) for problem in backend.input_problems(validated, _backend_settings(settings)))
    return [problem for problem in problems if problem]


def schedule_problems(
    schedules,
    state="present",
    backend=DEFAULTS["backend"],
    group=DEFAULTS["group"],
    timezone=DEFAULTS["timezone"],
    tag_key=DEFAULTS["tag_key"],
    max_concurrency="10",
    max_errors="25%",
    automation_role_name="SSMSchedulerAutomationRole",
    kms_key_arns=None,
    tags=None,
    region=None,
):
    """The filter: [] when the role's input is good, else one message per problem."""
    settings = dict(
        state=state,
        backend=backend,
        group=group,
        timezone=timezone,
        tag_key=tag_key,
        max_concurrency=max_concurrency,
        max_errors=max_errors,
        automation_role_name=automation_role_name,
        kms_key_arns=[] if kms_key_arns is None else kms_key_arns,
        tags={} if tags is None else tags,
        region=region,
    )
    try:
        return problems_of(schedules, settings)
    except Exception as error:  # pylint: disable=broad-exception-caught
        raise AnsibleFilterError("awsops.ssm.schedule_problems could not check the input: %s" % error, orig_exc=error)


class FilterModule(object):
    """awsops.ssm.schedule_problems."""

    def filters(self):
        return {"schedule_problems": schedule_problems}
