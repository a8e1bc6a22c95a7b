# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_preferences against the local endpoint.

moto implements every call the module sends (GetDocument with and without
DocumentVersion, DescribeDocument, CreateDocument of type Session,
UpdateDocument, UpdateDocumentDefaultVersion, DeleteDocument and the
document tag calls). What it cannot show, a new version that is not Active
yet, is tested with botocore's Stubber in
tests/unit/plugins/modules/test_ssm_session_preferences_api.py.
"""

import json

import botocore.exceptions
import pytest

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_session_preferences"
DOCUMENT = "SSM-SessionManagerRunShell"
LOG_GROUP = "/aws/ssm/sessions"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
MANAGED_BY = {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}
ADOPTED = "awsops:ssm:adopted-default-version"

# What the console writes when someone saves the default preferences.
CONSOLE_CONTENT = {
    "schemaVersion": "1.0",
    "description": "Document to hold regional settings for Session Manager",
    "sessionType": "Standard_Stream",
    "inputs": {
        "s3BucketName": "",
        "s3KeyPrefix": "",
        "s3EncryptionEnabled": True,
        "cloudWatchLogGroupName": "",
        "cloudWatchEncryptionEnabled": True,
        "cloudWatchStreamingEnabled": True,
        "kmsKeyId": "",
        "runAsEnabled": False,
        "runAsDefaultUser": "",
        "idleSessionTimeout": "20",
        "maxSessionDuration": "",
        "shellProfile": {"windows": "", "linux": ""},
    },
}


def document(ssm, version=None):
    request = {"Name": DOCUMENT, "DocumentFormat": "JSON"}
    if version:
        request["DocumentVersion"] = version
    answer = ssm.get_document(**request)
    return answer["DocumentVersion"], json.loads(answer["Content"])


def default_version(ssm):
    return ssm.describe_document(Name=DOCUMENT)["Document"]["DefaultVersion"]


def tags(ssm):
    return dict((tag["Key"], tag["Value"]) for tag in ssm.list_tags_for_resource(ResourceType="Document", ResourceId=DOCUMENT)["TagList"])


def create_by_hand(ssm, content=None, document_type="Session"):
    ssm.create_document(Name=DOCUMENT, Content=json.dumps(content or CONSOLE_CONTENT), DocumentType=document_type, DocumentFormat="JSON")


def test_integration_sequence(ansible, aws):
    ssm = aws("ssm")
    create = {"cloudwatch_log_group_name": LOG_GROUP, "kms_key_id": KMS_KEY}
    modify = dict(create, idle_session_timeout=30, s3_bucket_name="session-logs-bucket")
    delete = {"state": "absent"}

    def check_state(step, result):
        if step.name == "create":
            version, content = document(ssm)
            assert version == "1"
            assert ssm.describe_document(Name=DOCUMENT)["Document"]["DocumentType"] == "Session"
            assert content["schemaVersion"] == "1.0" and content["sessionType"] == "Standard_Stream"
            assert content["inputs"] == {
                "s3BucketName": "",
                "s3KeyPrefix": "",
                "s3EncryptionEnabled": True,
                "cloudWatchLogGroupName": LOG_GROUP,
                "cloudWatchEncryptionEnabled": True,
                "cloudWatchStreamingEnabled": True,
                "kmsKeyId": KMS_KEY,
                "runAsEnabled": False,
                "runAsDefaultUser": "",
                "idleSessionTimeout": "20",
                "maxSessionDuration": "",
                "shellProfile": {"linux": "", "windows": ""},
            }
            assert tags(ssm) == {MANAGED_BY["Key"]: MANAGED_BY["Value"]}
            assert result.result["document"] == {"name": DOCUMENT, "document_version": "1", "default_version": "1", "document_type": "Session"}
        if step.name == "modify":
            version, content = document(ssm)
            assert version == "2" and default_version(ssm) == "2"
            assert content["inputs"]["idleSessionTimeout"] == "30"
            assert content["inputs"]["s3BucketName"] == "session-logs-bucket"
            assert content["inputs"]["cloudWatchLogGroupName"] == LOG_GROUP
            assert result.result["preferences"]["idle_session_timeout"] == 30
            assert result.result["diff"]["before"]["idle_session_timeout"] == 20
        if step.name == "delete":
            with pytest.raises(botocore.exceptions.ClientError, match="InvalidDocument"):
                ssm.get_document(Name=DOCUMENT)
            assert result.result["deleted"] is True
            assert result.result["preferences"] == {} and result.result["document"] == {}

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    # The check-mode prediction shows the preferences that the real run then set.
    assert results["create (check)"][0].result["diff"] == results["create"][0].result["diff"]
    assert results["create (check)"][0].result["diff"]["before"] == {}


def test_no_op_reads_one_call(ansible):
    args = {"cloudwatch_log_group_name": LOG_GROUP, "kms_key_id": KMS_KEY, "max_session_duration": 480}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed
    assert [str(call) for call in run.calls] == ["ssm:GetDocument"]


def test_check_mode_predicts_an_update(ansible, aws):
    ssm = aws("ssm")
    ansible.run_module(MODULE, {"cloudwatch_log_group_name": LOG_GROUP})
    args = {"cloudwatch_log_group_name": LOG_GROUP, "run_as_default_user": "ec2-user", "shell_profile_linux": "exec /bin/bash -l"}
    predicted, run = ansible.run_module(MODULE, args, check=True)
    assert predicted.changed and run.writes == []
    assert [str(call) for call in run.calls] == ["ssm:GetDocument"]
    assert default_version(ssm) == "1"
    made, _run = ansible.run_module(MODULE, args)
    assert predicted.result["diff"] == made.result["diff"]
    assert made.result["preferences"]["run_as_enabled"] is True
    assert document(ssm)[1]["inputs"]["runAsDefaultUser"] == "ec2-user"


def test_going_back_to_earlier_preferences_makes_that_version_default(ansible, aws):
    """SSM refuses to store a content twice (DuplicateDocumentContent): the module finds the version and makes it default."""
    ssm = aws("ssm")
    first = {"cloudwatch_log_group_name": LOG_GROUP}
    second = {"cloudwatch_log_group_name": LOG_GROUP, "idle_session_timeout": 45}
    for args in (first, second):
        result, run = ansible.run_module(MODULE, args)
        assert result.changed, run.summary()
    assert default_version(ssm) == "2"
    result, run = ansible.run_module(MODULE, first)
    assert result.changed, run.summary()
    assert default_version(ssm) == "1"
    assert result.result["document"]["default_version"] == "1"
    assert document(ssm)[1]["inputs"]["idleSessionTimeout"] == "20"
    assert "ssm:UpdateDocumentDefaultVersion" in [str(call) for call in run.writes]
    result, run = ansible.run_module(MODULE, first)
    assert not result.changed and run.writes == []


def test_console_preferences_with_other_types_are_equal(ansible, aws):
    """Compared as parsed, normalized JSON: "true" is true, 20 is "20", a missing maxSessionDuration is no limit."""
    ssm = aws("ssm")
    content = json.loads(json.dumps(CONSOLE_CONTENT))
    content["inputs"].update(idleSessionTimeout=20, runAsEnabled="false", s3EncryptionEnabled="true")
    del content["inputs"]["maxSessionDuration"]
    create_by_hand(ssm, content)
    result, run = ansible.run_module(MODULE, {})
    assert not result.changed, run.summary()
    assert [str(call) for call in run.calls] == ["ssm:GetDocument"]
    assert result.result["preferences"]["max_session_duration"] is None


def test_preferences_made_elsewhere_are_restored_not_deleted(ansible, aws):
    """A document the console made is changed, and state=absent puts its own version back in force."""
    ssm = aws("ssm")
    create_by_hand(ssm)
    result, run = ansible.run_module(MODULE, {"cloudwatch_log_group_name": LOG_GROUP})
    assert result.changed, run.summary()
    assert tags(ssm) == {ADOPTED: "1"}
    assert default_version(ssm) == "2"
    # A later change keeps the version recorded the first time.
    result, run = ansible.run_module(MODULE, {"cloudwatch_log_group_name": LOG_GROUP, "idle_session_timeout": 10})
    assert result.changed and tags(ssm) == {ADOPTED: "1"}, run.summary()

    predicted, run = ansible.run_module(MODULE, {"state": "absent"}, check=True)
    assert predicted.changed and run.writes == []
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert result.changed, run.summary()
    assert result.result["deleted"] is False and result.result["restored_version"] == "1"
    assert predicted.result["diff"] == result.result["diff"]
    assert result.result["diff"]["after"]["cloudwatch_log_group_name"] == ""
    assert default_version(ssm) == "1"
    assert document(ssm)[1] == CONSOLE_CONTENT
    assert tags(ssm) == {}

    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert not result.changed and run.writes == [], run.summary()


def test_a_lost_earlier_version_fails_the_restore_and_changes_nothing(ansible, aws):
    ssm = aws("ssm")
    create_by_hand(ssm)
    ansible.run_module(MODULE, {"cloudwatch_log_group_name": LOG_GROUP})
    ssm.delete_document(Name=DOCUMENT, DocumentVersion="1")
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert result.failed
    assert "version 1, the default before awsops.ssm changed it (tag awsops:ssm:adopted-default-version), no longer exists" in result.result["msg"]
    assert run.writes == []
    assert default_version(ssm) == "2" and tags(ssm) == {ADOPTED: "1"}


def test_preferences_never_changed_are_left_alone(ansible, aws):
    ssm = aws("ssm")
    create_by_hand(ssm)
    result, run = ansible.run_module(MODULE, {"state": "absent"})
    assert not result.changed, run.summary()
    assert run.writes == []
    assert result.result["deleted"] is False and "restored_version" not in result.result
    assert document(ssm) == ("1", CONSOLE_CONTENT)


def test_a_document_of_another_type_is_not_touched(ansible, aws):
    ssm = aws("ssm")
    command = {"schemaVersion": "2.2", "description": "x", "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["true"]}}]}
    create_by_hand(ssm, command, document_type="Command")
    result, run = ansible.run_module(MODULE, {"cloudwatch_log_group_name": LOG_GROUP})
    assert result.failed
    assert "document type Command, not Session" in result.result["msg"]
    assert run.writes == []


@pytest.mark.parametrize(
    "args, message",
    [
        ({"idle_session_timeout": 0}, "idle_session_timeout: 0 is not a number of minutes from 1 to 60"),
        ({"idle_session_timeout": 61}, "idle_session_timeout: 61 is not a number of minutes from 1 to 60"),
        ({"max_session_duration": 2000}, "max_session_duration: 2000 is not a number of minutes from 1 to 1440, or empty for no limit"),
        ({"max_session_duration": 0}, "max_session_duration: 0 is not a number of minutes from 1 to 1440"),
        ({"cloudwatch_log_group_name": "bad name!"}, 'cloudwatch_log_group_name: "bad name!" is not a log group name'),
        ({"kms_key_id": "alias/ssm-sessions"}, 'kms_key_id: "alias/ssm-sessions" is not a KMS key ARN; expected arn:aws:kms:REGION:ACCOUNT:key/KEY-ID'),
        ({"kms_key_id": "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"}, 'kms_key_id: "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9" is not a KMS key ARN'),
        ({"s3_bucket_name": "Bad_Bucket"}, 's3_bucket_name: "Bad_Bucket" is not an S3 bucket name'),
        ({"run_as_default_user": "ec2 user"}, 'run_as_default_user: "ec2 user" is not a Linux user name'),
        ({"run_as_enabled": True}, "run_as_enabled: true needs run_as_default_user"),
        ({"state": "absent", "idle_session_timeout": 0}, "idle_session_timeout: 0 is not"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []


def test_every_problem_is_reported_at_once(ansible):
    result, run = ansible.run_module(MODULE, {"idle_session_timeout": 0, "max_session_duration": 2000, "kms_key_id": "x"})
    assert result.failed and run.calls == []
    for option in ("idle_session_timeout", "max_session_duration", "kms_key_id"):
        assert option + ":" in result.result["msg"]
