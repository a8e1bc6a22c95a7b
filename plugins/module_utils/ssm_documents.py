# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SSM documents the collection creates and owns (Change Calendars, its Automation runbook).

Thin wrappers around each SSM call (retries and error wrapping in one
place; a missing document reads as None), and ``OwnedDocument``, the read /
create / new-version / tag / delete steps both document modules share.

Ownership: a document is the collection's when it carries the tag
``awsops:ssm:managed-by=awsops.ssm``, which CreateDocument sets. A document
of that name without the tag is never changed or deleted.

A retried CreateDocument can meet its own first attempt: the request
reached SSM, the answer did not, and the retry is told
DocumentAlreadyExists. The document is then read back; when it carries the
marker and has the content this run sent, it is the one this run created.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import MANAGED_BY_VALUE

RESOURCE_TYPE = "Document"
LATEST = "$LATEST"
# A new version is Active within seconds; wait at most about a minute.
WAIT_ATTEMPTS = 30
WAIT_DELAY = 2


class DocumentErrorHandler(AWSErrorHandler):
    """A document (or version) that does not exist reads as None."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("InvalidDocument")


@DocumentErrorHandler.list_error_handler("get the SSM document")
def get_document(client, name, version=None, document_format=None):
    """GetDocument: the default version (or the one given), or None when missing."""
    request = {"Name": name}
    if version:
        request["DocumentVersion"] = version
    if document_format:
        request["DocumentFormat"] = document_format
    return client.get_document(**request)


@DocumentErrorHandler.common_error_handler("describe the SSM document")
def describe_document(client, name, version=None):
    request = {"Name": name}
    if version:
        request["DocumentVersion"] = version
    return client.describe_document(**request)["Document"]


@DocumentErrorHandler.list_error_handler("list the SSM documents", default_value=[])
def list_documents(client, filters):
    """ListDocuments, every page: the DocumentIdentifiers (with their Tags) matching filters."""
    return client.get_paginator("list_documents").paginate(Filters=filters).build_full_result().get("DocumentIdentifiers", [])


@DocumentErrorHandler.common_error_handler("create the SSM document")
def create_document(client, request):
    """The new document's description, or None when a document of that name already exists."""
    try:
        return client.create_document(**request)["DocumentDescription"]
    except is_boto3_error_code("DocumentAlreadyExists"):
        return None


@DocumentErrorHandler.common_error_handler("update the SSM document")
def update_document(client, request):
    """The new version's description, or None when a version with this content already exists."""
    try:
        return client.update_document(**request)["DocumentDescription"]
    except is_boto3_error_code(["DuplicateDocumentContent", "DuplicateDocumentVersionName"]):
        return None


@DocumentErrorHandler.common_error_handler("set the default version of the SSM document")
def set_default_version(client, name, version):
    return client.update_document_default_version(Name=name, DocumentVersion=version)["Description"]


@DocumentErrorHandler.deletion_error_handler("delete the SSM document")
def delete_document(client, name):
    client.delete_document(Name=name)
    return True


@DocumentErrorHandler.list_error_handler("list the tags of the SSM document", default_value={})
def list_tags(client, name):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceType=RESOURCE_TYPE, ResourceId=name)["TagList"])


@DocumentErrorHandler.common_error_handler("tag the SSM document")
def add_tags(client, name, tags):
    client.add_tags_to_resource(ResourceType=RESOURCE_TYPE, ResourceId=name, Tags=ansible_dict_to_boto3_tag_list(tags))


@DocumentErrorHandler.common_error_handler("untag the SSM document")
def remove_tags(client, name, keys):
    client.remove_tags_from_resource(ResourceType=RESOURCE_TYPE, ResourceId=name, TagKeys=sorted(keys))


