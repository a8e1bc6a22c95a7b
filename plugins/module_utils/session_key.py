# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The KMS key that encrypts Session Manager sessions and their logs, found by its alias.

Reading it costs four calls, whatever its state: DescribeKey (by alias),
ListResourceTags, then GetKeyPolicy and GetKeyRotationStatus at the same
time; a missing key costs one. (amazon.aws.kms_key reads the same key with
about eighteen: every alias of the account three times, grants, policy
names, tags twice.)

Ownership is the tag ``awsops:ssm:managed-by``: a key this collection did
not create is never changed or deleted, even when it carries the alias.

No orphan keys. CreateKey has no name, so a key whose alias was never made
(a run killed between CreateKey and CreateAlias, an answer lost on the way
back) could not be found by its alias. Every key this collection creates is
tagged ``awsops:ssm:key-alias`` with its alias and ``awsops:ssm:create-token``
with a marker of the run that creates it, and:

* before creating a key for an alias that names none, the keys of the region
  that no alias names are searched (ListKeys, ListAliases, ListResourceTags
  of each): a key of ours for this alias is adopted (reconciled, then given
  the alias) instead of creating another; more than one, and the others are
  scheduled for deletion;
* CreateKey is never resent blindly (aws_retries.UNSAFE_TO_RESEND): when its
  outcome is unknown, the keys created since the search are looked at for the
  run's marker, and the one found is used (aws_retries.send_once);
* ``state: absent`` schedules the deletion of every key of ours for the
  alias, the aliased one and those no alias names.

plan_present() compares what is read with what is wanted and returns the
steps, so check mode and the real run share one prediction; apply_steps()
sends them.
"""

import json
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import has_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import send_once
from ansible_collections.awsops.ssm.plugins.module_utils.idempotent_create import confirm
from ansible_collections.awsops.ssm.plugins.module_utils.idempotent_create import create_or_adopt
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import DELETION_WINDOW_RANGE
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import read_all
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import read_together
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE

POLICY_NAME = "default"  # the only key policy name KMS has
ALIAS_TAG = "awsops:ssm:key-alias"
CREATE_TOKEN_TAG = "awsops:ssm:create-token"


class KMSErrorHandler(AWSErrorHandler):
    """A key or alias that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


# ---- thin API wrappers: "not found is None" and the error message in one place (retries: aws_retries) ----


@KMSErrorHandler.list_error_handler("describe the key")
def describe_key(client, key_id):
    return client.describe_key(KeyId=key_id)["KeyMetadata"]


def _tags(client, key_id):
    tags, request = {}, {"KeyId": key_id}
    while True:
        answer = client.list_resource_tags(**request)
        tags.update((tag["TagKey"], tag["TagValue"]) for tag in answer.get("Tags", []))
        if not answer.get("Truncated"):
            return tags
        request["Marker"] = answer["NextMarker"]


@KMSErrorHandler.common_error_handler("list the tags of the key")
def list_tags(client, key_id):
    return _tags(client, key_id)


@KMSErrorHandler.list_error_handler("list the tags of a key")
def tags_if_any(client, key_id):
    """The tags of a key found by ListKeys, or None when it is gone since."""
    return _tags(client, key_id)


@KMSErrorHandler.common_error_handler("read the key policy")
def get_policy(client, key_id):
    return client.get_key_policy(KeyId=key_id, PolicyName=POLICY_NAME)["Policy"]


@KMSErrorHandler.common_error_handler("read the rotation status of the key")
def rotation_enabled(client, key_id):
    return client.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]


@KMSErrorHandler.common_error_handler("list the keys of the region")
def list_key_ids(client):
    return [key["KeyId"] for key in client.get_paginator("list_keys").paginate().build_full_result()["Keys"]]


@KMSErrorHandler.common_error_handler("list the aliases of the region")
def aliased_key_ids(client):
    aliases = client.get_paginator("list_aliases").paginate().build_full_result()["Aliases"]
    return set(alias["TargetKeyId"] for alias in aliases if alias.get("TargetKeyId"))


def call(client, operation, description, **request):
    """One write, with the error message of this module."""

    @KMSErrorHandler.common_error_handler(description)
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
    return read_key_state(client, metadata, full=full)


def read_key_state(client, metadata, tags=None, full=True):
    """The KeyState of a described key; its policy and rotation read at the same time when full and ours."""
    if metadata.get("KeyManager") == "AWS":
        return KeyState(metadata)  # an AWS managed key: tags and policy are not ours to read
    state = KeyState(metadata, tags=list_tags(client, metadata["KeyId"]) if tags is None else tags)
    if full and state.ours and not state.pending_deletion:
        text, state.rotation = read_together(lambda: get_policy(client, state.key_id), lambda: rotation_enabled(client, state.key_id))
        state.policy = json.loads(text) if text else None
    return state


