# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""make demo, and the example inventories, against local endpoints."""

import os
import subprocess

import boto3
import yaml

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.aws_resources import snapshot
from awsops_harness.playbook_runs import recap

EXAMPLES = os.path.join(REPO_ROOT, "examples")


def test_make_demo_runs_site_twice_and_ends_with_the_report():
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("AWS_", "ANSIBLE_")) or name == "MAKEFLAGS":
            env.pop(name)
    completed = subprocess.run(["make", "--no-print-directory", "demo"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=600)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]

    assert "second run: changed=0 on 1 target(s), 0 write calls" in output, output[-6000:]
    report = output[output.rindex("==> Reporting"):]
    assert "$ ansible-playbook awsops.ssm.report" in report
    for line in (
        '"seoul: account 123456789012, region ap-northeast-2"',
        '"Office hours (lambda backend, function instance-scheduler): 1 schedule"',
        '"  office-hours: instances tagged Service=test, time zone Asia/Seoul"',
        '"    MON  .........#########......"',
        '"    a week       running 45 of 168 hours: 73% saved against always on"',
        '"Session Manager (instance profile SSMSessionInstanceRole): 3 instances attached"',
    ):
        assert line in report, report
    # The report's recap, then the path of the HTML report it wrote: the last thing printed.
    lines = output.rstrip().splitlines()
    html = os.path.join(REPO_ROOT, "build", "demo", "report.html")
    assert lines[-1] == "==> HTML report (self-contained, open it in a browser): %s" % html, output[-3000:]
    recap_line = [line for line in lines[:-1] if line.strip()][-1]
    # reads only: the one change is the HTML file written on the controller
    assert recap_line.startswith("seoul ") and "changed=1" in recap_line and "failed=0" in recap_line, output[-3000:]
    with open(html, encoding="utf-8") as page:
        assert 'id="target-seoul"' in page.read()


def account_client(moto, account_id):
    """A client factory holding credentials of account_id (moto maps an assumed role's keys to its account)."""
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto.url, aws_access_key_id="testing", aws_secret_access_key="testing")
    credentials = sts.assume_role(RoleArn="arn:aws:iam::%s:role/awsops-ssm-deploy" % account_id, RoleSessionName="test")["Credentials"]

    def client(service, region):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=moto.url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    return client


def test_multi_account_example_assumes_each_accounts_role(ansible, moto, aws, tmp_path):
    """Four targets, two accounts: the play assumes each account's role and works inside that account."""
    with open(os.path.join(EXAMPLES, "multi-account", "inventory.yml"), encoding="utf-8") as example:
        content = yaml.safe_load(example)
    content["all"]["vars"]["aws_endpoint_url"] = moto.url
    path = tmp_path / "multi-account.yml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    hosts = ["dev-eu-west-1", "dev-us-east-1", "prod-eu-west-1", "prod-us-east-1"]

    site = ansible.run_playbook("awsops.ssm.site", inventory=str(path))
    assert site.returncode == 0, site.summary()
    assert sorted(recap(site.output)) == hosts

    again = ansible.run_playbook("awsops.ssm.site", inventory=str(path))
    assert again.returncode == 0, again.summary()
    assert all(count["changed"] == 0 for count in recap(again.output).values()), again.summary()
    # Assuming the role is the one call a run that changes nothing still makes besides reads.
    assert [str(call) for call in again.writes if str(call) != "sts:AssumeRole"] == [], again.summary()

    expected = {"111111111111": "office-hours", "222222222222": "nightly-batch"}
    for account_id, schedule in expected.items():
        state = snapshot(account_client(moto, account_id), ["eu-west-1", "us-east-1"])
        assert state["iam"]["roles"] == ["SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole", "SSMSessionInstanceRole"], account_id
        for region in ("eu-west-1", "us-east-1"):
            assert state[region]["schedules"] == ["instance-scheduler/%s-start" % schedule, "instance-scheduler/%s-stop" % schedule], (account_id, region)
            assert state[region]["log_groups"] == ["/aws/ssm/sessions"], (account_id, region)
    # Nothing landed in the account whose credentials started the play.
    assert snapshot(aws, ["eu-west-1"])["iam"]["roles"] == []


def test_awx_project_wrappers_import_the_collection_playbooks(ansible, moto):
    """examples/awx/*.yml, the files an AWX project lists, run the collection's playbooks (here site in check mode)."""
    hosts = {"all": {"hosts": {"seoul": {"aws_region": "ap-northeast-2", "aws_endpoint_url": moto.url}}}}
    run = ansible.run_playbook(os.path.join(EXAMPLES, "awx", "site.yml"), inventory=hosts, check=True, diff=True)
    assert run.returncode == 0, run.summary()
    assert run.writes == [] and recap(run.output)["seoul"]["changed"] > 0, run.summary()
    assert "PLAY [Provide Session Manager access and office-hours start/stop]" in run.output
