#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_preflight
version_added: 0.1.0
short_description: Check every input of a run on the controller, then connect to the AWS target
description:
  - The first task of the C(awsops.ssm.site), C(awsops.ssm.teardown) and C(awsops.ssm.report) playbooks, and of the roles
    C(awsops.ssm.session_manager) and C(awsops.ssm.instance_scheduler) when they run alone. It runs on the controller.
  - Reads the variables of each component in O(components) by their prefix (a variable the play does not define has the role's
    default), the playbook's variables (O(playbook_prefix)) and the host's connection variables (O(connection_prefix)), and checks
    them all against the collection's input rules, the same the modules apply to their options. With any problem it fails, listing
    every one with the variable's name and the form it accepts, and sends no AWS call.
  - Then it builds the connection options of every later task (region, profile, endpoint, and the AWS_SECURITY_TOKEN that AWX's AWS
    credential injects) and, with C(aws_assume_role_arn), assumes that role (C(sts:AssumeRole) in the target's region) and puts its
    temporary credentials in them.
  - Before the first write of the run it reads what would stop it half-way, only where the input asks for it - the session log bucket
    (a bucket of another region or account is refused, naming C(session_manager_s3_bucket) and C(session_manager_kms_key)), and, for
    C(instance_scheduler) with O(state=present), schedules of the other backend (refused, naming both backends and the teardown command
    that switches safely).
  - Makes no change. The result is hidden (no_log) when it holds credentials.
author:
  - awsops.ssm maintainers (@awsops)
options:
  components:
    description:
      - "The components whose variables to check, each with its variable prefix, for example C({session_manager: session_manager_})."
      - Known components are C(session_manager) and C(instance_scheduler) (the roles of the same names).
    type: dict
    required: true
  state:
    description:
      - What the run does with every component - C(present) (site), C(absent) (teardown) or C(read) (report) - which says which
        variables it uses. Not given, each component's C(<prefix>state) variable says it.
    type: str
    choices: [present, absent, read]
  playbook_prefix:
    description:
      - The prefix of the playbook's variables (C(awsops_ssm_)) - C(components) (which components run), C(hosts) and, for a report,
        C(report_count). Not given (a role run alone), they are not read and every component in O(components) runs.
    type: str
  connection_prefix:
    description:
      - The prefix of the host's connection variables C(region), C(profile), C(endpoint_url) and C(assume_role_arn).
    type: str
    default: aws_
notes:
  - It is an action that runs on the controller, with the controller's boto3; it makes no change and runs in check mode too
    (reading, and assuming the role, change nothing).
"""

EXAMPLES = r"""
- name: Check every input and connect to the target
  awsops.ssm.ssm_preflight:
    state: present
    playbook_prefix: awsops_ssm_
    components:
      session_manager: session_manager_
      instance_scheduler: instance_scheduler_
  register: target

- name: A task that uses the target's connection
  awsops.ssm.ssm_session_key:
  module_defaults:
    group/awsops.ssm.aws: "{{ target.connection }}"
  when: "'session_manager' in target.components"
"""

RETURN = r"""
connection:
  description:
    - The options of every AWS task for this target, for C(module_defaults) of C(group/awsops.ssm.aws) -
      C(region), and C(endpoint_url), C(profile), C(session_token), or C(access_key), C(secret_key) and C(session_token)
      of the assumed role, where they apply.
  returned: success
  type: dict
  sample: {"region": "eu-west-1"}
components:
  description: The components the run handles, in the order they run.
  returned: success
  type: list
  elements: str
  sample: [session_manager, instance_scheduler]
region:
  description: The target's region.
  returned: success
  type: str
  sample: eu-west-1
inputs:
  description:
    - The variables checked, by component (and C(playbook) for the playbook's variables) and field (the name without the prefix),
      as read (numbers and booleans parsed).
  returned: success
  type: dict
  sample: {"instance_scheduler": {"backend": "scheduler", "group": "instance-scheduler"}, "playbook": {"report_count": 3}}
problems:
  description: Every problem found, each naming the variable and the form it accepts.
  returned: failure
  type: list
  elements: str
  sample: ['instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)']
"""