def ours_for(tags, alias):
    return tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE and tags.get(ALIAS_TAG) == alias


def find_unaliased_keys(client, alias, full=True):
    """(keys of ours for alias that no alias names and that are not pending deletion, newest first; ids of every key seen).

    ListKeys, ListAliases, then ListResourceTags of each key no alias names (at the
    same time), and DescribeKey of those that are ours for alias.
    """
    key_ids, aliased = read_together(lambda: list_key_ids(client), lambda: aliased_key_ids(client))
    candidates = [key_id for key_id in key_ids if key_id not in aliased]
    tags = read_all(lambda key_id: tags_if_any(client, key_id), candidates)
    ours = [(key_id, key_tags) for key_id, key_tags in zip(candidates, tags) if key_tags and ours_for(key_tags, alias)]
    described = read_all(lambda entry: describe_key(client, entry[0]), ours)
    found = [
        (metadata, key_tags)
        for metadata, (_key_id, key_tags) in zip(described, ours)
        if metadata is not None and metadata.get("KeyState") != "PendingDeletion"
    ]
    found.sort(key=lambda entry: str(entry[0].get("CreationDate", "")), reverse=True)
    states = [read_key_state(client, metadata, tags=key_tags, full=full and index == 0) for index, (metadata, key_tags) in enumerate(found)]
    return states, set(key_ids)


# ---- planning ----


class KeyRefused(Exception):
    """The alias names a key this collection must not change."""


