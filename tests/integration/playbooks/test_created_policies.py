# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every policy document site creates (failure notifications on), read back from the endpoint: parliament finds nothing of MEDIUM or higher,
and the automation role covers exactly the instances the schedules target.

parliament reads the IAM Service Authorization Reference: a finding of MEDIUM
or higher is a grant that matches nothing on real AWS (see
tests/awsops_harness/policy_lint.py). The endpoint evaluates no policy
condition, so what the automation role may start and stop is evaluated with
tests/awsops_harness/iam_evaluator.py, for the instances as EC2 tags them.
"""

import pytest

from awsops_harness import vpcs
from awsops_harness.iam_evaluator import allowed
from awsops_harness.playbook_runs import SCHEDULE
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import target
from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.policy_lint import created_policies

ACCOUNT = "123456789012"
AUTOMATION_ROLE = "SSMSchedulerAutomationRole"
INSTANCE_ROLE = "SSMSessionInstanceRole"
INVOKER_ROLES = {"scheduler": "SSMSchedulerInvokerRole", "lambda": "SSMSchedulerLambdaRole"}
# Failure notifications on: the topic, its key and the dead-letter queues are linted too.
NOTIFY = {"create": True, "email": ["ops@example.com"]}
SESSION_LOGGING_OFF = {"session_manager_log_group": "", "session_manager_kms_key": "", "session_manager_s3_bucket": ""}


def session_logging_on(region):
    return {"session_manager_log_group": "/aws/ssm/sessions", "session_manager_kms_key": "create",
            "session_manager_s3_bucket": "awsops-session-logs-%s" % region}


def expected_documents(backend, logging, regions, notify=True):
    """The names created_policies gives the documents site makes."""
    names = ["role %s: trust policy" % role for role in (AUTOMATION_ROLE, INSTANCE_ROLE, INVOKER_ROLES[backend])]
    for region in regions:
        names += ["role %s: inline policy awsops-ssm-scheduler-%s" % (role, region) for role in (AUTOMATION_ROLE, INVOKER_ROLES[backend])]
        if logging:
            names += ["role %s: inline policy awsops-ssm-session-logging-%s" % (INSTANCE_ROLE, region),
                      "bucket policy of awsops-session-logs-%s" % region, "%s: key policy" % region]
        if backend == "lambda":
            names.append("%s: function policy of instance-scheduler" % region)
        if notify:
            # the topic, its key, and (scheduler) the reference schedule's dead-letter queue
            names += ["%s: topic policy of instance-scheduler-notifications" % region, "%s: key policy" % region]
            if backend == "scheduler":
                names.append("%s: queue policy of instance-scheduler-office-hours-dlq" % region)
    return sorted(names)


def covered_instances(aws, region, instance_ids):
    """{name: whether the automation role may both start and stop that instance}, for its tags as EC2 reports them."""
    policy = aws("iam").get_role_policy(RoleName=AUTOMATION_ROLE, PolicyName="awsops-ssm-scheduler-" + region)["PolicyDocument"]
    covered = {}
    for reservation in aws("ec2", region).describe_instances(InstanceIds=list(instance_ids.values()))["Reservations"]:
        for instance in reservation["Instances"]:
            name = [tag["Value"] for tag in instance["Tags"] if tag["Key"] == "Name"][0]
            context = dict(("aws:ResourceTag/%s" % tag["Key"], tag["Value"]) for tag in instance["Tags"])
            arn = "arn:aws:ec2:%s:%s:instance/%s" % (region, ACCOUNT, instance["InstanceId"])
            covered[name] = all(allowed([policy], action, arn, context) for action in ("ec2:StartInstances", "ec2:StopInstances"))
    return covered


@pytest.mark.parametrize(
    "backend, logging, regions",
    [("scheduler", True, ("us-east-1", "eu-west-1")), ("lambda", True, ("us-east-1",)), ("lambda", False, ("us-east-1",))],
    ids=["scheduler-logging-kms-s3-two-regions", "lambda-logging-kms-s3", "lambda-no-logging"],
)
def test_site_creates_no_policy_with_findings_and_starts_only_scheduled_instances(ansible, moto, aws, backend, logging, regions):
    instances = dict((region, make_instances(aws, region, [("web-1", "test"), ("db-1", "prod")])) for region in regions)
    hosts = dict(
        ("target-%s" % region, target(moto, region, instance_scheduler_backend=backend, instance_scheduler_notify=NOTIFY,
                                      **(session_logging_on(region) if logging else SESSION_LOGGING_OFF)))
        for region in regions
    )
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(**hosts))
    assert run.returncode == 0, run.summary()

    documents = created_policies(aws, regions)
    # Key policies are named after the key id: compare without it.
    names = sorted(name.split(" of ")[0] if ": key policy of " in name else name for name in documents)
    assert names == expected_documents(backend, logging, regions)
    assert_no_findings(documents)

    for region in regions:
        # The reference schedule targets Service=test: db-1 (Service=prod) carries the key but is not covered.
        assert covered_instances(aws, region, instances[region]) == {"web-1": True, "db-1": False}, region


def test_the_automation_role_follows_the_schedules(ansible, moto, aws):
    """A schedule added, a rerun, a schedule removed: the condition lists the values of the present schedules only."""
    instances = make_instances(aws, "us-east-1", [("web-1", "test"), ("web-2", "dev"), ("db-1", "prod")])
    dev = {"name": "dev-hours", "start": "08:00", "stop": "20:00", "tag_key": "Service", "tag_value": "dev"}

    def site(*schedules):
        host = target(moto, "us-east-1", instance_scheduler_schedules=list(schedules), **SESSION_LOGGING_OFF)
        run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(only=host), extra_vars={"awsops_ssm_components": ["instance_scheduler"]})
        assert run.returncode == 0, run.summary()
        return run

    site(dict(SCHEDULE), dev)
    assert covered_instances(aws, "us-east-1", instances) == {"web-1": True, "web-2": True, "db-1": False}
    again = site(dict(SCHEDULE), dev)
    assert again.writes == [], again.summary()

    run = site(dict(SCHEDULE), dict(dev, state="absent"))
    assert "iam:PutRolePolicy" in [str(call) for call in run.writes], run.summary()
    assert covered_instances(aws, "us-east-1", instances) == {"web-1": True, "web-2": False, "db-1": False}
    assert_no_findings(created_policies(aws, ["us-east-1"]))


def test_default_host_management_and_endpoints_create_no_policy_with_findings(ansible, moto, aws):
    """Default Host Management's role (trust, session logging) and the VPC endpoints' run: every document parliament-clean.

    The endpoints are created without a policy of their own (AWS's default, full access through the endpoint: the
    instances' own roles decide what they may do), so they add no document; the test server emulates the SSM service
    setting (tests/awsops_harness/moto_launcher.py).
    """
    region = "eu-west-1"
    vpc_id, subnet_ids = vpcs.make_vpc(aws("ec2", region), region, "10.0.0.0/16", ["a"])
    host = target(moto, region, session_manager_access="default_host_management", session_manager_vpc_endpoints=[{"vpc_id": vpc_id, "subnet_ids": subnet_ids}],
                  **session_logging_on(region))
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(dhmc=host), extra_vars={"awsops_ssm_components": ["session_manager"]})
    assert run.returncode == 0, run.summary()

    documents = created_policies(aws, [region])
    names = sorted(name.split(" of ")[0] if ": key policy of " in name else name for name in documents)
    role = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
    assert names == sorted(["role %s: trust policy" % role, "role %s: inline policy awsops-ssm-session-logging-%s" % (role, region),
                            "bucket policy of awsops-session-logs-%s" % region, "%s: key policy" % region]), names
    assert_no_findings(documents)


@pytest.mark.parametrize("backend", ["scheduler", "lambda"])
def test_closed_days_add_the_runbook_and_exactly_the_calendars_and_stay_lint_clean(ansible, moto, aws, backend):
    """Closed days make site use the collection's runbook: the invoker and automation role may start it by its ARN, the automation
    role may read the pause tags and exactly the schedules' Change Calendars; parliament finds nothing."""
    host = target(moto, "us-east-1", instance_scheduler_backend=backend, instance_scheduler_closed_days=["2026-12-24..2026-12-31"],
                  instance_scheduler_schedules=[dict(SCHEDULE), dict(SCHEDULE, name="berlin", timezone="Europe/Berlin")], **SESSION_LOGGING_OFF)
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(only=host), extra_vars={"awsops_ssm_components": ["instance_scheduler"]})
    assert run.returncode == 0, run.summary()
    documents = created_policies(aws, ["us-east-1"])
    assert_no_findings(documents)
    policy = "awsops-ssm-scheduler-us-east-1"
    automation = aws("iam").get_role_policy(RoleName=AUTOMATION_ROLE, PolicyName=policy)["PolicyDocument"]
    invoker = aws("iam").get_role_policy(RoleName=INVOKER_ROLES[backend], PolicyName=policy)["PolicyDocument"]
    by_sid = dict((statement["Sid"], statement) for statement in automation["Statement"])
    calendars = ["arn:aws:ssm:us-east-1:%s:document/instance-scheduler%s" % (ACCOUNT, suffix) for suffix in ("", "-berlin")]
    assert by_sid["ReadChangeCalendars"]["Resource"] == calendars
    assert by_sid["ReadPauseTags"]["Resource"] == "*"
    runbook = "arn:aws:ssm:us-east-1:%s:automation-definition/instance-scheduler-StartStopInstance:*" % ACCOUNT
    assert runbook in by_sid["StartChildAutomations"]["Resource"]
    assert runbook in invoker["Statement"][0]["Resource"]
