#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_preferences
version_added: 0.1.0
short_description: Session Manager preferences of an account in one region
description:
  - Manages the Session Manager preferences of the account in the region, which AWS keeps in the SSM document
    C(SSM-SessionManagerRunShell) (type C(Session), format JSON, C(schemaVersion) C(1.0), C(sessionType) C(Standard_Stream)),
    that is session logging to CloudWatch Logs and S3, KMS encryption of session data, Run As, idle timeout, maximum
    session duration and shell profiles.
  - The module manages the whole set of preferences. An option left out takes its default value; it does not keep the
    value the document had.
  - It reads the document's default version once. When the document is missing it creates it, tagged
    C(awsops:ssm:managed-by=awsops.ssm). When the preferences differ (compared as parsed JSON, after normalizing types,
    so C("20") equals C(20)) it writes a new version and makes it the default version, which is the one Session Manager
    uses. When they are equal it writes nothing. The description and input keys this module does not know are kept
    and not compared.
  - "O(state=absent) removes what this module made and nothing else.
    A document this module created (tag C(awsops:ssm:managed-by=awsops.ssm)) is deleted with all its versions:
    Session Manager then uses its defaults (no logging, no KMS, 20 minutes idle timeout), as in an account where nobody
    set preferences, and the console creates the document again when someone saves preferences.
    A document that existed before this module changed it was tagged C(awsops:ssm:adopted-default-version) with its
    default version at that time; O(state=absent) makes that version the default again (the preferences in force
    before) and removes the tag. The versions this module wrote stay in the document's history, no longer in force.
    A document this module never changed is left alone."
author:
  - awsops.ssm maintainers (@awsops)
options:
  state:
    description:
      - C(present) sets the preferences.
      - C(absent) removes what this module made, as described above.
    type: str
    choices: [present, absent]
    default: present
  cloudwatch_log_group_name:
    description:
      - CloudWatch Logs log group (in this region) that session logs are sent to.
      - C("") sends no session logs to CloudWatch Logs.
    type: str
    default: ""
  cloudwatch_encryption_enabled:
    description:
      - Allow sessions only when O(cloudwatch_log_group_name) is encrypted with a KMS key.
    type: bool
    default: true
  cloudwatch_streaming_enabled:
    description:
      - Stream session data to O(cloudwatch_log_group_name) as it happens, instead of sending it when the session ends.
    type: bool
    default: true
  s3_bucket_name:
    description:
      - S3 bucket that session logs are written to at the end of each session.
      - C("") writes no session logs to S3.
    type: str
    default: ""
  s3_key_prefix:
    description:
      - Key prefix of the session logs in O(s3_bucket_name).
    type: str
    default: ""
  s3_encryption_enabled:
    description:
      - Allow sessions only when O(s3_bucket_name) is encrypted.
    type: bool
    default: true
  kms_key_id:
    description:
      - ARN of the KMS key (C(arn:aws:kms:REGION:ACCOUNT:key/ID)) that encrypts session data between clients and instances.
      - C("") for no KMS encryption of session data.
    type: str
    default: ""
  run_as_enabled:
    description:
      - Start sessions on Linux and macOS instances as O(run_as_default_user) instead of C(ssm-user).
      - Defaults to C(true) when O(run_as_default_user) is set, else C(false).
    type: bool
  run_as_default_user:
    description:
      - OS user that sessions run as when Run As is on. It must exist on the instances, or sessions fail to start.
      - A Linux user name of 1 to 32 letters, digits and C(_.-), not starting with a digit, C(.) or C(-).
    type: str
    default: ""
  idle_session_timeout:
    description:
      - Minutes of inactivity after which a session ends, from 1 to 60.
    type: int
    default: 20
  max_session_duration:
    description:
      - Minutes after which a session ends, from 1 to 1440. Omit it for no limit.
    type: int
  shell_profile_linux:
    description:
      - Shell commands run at the start of each session on Linux and macOS instances.
    type: str
    default: ""
  shell_profile_windows:
    description:
      - PowerShell commands run at the start of each session on Windows instances.
    type: str
    default: ""