def desired_tags(tags, alias):
    wanted = dict(tags or {})
    wanted[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    wanted[ALIAS_TAG] = alias
    return wanted


def _tag_changes(state, tags, alias, purge_tags):
    """(tags to set, keys to remove); internal tags (awsops:ssm:*, the run marker among them) are never removed."""
    to_set, to_remove = compare_aws_tags(state.tags, desired_tags(tags, alias), purge_tags=purge_tags)
    return to_set, [name for name in to_remove if not name.startswith(INTERNAL_TAG_PREFIX)]


def create_steps(alias):
    return [("create_key", {}), ("enable_key_rotation", {}), ("create_alias", {"AliasName": alias})]


def plan_present(state, alias, description, policy, tags, purge_tags):
    """Steps (operation, request) that make the key what is wanted, in order; [] when it is.

    policy is the key policy dict. Raises KeyRefused for a key that is not ours.
    """
    if not state.exists:
        return create_steps(alias)
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
    to_set, to_remove = _tag_changes(state, tags, alias, purge_tags)
    if to_set:
        steps.append(("tag_resource", dict(key, Tags=[{"TagKey": k, "TagValue": v} for k, v in sorted(to_set.items())])))
    if to_remove:
        steps.append(("untag_resource", dict(key, TagKeys=sorted(to_remove))))
    return steps


def deletion_step(state, deletion_window_days):
    return ("schedule_key_deletion", {"KeyId": state.key_id, "PendingWindowInDays": deletion_window_days})


def plan_adoption(unaliased, alias, description, policy, tags, purge_tags, deletion_window_days):
    """For an alias that names no key: adopt the newest key of ours no alias names, retire the others; [] when there is none."""
    if not unaliased:
        return []
    adopted = unaliased[0]
    steps = plan_present(adopted, alias, description, policy, tags, purge_tags)
    steps.append(("create_alias", {"AliasName": alias, "TargetKeyId": adopted.key_id}))
    steps.extend(deletion_step(extra, deletion_window_days) for extra in unaliased[1:])
    return steps


def plan_absent(state, alias, deletion_window_days, unaliased=()):
    """Steps that remove the alias and schedule the deletion of its key, when ours, and of our keys no alias names."""
    steps = []
    if state.exists and state.ours:
        steps.append(("delete_alias", {"AliasName": alias}))
        if not state.pending_deletion:
            steps.append(deletion_step(state, deletion_window_days))
    steps.extend(deletion_step(extra, deletion_window_days) for extra in unaliased)
    return steps


def scheduled_for_deletion(steps, states):
    """ARNs of the keys whose deletion the steps schedule."""
    arns = dict((state.key_id, state.arn) for state in states if state.exists)
    return [arns.get(request["KeyId"], request["KeyId"]) for operation, request in steps if operation == "schedule_key_deletion"]


def after_view(state, steps, description, policy, tags, purge_tags, alias):
    """The diff's after: the state the steps lead to (present)."""
    if any(operation == "create_key" for operation, _request in steps):
        return {"key_arn": None, "key_state": "Enabled", "description": description, "rotation": True, "policy": policy, "tags": desired_tags(tags, alias)}
    after = state.view()
    if not steps:
        return after
    to_set, to_remove = _tag_changes(state, tags, alias, purge_tags)
    after.update(key_state="Enabled", description=description, rotation=True, policy=policy)
    after["tags"] = dict((k, v) for k, v in dict(state.tags, **to_set).items() if k not in to_remove)
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


# ---- writes that survive their own retry ----


def create_key(client, request, known_key_ids):
    """CreateKey, never twice: when its outcome is unknown, the key it may have made is looked for by the run's marker."""
    token = next(tag["TagValue"] for tag in request["Tags"] if tag["TagKey"] == CREATE_TOKEN_TAG)

    def made_by_this_run():
        for key_id in list_key_ids(client):
            if key_id not in known_key_ids and (tags_if_any(client, key_id) or {}).get(CREATE_TOKEN_TAG) == token:
                return describe_key(client, key_id)
        return None

    @KMSErrorHandler.common_error_handler(STEP_DESCRIPTIONS["create_key"])
    def send():
        return send_once(lambda: client.create_key(**request)["KeyMetadata"], made_by_this_run)

    return send()


def create_alias(client, alias, key_id, created_here, deletion_window_days):
    """CreateAlias; "already exists" for this very key is the retry of a create whose answer was lost.

    An alias made meanwhile for another key (another run on the same target)
    fails the task; a key this run created for it is then scheduled for
    deletion, so that it does not stay unreachable.
    """
    try:
        create_or_adopt(
            lambda: call(client, "create_alias", STEP_DESCRIPTIONS["create_alias"], AliasName=alias, TargetKeyId=key_id),
            has_code("AlreadyExistsException"),
            lambda _error: describe_key(client, alias),
            is_ours=lambda metadata: metadata["KeyId"] == key_id,
        )
    except AnsibleAWSError as error:
        if not has_code("AlreadyExistsException")(error):
            raise
        other = describe_key(client, alias) or {}
        kept = "kept"
        if created_here:
            call(client, "schedule_key_deletion", STEP_DESCRIPTIONS["schedule_key_deletion"], KeyId=key_id, PendingWindowInDays=deletion_window_days)
            kept = "scheduled for deletion"
        raise AnsibleAWSError(
            message="%s was created meanwhile for the key %s, not for the key %s of this run (%s); run again to manage the aliased key"
            % (alias, other.get("Arn"), key_id, kept),
            exception=error.exception,
        )


def _key_state_is(client, key_id, wanted):
    return lambda: (describe_key(client, key_id) or {}).get("KeyState") in wanted


def apply_steps(client, steps, create_request=None, known_key_ids=(), deletion_window_days=DELETION_WINDOW_RANGE[0]):
    """Sends the steps; returns the metadata of a key it created (else None)."""
    created = None
    for operation, request in steps:
        description = STEP_DESCRIPTIONS[operation]
        if operation == "create_key":
            created = create_key(client, create_request, set(known_key_ids))
            continue
        if created is not None and operation == "enable_key_rotation":
            request = dict(request, KeyId=created["KeyId"])
        if operation == "create_alias":
            create_alias(client, request["AliasName"], request.get("TargetKeyId") or created["KeyId"], created is not None, deletion_window_days)
        elif operation == "delete_alias":
            confirm(lambda: call(client, operation, description, **request), has_code("NotFoundException"), lambda: True)
        elif operation == "schedule_key_deletion":
            invalid_state = has_code("KMSInvalidStateException")
            confirm(lambda: call(client, operation, description, **request), invalid_state, _key_state_is(client, request["KeyId"], ("PendingDeletion",)))
        elif operation == "cancel_key_deletion":
            invalid_state = has_code("KMSInvalidStateException")
            confirm(lambda: call(client, operation, description, **request), invalid_state, _key_state_is(client, request["KeyId"], ("Disabled", "Enabled")))
        else:
            call(client, operation, description, **request)
    return created


def create_request(description, policy, tags, alias, token=None):
    """The CreateKey request; token marks the run that creates the key (a new one by default)."""
    wanted = desired_tags(tags, alias)
    wanted[CREATE_TOKEN_TAG] = token or uuid.uuid4().hex
    return {
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Policy": json.dumps(policy),
        "Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(wanted.items())],
    }
