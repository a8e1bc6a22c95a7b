#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_key
version_added: 0.1.0
short_description: The KMS key that encrypts Session Manager sessions and their logs
description:
  - Manages one symmetric KMS key, found by its alias, that encrypts Session Manager session data and the session log
    group. Its key policy lets the account administer the key (the AWS default) and lets CloudWatch Logs of this region
    use it for this account's log groups only. Key rotation is on.
  - The module builds the key policy itself; the account comes from the key's ARN, or from one C(sts:GetCallerIdentity)
    when the key is to be created.
  - A rerun reads the key with four calls (C(DescribeKey) by alias, C(ListResourceTags), C(GetKeyPolicy),
    C(GetKeyRotationStatus)) and writes nothing when nothing differs. M(amazon.aws.kms_key) manages any key and reads
    about eighteen times to do so; use it for keys other than this one.
  - The key is tagged C(awsops:ssm:managed-by=awsops.ssm). A key that the alias names without that tag was not created
    by this collection; the module refuses to change it and O(state=absent) leaves it alone.
author:
  - awsops.ssm maintainers (@awsops)
options:
  state:
    description:
      - C(present) creates the key and its alias, or brings them to what the options say.
      - C(absent) deletes the alias and schedules the deletion of the key after O(deletion_window_days), if this
        collection created the key. Until then the key can still decrypt (and a new key is created by the next
        O(state=present)).
    type: str
    choices: [present, absent]
    default: present
  alias:
    description:
      - Alias that names the key, C(alias/NAME) (letters, digits, C(/), C(_), C(-)); not C(alias/aws/...).
    type: str
    default: alias/ssm-sessions
  description:
    description:
      - Description of the key.
    type: str
    default: Encrypts Session Manager session data and logs (awsops.ssm)
  tags:
    description:
      - Tags of the key. C(awsops:ssm:*) and C(aws:*) keys are reserved.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags of the key that are not in O(tags) (never C(awsops:ssm:managed-by)).
    type: bool
    default: true
  deletion_window_days:
    description:
      - Days KMS waits before it deletes a key removed with O(state=absent), from 7 to 30.
    type: int
    default: 7
notes:
  - Check mode sends no write call and reports the changes a real run would make; O(state=present) with no key
    returns C(key_arn) null, since the key does not exist yet.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the session key (alias/ssm-sessions)
  awsops.ssm.ssm_session_key:
    tags:
      Team: platform
  register: session_key

- name: Encrypt the session log group with it
  awsops.ssm.ssm_session_log_group:
    name: /aws/ssm/sessions
    kms_key_arn: "{{ session_key.key_arn }}"

- name: Remove the alias and schedule the deletion of the key in 30 days
  awsops.ssm.ssm_session_key:
    state: absent
    deletion_window_days: 30
"""

RETURN = r"""
key_arn:
  description:
    - ARN of the key; null when there is none (after O(state=absent), or in check mode before it is created).
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
key_id:
  description: ID of the key; null when there is none.
  returned: always
  type: str
  sample: 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
alias:
  description: The alias.
  returned: always
  type: str
  sample: alias/ssm-sessions
actions:
  description: The API operations this run sent, or would send in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: [put_key_policy, tag_resource]
kept:
  description: Why O(state=absent) left the key, when it did (a key this collection did not create).
  returned: when state is absent and the alias names a key that is not ours
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import account_id_from_arn
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import caller_account_id
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_key_policy
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import KeyRefused
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import apply_steps
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import create_request
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import plan_absent
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import plan_present
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import read_key


# input_rules field -> this module's option
OPTIONS = {"alias": "alias", "deletion_window_days": "deletion_window_days", "tags": "tags"}


def input_problems(params):
    return check_input(options_of(params, OPTIONS), OPTIONS).problems


def result_for(state, steps, alias, created=None):
    metadata = created or (state.metadata if state.exists else None)
    return {
        "changed": bool(steps),
        "alias": alias,
        "key_arn": metadata["Arn"] if metadata else None,
        "key_id": metadata["KeyId"] if metadata else None,
        "actions": [operation for operation, _request in steps],
    }


def ensure_present(module, client, params):
    alias, region = params["alias"], module.region
    state = read_key(client, alias)
    # The account is in the key's ARN; only a key to create costs a read for it (also in check mode, so the diff shows the policy).
    account = account_id_from_arn(state.arn) if state.exists else caller_account_id(module)
    policy = session_key_policy(partition_of(region), region, account)
    try:
        steps = plan_present(state, alias, params["description"], policy, params["tags"], params["purge_tags"])
    except KeyRefused as refusal:
        module.fail_json(msg="alias: %s" % refusal)
    created = None
    if steps and not module.check_mode:
        created = apply_steps(client, steps, create_request(params["description"], policy, params["tags"]))
    result = result_for(state, steps, alias, created)
    if module._diff:
        after = after_view(state, steps, params["description"], policy, params["tags"], params["purge_tags"])
        if created:
            after["key_arn"] = created["Arn"]
        result["diff"] = {"before": state.view(), "after": after}
    return result


def ensure_absent(module, client, params):
    alias = params["alias"]
    state = read_key(client, alias, full=False)
    steps = plan_absent(state, alias, params["deletion_window_days"])
    if steps and not module.check_mode:
        apply_steps(client, steps)
    result = result_for(state, steps, alias)
    if steps:
        result.update(key_arn=None, key_id=None)
    if state.exists and not state.ours:
        result["kept"] = "%s names the key %s, which awsops.ssm did not create" % (alias, state.arn)
    if module._diff:
        result["diff"] = {"before": state.view(), "after": {} if steps else state.view()}
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        alias=dict(type="str", default="alias/ssm-sessions"),
        description=dict(type="str", default="Encrypts Session Manager session data and logs (awsops.ssm)"),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        deletion_window_days=dict(type="int", default=7),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    params["tags"] = dict((str(key), str(value)) for key, value in (params["tags"] or {}).items())
    problems = input_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)

    client = module.client("kms")
    try:
        if params["state"] == "present":
            result = ensure_present(module, client, params)
        else:
            result = ensure_absent(module, client, params)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
