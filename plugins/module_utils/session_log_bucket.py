# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The S3 bucket that holds Session Manager session logs.

What the collection sets on a bucket it creates: default encryption
(SSE-KMS with the session key and an S3 Bucket Key, or SSE-S3 without a
key), the four public access blocks, object ownership BucketOwnerEnforced
(no ACLs), a bucket policy that denies requests without TLS, and tags with
the ownership tag ``awsops:ssm:managed-by``.

Reads: GetBucketLocation (whether it exists, and where), GetBucketTagging
(whose it is), and for a bucket it manages GetBucketEncryption,
GetPublicAccessBlock, GetBucketOwnershipControls and GetBucketPolicy: six
on a rerun. (amazon.aws.s3_bucket has no check mode, reads about a dozen
times and overwrites the settings of any bucket of that name.)

A bucket serves the region it is in: a bucket of another region is refused
before any write (S3 SSE-KMS encrypts only with a key of the bucket's
region, and two regions setting their own keys would never converge). A
bucket without the ownership tag was not created here: it is used as it is,
never changed (unless adopted) and never deleted. A bucket is deleted (with
every object version in it) only by ``state: absent`` and only when ours.

plan_present()/plan_absent() return the steps (operation, request), shared
by check mode and the real run; apply_steps() sends them, and tolerates its
own retried CreateBucket (BucketAlreadyOwnedByYou, or the plain success
us-east-1 gives): the bucket is read back and what still differs is sent.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import error_code
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE

# What S3 answers for a bucket or one of its settings that is not there.
MISSING = (
    "NoSuchBucket",
    "NoSuchTagSet",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "NoSuchBucketPolicy",
)
PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
OBJECT_OWNERSHIP = "BucketOwnerEnforced"
DELETE_BATCH = 1000  # the most keys DeleteObjects takes


class S3ErrorHandler(AWSErrorHandler):
    """A bucket, or a setting of it, that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(list(MISSING))


# ---- thin API wrappers: retries and "not found is None" in one place ----


@S3ErrorHandler.list_error_handler("read the location of the bucket")
@AWSRetry.jittered_backoff()
def bucket_location(client, name):
    """The bucket's region, or None when there is no such bucket."""
    constraint = client.get_bucket_location(Bucket=name).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


@S3ErrorHandler.list_error_handler("read the tags of the bucket", {})
@AWSRetry.jittered_backoff()
def bucket_tags(client, name):
    return dict((tag["Key"], tag["Value"]) for tag in client.get_bucket_tagging(Bucket=name).get("TagSet", []))


@S3ErrorHandler.list_error_handler("read the default encryption of the bucket")
@AWSRetry.jittered_backoff()
def bucket_encryption(client, name):
    return client.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]


@S3ErrorHandler.list_error_handler("read the public access block of the bucket")
@AWSRetry.jittered_backoff()
def public_access_block(client, name):
    return client.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]


@S3ErrorHandler.list_error_handler("read the object ownership of the bucket")
@AWSRetry.jittered_backoff()
def ownership_controls(client, name):
    return client.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]


@S3ErrorHandler.list_error_handler("read the bucket policy")
@AWSRetry.jittered_backoff()
def bucket_policy(client, name):
    return json.loads(client.get_bucket_policy(Bucket=name)["Policy"])


def call(client, operation, description, **request):
    """One write, wrapped with retries and the error message of this module."""

    @S3ErrorHandler.common_error_handler(description)
    @AWSRetry.jittered_backoff()
    def send():
        return getattr(client, operation)(**request)

    return send()


# ---- what is wanted ----


