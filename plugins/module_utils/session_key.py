# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The KMS key that encrypts Session Manager sessions and their logs, found by its alias.

Reading it costs four calls, whatever its state: DescribeKey (by alias),
ListResourceTags, GetKeyPolicy and GetKeyRotationStatus; a missing key costs
one. (amazon.aws.kms_key reads the same key with about eighteen: every alias
of the account three times, grants, policy names, tags twice.)

Ownership is the tag ``awsops:ssm:managed-by``: a key this collection did
not create is never changed or deleted, even when it carries the alias.

plan_key() compares what is read with what is wanted and returns the steps,
so check mode and the real run share one prediction; apply_key() sends them.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE

POLICY_NAME = "default"  # the only key policy name KMS has


class KMSErrorHandler(AWSErrorHandler):
    """A key or alias that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


# ---- thin API wrappers: retries and "not found is None" in one place ----


@KMSErrorHandler.list_error_handler("describe the key")
@AWSRetry.jittered_backoff()
def describe_key(client, key_id):
    return client.describe_key(KeyId=key_id)["KeyMetadata"]


@KMSErrorHandler.common_error_handler("list the tags of the key")
@AWSRetry.jittered_backoff()
def list_tags(client, key_id):
    tags, request = {}, {"KeyId": key_id}
    while True:
        answer = client.list_resource_tags(**request)
        tags.update((tag["TagKey"], tag["TagValue"]) for tag in answer.get("Tags", []))
        if not answer.get("Truncated"):
            return tags
        request["Marker"] = answer["NextMarker"]


@KMSErrorHandler.common_error_handler("read the key policy")
@AWSRetry.jittered_backoff()
def get_policy(client, key_id):
    return client.get_key_policy(KeyId=key_id, PolicyName=POLICY_NAME)["Policy"]


@KMSErrorHandler.common_error_handler("read the rotation status of the key")
@AWSRetry.jittered_backoff()
def rotation_enabled(client, key_id):
    return client.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]


def call(client, operation, description, **request):
    """One write, wrapped with retries and the error message of this module."""

    @KMSErrorHandler.common_error_handler(description)
    @AWSRetry.jittered_backoff()
    def send():
        return getattr(client, operation)(**request)

    return send()


# ---- reading ----


class KeyState:
    """What KMS says about the aliased key (metadata None when there is none)."""

    def __init__(self, metadata=None, tags=None, policy=None, rotation=None):
        self.metadata = metadata
        self.tags = tags or {}
        self.policy = policy
        self.rotation = rotation

    @property
    def exists(self):
        return self.metadata is not None

    @property
    def ours(self):
        return self.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    @property
    def pending_deletion(self):
        return self.exists and self.metadata.get("KeyState") == "PendingDeletion"

    @property
    def key_id(self):
        return self.metadata["KeyId"]

    @property
    def arn(self):
        return self.metadata["Arn"]

    def view(self):
        """What the diff shows."""
        if not self.exists:
            return {}
        return {
            "key_arn": self.arn,
            "key_state": self.metadata.get("KeyState"),
            "description": self.metadata.get("Description", ""),
            "rotation": self.rotation,
            "policy": self.policy,
            "tags": self.tags,
        }


def read_key(client, alias, full=True):
    """The key the alias names: one read when missing, four otherwise (two when not full)."""
    metadata = describe_key(client, alias)
    if metadata is None:
        return KeyState()
    if metadata.get("KeyManager") == "AWS":
        return KeyState(metadata)  # an AWS managed key: tags and policy are not ours to read
    state = KeyState(metadata, tags=list_tags(client, metadata["KeyId"]))
    if full and state.ours and not state.pending_deletion:
        text = get_policy(client, state.key_id)
        state.policy = json.loads(text) if text else None
        state.rotation = rotation_enabled(client, state.key_id)
    return state


# ---- planning ----


class KeyRefused(Exception):
    """The alias names a key this collection must not change."""


def desired_tags(tags):
    wanted = dict(tags or {})
    wanted[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    return wanted


def plan_present(state, alias, description, policy, tags, purge_tags):
    """Steps (operation, request) that make the key what is wanted, in order; [] when it is.

    policy is the key policy dict. Raises KeyRefused for a key that is not ours.
    """
    if not state.exists:
        return [("create_key", {}), ("enable_key_rotation", {}), ("create_alias", {"AliasName": alias})]
    if not state.ours:
        raise KeyRefused(
            "%s names the KMS key %s, which awsops.ssm did not create (it has no tag %s=%s): give that key's ARN instead, "
            "or choose another alias" % (alias, state.arn, MANAGED_BY_TAG, MANAGED_BY_VALUE)
        )
    key = {"KeyId": state.key_id}
    steps = []
    if state.pending_deletion:
        # A key KMS has not deleted yet comes back disabled; its policy, rotation and
        # tags are read again on the next run.
        return [("cancel_key_deletion", key), ("enable_key", key)]
    if state.metadata.get("KeyState") == "Disabled":
        steps.append(("enable_key", key))
    if state.metadata.get("Description", "") != description:
        steps.append(("update_key_description", dict(key, Description=description)))
    if state.policy is None or compare_policies(state.policy, policy):
        steps.append(("put_key_policy", dict(key, PolicyName=POLICY_NAME, Policy=json.dumps(policy))))
    if not state.rotation:
        steps.append(("enable_key_rotation", key))
    to_set, to_remove = compare_aws_tags(state.tags, desired_tags(tags), purge_tags=purge_tags)
    to_remove = [name for name in to_remove if name != MANAGED_BY_TAG]
    if to_set:
        steps.append(("tag_resource", dict(key, Tags=[{"TagKey": k, "TagValue": v} for k, v in sorted(to_set.items())])))
    if to_remove:
        steps.append(("untag_resource", dict(key, TagKeys=sorted(to_remove))))
    return steps


def plan_absent(state, alias, deletion_window_days):
    """Steps that remove the alias and schedule the deletion of its key, when the key is ours."""
    if not state.exists or not state.ours:
        return []
    steps = [("delete_alias", {"AliasName": alias})]
    if not state.pending_deletion:
        steps.append(("schedule_key_deletion", {"KeyId": state.key_id, "PendingWindowInDays": deletion_window_days}))
    return steps


def after_view(state, steps, description, policy, tags, purge_tags):
    """The diff's after: the state the steps lead to (present)."""
    if any(operation == "create_key" for operation, _request in steps):
        return {"key_arn": None, "key_state": "Enabled", "description": description, "rotation": True, "policy": policy, "tags": desired_tags(tags)}
    after = state.view()
    if not steps:
        return after
    to_set, to_remove = compare_aws_tags(state.tags, desired_tags(tags), purge_tags=purge_tags)
    after.update(key_state="Enabled", description=description, rotation=True, policy=policy)
    after["tags"] = dict((k, v) for k, v in dict(state.tags, **to_set).items() if k not in to_remove or k == MANAGED_BY_TAG)
    return after