def owned_tags(tags, internal=None):
    """The tags a collection document carries: the marker (and internal, its other awsops:ssm: tags) plus the user's (never the user's awsops:ssm: ones)."""
    result = dict((key, value) for key, value in (tags or {}).items() if not key.startswith(INTERNAL_TAG_PREFIX))
    result.update(internal or {})
    result[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    return result


class OwnedDocument(object):
    """One SSM document of a type and format, read once, then created, versioned, tagged or deleted.

    read_version: which version to read and compare: None for the default
    version (what runs), or ``$LATEST`` (what the console edits last).
    same_content(text) -> bool says whether a stored content means what the
    run wants (content is compared by meaning, never as text).
    """

    def __init__(self, client, name, document_type, document_format, read_version=None, internal_tags=None):
        self.client = client
        self.internal_tags = dict(internal_tags or {})
        self.name = name
        self.document_type = document_type
        self.document_format = document_format
        self.read_version = read_version
        self.document = None
        self.tags = {}

    def read(self):
        """GetDocument and, when it exists, its tags: two reads."""
        self.document = get_document(self.client, self.name, self.read_version, self.document_format)
        self.tags = list_tags(self.client, self.name) if self.document else {}
        return self.document

    @property
    def exists(self):
        return self.document is not None

    @property
    def ours(self):
        return self.tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE

    @property
    def content(self):
        return self.document["Content"] if self.document else None

    @property
    def version(self):
        return self.document["DocumentVersion"] if self.document else None

    def refusal(self):
        """Why this document must not be changed (None when it is ours and of the right type)."""
        if not self.exists:
            return None
        if not self.ours:
            return "SSM document %s exists and was not created by awsops.ssm (no tag %s=%s); it is left alone" % (
                self.name, MANAGED_BY_TAG, MANAGED_BY_VALUE)
        if self.document.get("DocumentType") != self.document_type:
            return "SSM document %s is of type %s, not %s; it is left alone" % (self.name, self.document.get("DocumentType"), self.document_type)
        return None

    def create(self, text, tags, same_content, version_name=None):
        """CreateDocument; returns the version created ("1"). A conflict after a retry reads back (module docstring)."""
        request = {
            "Name": self.name,
            "Content": text,
            "DocumentType": self.document_type,
            "DocumentFormat": self.document_format,
            "Tags": ansible_dict_to_boto3_tag_list(owned_tags(tags, self.internal_tags)),
        }
        if version_name:
            request["VersionName"] = version_name
        description = create_document(self.client, request)
        if description is not None:
            self.wait_until_active(description)
            return description["DocumentVersion"]
        self.read()
        if self.ours and self.document.get("DocumentType") == self.document_type and same_content(self.content):
            return self.version
        raise AnsibleAWSError(message="SSM document %s was created by someone else while this run created it; it is left alone" % self.name)

    def write_version(self, text, same_content, version_name=None):
        """UpdateDocument on $LATEST, then make that version the default; returns it."""
        request = {"Name": self.name, "Content": text, "DocumentVersion": LATEST, "DocumentFormat": self.document_format}
        if version_name:
            request["VersionName"] = version_name
        description = update_document(self.client, request)
        if description is None:
            version = self.find_version_with(same_content)
        else:
            self.wait_until_active(description)
            version = description["DocumentVersion"]
        set_default_version(self.client, self.name, version)
        return version

    def find_version_with(self, same_content):
        """The newest stored version with this content (SSM refuses to store the same content twice)."""
        latest = int(describe_document(self.client, self.name)["LatestVersion"])
        for version in range(latest, 0, -1):
            document = get_document(self.client, self.name, str(version), self.document_format)
            if document is not None and same_content(document["Content"]):
                return str(version)
        raise AnsibleAWSError(message="SSM reports that a version of %s already has this content, but none was found" % self.name)

    def wait_until_active(self, description):
        version = description["DocumentVersion"]
        for _attempt in range(WAIT_ATTEMPTS):
            status = description.get("Status", "Active")
            if status == "Active":
                return
            if status == "Failed":
                raise AnsibleAWSError(message="SSM could not create version %s of %s: %s" % (version, self.name, description.get("StatusInformation", "")))
            time.sleep(WAIT_DELAY)
            description = describe_document(self.client, self.name, version)
        raise AnsibleAWSError(message="Timeout waiting for version %s of %s to become Active" % (version, self.name))

    def tag_changes(self, tags, purge_tags):
        """(to set, to remove) for the user's tags; None leaves them alone. The marker is never removed."""
        if tags is None:
            return {}, []
        to_set, to_remove = compare_aws_tags(self.tags, owned_tags(tags, self.internal_tags), purge_tags)
        return to_set, [key for key in to_remove if not key.startswith(INTERNAL_TAG_PREFIX)]

    def apply_tags(self, to_set, to_remove):
        if to_remove:
            remove_tags(self.client, self.name, to_remove)
        if to_set:
            add_tags(self.client, self.name, to_set)

    def delete(self):
        delete_document(self.client, self.name)


def tags_after(current, to_set, to_remove):
    tags = dict((key, value) for key, value in current.items() if key not in to_remove)
    tags.update(to_set)
    return tags


def ensure_present(module, document, text, content_changed, same_content, tags, purge_tags, version_name=None):
    """Creates the document or writes a new default version when its content changed, then its tags.

    Returns (changed, version in force: None when check mode cannot know it, tags after).
    Check mode sends no write and predicts the same.
    """
    refusal = document.refusal()
    if refusal:
        module.fail_json(msg=refusal)
    if not document.exists:
        if module.check_mode:
            return True, "1", owned_tags(tags, document.internal_tags)
        return True, document.create(text, tags, same_content, version_name), owned_tags(tags, document.internal_tags)
    changed, version = False, document.version
    if content_changed:
        changed = True
        version = None if module.check_mode else document.write_version(text, same_content, version_name)
    to_set, to_remove = document.tag_changes(tags, purge_tags)
    if to_set or to_remove:
        changed = True
        if not module.check_mode:
            document.apply_tags(to_set, to_remove)
    return changed, version, tags_after(document.tags, to_set, to_remove)


def ensure_absent(module, document):
    """Deletes the document when it is the collection's; returns (changed, what was kept, or None)."""
    if not document.exists:
        return False, None
    if not document.ours:
        return False, "SSM document %s was not created by awsops.ssm (no tag %s=%s); it is kept" % (document.name, MANAGED_BY_TAG, MANAGED_BY_VALUE)
    if not module.check_mode:
        document.delete()
    return True, None