def tls_only_policy(partition, name):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:%s:s3:::%s" % (partition, name), "arn:%s:s3:::%s/*" % (partition, name)],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def encryption_configuration(kms_key_arn):
    """SSE-KMS with the key and an S3 Bucket Key (fewer KMS requests), or SSE-S3 without a key."""
    if kms_key_arn:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn}
        return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def encryption_view(configuration):
    if not configuration or not configuration.get("Rules"):
        return None
    rule = configuration["Rules"][0]
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    kms = default.get("SSEAlgorithm") == "aws:kms"
    return {"algorithm": default.get("SSEAlgorithm"), "kms_key_arn": default.get("KMSMasterKeyID", "") if kms else "",
            "bucket_key": bool(rule.get("BucketKeyEnabled")) if kms else False}


def same_key(current, wanted):
    """A key given by ARN matches the same key S3 reports by ARN or by id."""
    return current == wanted or (bool(current) and wanted.endswith("/" + current))


class Wanted(object):
    def __init__(self, name, region, partition, kms_key_arn="", tags=None, purge_tags=True, adopt=False):
        self.name = name
        self.region = region
        self.kms_key_arn = kms_key_arn or ""
        self.policy = tls_only_policy(partition, name)
        self.tags = None if tags is None else dict(tags)
        self.purge_tags = purge_tags
        self.adopt = adopt


# ---- reading ----


class BucketState(object):
    """What S3 says about the bucket (region None when there is none)."""

    def __init__(self, name, region=None, tags=None):
        self.name = name
        self.region = region
        self.tags = tags or {}
        self.encryption = None
        self.public_access_block = None
        self.ownership = None
        self.policy = None
        self.settings_read = False

    @property
    def exists(self):
        return self.region is not None

    @property
    def ours(self):
        return self.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    def view(self):
        if not self.exists:
            return {}
        view = {"name": self.name, "region": self.region, "tags": dict(self.tags)}
        if self.settings_read:
            view.update(encryption=encryption_view(self.encryption), public_access_block=self.public_access_block,
                        object_ownership=self.ownership, policy=self.policy)
        return view


def read_bucket(client, name, region, adopt=False):
    """The bucket: one read when missing, two when in another region or not ours (and not adopted), six otherwise."""
    state = BucketState(name, bucket_location(client, name))
    if not state.exists:
        return state
    state.tags = bucket_tags(client, name)
    if state.region == region and (state.ours or adopt):
        read_settings(client, state)
    return state


def read_settings(client, state):
    state.encryption = bucket_encryption(client, state.name)
    state.public_access_block = public_access_block(client, state.name)
    rules = (ownership_controls(client, state.name) or {}).get("Rules") or [{}]
    state.ownership = rules[0].get("ObjectOwnership")
    state.policy = bucket_policy(client, state.name)
    state.settings_read = True


# ---- planning ----


class OtherRegion(Exception):
    """The bucket exists in another region than the target's: it is not this region's to use."""

    def __init__(self, region):
        super(OtherRegion, self).__init__(region)
        self.region = region


def other_region_problem(bucket_name, bucket, bucket_region, region, key_name):
    """The refusal of a bucket of another region, naming the bucket's and the key's options as the caller calls them."""
    return (
        "%s: the bucket %s is in region %s, not in this target's region %s. A session log bucket serves the region it is in: "
        "S3 SSE-KMS encrypts only with a key of the bucket's region, and %s is this region's key, so two regions would overwrite "
        "each other's encryption on every run. Give this region a bucket of its own (for example %s-%s)"
        % (bucket_name, json.dumps(bucket), bucket_region, region, key_name, bucket, region)
    )


def kept_reason(state, wanted):
    """Why a bucket of this region is used as it is, or None when it is managed (created by awsops.ssm, or adopted)."""
    if not state.exists or state.ours or wanted.adopt:
        return None
    return "the bucket %s was not created by awsops.ssm (it has no tag %s=%s)" % (state.name, MANAGED_BY_TAG, MANAGED_BY_VALUE)


def wanted_tags(state, wanted, ours):
    """The whole tag set the bucket should have (PutBucketTagging replaces all of them), or None to leave them."""
    if wanted.tags is None:
        return None if not ours or state.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE else dict(state.tags, **{MANAGED_BY_TAG: MANAGED_BY_VALUE})
    tags = {} if wanted.purge_tags else dict(state.tags)
    if state.tags.get(MANAGED_BY_TAG):
        tags[MANAGED_BY_TAG] = state.tags[MANAGED_BY_TAG]
    tags.update(wanted.tags)
    if ours:
        tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    return tags


def tagging_step(name, tags):
    if tags:
        return ("put_bucket_tagging", {"Bucket": name, "Tagging": {"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}})
    return ("delete_bucket_tagging", {"Bucket": name})


def plan_present(state, wanted, ours=None):
    """Steps that make the bucket what is wanted, in order; [] when it is, or when it is kept. Raises OtherRegion.

    ours: True for a bucket this run has just created (read back untagged after a retried create).
    """
    ours = state.ours if ours is None else ours
    bucket = {"Bucket": wanted.name}
    if state.exists and state.region != wanted.region:
        raise OtherRegion(state.region)
    encryption = encryption_configuration(wanted.kms_key_arn)
    policy = ("put_bucket_policy", dict(bucket, Policy=json.dumps(wanted.policy)))
    if not state.exists:
        create = dict(bucket, ObjectOwnership=OBJECT_OWNERSHIP)
        if wanted.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": wanted.region}
        # The ownership tag first: a run stopped half-way leaves a bucket that is known to be ours.
        return [("create_bucket", create), tagging_step(wanted.name, wanted_tags(state, wanted, ours=True)),
                ("put_public_access_block", dict(bucket, PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK))),
                ("put_bucket_encryption", dict(bucket, ServerSideEncryptionConfiguration=encryption)), policy]
    if not ours and kept_reason(state, wanted):
        return []
    steps = []
    tags = wanted_tags(state, wanted, ours=ours)
    if tags is not None and tags != state.tags:
        steps.append(tagging_step(wanted.name, tags))
    if state.public_access_block != PUBLIC_ACCESS_BLOCK:
        steps.append(("put_public_access_block", dict(bucket, PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK))))
    if state.ownership != OBJECT_OWNERSHIP:
        steps.append(("put_bucket_ownership_controls", dict(bucket, OwnershipControls={"Rules": [{"ObjectOwnership": OBJECT_OWNERSHIP}]})))
    current, desired = encryption_view(state.encryption), encryption_view(encryption)
    if current is None or current["algorithm"] != desired["algorithm"] or current["bucket_key"] != desired["bucket_key"] or not same_key(
            current["kms_key_arn"], desired["kms_key_arn"]):
        steps.append(("put_bucket_encryption", dict(bucket, ServerSideEncryptionConfiguration=encryption)))
    if state.policy is None or compare_policies(state.policy, wanted.policy):
        steps.append(policy)
    return steps


def plan_absent(state, wanted):
    """Emptying and deleting the bucket when it is ours and of this region; (steps, why it is kept or None)."""
    if not state.exists:
        return [], None
    if not state.ours:
        return [], kept_reason(state, Wanted(state.name, wanted.region, "aws"))
    if state.region != wanted.region:
        return [], "the bucket %s is in region %s; a teardown of that region removes it" % (state.name, state.region)
    return [("empty_bucket", {"Bucket": wanted.name}), ("delete_bucket", {"Bucket": wanted.name})], None


def after_view(state, steps, wanted):
    """The diff's after: the state the steps lead to."""
    if not steps:
        return state.view()
    if steps[-1][0] == "delete_bucket":
        return {}
    after = state.view() or {"name": wanted.name, "region": wanted.region, "tags": {}}
    for operation, request in steps:
        if operation == "create_bucket":
            after.update(encryption=None, public_access_block=None, object_ownership=OBJECT_OWNERSHIP, policy=None)
        elif operation == "put_bucket_tagging":
            after["tags"] = dict((tag["Key"], tag["Value"]) for tag in request["Tagging"]["TagSet"])
        elif operation == "delete_bucket_tagging":
            after["tags"] = {}
        elif operation == "put_public_access_block":
            after["public_access_block"] = request["PublicAccessBlockConfiguration"]
        elif operation == "put_bucket_ownership_controls":
            after["object_ownership"] = OBJECT_OWNERSHIP
        elif operation == "put_bucket_encryption":
            after["encryption"] = encryption_view(request["ServerSideEncryptionConfiguration"])
        elif operation == "put_bucket_policy":
            after["policy"] = wanted.policy
    return after


STEP_DESCRIPTIONS = {
    "create_bucket": "create the bucket",
    "put_bucket_tagging": "tag the bucket",
    "delete_bucket_tagging": "untag the bucket",
    "put_public_access_block": "block public access to the bucket",
    "put_bucket_ownership_controls": "set the object ownership of the bucket",
    "put_bucket_encryption": "set the default encryption of the bucket",
    "put_bucket_policy": "set the bucket policy",
    "delete_bucket": "delete the bucket",
}


@S3ErrorHandler.common_error_handler("empty the bucket")
@AWSRetry.jittered_backoff()
def empty_bucket(client, name):
    """Deletes every object version and delete marker; returns how many."""
    deleted = 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
        objects = [{"Key": item["Key"], "VersionId": item["VersionId"]} for kind in ("Versions", "DeleteMarkers") for item in page.get(kind, [])]
        for start in range(0, len(objects), DELETE_BATCH):
            answer = client.delete_objects(Bucket=name, Delete={"Objects": objects[start:start + DELETE_BATCH], "Quiet": True})
            if answer.get("Errors"):
                error = answer["Errors"][0]
                raise AnsibleAWSError(message="S3 did not delete %s from the bucket %s: %s" % (error.get("Key"), name, error.get("Message")))
            deleted += len(objects[start:start + DELETE_BATCH])
    return deleted


def apply_steps(client, steps, wanted):
    """Sends the steps; returns the steps sent (after a retried create, what still differed)."""
    sent = []
    for position, (operation, request) in enumerate(steps):
        if operation == "empty_bucket":
            empty_bucket(client, wanted.name)
            sent.append((operation, request))
            continue
        try:
            call(client, operation, STEP_DESCRIPTIONS[operation], **request)
        except AnsibleAWSError as error:
            if operation != "create_bucket" or error_code(error) != "BucketAlreadyOwnedByYou":
                raise
            # The first attempt of a retried CreateBucket made it (outside us-east-1 the retry answers so): read it
            # back; untagged, it is the one just made, so it is ours to finish; tagged by others, it is not.
            state = read_bucket(client, wanted.name, wanted.region)
            if state.tags and not state.ours:
                raise AnsibleAWSError(message="the bucket %s was created meanwhile, not by awsops.ssm; it is left as it is" % wanted.name)
            if not state.settings_read:
                read_settings(client, state)
            return sent + [steps[position]] + apply_steps(client, plan_present(state, wanted, ours=True), wanted)
        sent.append((operation, request))
    return sent
