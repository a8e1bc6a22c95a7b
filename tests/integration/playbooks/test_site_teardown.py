# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""site on two targets (two regions of one account), again with no change, then teardown, then teardown with purge.

After teardown only the audit trail site created is left in each region
(the session log group and its key); after the purge nothing site created
is left; what was there before (made by hand) is untouched throughout:
every kind of resource is listed, not only the names this collection uses.
"""

import copy

import pytest

from awsops_harness.aws_resources import snapshot
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

REGIONS = ("us-east-1", "eu-west-1")
HOSTS = {"seoul-office-us": "us-east-1", "seoul-office-eu": "eu-west-1"}

TRUST_EC2 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'


def make_by_hand(aws):
    """What someone else made before site ran: it must survive teardown."""
    aws("iam").create_role(RoleName="SomeoneElsesRole", AssumeRolePolicyDocument=TRUST_EC2)
    instances = {}
    for region in REGIONS:
        scheduler = aws("scheduler", region)
        scheduler.create_schedule_group(Name="hand-made")
        scheduler.create_schedule(
            Name="nightly-report",
            GroupName="hand-made",
            ScheduleExpression="cron(0 2 * * ? *)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:lambda:%s:123456789012:function:report" % region, "RoleArn": "arn:aws:iam::123456789012:role/SomeoneElsesRole"},
        )
        aws("logs", region).create_log_group(logGroupName="/app/hand-made")
        instances[region] = make_instances(aws, region, [("web-1", "test"), ("web-2", "test"), ("db-1", "prod")])
    return instances


# What site makes beside the Session Manager resources, by backend.
MADE_BY_BACKEND = {
    "scheduler": {
        "roles": ["SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole"],
        "schedules": ["instance-scheduler/office-hours-start", "instance-scheduler/office-hours-stop"],
        "schedule_groups": ["instance-scheduler"],
        "rules": [],
        "functions": [],
        "log_groups": [],
    },
    "lambda": {
        "roles": ["SSMSchedulerAutomationRole", "SSMSchedulerLambdaRole"],
        "schedules": [],
        "schedule_groups": [],
        "rules": ["instance-scheduler-office-hours-start", "instance-scheduler-office-hours-stop"],
        "functions": ["instance-scheduler"],
        "log_groups": ["/aws/lambda/instance-scheduler"],
    },
}


def assert_site_made_everything(state, instances, backend):
    made = MADE_BY_BACKEND[backend]
    assert state["iam"]["roles"] == sorted(["SomeoneElsesRole", "SSMSessionInstanceRole"] + made["roles"])
    assert state["iam"]["instance_profiles"] == ["SSMSessionInstanceRole"]
    for region in REGIONS:
        regional = state[region]
        assert regional["schedules"] == sorted(["hand-made/nightly-report"] + made["schedules"]), region
        assert regional["schedule_groups"] == sorted(["default", "hand-made"] + made["schedule_groups"]), region
        assert regional["rules"] == made["rules"] and regional["functions"] == made["functions"], region
        assert regional["log_groups"] == sorted(["/app/hand-made", "/aws/ssm/sessions"] + made["log_groups"]), region
        assert len(regional["kms_keys"]) == 1 and list(regional["kms_aliases"]) == ["alias/ssm-sessions"], region
        assert regional["session_documents"] == ["SSM-SessionManagerRunShell"], region
        profiles = regional["instance_profiles_on_instances"]
        assert {name: profiles[instance_id] for name, instance_id in instances[region].items()} == {
            "web-1": "SSMSessionInstanceRole",
            "web-2": "SSMSessionInstanceRole",
            "db-1": "",
        }, region


@pytest.mark.parametrize("backend", ["scheduler", "lambda"])
def test_two_regions_converge_rerun_unchanged_and_teardown_leaves_nothing(ansible, moto, aws, backend):
    instances = make_by_hand(aws)
    before = snapshot(aws, REGIONS)
    hosts = inventory(**dict((host, target(moto, region, instance_scheduler_backend=backend)) for host, region in HOSTS.items()))

    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()
    counts = recap(site.output)
    assert sorted(counts) == sorted(HOSTS), site.output[-3000:]
    assert all(count["changed"] > 0 and count["failed"] == 0 for count in counts.values()), counts
    made = snapshot(aws, REGIONS)
    assert_site_made_everything(made, instances, backend)

    again = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert again.returncode == 0, again.summary()
    assert all(count["changed"] == 0 and count["failed"] == 0 for count in recap(again.output).values()), again.summary()
    assert again.changed_tasks == [] and again.writes == [], again.summary()
    assert snapshot(aws, REGIONS) == made

    predicted = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, check=True, diff=True)
    assert predicted.returncode == 0, predicted.summary()
    assert predicted.writes == [], predicted.summary()
    assert all(count["changed"] > 0 for count in recap(predicted.output).values()), predicted.summary()
    assert snapshot(aws, REGIONS) == made

    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts)
    assert teardown.returncode == 0, teardown.summary()
    assert all(count["changed"] > 0 and count["failed"] == 0 for count in recap(teardown.output).values()), teardown.summary()
    after = snapshot(aws, REGIONS)

    # The audit trail stays: each region's session log group and the key that encrypts it (enabled,
    # with its alias); everything else site made is gone, and what was there before is untouched.
    expected = copy.deepcopy(before)
    for region in REGIONS:
        expected[region]["log_groups"] = sorted(expected[region]["log_groups"] + ["/aws/ssm/sessions"])
        expected[region]["kms_keys"] = made[region]["kms_keys"]
        expected[region]["kms_aliases"] = made[region]["kms_aliases"]
    assert after == expected
    kept = teardown.task("awsops.ssm.session_manager : Report what was kept", host="seoul-office-us").result["msg"]
    assert kept == ["Kept, as the audit trail: the session log group /aws/ssm/sessions, the KMS key alias/ssm-sessions (enabled) "
                    "(session_manager_purge_session_logs: true removes those awsops.ssm created)"], kept

    again = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts)
    assert again.returncode == 0, again.summary()
    assert again.changed_tasks == [] and again.writes == [], again.summary()

    # With the purge variable the audit trail goes too: the log groups, and the keys (KMS deletes a key
    # only after a waiting period: scheduled for deletion, the alias gone with it).
    purged = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars={"session_manager_purge_session_logs": True})
    assert purged.returncode == 0, purged.summary()
    after = snapshot(aws, REGIONS)
    for region in REGIONS:
        (key,) = made[region]["kms_keys"]
        assert after[region]["kms_keys_pending_deletion"] == [key], region
        expected[region].update(log_groups=before[region]["log_groups"], kms_keys=[], kms_keys_pending_deletion=[key], kms_aliases=after[region]["kms_aliases"])
        assert after[region]["kms_aliases"] in ({}, {"alias/ssm-sessions": key}), region
    assert after == expected


@pytest.mark.parametrize("components", [["session_manager"], "instance_scheduler"])
def test_components_choose_what_site_provides(ansible, moto, aws, components):
    hosts = inventory(only=target(moto, "us-east-1"))
    run = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars={"awsops_ssm_components": components})
    assert run.returncode == 0, run.summary()
    state = snapshot(aws, ["us-east-1"])
    if components == ["session_manager"]:
        assert state["iam"]["roles"] == ["SSMSessionInstanceRole"]
        assert state["us-east-1"]["schedules"] == []
    else:
        assert state["iam"]["roles"] == ["SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole"]
        assert state["us-east-1"]["log_groups"] == [] and state["us-east-1"]["schedules"] == [
            "instance-scheduler/office-hours-start",
            "instance-scheduler/office-hours-stop",
        ]


@pytest.mark.parametrize(
    "playbook, extra_vars, message",
    [
        (
            "awsops.ssm.site",
            {"awsops_ssm_components": ["session_manager", "sessions"]},
            'awsops_ssm_components: ["session_manager", "sessions"] is not a list of one or more of session_manager, instance_scheduler',
        ),
        ("awsops.ssm.teardown", {"awsops_ssm_components": []}, "awsops_ssm_components: [] is not a list of one or more of session_manager, instance_scheduler"),
        (
            "awsops.ssm.report",
            {"awsops_ssm_components": {"session_manager": True}},
            'awsops_ssm_components: {"session_manager": true} is not a list of one or more of session_manager, instance_scheduler',
        ),
        ("awsops.ssm.report", {"awsops_ssm_report_count": 0}, "awsops_ssm_report_count: 0 is not a whole number from 1 to 50"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, moto, playbook, extra_vars, message):
    run = ansible.run_playbook(playbook, inventory=inventory(only=target(moto, "us-east-1")), extra_vars=extra_vars)
    assert run.returncode != 0
    (failed,) = run.failed_tasks
    assert message in failed.result["problems"], failed.result
    assert run.calls == []
