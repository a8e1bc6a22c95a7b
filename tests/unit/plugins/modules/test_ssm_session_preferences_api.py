# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_preferences: the API wrappers and the paths moto cannot show.

The wrappers run against a real botocore SSM client with botocore's Stubber,
so every request is checked against botocore's own service model; error
paths use real botocore ClientErrors.

moto creates every document version Active at once, so waiting for a new
version that is still Creating (real SSM answers UpdateDocument before the
version is ready) and one that Failed are tested here only. The version
search after DuplicateDocumentContent runs in moto too (integration test);
here also with a deleted version in the history.
"""

import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import session_preferences as sp
from ansible_collections.awsops.ssm.plugins.modules import ssm_session_preferences as module

NAME = "SSM-SessionManagerRunShell"


@pytest.fixture
def ssm():
    client = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def no_sleep(monkeypatch):
    sleeps = []
    monkeypatch.setattr(module.time, "sleep", sleeps.append)
    return sleeps


def get_answer(content, version="1"):
    return {"Name": NAME, "DocumentVersion": version, "Content": sp.serialize_content(content), "DocumentType": "Session", "DocumentFormat": "JSON"}


def description(version, status="Active", **extra):
    return dict({"Name": NAME, "DocumentVersion": version, "Status": status, "LatestVersion": version}, **extra)


def test_get_document_reads_the_default_version_as_json(ssm):
    client, stubber = ssm
    content = sp.build_preferences_content({})
    stubber.add_response("get_document", get_answer(content), {"Name": NAME, "DocumentFormat": "JSON"})
    stubber.add_response("get_document", get_answer(content, "3"), {"Name": NAME, "DocumentFormat": "JSON", "DocumentVersion": "3"})
    assert module.get_document(client)["DocumentVersion"] == "1"
    assert module.get_document(client, "3")["DocumentVersion"] == "3"


def test_a_missing_document_reads_as_none(ssm):
    client, stubber = ssm
    stubber.add_client_error("get_document", "InvalidDocument", "The specified document does not exist.")
    assert module.get_document(client) is None


def test_other_errors_say_what_failed(ssm):
    client, stubber = ssm
    stubber.add_client_error("get_document", "AccessDeniedException", "no", http_status_code=400)
    with pytest.raises(AnsibleAWSError, match="Failed to get the Session Manager preferences document") as raised:
        module.get_document(client)
    assert raised.value.exception.response["Error"]["Code"] == "AccessDeniedException"


def test_create_request_is_a_tagged_json_session_document(ssm):
    client, stubber = ssm
    text = sp.serialize_content(sp.build_preferences_content({}))
    expected = {
        "Name": NAME,
        "Content": text,
        "DocumentType": "Session",
        "DocumentFormat": "JSON",
        "Tags": [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}],
    }
    stubber.add_response("create_document", {"DocumentDescription": description("1")}, expected)
    assert module.create_document(client, text)["DocumentVersion"] == "1"


def test_update_writes_the_latest_version_and_a_duplicate_reads_as_none(ssm):
    client, stubber = ssm
    expected = {"Name": NAME, "Content": "{}", "DocumentVersion": "$LATEST", "DocumentFormat": "JSON"}
    stubber.add_response("update_document", {"DocumentDescription": description("2")}, expected)
    stubber.add_client_error("update_document", "DuplicateDocumentContent", "The content of the association document matches another document.")
    assert module.update_document(client, "{}")["DocumentVersion"] == "2"
    assert module.update_document(client, "{}") is None


def test_default_version_delete_and_tag_requests(ssm):
    client, stubber = ssm
    stubber.add_response("update_document_default_version", {"Description": {"Name": NAME, "DefaultVersion": "2"}}, {"Name": NAME, "DocumentVersion": "2"})
    stubber.add_response("delete_document", {}, {"Name": NAME})
    stubber.add_client_error("delete_document", "InvalidDocument", "The specified document does not exist.")
    stubber.add_response(
        "list_tags_for_resource", {"TagList": [{"Key": "a", "Value": "b"}]}, {"ResourceType": "Document", "ResourceId": NAME}
    )
    stubber.add_response(
        "add_tags_to_resource", {}, {"ResourceType": "Document", "ResourceId": NAME, "Tags": [{"Key": module.ADOPTED_TAG, "Value": "1"}]}
    )
    stubber.add_response("remove_tags_from_resource", {}, {"ResourceType": "Document", "ResourceId": NAME, "TagKeys": [module.ADOPTED_TAG]})
    assert module.set_default_version(client, "2")["DefaultVersion"] == "2"
    assert module.delete_document(client) is True
    assert module.delete_document(client) is False  # already gone
    assert module.list_tags(client) == {"a": "b"}
    module.add_tags(client, {module.ADOPTED_TAG: "1"})
    module.remove_tags(client, [module.ADOPTED_TAG])


def test_a_new_version_becomes_default_once_active(ssm, no_sleep):
    client, stubber = ssm
    content = sp.build_preferences_content({"idle_session_timeout": 30})
    stubber.add_response("update_document", {"DocumentDescription": description("4", "Creating")})
    stubber.add_response("describe_document", {"Document": description("4", "Creating")}, {"Name": NAME, "DocumentVersion": "4"})
    stubber.add_response("describe_document", {"Document": description("4", "Active")}, {"Name": NAME, "DocumentVersion": "4"})
    stubber.add_response("update_document_default_version", {"Description": {"Name": NAME, "DefaultVersion": "4"}}, {"Name": NAME, "DocumentVersion": "4"})
    assert module.write_new_default(client, content) == "4"
    assert no_sleep == [module.WAIT_DELAY, module.WAIT_DELAY]


def test_a_failed_version_is_reported_and_not_made_default(ssm, no_sleep):
    client, stubber = ssm
    failed = description("4", "Failed", StatusInformation="bad inputs")
    stubber.add_response("update_document", {"DocumentDescription": description("4", "Creating")})
    stubber.add_response("describe_document", {"Document": failed})
    with pytest.raises(AnsibleAWSError, match="SSM could not create version 4 of SSM-SessionManagerRunShell: bad inputs"):
        module.write_new_default(client, sp.build_preferences_content({}))


def test_the_wait_for_a_new_version_is_bounded(ssm, no_sleep):
    client, stubber = ssm
    for _attempt in range(module.WAIT_ATTEMPTS):
        stubber.add_response("describe_document", {"Document": description("4", "Creating")})
    with pytest.raises(AnsibleAWSError, match="Timeout waiting for version 4"):
        module.wait_until_active(client, description("4", "Creating"))
    assert len(no_sleep) == module.WAIT_ATTEMPTS


def test_a_duplicate_makes_the_newest_equal_version_default(ssm):
    """Versions 3 (other content), 2 (deleted) and 1 (this content): version 1 becomes default."""
    client, stubber = ssm
    wanted = sp.build_preferences_content({"cloudwatch_log_group_name": "/aws/ssm/sessions"})
    other = sp.build_preferences_content({"idle_session_timeout": 45})
    stubber.add_client_error("update_document", "DuplicateDocumentContent", "duplicate")
    stubber.add_response("describe_document", {"Document": description("1", LatestVersion="3", DefaultVersion="3")}, {"Name": NAME})
    stubber.add_response("get_document", get_answer(other, "3"), {"Name": NAME, "DocumentFormat": "JSON", "DocumentVersion": "3"})
    stubber.add_client_error("get_document", "InvalidDocument", "The specified document does not exist.")
    same_in_other_words = json.loads(json.dumps(wanted))
    same_in_other_words["inputs"]["idleSessionTimeout"] = 20
    stubber.add_response("get_document", dict(get_answer(wanted, "1"), Content=json.dumps(same_in_other_words)))
    stubber.add_response("update_document_default_version", {"Description": {"Name": NAME, "DefaultVersion": "1"}}, {"Name": NAME, "DocumentVersion": "1"})
    assert module.write_new_default(client, wanted) == "1"


def test_a_duplicate_with_no_equal_version_fails(ssm):
    client, stubber = ssm
    stubber.add_client_error("update_document", "DuplicateDocumentContent", "duplicate")
    stubber.add_response("describe_document", {"Document": description("1", LatestVersion="1")})
    stubber.add_response("get_document", dict(get_answer({}, "1"), Content="not json"))
    with pytest.raises(AnsibleAWSError, match="already has this content, but none was found"):
        module.write_new_default(client, sp.build_preferences_content({}))


class FakeModule:
    check_mode = False

    class Failed(Exception):
        pass

    def fail_json(self, **kwargs):
        raise self.Failed(kwargs["msg"])


def test_documents_that_hold_no_preferences_are_refused():
    fake = FakeModule()
    with pytest.raises(FakeModule.Failed, match="document type Command, not Session"):
        module.current_content(fake, {"DocumentType": "Command", "Content": "{}", "DocumentVersion": "1"})
    with pytest.raises(FakeModule.Failed, match="version 2 is not a JSON Session document"):
        module.current_content(fake, {"DocumentType": "Session", "Content": "[]", "DocumentVersion": "2"})


def test_input_problems_cover_every_checked_option():
    params = dict(sp.DEFAULTS, cloudwatch_log_group_name="bad name!", s3_bucket_name="B", kms_key_id="alias/x", idle_session_timeout=0)
    problems = module.input_problems(params)
    assert [problem.split(":")[0] for problem in problems] == ["cloudwatch_log_group_name", "kms_key_id", "s3_bucket_name", "idle_session_timeout"]
    assert module.input_problems(dict(sp.DEFAULTS)) == []
