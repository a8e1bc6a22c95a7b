#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_log_group
version_added: 0.1.0
short_description: The CloudWatch Logs log group that holds Session Manager session logs
description:
  - Manages one log group for session logs - its retention, the KMS key that encrypts new events, and its tags - and records that
    this collection created it with the tag C(awsops:ssm:managed-by=awsops.ssm).
  - A log group of that name that exists without the tag was not created by this collection. It is used as it is - its settings are
    not changed, O(state=absent) never deletes it - and the result says so in RV(kept); with O(adopt=true) its retention, key and
    tags are managed (it is still never deleted).
  - A rerun reads the group with two calls (C(DescribeLogGroups), C(ListTagsForResource)) and writes nothing when nothing differs.
    It runs in Ansible's worker when the target is the controller (see the collection README), where M(amazon.aws.cloudwatchlogs_log_group)
    is a module process of its own on every run and cannot tell whose a group is.
  - A retried C(CreateLogGroup) whose first attempt made the group (C(ResourceAlreadyExistsException)) is read back, and what still
    differs is sent.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - "Name of the log group (1 to 512 letters, digits and C(. - _ / #))."
    type: str
    required: true
    aliases: [log_group_name]
  state:
    description:
      - C(present) creates the group, or brings a group this collection created (or adopts) to what the options say.
      - C(absent) deletes the group with every log in it, if this collection created it.
    type: str
    choices: [present, absent]
    default: present
  retention_days:
    description:
      - Days CloudWatch Logs keeps the events (a value it accepts, for example 30, 90, 365). Not given, the retention is left as it is.
    type: int
  kms_key_arn:
    description:
      - ARN of the KMS key (of this region) that encrypts the group's new events; C("") for none. Not given, the key is left as it is.
      - The key policy must let CloudWatch Logs of this region use it (M(awsops.ssm.ssm_session_key) makes such a key).
    type: str
  tags:
    description:
      - Tags of the group. C(awsops:ssm:*) and C(aws:*) keys are reserved. Not given, the tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags of the group that are not in O(tags) (never C(awsops:ssm:managed-by)).
    type: bool
    default: true
  adopt:
    description:
      - Manage the retention, key and tags of a group this collection did not create. It is not tagged as created by this
        collection, so O(state=absent) still leaves it.
    type: bool
    default: false
notes:
  - Check mode sends no write call and reports the changes a real run would make; C(--diff) shows the group before and after.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Session log group, a year of logs, encrypted with the session key
  awsops.ssm.ssm_session_log_group:
    name: /aws/ssm/sessions
    retention_days: 365
    kms_key_arn: "{{ session_key.key_arn }}"
    tags:
      Team: platform

- name: Use the group the security team made, and manage its retention
  awsops.ssm.ssm_session_log_group:
    name: /security/ssm-sessions
    retention_days: 731
    adopt: true

- name: Delete the group and its logs (only if awsops.ssm created it)
  awsops.ssm.ssm_session_log_group:
    name: /aws/ssm/sessions
    state: absent
"""

RETURN = r"""
log_group:
  description: The group after the run (in check mode, as it would be); empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: /aws/ssm/sessions
    arn:
      description: ARN of the group; null in check mode before it is created.
      type: str
      sample: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ssm/sessions
    retention_days:
      description: Days the events are kept; null when they never expire.
      type: int
      sample: 365
    kms_key_arn:
      description: ARN of the key that encrypts new events, or empty.
      type: str
    tags:
      description: Tags of the group.
      type: dict
ours:
  description: Whether this collection created the group (it carries C(awsops:ssm:managed-by)).
  returned: always
  type: bool
adopted:
  description: Whether the group was managed although this collection did not create it (O(adopt)).
  returned: always
  type: bool
kept:
  description: Why the group was left as it is, when it was (a group this collection did not create).
  returned: when a group exists that this collection did not create and that it does not manage or delete
  type: str
  sample: the log group /aws/ssm/sessions was not created by awsops.ssm (it has no tag awsops:ssm:managed-by=awsops.ssm)
actions:
  description: The API operations this run sent, or would send in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: [create_log_group, put_retention_policy]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import Wanted
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import apply_steps
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import kept_reason
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import plan_absent
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import plan_present
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import read_log_group

# input_rules field -> this module's option
OPTIONS = {"log_group_name": "name", "log_retention_days": "retention_days", "kms_key_arn": "kms_key_arn", "tags": "tags"}


def run(module, client, params):
    wanted = Wanted(params["name"], params["retention_days"], params["kms_key_arn"], params["tags"], params["purge_tags"], params["adopt"])
    present = params["state"] == "present"
    state = read_log_group(client, wanted.name)
    steps = plan_present(state, wanted) if present else plan_absent(state, wanted.name)
    # A group that is not ours: with present it is used as it is (unless adopted), with absent never deleted.
    kept = kept_reason(state, wanted if present else Wanted(wanted.name))
    after = after_view(state, steps, wanted)
    if steps and not module.check_mode:
        steps = apply_steps(client, steps, wanted)
        if steps[0][0] == "create_log_group":
            after = read_log_group(client, wanted.name).view()  # with the ARN of the group just made
    result = {
        "changed": bool(steps),
        "log_group": after,
        "ours": state.ours or (present and not state.exists),
        "adopted": bool(present and state.exists and not state.ours and wanted.adopt),
        "actions": [operation for operation, _request in steps],
    }
    if kept:
        result["kept"] = kept + ("; its settings are not changed (adopt: true manages them)" if present else "; it is not deleted")
    if module._diff:
        result["diff"] = {"before": state.view(), "after": after}
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["log_group_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        retention_days=dict(type="int"),
        kms_key_arn=dict(type="str", no_log=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        adopt=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["tags"] is not None:
        params["tags"] = dict((str(key), str(value)) for key, value in params["tags"].items())
    problems = check_input(options_of(params, OPTIONS), OPTIONS, region=module.region).problems
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    client = module.client("logs")
    try:
        result = run(module, client, params)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
