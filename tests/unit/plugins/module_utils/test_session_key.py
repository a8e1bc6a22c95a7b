# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The session key's plan: what is compared, what is sent, and that every request fits botocore's KMS model."""

import copy

import pytest

from awsops_harness.botocore_models import assert_valid
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_key_policy
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import KeyRefused
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import KeyState
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import create_request
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import plan_absent
from ansible_collections.awsops.ssm.plugins.module_utils.session_key import plan_present

ALIAS = "alias/ssm-sessions"
KEY_ID = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
ARN = "arn:aws:kms:eu-west-1:123456789012:key/" + KEY_ID
POLICY = session_key_policy("aws", "eu-west-1", "123456789012")
OURS = {"awsops:ssm:managed-by": "awsops.ssm"}
DESCRIPTION = "Encrypts Session Manager session data and logs (awsops.ssm)"


def pascal(operation):
    return "".join(part.capitalize() for part in operation.split("_"))


def converged(**changes):
    metadata = {"KeyId": KEY_ID, "Arn": ARN, "KeyState": "Enabled", "Description": DESCRIPTION, "KeyManager": "CUSTOMER"}
    metadata.update(changes.pop("metadata", {}))
    values = {"tags": dict(OURS, Team="a"), "policy": copy.deepcopy(POLICY), "rotation": True}
    values.update(changes)
    return KeyState(metadata, **values)


def operations(steps):
    return [operation for operation, _request in steps]


def test_a_converged_key_needs_nothing():
    assert plan_present(converged(), ALIAS, DESCRIPTION, POLICY, {"Team": "a"}, True) == []


def test_policy_compared_as_a_policy_not_as_text():
    reordered = copy.deepcopy(POLICY)
    reordered["Statement"].reverse()
    reordered["Statement"][0]["Action"] = list(reversed(reordered["Statement"][0]["Action"]))
    assert plan_present(converged(policy=reordered), ALIAS, DESCRIPTION, POLICY, {"Team": "a"}, True) == []


def test_a_missing_key_is_created_rotated_and_aliased():
    assert operations(plan_present(KeyState(), ALIAS, DESCRIPTION, POLICY, {}, True)) == ["create_key", "enable_key_rotation", "create_alias"]


def test_a_key_that_is_not_ours_is_refused():
    with pytest.raises(KeyRefused, match="names the KMS key %s, which awsops.ssm did not create" % ARN):
        plan_present(converged(tags={"Team": "a"}), ALIAS, DESCRIPTION, POLICY, {}, True)
    assert plan_absent(converged(tags={}), ALIAS, 7) == []


def test_purge_tags_false_keeps_other_tags_and_the_managed_by_tag_is_never_removed():
    state = converged(tags=dict(OURS, Team="a", Other="b"))
    assert plan_present(state, ALIAS, DESCRIPTION, POLICY, {"Team": "a"}, False) == []
    steps = plan_present(state, ALIAS, DESCRIPTION, POLICY, {"Team": "a"}, True)
    assert steps == [("untag_resource", {"KeyId": KEY_ID, "TagKeys": ["Other"]})]


def test_a_key_pending_deletion_comes_back():
    state = converged(metadata={"KeyState": "PendingDeletion"}, policy=None, rotation=None)
    assert operations(plan_present(state, ALIAS, DESCRIPTION, POLICY, {}, True)) == ["cancel_key_deletion", "enable_key"]
    assert plan_absent(state, ALIAS, 7) == [("delete_alias", {"AliasName": ALIAS})]


def test_absent_deletes_the_alias_and_schedules_the_key():
    assert plan_absent(converged(), ALIAS, 30) == [
        ("delete_alias", {"AliasName": ALIAS}),
        ("schedule_key_deletion", {"KeyId": KEY_ID, "PendingWindowInDays": 30}),
    ]
    assert plan_absent(KeyState(), ALIAS, 7) == []


def test_after_view_shows_what_the_steps_make():
    state = converged(rotation=False, tags=dict(OURS, Old="x"))
    steps = plan_present(state, ALIAS, "new", POLICY, {"Team": "b"}, True)
    after = after_view(state, steps, "new", POLICY, {"Team": "b"}, True)
    assert after["description"] == "new" and after["rotation"] is True
    assert after["tags"] == dict(OURS, Team="b")
    assert after_view(converged(), [], DESCRIPTION, POLICY, {"Team": "a"}, True) == converged().view()


def test_every_request_is_valid_for_the_kms_model():
    drifted = converged(metadata={"KeyState": "Disabled", "Description": "old"}, tags=dict(OURS, Old="1"),
                        policy={"Version": "2012-10-17", "Statement": []}, rotation=False)
    steps = plan_present(drifted, ALIAS, "new", POLICY, {"Team": "a"}, True)
    assert operations(steps) == ["enable_key", "update_key_description", "put_key_policy", "enable_key_rotation", "tag_resource", "untag_resource"]
    steps += plan_absent(drifted, ALIAS, 7)
    steps += plan_present(converged(metadata={"KeyState": "PendingDeletion"}), ALIAS, DESCRIPTION, POLICY, {}, True)
    for operation, request in steps:
        assert_valid("kms", pascal(operation), request)
    assert_valid("kms", "CreateKey", create_request(DESCRIPTION, POLICY, {"Team": "a"}))
    # After CreateKey, apply_steps adds the new key's id to these two.
    rotation, alias = plan_present(KeyState(), ALIAS, DESCRIPTION, POLICY, {}, True)[1:]
    assert_valid("kms", pascal(rotation[0]), dict(rotation[1], KeyId=KEY_ID))
    assert_valid("kms", pascal(alias[0]), dict(alias[1], TargetKeyId=KEY_ID))