notes:
  - Session Manager reads the default version of C(SSM-SessionManagerRunShell); this module reads and sets that version.
  - Only changes send more than one request. Changing a document this module did not create also reads its tags and,
    the first time, tags it with the default version it replaces.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log sessions to CloudWatch Logs, encrypted with a KMS key, idle timeout 30 minutes
  awsops.ssm.ssm_session_preferences:
    cloudwatch_log_group_name: /aws/ssm/sessions
    kms_key_id: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    idle_session_timeout: 30

- name: Also write session logs to S3, end sessions after 8 hours, run them as ec2-user
  awsops.ssm.ssm_session_preferences:
    cloudwatch_log_group_name: /aws/ssm/sessions
    s3_bucket_name: example-session-logs
    s3_key_prefix: sessions/
    kms_key_id: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    max_session_duration: 480
    run_as_default_user: ec2-user
    shell_profile_linux: exec /bin/bash -l

- name: Remove the preferences this collection set
  awsops.ssm.ssm_session_preferences:
    state: absent
"""

RETURN = r"""
document:
  description: The preferences document after this run; empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the document.
      type: str
      sample: SSM-SessionManagerRunShell
    document_version:
      description:
        - Version whose preferences are returned, the default version.
        - In check mode, null when a new version would be written.
      type: str
      sample: "2"
    default_version:
      description: The default version, the one Session Manager uses. In check mode, null when a new version would be written.
      type: str
      sample: "2"
    document_type:
      description: Document type.
      type: str
      sample: Session
preferences:
  description:
    - The preferences in force after this run, by option name; empty when there is no document (Session Manager defaults).
    - Minutes are integers; O(max_session_duration) is null for no limit.
  returned: always
  type: dict
  sample:
    cloudwatch_log_group_name: /aws/ssm/sessions
    cloudwatch_encryption_enabled: true
    cloudwatch_streaming_enabled: true
    s3_bucket_name: ""
    s3_key_prefix: ""
    s3_encryption_enabled: true
    kms_key_id: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    run_as_enabled: false
    run_as_default_user: ""
    idle_session_timeout: 20
    max_session_duration: null
    shell_profile_linux: ""
    shell_profile_windows: ""
deleted:
  description: Whether the document was deleted (it was created by this module).
  returned: when state is absent
  type: bool
restored_version:
  description: The default version made default again, for a document that existed before this module changed it.
  returned: when state is absent and a version was restored
  type: str
  sample: "3"
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import DOCUMENT_FORMAT
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import DOCUMENT_NAME
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import DOCUMENT_TYPE
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import build_preferences_content
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import content_differs
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import parse_content
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import preferences_from_content
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import serialize_content
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import with_unknown_inputs
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE

ADOPTED_TAG = "awsops:ssm:adopted-default-version"
RESOURCE_TYPE = "Document"
# A new version is Active within seconds; wait at most about a minute.
WAIT_ATTEMPTS = 30
WAIT_DELAY = 2

# input_rules field -> this module's option
OPTIONS = {
    "log_group": "cloudwatch_log_group_name",
    "s3_bucket": "s3_bucket_name",
    "s3_key_prefix": "s3_key_prefix",
    "kms_key_arn": "kms_key_id",
    "run_as_user": "run_as_default_user",
    "run_as_enabled": "run_as_enabled",
    "idle_timeout": "idle_session_timeout",
    "max_duration": "max_session_duration",
    "shell_profile_linux": "shell_profile_linux",
    "shell_profile_windows": "shell_profile_windows",
}
PREFERENCE_OPTIONS = (
    "cloudwatch_log_group_name",
    "cloudwatch_encryption_enabled",
    "cloudwatch_streaming_enabled",
    "s3_bucket_name",
    "s3_key_prefix",
    "s3_encryption_enabled",
    "kms_key_id",
    "run_as_enabled",
    "run_as_default_user",
    "idle_session_timeout",
    "max_session_duration",
    "shell_profile_linux",
    "shell_profile_windows",
)


