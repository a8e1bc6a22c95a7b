# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_log_bucket against the local endpoint.

moto implements every call the module sends, and evaluates bucket policies on
object requests: the module's TLS-only policy denies every object request
over the endpoint's plain http, so no session log can be written to a bucket
the module made here, and emptying a bucket (ListObjectVersions,
DeleteObjects in batches) is tested in tests/unit with botocore's Stubber.
"""

import json

import pytest

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_session_log_bucket"
NAME = "example-session-logs"
MANAGED_BY = {"awsops:ssm:managed-by": "awsops.ssm"}


def tags_of(s3, name=NAME):
    try:
        return dict((tag["Key"], tag["Value"]) for tag in s3.get_bucket_tagging(Bucket=name)["TagSet"])
    except s3.exceptions.ClientError:
        return {}


def encryption_of(s3, name=NAME):
    return s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]


def buckets(s3):
    return [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]


def test_the_standard_sequence(ansible, aws):
    s3 = aws("s3", "eu-west-1")
    key_arn = aws("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    create = {"name": NAME, "kms_key_arn": key_arn, "tags": {"Team": "a"}}
    modify = {"name": NAME, "kms_key_arn": "", "tags": {"Team": "b"}}
    delete = {"name": NAME, "state": "absent"}

    def check(step, result):
        if step.name == "create":
            assert result.result["actions"] == ["create_bucket", "put_bucket_tagging", "put_public_access_block", "put_bucket_encryption", "put_bucket_policy"]
            assert s3.get_bucket_location(Bucket=NAME)["LocationConstraint"] == "eu-west-1"
            assert encryption_of(s3) == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}, "BucketKeyEnabled": True}
            assert tags_of(s3) == dict(MANAGED_BY, Team="a")
            assert s3.get_public_access_block(Bucket=NAME)["PublicAccessBlockConfiguration"] == {
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
            assert s3.get_bucket_ownership_controls(Bucket=NAME)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
            (statement,) = json.loads(s3.get_bucket_policy(Bucket=NAME)["Policy"])["Statement"]
            assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        if step.name == "modify":
            assert result.result["actions"] == ["put_bucket_tagging", "put_bucket_encryption"]
            assert encryption_of(s3)["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        if step.name == "delete (check)":
            assert NAME in buckets(s3) and result.result["actions"] == ["empty_bucket", "delete_bucket"]
        if step.name.startswith("delete") and not step.check:
            assert NAME not in buckets(s3)

    run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check, region="eu-west-1")


def test_a_bucket_it_did_not_create_is_used_as_it_is_and_never_deleted(ansible, aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket=NAME)
    s3.put_bucket_tagging(Bucket=NAME, Tagging={"TagSet": [{"Key": "Owner", "Value": "security"}]})
    s3.put_bucket_encryption(Bucket=NAME, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_object(Bucket=NAME, Key="theirs.log", Body=b"x")
    key_arn = aws("kms").create_key()["KeyMetadata"]["Arn"]
    wanted = {"name": NAME, "kms_key_arn": key_arn, "tags": {"Team": "a"}}

    for check in (True, False):
        result, run = ansible.run_module(MODULE, wanted, check=check)
        assert not result.failed and not result.changed and run.writes == [], run.summary()
        assert result.result["ours"] is False and "was not created by awsops.ssm" in result.result["kept"]
        assert [call.operation for call in run.calls] == ["GetBucketLocation", "GetBucketTagging"]
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and run.writes == [] and "not deleted, nor its objects" in result.result["kept"]
    assert tags_of(s3) == {"Owner": "security"} and encryption_of(s3)["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}

    result, run = ansible.run_module(MODULE, dict(wanted, adopt=True))
    assert result.changed and result.result["adopted"] is True, run.summary()
    assert encryption_of(s3)["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key_arn and tags_of(s3) == {"Team": "a"}
    again, run = ansible.run_module(MODULE, dict(wanted, adopt=True))
    assert not again.changed and run.writes == []
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and run.writes == [] and NAME in buckets(s3)


def test_a_bucket_of_another_region_is_refused_before_any_write(ansible, aws):
    aws("s3", "eu-west-1").create_bucket(Bucket=NAME, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    result, run = ansible.run_module(MODULE, {"name": NAME}, region="us-east-1")
    assert result.failed and run.writes == [], run.summary()
    message = result.result["msg"]
    assert message.startswith('name: the bucket "%s" is in region eu-west-1, not in this target\'s region us-east-1' % NAME), message
    assert "kms_key_arn is this region's key" in message


@pytest.mark.parametrize(
    "args, message",
    [
        ({"name": "Bad_Bucket"}, 'name: "Bad_Bucket" is not an S3 bucket name'),
        ({"name": ""}, 'name: "" is not an S3 bucket name'),
        ({"name": NAME, "kms_key_arn": "alias/ssm-sessions"}, 'kms_key_arn: "alias/ssm-sessions" is not a KMS key ARN'),
        ({"name": NAME, "tags": {"aws:x": "1"}}, 'tags: "aws:x" is not usable as a tag key'),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed and message in result.result["msg"], result.result
    assert run.calls == []
