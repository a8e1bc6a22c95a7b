# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch Logs log group that holds Session Manager session logs.

Reading it costs two calls: DescribeLogGroups (by prefix, the exact name
picked out) and ListTagsForResource; a missing group costs one.
(amazon.aws.cloudwatchlogs_log_group reads it about the same, but runs as a
module process of its own on every run and cannot tell whose the group is.)

Ownership is the tag ``awsops:ssm:managed-by``, set when the group is
created. A group without it was not created by this collection: it is used
as it is, never changed (unless ``adopt``) and never deleted, and the
result says so.

plan_present()/plan_absent() compare what is read with what is wanted and
return the steps (operation, request), so check mode and the real run share
one prediction; apply_steps() sends them and tolerates its own retried
create (CreateLogGroup answering ResourceAlreadyExistsException for the
group it has just made: read back, continue with what still differs).
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE


class LogsErrorHandler(AWSErrorHandler):
    """A log group that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# ---- thin API wrappers: retries and "not found is None" in one place ----


@LogsErrorHandler.list_error_handler("describe the log group")
@AWSRetry.jittered_backoff()
def describe_log_group(client, name):
    for page in client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
        for group in page.get("logGroups", []):
            if group["logGroupName"] == name:
                return group
    return None


@LogsErrorHandler.list_error_handler("list the tags of the log group", {})
@AWSRetry.jittered_backoff()
def list_tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn).get("tags", {})


def call(client, operation, description, **request):
    """One write, wrapped with retries and the error message of this module."""

    @LogsErrorHandler.common_error_handler(description)
    @AWSRetry.jittered_backoff()
    def send():
        return getattr(client, operation)(**request)

    return send()


# ---- reading ----


class LogGroupState(object):
    """What CloudWatch Logs says about the group (group None when there is none)."""

    def __init__(self, group=None, tags=None):
        self.group = group
        self.tags = tags or {}

    @property
    def exists(self):
        return self.group is not None

    @property
    def ours(self):
        return self.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    @property
    def arn(self):
        """The group's ARN without the :* that DescribeLogGroups' arn ends with (the form the tag calls take)."""
        arn = self.group.get("logGroupArn") or self.group["arn"]
        return arn[:-2] if arn.endswith(":*") else arn

    @property
    def retention_days(self):
        return self.group.get("retentionInDays")

    @property
    def kms_key_arn(self):
        return self.group.get("kmsKeyId") or ""

    def view(self):
        """What the diff and the result show."""
        if not self.exists:
            return {}
        return {"name": self.group["logGroupName"], "arn": self.arn, "retention_days": self.retention_days, "kms_key_arn": self.kms_key_arn,
                "tags": dict(self.tags)}


def read_log_group(client, name):
    group = describe_log_group(client, name)
    if group is None:
        return LogGroupState()
    state = LogGroupState(group)
    state.tags = list_tags(client, state.arn)
    return state


# ---- planning ----


class Wanted(object):
    """What the options ask for; None for retention_days, kms_key_arn or tags leaves that setting alone."""

    def __init__(self, name, retention_days=None, kms_key_arn=None, tags=None, purge_tags=True, adopt=False):
        self.name = name
        self.retention_days = retention_days
        self.kms_key_arn = kms_key_arn
        self.tags = None if tags is None else dict(tags)
        self.purge_tags = purge_tags
        self.adopt = adopt

    def tags_of(self, ours):
        """The tags the group should carry: the ownership tag only on a group this collection created."""
        wanted = dict(self.tags or {})
        if ours:
            wanted[MANAGED_BY_TAG] = MANAGED_BY_VALUE
        return wanted


def kept_reason(state, wanted):
    """Why the group is used as it is, or None when it is managed (created by awsops.ssm, or adopted)."""
    if not state.exists or state.ours or wanted.adopt:
        return None
    return "the log group %s was not created by awsops.ssm (it has no tag %s=%s)" % (wanted.name, MANAGED_BY_TAG, MANAGED_BY_VALUE)


def plan_present(state, wanted):
    """Steps (operation, request) that make the group what is wanted, in order; [] when it is, or when it is kept."""
    name = {"logGroupName": wanted.name}
    if not state.exists:
        create = dict(name, tags=wanted.tags_of(ours=True))
        if wanted.kms_key_arn:
            create["kmsKeyId"] = wanted.kms_key_arn
        steps = [("create_log_group", create)]
        if wanted.retention_days is not None:
            steps.append(("put_retention_policy", dict(name, retentionInDays=wanted.retention_days)))
        return steps
    if kept_reason(state, wanted):
        return []
    steps = []
    if wanted.retention_days is not None and state.retention_days != wanted.retention_days:
        steps.append(("put_retention_policy", dict(name, retentionInDays=wanted.retention_days)))
    if wanted.kms_key_arn is not None and state.kms_key_arn != wanted.kms_key_arn:
        # New events are encrypted with the new key; what is stored stays readable with the old one.
        steps.append(("associate_kms_key", dict(name, kmsKeyId=wanted.kms_key_arn)) if wanted.kms_key_arn else ("disassociate_kms_key", name))
    if wanted.tags is not None:
        to_set, to_remove = compare_aws_tags(state.tags, wanted.tags_of(state.ours), purge_tags=wanted.purge_tags)
        to_remove = [key for key in to_remove if key != MANAGED_BY_TAG]
        if to_set:
            steps.append(("tag_resource", {"resourceArn": state.arn, "tags": to_set}))
        if to_remove:
            steps.append(("untag_resource", {"resourceArn": state.arn, "tagKeys": sorted(to_remove)}))
    return steps


def plan_absent(state, name):
    """Deleting the group (and every log in it) when this collection created it."""
    if state.exists and state.ours:
        return [("delete_log_group", {"logGroupName": name})]
    return []


def after_view(state, steps, wanted):
    """The diff's after: the state the steps lead to."""
    if not steps:
        return state.view()
    if steps[0][0] == "delete_log_group":
        return {}
    after = state.view() or {"name": wanted.name, "arn": None, "retention_days": None, "kms_key_arn": "", "tags": {}}
    for operation, request in steps:
        if operation == "create_log_group":
            after.update(kms_key_arn=request.get("kmsKeyId", ""), tags=dict(request["tags"]))
        elif operation == "put_retention_policy":
            after["retention_days"] = request["retentionInDays"]
        elif operation == "associate_kms_key":
            after["kms_key_arn"] = request["kmsKeyId"]
        elif operation == "disassociate_kms_key":
            after["kms_key_arn"] = ""
        elif operation == "tag_resource":
            after["tags"] = dict(after["tags"], **request["tags"])
        elif operation == "untag_resource":
            after["tags"] = dict((key, value) for key, value in after["tags"].items() if key not in request["tagKeys"])
    return after