class DocumentErrorHandler(AWSErrorHandler):
    """A document (or document version) that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("InvalidDocument")


# ---- thin API wrappers: retries and error wrapping in one place ----


@DocumentErrorHandler.list_error_handler("get the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def get_document(client, version=None):
    """The default version (or the given one) in JSON, or None when missing.

    Without DocumentVersion, GetDocument answers with the default version.
    """
    request = dict(Name=DOCUMENT_NAME, DocumentFormat=DOCUMENT_FORMAT)
    if version:
        request["DocumentVersion"] = version
    return client.get_document(**request)


@DocumentErrorHandler.common_error_handler("describe the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def describe_document(client, version=None):
    request = dict(Name=DOCUMENT_NAME)
    if version:
        request["DocumentVersion"] = version
    return client.describe_document(**request)["Document"]


@DocumentErrorHandler.common_error_handler("create the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def create_document(client, text):
    return client.create_document(
        Name=DOCUMENT_NAME,
        Content=text,
        DocumentType=DOCUMENT_TYPE,
        DocumentFormat=DOCUMENT_FORMAT,
        Tags=[{"Key": MANAGED_BY_TAG, "Value": MANAGED_BY_VALUE}],
    )["DocumentDescription"]


@DocumentErrorHandler.common_error_handler("update the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def update_document(client, text):
    """The new version's description, or None when a version with this content already exists."""
    try:
        return client.update_document(Name=DOCUMENT_NAME, Content=text, DocumentVersion="$LATEST", DocumentFormat=DOCUMENT_FORMAT)["DocumentDescription"]
    except is_boto3_error_code("DuplicateDocumentContent"):
        return None


