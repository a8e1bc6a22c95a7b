# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""site through a network that misbehaves: throttling and 5xx, lost replies, a persistent server error.

Every request of the run goes through tests/awsops_harness/fault_proxy.py,
an HTTP proxy in front of the moto server, so the modules' real botocore
stack and retry layer meet the faults as they would meet AWS's. After each
run nothing is left over: the account holds exactly what one clean converge
makes (one session key, no second key pending deletion, the schedules, the
document, the function, the session log group and bucket...), and a rerun
without faults changes nothing.
"""

import statistics
import time

import boto3
import pytest

from awsops_harness.aws_resources import snapshot
from awsops_harness.fault_proxy import FaultProxy
from awsops_harness.fault_proxy import Faults
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

REGION = "eu-west-1"
# Small bounds keep the failing runs short; the default bound (30 s) is the unit tests' (test_aws_retries.py).
FAST_RETRIES = {"AWSOPS_SSM_RETRY_SECONDS": "4"}
SESSION_LOG_GROUP = "/aws/ssm/sessions"
BUCKET = "example-session-logs-eu-west-1"  # outside us-east-1 a CreateBucket sent again answers BucketAlreadyOwnedByYou

MADE = {
    "scheduler": {
        "roles": ["SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole", "SSMSessionInstanceRole"],
        "schedules": ["instance-scheduler/office-hours-start", "instance-scheduler/office-hours-stop"],
        "schedule_groups": ["default", "instance-scheduler"],
        "rules": [],
        "functions": [],
        "log_groups": [],
    },
    "lambda": {
        "roles": ["SSMSchedulerAutomationRole", "SSMSchedulerLambdaRole", "SSMSessionInstanceRole"],
        "schedules": [],
        "schedule_groups": ["default"],
        "rules": ["instance-scheduler-office-hours-start", "instance-scheduler-office-hours-stop"],
        "functions": ["instance-scheduler"],
        "log_groups": ["/aws/lambda/instance-scheduler"],
    },
}


@pytest.fixture
def proxy(moto):
    made = FaultProxy(moto.url).start()
    yield made
    made.stop()


def assert_exactly_one_converge(aws, instances, backend, session_log_group=True, bucket=None):
    """What one clean site makes, and nothing else: no second key, schedule, document, function, log group or bucket."""
    state = snapshot(aws, [REGION])
    made, regional = MADE[backend], state[REGION]
    buckets = [made_bucket["Name"] for made_bucket in aws("s3", REGION).list_buckets()["Buckets"]]
    assert buckets == ([bucket] if bucket else []), buckets
    if bucket:
        tags = aws("s3", REGION).get_bucket_tagging(Bucket=bucket)["TagSet"]
        assert {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"} in tags, tags
    assert state["iam"]["roles"] == made["roles"] and state["iam"]["instance_profiles"] == ["SSMSessionInstanceRole"], state["iam"]
    assert state["iam"]["policies"] == []
    assert regional["schedules"] == made["schedules"] and regional["schedule_groups"] == made["schedule_groups"], regional
    assert regional["rules"] == made["rules"] and regional["functions"] == made["functions"], regional
    assert regional["log_groups"] == sorted(made["log_groups"] + ([SESSION_LOG_GROUP] if session_log_group else [])), regional
    (key,) = regional["kms_keys"]
    assert regional["kms_keys_pending_deletion"] == [] and regional["kms_aliases"] == {"alias/ssm-sessions": key}, regional
    assert regional["session_documents"] == ["SSM-SessionManagerRunShell"], regional
    profiles = regional["instance_profiles_on_instances"]
    assert {name: profiles[instance_id] for name, instance_id in instances.items()} == {"web-1": "SSMSessionInstanceRole", "db-1": ""}


def assert_rerun_changes_nothing(ansible, proxy, hosts):
    proxy.reset()
    again = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert again.returncode == 0, again.summary()
    assert again.changed_tasks == [] and again.writes == [], again.summary()


def test_a_fifth_of_requests_throttled_or_failing_converges_on_the_first_run(ansible, aws, proxy):
    instances = make_instances(aws, REGION, [("web-1", "test"), ("db-1", "prod")])
    proxy.reset(Faults(throttle_share=0.1, server_error_share=0.1, seed=13))
    hosts = inventory(office=target(proxy, REGION, session_manager_s3_bucket=BUCKET))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    assert recap(site.output)["office"]["failed"] == 0
    throttled, failed = proxy.injected_kinds("throttle"), proxy.injected_kinds("server_error")
    sent = len(site.calls) + len(failed) + len(throttled)  # moto records what reached it; the proxy answered the others
    assert throttled and failed and len(throttled + failed) >= 0.1 * sent, proxy.injected
    assert any(call.startswith("kms:") for call in throttled + failed) and any(call.startswith("iam:") for call in throttled + failed)
    assert_exactly_one_converge(aws, instances, "scheduler", bucket=BUCKET)
    assert_rerun_changes_nothing(ansible, proxy, hosts)


# Writes whose lost reply makes the retry answer "already exists" (or the like): each must be absorbed.
SESSION_WRITES = ["kms:CreateKey", "kms:CreateAlias", "logs:CreateLogGroup", "s3:CreateBucket", "iam:CreateRole", "ssm:CreateDocument",
                  "ec2:AssociateIamInstanceProfile"]
LOST_AND_ABSORBED = {
    "scheduler": SESSION_WRITES + ["scheduler:CreateScheduleGroup", "scheduler:CreateSchedule"],
    "lambda": SESSION_WRITES + ["lambda:CreateFunction", "lambda:AddPermission", "events:PutRule"],
}
# CreateLogGroup of the session log group, and of the lambda backend's function
LOG_GROUPS_CREATED = {"scheduler": 1, "lambda": 2}


@pytest.mark.parametrize("backend", ["scheduler", "lambda"])
def test_every_first_write_reply_lost_converges_in_one_run(ansible, aws, proxy, backend):
    instances = make_instances(aws, REGION, [("web-1", "test"), ("db-1", "prod")])
    proxy.reset(Faults(lose_first_write_replies=True))
    hosts = inventory(office=target(proxy, REGION, instance_scheduler_backend=backend, session_manager_s3_bucket=BUCKET))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    lost = proxy.injected_kinds("lose_reply")
    assert set(LOST_AND_ABSORBED[backend]) <= set(lost), lost
    assert lost.count("logs:CreateLogGroup") == LOG_GROUPS_CREATED[backend], lost
    assert all(call.count(":") == 1 for call in lost)
    # Each lost write was carried out once and only once: CreateKey was not sent twice.
    assert [str(call) for call in site.calls].count("kms:CreateKey") == 1
    assert_exactly_one_converge(aws, instances, backend, bucket=BUCKET)
    assert_rerun_changes_nothing(ansible, proxy, hosts)


@pytest.mark.parametrize(
    "operations, failing_task, code",
    [
        ({"kms:CreateKey"}, "session_manager : Create the session KMS key", "InternalFailure"),
        ({"logs:CreateLogGroup"}, "session_manager : Create the session log group", "InternalFailure"),
        ({"scheduler:CreateSchedule"}, "instance_scheduler : Create or update the schedules", "InternalFailure"),
        # every request: the first call of the run, a read of the pre-flight (the other backend's schedules), fails
        (None, "Check every input and connect to the target", "InternalFailure"),
    ],
)
def test_a_persistent_server_error_fails_within_the_bound_with_the_error_text(ansible, aws, proxy, operations, failing_task, code):
    proxy.reset(Faults(persistent_error={"operations": operations, "status": 500}))
    hosts = inventory(office=target(proxy, REGION))
    started = time.monotonic()
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, env=FAST_RETRIES)
    elapsed = time.monotonic() - started
    assert site.returncode != 0
    (failed,) = site.failed_tasks
    assert failed.task.endswith(failing_task), site.summary()
    message = failed.result["msg"]
    assert code in message and "We encountered an internal error. Please try again." in message, message
    attempts = len(proxy.injected_kinds("persistent_error"))
    assert 1 < attempts <= 10, proxy.injected  # at most AWSOPS_SSM_RETRY_ATTEMPTS sends of the failing call
    assert elapsed < 60, elapsed
    proxy.reset()
    state = snapshot(aws, [REGION])[REGION]
    # Zero orphans: no key was made by the failing CreateKey, and nothing another attempt made is left unreachable.
    assert state["kms_keys_pending_deletion"] == []
    assert len(state["kms_keys"]) == len(state["kms_aliases"]), state
    assert state["schedules"] == [], state


def test_the_latency_added_is_the_latency_asked_for(moto):
    """make bench --latency: a request through the proxy costs the delay it is given and no more (no stall of the reply)."""
    def median_round_trip(url):
        sts = boto3.client("sts", region_name=REGION, endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing")
        sts.get_caller_identity()
        times = []
        for _call in range(15):
            began = time.perf_counter()
            sts.get_caller_identity()
            times.append(time.perf_counter() - began)
        return statistics.median(times)

    delayed = FaultProxy(moto.url, Faults(latency_ms=50)).start()
    try:
        added = median_round_trip(delayed.url) - median_round_trip(moto.url)
    finally:
        delayed.stop()
    # 50 ms asked; a reply held back by Nagle's algorithm and a delayed ACK would add about 40 ms more.
    assert 0.045 <= added < 0.080, added