STEP_DESCRIPTIONS = {
    "create_log_group": "create the log group",
    "put_retention_policy": "set the retention of the log group",
    "associate_kms_key": "set the KMS key of the log group",
    "disassociate_kms_key": "remove the KMS key of the log group",
    "tag_resource": "tag the log group",
    "untag_resource": "untag the log group",
    "delete_log_group": "delete the log group",
}


def error_code(error):
    """The AWS error code of an AnsibleAWSError raised by the wrappers above (None when it has none)."""
    response = getattr(error.exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


def apply_steps(client, steps, wanted):
    """Sends the steps; returns the steps sent (a retried create leaves only what still differs to send)."""
    sent = []
    for position, (operation, request) in enumerate(steps):
        try:
            call(client, operation, STEP_DESCRIPTIONS[operation], **request)
        except AnsibleAWSError as error:
            if operation != "create_log_group" or error_code(error) != "ResourceAlreadyExistsException":
                raise
            # The first attempt of a retried CreateLogGroup made the group: read it back and make the rest right.
            state = read_log_group(client, wanted.name)
            if not state.ours:
                raise AnsibleAWSError(message="the log group %s was created meanwhile, not by awsops.ssm; it is left as it is" % wanted.name)
            return sent + [steps[position]] + apply_steps(client, plan_present(state, wanted), wanted)
        sent.append((operation, request))
    return sent
