# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lists every kind of resource the collection can create, for assertions.

snapshot(client, regions) reads an account: IAM (global) and, per region,
schedule groups and schedules, EventBridge rules, Lambda functions, log
groups, KMS keys (in use, and scheduled for deletion) and aliases, Session
documents owned by the account, and which instance profile each instance
carries. ``client(service, region)`` makes a boto3 client (the ``aws``
fixture, or one holding another account's credentials). Everything is
listed, not only what carries this collection's names, so a test sees a
leftover whatever it is called.
"""

IAM = "iam"


def _all(client, operation, key, **kwargs):
    paginator = client.get_paginator(operation)
    items = []
    for page in paginator.paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def iam_resources(client):
    iam = client("iam", "us-east-1")
    return {
        "roles": sorted(role["RoleName"] for role in _all(iam, "list_roles", "Roles")),
        "instance_profiles": sorted(p["InstanceProfileName"] for p in _all(iam, "list_instance_profiles", "InstanceProfiles")),
        # Customer managed policies only: the AWS managed ones the emulator loads are not ours.
        "policies": sorted(p["PolicyName"] for p in _all(iam, "list_policies", "Policies", Scope="Local")),
    }


def _kms_keys(kms):
    in_use, pending = [], []
    for key in _all(kms, "list_keys", "Keys"):
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") == "AWS":
            continue
        (pending if metadata["KeyState"] == "PendingDeletion" else in_use).append(key["KeyId"])
    return sorted(in_use), sorted(pending)


def regional_resources(client, region):
    scheduler = client("scheduler", region)
    kms = client("kms", region)
    ec2 = client("ec2", region)
    keys, keys_pending_deletion = _kms_keys(kms)
    profiles = {}
    for reservation in _all(ec2, "describe_instances", "Reservations"):
        for instance in reservation["Instances"]:
            if instance["State"]["Name"] != "terminated":
                profiles[instance["InstanceId"]] = (instance.get("IamInstanceProfile") or {}).get("Arn", "").split("/")[-1]
    return {
        "schedule_groups": sorted(g["Name"] for g in _all(scheduler, "list_schedule_groups", "ScheduleGroups")),
        "schedules": sorted("%s/%s" % (s["GroupName"], s["Name"]) for s in _all(scheduler, "list_schedules", "Schedules")),
        "rules": sorted(r["Name"] for r in client("events", region).list_rules()["Rules"]),
        "functions": sorted(f["FunctionName"] for f in _all(client("lambda", region), "list_functions", "Functions")),
        "log_groups": sorted(g["logGroupName"] for g in _all(client("logs", region), "describe_log_groups", "logGroups")),
        "kms_keys": keys,
        "kms_keys_pending_deletion": keys_pending_deletion,
        # alias -> key: an alias stays on a key pending deletion until KMS deletes the key.
        "kms_aliases": dict(
            (a["AliasName"], a.get("TargetKeyId")) for a in _all(kms, "list_aliases", "Aliases") if not a["AliasName"].startswith("alias/aws/")
        ),
        "session_documents": sorted(
            d["Name"]
            for d in _all(
                client("ssm", region),
                "list_documents",
                "DocumentIdentifiers",
                Filters=[{"Key": "Owner", "Values": ["Self"]}, {"Key": "DocumentType", "Values": ["Session"]}],
            )
        ),
        "instance_profiles_on_instances": profiles,
    }


def snapshot(client, regions):
    """{"iam": {...}, region: {...}, ...} for one account."""
    state = {IAM: iam_resources(client)}
    for region in regions:
        state[region] = regional_resources(client, region)
    return state
