# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""session_log_bucket: plans, their requests against botocore's model, and what moto cannot show.

Against a real botocore S3 client with botocore's Stubber: a retried
CreateBucket (the first attempt made the bucket, the retry answers
BucketAlreadyOwnedByYou), and emptying a bucket of session logs (moto
denies every object request to a bucket with the TLS-only policy over its
plain http endpoint).
"""

import json

import boto3
import pytest
from botocore.stub import Stubber

from awsops_harness.botocore_models import assert_valid

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import session_log_bucket as lb

NAME = "example-session-logs"
REGION = "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OURS = {"awsops:ssm:managed-by": "awsops.ssm"}


def wanted(**changes):
    options = dict(kms_key_arn=KEY, tags={"Team": "a"}, purge_tags=True, adopt=False)
    options.update(changes)
    return lb.Wanted(NAME, REGION, "aws", **options)


def converged(tags=None, kms_key_arn=KEY):
    state = lb.BucketState(NAME, REGION, dict(OURS, Team="a") if tags is None else tags)
    state.encryption = lb.encryption_configuration(kms_key_arn)
    state.public_access_block = dict(lb.PUBLIC_ACCESS_BLOCK)
    state.ownership = lb.OBJECT_OWNERSHIP
    state.policy = lb.tls_only_policy("aws", NAME)
    state.settings_read = True
    return state


def operations(steps):
    return [operation for operation, _request in steps]


def pascal(operation):
    return "".join(part.capitalize() for part in operation.split("_"))


@pytest.fixture
def s3():
    client = boto3.client("s3", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_a_new_bucket():
    steps = lb.plan_present(lb.BucketState(NAME), wanted())
    assert operations(steps) == ["create_bucket", "put_bucket_tagging", "put_public_access_block", "put_bucket_encryption", "put_bucket_policy"]
    assert steps[0][1] == {"Bucket": NAME, "ObjectOwnership": "BucketOwnerEnforced", "CreateBucketConfiguration": {"LocationConstraint": REGION}}
    assert "CreateBucketConfiguration" not in lb.plan_present(lb.BucketState(NAME), lb.Wanted(NAME, "us-east-1", "aws"))[0][1]


def test_converged_and_drifted():
    assert lb.plan_present(converged(), wanted()) == []
    # S3 may report the key by id: the same key
    by_id = converged()
    by_id.encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = KEY.rsplit("/", 1)[1]
    assert lb.plan_present(by_id, wanted()) == []
    drifted = converged(tags=dict(OURS, Team="b", Extra="x"))
    drifted.public_access_block["BlockPublicPolicy"] = False
    drifted.ownership = "ObjectWriter"
    drifted.policy = None
    steps = lb.plan_present(drifted, wanted(kms_key_arn=""))
    assert operations(steps) == ["put_bucket_tagging", "put_public_access_block", "put_bucket_ownership_controls", "put_bucket_encryption", "put_bucket_policy"]
    assert steps[0][1]["Tagging"]["TagSet"] == [{"Key": "Team", "Value": "a"}, {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]
    assert steps[3][1]["ServerSideEncryptionConfiguration"] == {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    # tags not purged: the others stay
    kept_tags = lb.plan_present(converged(tags=dict(OURS, Extra="x")), wanted(purge_tags=False))
    assert kept_tags[0][1]["Tagging"]["TagSet"] == [
        {"Key": "Extra", "Value": "x"}, {"Key": "Team", "Value": "a"}, {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]


def test_a_foreign_bucket_is_kept_unless_adopted_and_never_deleted():
    foreign = converged(tags={"Owner": "security"}, kms_key_arn="")
    assert lb.plan_present(foreign, wanted()) == [] and "was not created by awsops.ssm" in lb.kept_reason(foreign, wanted())
    steps = lb.plan_present(foreign, wanted(adopt=True))
    assert operations(steps) == ["put_bucket_tagging", "put_bucket_encryption"]
    assert steps[0][1]["Tagging"]["TagSet"] == [{"Key": "Team", "Value": "a"}]  # adopted: never tagged as ours
    assert lb.plan_absent(foreign, wanted()) == ([], lb.kept_reason(foreign, wanted()))
    assert lb.plan_absent(converged(), wanted()) == ([("empty_bucket", {"Bucket": NAME}), ("delete_bucket", {"Bucket": NAME})], None)


def test_a_bucket_of_another_region():
    elsewhere = lb.BucketState(NAME, "us-east-1", dict(OURS))
    with pytest.raises(lb.OtherRegion) as raised:
        lb.plan_present(elsewhere, wanted())
    assert raised.value.region == "us-east-1"
    steps, kept = lb.plan_absent(elsewhere, wanted())
    assert steps == [] and kept == "the bucket %s is in region us-east-1; a teardown of that region removes it" % NAME
    message = lb.other_region_problem("session_manager_s3_bucket", NAME, "us-east-1", REGION, "session_manager_kms_key")
    assert message.startswith('session_manager_s3_bucket: the bucket "%s" is in region us-east-1, not in this target\'s region eu-west-1' % NAME)
    assert "session_manager_kms_key is this region's key" in message and "%s-%s" % (NAME, REGION) in message


def test_every_request_is_valid_for_botocore():
    drifted = converged(tags=dict(OURS))
    drifted.ownership = None
    drifted.policy = None
    steps = lb.plan_present(lb.BucketState(NAME), wanted()) + lb.plan_present(drifted, wanted(kms_key_arn="")) + lb.plan_absent(converged(), wanted())[0]
    steps.append(lb.tagging_step(NAME, {}))
    assert set(operations(steps)) - {"empty_bucket"} == set(lb.STEP_DESCRIPTIONS)
    for operation, request in steps:
        if operation != "empty_bucket":
            assert_valid("s3", pascal(operation), request)
    (statement,) = json.loads(steps[4][1]["Policy"])["Statement"]
    assert statement["Resource"] == ["arn:aws:s3:::%s" % NAME, "arn:aws:s3:::%s/*" % NAME]


def test_a_retried_create_reads_the_bucket_back_and_finishes_it(s3):
    client, stubber = s3
    steps = lb.plan_present(lb.BucketState(NAME), wanted())
    stubber.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", "yours already", expected_params=steps[0][1])
    stubber.add_response("get_bucket_location", {"LocationConstraint": REGION}, {"Bucket": NAME})
    stubber.add_client_error("get_bucket_tagging", "NoSuchTagSet", "no tags")
    stubber.add_client_error("get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", "none")
    stubber.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", "none")
    stubber.add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}, {"Bucket": NAME})
    stubber.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none")
    for operation, request in steps[1:]:
        stubber.add_response(operation, {}, request)
    sent = lb.apply_steps(client, steps, wanted())
    assert operations(sent) == operations(steps)


def test_a_bucket_someone_else_tagged_in_between_is_not_taken(s3):
    client, stubber = s3
    stubber.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", "yours already")
    stubber.add_response("get_bucket_location", {"LocationConstraint": REGION}, {"Bucket": NAME})
    stubber.add_response("get_bucket_tagging", {"TagSet": [{"Key": "Owner", "Value": "someone"}]}, {"Bucket": NAME})
    with pytest.raises(AnsibleAWSError, match="created meanwhile, not by awsops.ssm"):
        lb.apply_steps(client, lb.plan_present(lb.BucketState(NAME), wanted()), wanted())


def test_emptying_deletes_every_version_and_marker_in_batches(s3, monkeypatch):
    client, stubber = s3
    monkeypatch.setattr(lb, "DELETE_BATCH", 2)
    versions = [{"Key": "sessions/%d.log" % index, "VersionId": "v%d" % index} for index in range(3)]
    stubber.add_response("list_object_versions", {"Versions": versions, "DeleteMarkers": [{"Key": "sessions/old.log", "VersionId": "m1"}]}, {"Bucket": NAME})
    objects = versions + [{"Key": "sessions/old.log", "VersionId": "m1"}]
    stubber.add_response("delete_objects", {}, {"Bucket": NAME, "Delete": {"Objects": objects[:2], "Quiet": True}})
    stubber.add_response("delete_objects", {}, {"Bucket": NAME, "Delete": {"Objects": objects[2:], "Quiet": True}})
    stubber.add_response("delete_bucket", {}, {"Bucket": NAME})
    assert operations(lb.apply_steps(client, [("empty_bucket", {"Bucket": NAME}), ("delete_bucket", {"Bucket": NAME})], wanted())) == [
        "empty_bucket", "delete_bucket"]


def test_an_object_s3_does_not_delete_stops_the_removal(s3):
    client, stubber = s3
    stubber.add_response("list_object_versions", {"Versions": [{"Key": "locked.log", "VersionId": "v1"}]}, {"Bucket": NAME})
    stubber.add_response("delete_objects", {"Errors": [{"Key": "locked.log", "Code": "AccessDenied", "Message": "object lock"}]})
    with pytest.raises(AnsibleAWSError, match="did not delete locked.log"):
        lb.apply_steps(client, [("empty_bucket", {"Bucket": NAME}), ("delete_bucket", {"Bucket": NAME})], wanted())