@DocumentErrorHandler.common_error_handler("set the default version of the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def set_default_version(client, version):
    return client.update_document_default_version(Name=DOCUMENT_NAME, DocumentVersion=version)["Description"]


@DocumentErrorHandler.deletion_error_handler("delete the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def delete_document(client):
    client.delete_document(Name=DOCUMENT_NAME)
    return True


@DocumentErrorHandler.common_error_handler("list the tags of the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def list_tags(client):
    tags = client.list_tags_for_resource(ResourceType=RESOURCE_TYPE, ResourceId=DOCUMENT_NAME)["TagList"]
    return dict((tag["Key"], tag["Value"]) for tag in tags)


@DocumentErrorHandler.common_error_handler("tag the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def add_tags(client, tags):
    client.add_tags_to_resource(ResourceType=RESOURCE_TYPE, ResourceId=DOCUMENT_NAME, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


@DocumentErrorHandler.common_error_handler("untag the Session Manager preferences document")
@AWSRetry.jittered_backoff()
def remove_tags(client, keys):
    client.remove_tags_from_resource(ResourceType=RESOURCE_TYPE, ResourceId=DOCUMENT_NAME, TagKeys=list(keys))


# ---- steps ----


def wait_until_active(client, description):
    """Waits until a new version is Active (it must be before it can become the default)."""
    version = description["DocumentVersion"]
    for _attempt in range(WAIT_ATTEMPTS):
        status = description.get("Status", "Active")
        if status == "Active":
            return
        if status == "Failed":
            raise AnsibleAWSError(message="SSM could not create version %s of %s: %s" % (version, DOCUMENT_NAME, description.get("StatusInformation", "")))
        time.sleep(WAIT_DELAY)
        description = describe_document(client, version)
    raise AnsibleAWSError(message="Timeout waiting for version %s of %s to become Active" % (version, DOCUMENT_NAME))


def find_version_with(client, content):
    """The newest version whose content is this one (SSM refuses to store the same content twice)."""
    latest = int(describe_document(client)["LatestVersion"])
    for version in range(latest, 0, -1):
        document = get_document(client, str(version))
        if document is None:
            continue  # a deleted version
        try:
            if not content_differs(parse_content(document["Content"]), content):
                return str(version)
        except ValueError:
            continue
    return None


def write_new_default(client, content):
    """Stores the content as the default version; returns that version."""
    description = update_document(client, serialize_content(content))
    if description is None:
        version = find_version_with(client, content)
        if version is None:
            raise AnsibleAWSError(message="SSM reports that a version of %s already has this content, but none was found" % DOCUMENT_NAME)
    else:
        wait_until_active(client, description)
        version = description["DocumentVersion"]
    set_default_version(client, version)
    return version


def current_content(module, document):
    if document["DocumentType"] != DOCUMENT_TYPE:
        module.fail_json(
            msg="%s exists with document type %s, not %s: it holds no Session Manager preferences" % (DOCUMENT_NAME, document["DocumentType"], DOCUMENT_TYPE)
        )
    try:
        return parse_content(document["Content"])
    except ValueError as error:
        module.fail_json(msg="%s version %s is not a JSON Session document: %s" % (DOCUMENT_NAME, document["DocumentVersion"], error))


def document_summary(version):
    return dict(name=DOCUMENT_NAME, document_version=version, default_version=version, document_type=DOCUMENT_TYPE)


def ensure_present(module, client, document, current, desired):
    """Returns (changed, version in force or None when unknown in check mode, content in force)."""
    if document is None:
        if module.check_mode:
            return True, "1", desired
        return True, create_document(client, serialize_content(desired))["DocumentVersion"], desired

    desired = with_unknown_inputs(desired, current)
    if not content_differs(current, desired):
        return False, document["DocumentVersion"], current
    if module.check_mode:
        return True, None, desired
    tags = list_tags(client)
    if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE and ADOPTED_TAG not in tags:
        # Not ours: remember the preferences in force before, for state=absent.
        add_tags(client, {ADOPTED_TAG: document["DocumentVersion"]})
    return True, write_new_default(client, desired), desired


def ensure_absent(module, client, document, current):
    """Returns (changed, version in force, content in force or None when no document, deleted, restored version)."""
    if document is None:
        return False, None, None, False, None
    tags = list_tags(client)
    if tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE:
        if not module.check_mode:
            delete_document(client)
        return True, None, None, True, None
    if ADOPTED_TAG not in tags:
        return False, document["DocumentVersion"], current, False, None

    version = tags[ADOPTED_TAG]
    if version == document["DocumentVersion"]:
        previous = current
    else:
        previous_document = get_document(client, version)
        if previous_document is None:
            module.fail_json(
                msg="%s: version %s, the default before awsops.ssm changed it (tag %s), no longer exists; "
                "set the default version by hand and remove the tag" % (DOCUMENT_NAME, version, ADOPTED_TAG)
            )
        previous = current_content(module, previous_document)
    if not module.check_mode:
        if version != document["DocumentVersion"]:
            set_default_version(client, version)
        remove_tags(client, [ADOPTED_TAG])
    return True, version, previous, False, version


def input_problems(params, region=None):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS, region=region).problems


def run(module, client, params):
    """Reads the document once, then makes the state wanted; returns the module result."""
    result = {}
    document = get_document(client)
    current = current_content(module, document) if document else None
    if params["state"] == "present":
        desired = build_preferences_content(dict((option, params[option]) for option in PREFERENCE_OPTIONS))
        changed, version, content = ensure_present(module, client, document, current, desired)
    else:
        changed, version, content, deleted, restored = ensure_absent(module, client, document, current)
        result["deleted"] = deleted
        if restored:
            result["restored_version"] = restored
    after = preferences_from_content(content) if content else {}
    result.update(changed=changed, document=document_summary(version) if content else {}, preferences=after)
    if module._diff:
        result["diff"] = dict(before=preferences_from_content(current) if current else {}, after=after)
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        cloudwatch_log_group_name=dict(type="str", default=""),
        cloudwatch_encryption_enabled=dict(type="bool", default=True),
        cloudwatch_streaming_enabled=dict(type="bool", default=True),
        s3_bucket_name=dict(type="str", default=""),
        s3_key_prefix=dict(type="str", default="", no_log=False),
        s3_encryption_enabled=dict(type="bool", default=True),
        kms_key_id=dict(type="str", default="", no_log=False),
        run_as_enabled=dict(type="bool"),
        run_as_default_user=dict(type="str", default=""),
        idle_session_timeout=dict(type="int", default=20),
        max_session_duration=dict(type="int"),
        shell_profile_linux=dict(type="str", default=""),
        shell_profile_windows=dict(type="str", default=""),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = input_problems(params, module.region)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)

    client = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    try:
        result = run(module, client, params)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
