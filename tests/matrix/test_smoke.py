# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The smoke run of every matrix entry (make smoke MATRIX=<name>): the playbooks as a user runs them.

One inventory of two targets with both components, one per schedule backend
(scheduler in us-east-1, lambda in eu-west-1, one account), against the
moto server: site, site again (changed=0, no write call), site --check
(changed=0, no write call), report, teardown. The runs happen once, in
order, in a module fixture; each test checks one of them. The full
integration suite runs on the first matrix entry only.
"""

import pytest

from awsops_harness.ansible_run import AnsibleRunner
from awsops_harness.aws_resources import snapshot
from awsops_harness.fixtures import clients
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

HOSTS = {"office-us": ("us-east-1", "scheduler"), "office-eu": ("eu-west-1", "lambda")}
REGIONS = sorted(region for region, _backend in HOSTS.values())


@pytest.fixture(scope="module")
def smoke(moto_server, tmp_path_factory):
    """{step: PlaybookRun} and the resources after site and after teardown."""
    moto_server.reset()
    ansible = AnsibleRunner(moto_server, tmp_path_factory.mktemp("smoke"))

    aws = clients(moto_server)
    instances = dict((region, make_instances(aws, region, [("web-1", "test"), ("db-1", "prod")])) for region in REGIONS)
    hosts = inventory(**dict((host, target(moto_server, region, instance_scheduler_backend=backend)) for host, (region, backend) in HOSTS.items()))
    runs = {"site": ansible.run_playbook("awsops.ssm.site", inventory=hosts)}
    made = snapshot(aws, REGIONS)
    runs["rerun"] = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    runs["check"] = ansible.run_playbook("awsops.ssm.site", inventory=hosts, check=True, diff=True)
    runs["report"] = ansible.run_playbook("awsops.ssm.report", inventory=hosts)
    runs["teardown"] = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts)
    return {"runs": runs, "made": made, "after": snapshot(aws, REGIONS), "instances": instances}


def assert_ran(run, changed):
    assert run.returncode == 0, run.summary()
    counts = recap(run.output)
    assert sorted(counts) == sorted(HOSTS), run.output[-3000:]
    for count in counts.values():
        assert count["failed"] == 0 and count["unreachable"] == 0, run.summary()
        assert (count["changed"] > 0) if changed else (count["changed"] == 0), run.summary()


def test_site_provides_both_components_on_both_backends(smoke):
    assert_ran(smoke["runs"]["site"], changed=True)
    made = smoke["made"]
    assert {"SSMSessionInstanceRole", "SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole", "SSMSchedulerLambdaRole"} <= set(made["iam"]["roles"])
    assert made["us-east-1"]["schedules"] == ["instance-scheduler/office-hours-start", "instance-scheduler/office-hours-stop"]
    assert made["eu-west-1"]["rules"] == ["instance-scheduler-office-hours-start", "instance-scheduler-office-hours-stop"]
    assert made["eu-west-1"]["functions"] == ["instance-scheduler"]
    for region in REGIONS:
        assert made[region]["session_documents"] == ["SSM-SessionManagerRunShell"], region
        profiles = made[region]["instance_profiles_on_instances"]
        web, db = smoke["instances"][region]["web-1"], smoke["instances"][region]["db-1"]
        assert (profiles[web], profiles[db]) == ("SSMSessionInstanceRole", ""), region


def test_a_rerun_changes_nothing_and_writes_nothing(smoke):
    rerun = smoke["runs"]["rerun"]
    assert_ran(rerun, changed=False)
    assert rerun.writes == [], rerun.summary()


def test_check_mode_after_converge_predicts_no_change_and_writes_nothing(smoke):
    check = smoke["runs"]["check"]
    assert_ran(check, changed=False)
    assert check.writes == [], check.summary()


def test_report_shows_each_targets_schedules_and_instances(smoke):
    report = smoke["runs"]["report"]
    assert_ran(report, changed=False)
    assert report.writes == [], report.summary()
    for host, (region, backend) in HOSTS.items():
        lines = report.task("Print the report", host=host).result["msg"]
        assert lines[0] == "%s: account 123456789012, region %s" % (host, region)
        assert any(line.startswith("Office hours (%s backend" % backend) for line in lines), lines
        assert any("office-hours: instances tagged Service=test" in line for line in lines), lines
        assert any(line.startswith("Session Manager (instance profile SSMSessionInstanceRole): 1 instance") for line in lines), lines


def test_teardown_removes_what_site_made(smoke):
    assert_ran(smoke["runs"]["teardown"], changed=True)
    after = smoke["after"]
    assert not {"SSMSessionInstanceRole", "SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole", "SSMSchedulerLambdaRole"} & set(after["iam"]["roles"])
    assert after["us-east-1"]["schedules"] == [] and after["eu-west-1"]["rules"] == [] and after["eu-west-1"]["functions"] == []
    for region in REGIONS:
        assert set(after[region]["instance_profiles_on_instances"].values()) == {""}, region
