# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Nothing taken that it did not make; teardown keeps the audit trail. Through the playbooks, both components on.

- After site with a bucket and a key, a default teardown leaves the session
  log group, the bucket and the key, usable (the key Enabled, not pending
  deletion), and says so; a teardown with session_manager_purge_session_logs
  removes what the collection created.
- A log group and a bucket made beforehand (boto3, with their own settings)
  are used as they are by site, which says so and sends them no write, and
  are left by teardown, purge or not; with the adoption variables site
  manages their settings, and teardown still leaves them.
"""

import json

from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

REGION = "eu-west-1"
BUCKET = "example-session-logs-eu-west-1"
LOG_GROUP = "/aws/ssm/sessions"
KEPT = "awsops.ssm.session_manager : Report what was kept"
KEPT_BY_SITE = "awsops.ssm.session_manager : Report what was kept as it is"


def log_group(aws):
    groups = [group for group in aws("logs", REGION).describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"] if group["logGroupName"] == LOG_GROUP]
    return groups[0] if groups else None


def buckets(aws):
    return [bucket["Name"] for bucket in aws("s3", REGION).list_buckets()["Buckets"]]


def bucket_tags(aws):
    return dict((tag["Key"], tag["Value"]) for tag in aws("s3", REGION).get_bucket_tagging(Bucket=BUCKET)["TagSet"])


def bucket_encryption(aws):
    return aws("s3", REGION).get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]


def session_key(aws):
    kms = aws("kms", REGION)
    return kms.describe_key(KeyId="alias/ssm-sessions")["KeyMetadata"]


def writes_to(run, *services):
    return [str(call) for call in run.writes if call.service in services]


def test_teardown_keeps_the_audit_trail_and_purge_removes_what_site_made(ansible, moto, aws):
    hosts = inventory(target=target(moto, REGION, session_manager_s3_bucket=BUCKET))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    key = session_key(aws)
    assert log_group(aws)["kmsKeyId"] == key["Arn"] and bucket_encryption(aws) == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}

    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts)
    assert teardown.returncode == 0, teardown.summary()
    assert teardown.task(KEPT).result["msg"] == [
        "Kept, as the audit trail: the session log group /aws/ssm/sessions, the session log bucket %s with its objects, the KMS key "
        "alias/ssm-sessions (enabled) (session_manager_purge_session_logs: true removes those awsops.ssm created)" % BUCKET]
    assert writes_to(teardown, "logs", "s3", "kms") == [], teardown.summary()
    # Usable: the key enabled and able to decrypt what it encrypted, the group with its retention and key, the bucket with its settings.
    key = session_key(aws)
    assert key["KeyState"] == "Enabled" and key["Enabled"] and "DeletionDate" not in key
    kms = aws("kms", REGION)
    assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key["Arn"], Plaintext=b"session log")["CiphertextBlob"])["Plaintext"] == b"session log"
    group = log_group(aws)
    assert group["retentionInDays"] == 365 and group["kmsKeyId"] == key["Arn"]
    assert BUCKET in buckets(aws) and bucket_encryption(aws)["KMSMasterKeyID"] == key["Arn"]
    # Everything else is gone.
    assert aws("iam").list_instance_profiles()["InstanceProfiles"] == []
    assert aws("scheduler", REGION).list_schedules()["Schedules"] == []

    # A site after the teardown finds the trail and uses it again.
    again = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert again.returncode == 0, again.summary()
    assert writes_to(again, "logs", "s3", "kms") == [] and session_key(aws)["Arn"] == key["Arn"], again.summary()

    purge = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars={"session_manager_purge_session_logs": True})
    assert purge.returncode == 0, purge.summary()
    assert log_group(aws) is None and BUCKET not in buckets(aws), purge.summary()
    assert kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyState"] == "PendingDeletion", purge.summary()
    assert purge.task(KEPT).status == "skipped"


def made_beforehand(aws):
    """A log group and a bucket the security team made, with their own settings."""
    logs = aws("logs", REGION)
    logs.create_log_group(logGroupName=LOG_GROUP, tags={"Owner": "security"})
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=3653)
    s3 = aws("s3", REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "Owner", "Value": "security"}]})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_object(Bucket=BUCKET, Key="sessions/old.log", Body=b"an old session")


def assert_untouched(aws):
    group = log_group(aws)
    assert group["retentionInDays"] == 3653 and "kmsKeyId" not in group
    assert aws("logs", REGION).list_tags_for_resource(resourceArn=group["arn"].rstrip(":*"))["tags"] == {"Owner": "security"}
    assert bucket_tags(aws) == {"Owner": "security"} and bucket_encryption(aws) == {"SSEAlgorithm": "AES256"}
    assert [item["Key"] for item in aws("s3", REGION).list_objects_v2(Bucket=BUCKET)["Contents"]] == ["sessions/old.log"]


def test_what_it_did_not_make_is_used_as_it_is_and_left_by_teardown(ansible, moto, aws):
    made_beforehand(aws)
    hosts = inventory(target=target(moto, REGION, session_manager_s3_bucket=BUCKET))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    assert writes_to(site, "logs", "s3") == [], site.summary()
    assert_untouched(aws)
    assert site.task(KEPT_BY_SITE).result["msg"] == [
        "Session log group /aws/ssm/sessions: not created by awsops.ssm, used as it is, its settings not changed "
        "(session_manager_adopt_log_group: true manages its retention, key and tags)",
        "Session log bucket %s: not created by awsops.ssm, used as it is, its settings not changed "
        "(session_manager_adopt_s3_bucket: true manages its encryption, public access block, ownership, policy and tags)" % BUCKET,
    ]
    # Sessions still log there: the preferences name them.
    document = aws("ssm", REGION).get_document(Name="SSM-SessionManagerRunShell")["Content"]
    assert LOG_GROUP in document and BUCKET in document

    for extra_vars in ({}, {"session_manager_purge_session_logs": True}):
        teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=extra_vars)
        assert teardown.returncode == 0, teardown.summary()
        assert writes_to(teardown, "logs", "s3") == [], teardown.summary()
        assert_untouched(aws)
    assert teardown.task(KEPT).result["msg"] == [
        "Kept the session log bucket %s: the bucket %s was not created by awsops.ssm (it has no tag awsops:ssm:managed-by=awsops.ssm); "
        "it is not deleted, nor its objects" % (BUCKET, BUCKET),
        "Kept the session log group /aws/ssm/sessions: the log group /aws/ssm/sessions was not created by awsops.ssm "
        "(it has no tag awsops:ssm:managed-by=awsops.ssm); it is not deleted",
    ], teardown.task(KEPT).result


def test_adopted_they_are_managed_and_still_never_deleted(ansible, moto, aws):
    # Without a key: moto has no AssociateKmsKey, which an adopted group without a key would need (tested in tests/unit).
    made_beforehand(aws)
    hosts = inventory(target=target(moto, REGION, session_manager_s3_bucket=BUCKET, session_manager_kms_key="", session_manager_adopt_log_group=True,
                                    session_manager_adopt_s3_bucket=True))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    assert log_group(aws)["retentionInDays"] == 365
    assert json.loads(aws("s3", REGION).get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert bucket_tags(aws) == {"ManagedBy": "awsops.ssm"}  # the role's tags, never the ownership tag
    assert site.task(KEPT_BY_SITE).status == "skipped"
    again = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert writes_to(again, "logs", "s3") == [], again.summary()

    purge = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars={"session_manager_purge_session_logs": True})
    assert purge.returncode == 0, purge.summary()
    assert writes_to(purge, "logs", "s3") == [] and log_group(aws) is not None and BUCKET in buckets(aws), purge.summary()
