# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OwnedDocument: the paths moto cannot show, with botocore's Stubber.

moto answers every CreateDocument at once and creates versions Active, so
a CreateDocument whose first attempt reached SSM but whose answer was lost
(the retry meets DocumentAlreadyExists), and versions still Creating, are
tested here; every request is checked against botocore's model by the
Stubber.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import ssm_documents as sd

NAME = "instance-scheduler"
TEXT = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
OURS = [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]


@pytest.fixture
def ssm(monkeypatch):
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(sd.time, "sleep", lambda seconds: None)
    client = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def create_request(tags=None):
    return {"Name": NAME, "Content": TEXT, "DocumentType": "ChangeCalendar", "DocumentFormat": "TEXT", "Tags": tags or OURS}


def document():
    return {"Name": NAME, "DocumentVersion": "1", "Content": TEXT, "DocumentType": "ChangeCalendar", "DocumentFormat": "TEXT"}


def read_back(stubber, tags):
    stubber.add_response("get_document", document(), {"Name": NAME, "DocumentVersion": "$LATEST", "DocumentFormat": "TEXT"})
    stubber.add_response("list_tags_for_resource", {"TagList": tags}, {"ResourceType": "Document", "ResourceId": NAME})


def owned(client):
    return sd.OwnedDocument(client, NAME, "ChangeCalendar", "TEXT", read_version="$LATEST")


def test_a_retried_create_that_meets_its_own_document_reads_it_back(ssm):
    """The client's retry layer (aws_retries, below the Stubber) resent a create whose answer was lost: AWS answers
    DocumentAlreadyExists, and the document this run made is read back and taken."""
    client, stubber = ssm
    stubber.add_client_error("create_document", "DocumentAlreadyExists", expected_params=create_request())
    read_back(stubber, OURS)
    assert owned(client).create(TEXT, {}, lambda text: text == TEXT) == "1"


def test_a_document_someone_else_created_meanwhile_is_left_alone(ssm):
    client, stubber = ssm
    stubber.add_client_error("create_document", "DocumentAlreadyExists", expected_params=create_request())
    read_back(stubber, [{"Key": "team", "Value": "other"}])
    with pytest.raises(AnsibleAWSError, match="created by someone else while this run created it"):
        owned(client).create(TEXT, {}, lambda text: True)


def test_our_marker_with_other_content_is_not_taken_for_ours(ssm):
    client, stubber = ssm
    stubber.add_client_error("create_document", "DocumentAlreadyExists", expected_params=create_request())
    read_back(stubber, OURS)
    with pytest.raises(AnsibleAWSError):
        owned(client).create(TEXT, {}, lambda text: False)


def test_a_new_version_is_waited_for_then_made_default(ssm):
    client, stubber = ssm
    update = {"Name": NAME, "Content": TEXT, "DocumentVersion": "$LATEST", "DocumentFormat": "TEXT"}
    stubber.add_response("update_document", {"DocumentDescription": {"Name": NAME, "DocumentVersion": "2", "Status": "Creating"}}, update)
    stubber.add_response("describe_document", {"Document": {"Name": NAME, "DocumentVersion": "2", "Status": "Active"}}, {"Name": NAME, "DocumentVersion": "2"})
    stubber.add_response("update_document_default_version", {"Description": {"Name": NAME, "DefaultVersion": "2"}}, {"Name": NAME, "DocumentVersion": "2"})
    assert owned(client).write_version(TEXT, lambda text: True) == "2"


def test_the_same_content_stored_before_becomes_default(ssm):
    client, stubber = ssm
    update = {"Name": NAME, "Content": TEXT, "DocumentVersion": "$LATEST", "DocumentFormat": "TEXT", "VersionName": "r1-abc"}
    stubber.add_client_error("update_document", "DuplicateDocumentVersionName", expected_params=update)
    stubber.add_response("describe_document", {"Document": {"Name": NAME, "LatestVersion": "3"}}, {"Name": NAME})
    stubber.add_response("get_document", dict(document(), Content="other", DocumentVersion="3"),
                         {"Name": NAME, "DocumentVersion": "3", "DocumentFormat": "TEXT"})
    stubber.add_response("get_document", dict(document(), DocumentVersion="2"), {"Name": NAME, "DocumentVersion": "2", "DocumentFormat": "TEXT"})
    stubber.add_response("update_document_default_version", {"Description": {"Name": NAME, "DefaultVersion": "2"}}, {"Name": NAME, "DocumentVersion": "2"})
    assert owned(client).write_version(TEXT, lambda text: text == TEXT, "r1-abc") == "2"


def test_user_tags_never_replace_the_marker():
    assert sd.owned_tags({"team": "ops", "awsops:ssm:managed-by": "me"}) == {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}
    document = sd.OwnedDocument(None, NAME, "ChangeCalendar", "TEXT")
    document.tags = {"awsops:ssm:managed-by": "awsops.ssm", "old": "1", "awsops:ssm:regions": "x"}
    assert document.tag_changes({"team": "ops"}, True) == ({"team": "ops"}, ["old"])
    assert document.tag_changes(None, True) == ({}, [])