STEP_DESCRIPTIONS = {
    "create_key": "create the key",
    "enable_key_rotation": "enable the rotation of the key",
    "create_alias": "create the alias of the key",
    "cancel_key_deletion": "cancel the deletion of the key",
    "enable_key": "enable the key",
    "update_key_description": "update the description of the key",
    "put_key_policy": "update the key policy",
    "tag_resource": "tag the key",
    "untag_resource": "untag the key",
    "delete_alias": "delete the alias of the key",
    "schedule_key_deletion": "schedule the deletion of the key",
}


def apply_steps(client, steps, create_request=None):
    """Sends the steps; returns the metadata of a key it created (else None)."""
    created = None
    for operation, request in steps:
        if operation == "create_key":
            created = call(client, "create_key", STEP_DESCRIPTIONS[operation], **create_request)["KeyMetadata"]
            continue
        if created is not None and operation in ("enable_key_rotation", "create_alias"):
            request = dict(request, **({"KeyId": created["KeyId"]} if operation == "enable_key_rotation" else {"TargetKeyId": created["KeyId"]}))
        call(client, operation, STEP_DESCRIPTIONS[operation], **request)
    return created


def create_request(description, policy, tags):
    return {
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Policy": json.dumps(policy),
        "Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(desired_tags(tags).items())],
    }
