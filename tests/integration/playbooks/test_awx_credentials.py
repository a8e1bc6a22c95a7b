# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credentials as AWX's AWS credential injects them, against an endpoint that checks them.

AWX puts temporary credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SECURITY_TOKEN (not AWS_SESSION_TOKEN, which amazon.aws reads). The
endpoint refuses a temporary key sent without its token, so the run passes
only if every task, the role assumption included, carries the token; and a
target with aws_assume_role_arn works with the assumed role's credentials.

moto checks signatures of Scheduler and Lambda requests wrongly when it checks
credentials (SignatureDoesNotMatch for valid requests), so these runs provide
session_manager only (STS, IAM, KMS, CloudWatch Logs, SSM, EC2).
"""

import json
import re

import boto3

from awsops_harness.ansible_run import AnsibleRunner
from awsops_harness.aws_calls import operation_of
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TRUST_ANY_PRINCIPAL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


def signing_keys(endpoint):
    """(call, access key id) of every AWS request of the last run, from the endpoint's recording."""
    with open(endpoint.recording, encoding="utf-8") as recording:
        entries = [json.loads(line) for line in recording if line.strip()]
    found = []
    for entry in entries:
        call = operation_of(entry)
        if call is not None:
            headers = dict((key.lower(), value) for key, value in entry["headers"].items())
            found.append((call, re.search(r"Credential=([^/]+)/", headers["authorization"]).group(1)))
    return found


def client(endpoint, service, **credentials):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint.url, **credentials)


def awx_credentials(endpoint):
    """Temporary credentials of a role, as AWX would inject them; and the deployment role's ARN."""
    endpoint.check_credentials(after=10**9)
    iam = client(endpoint, "iam", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="awx")
    iam.attach_user_policy(UserName="awx", PolicyArn=ADMIN)
    key = iam.create_access_key(UserName="awx")["AccessKey"]
    for role in ("awx-credential", "awsops-ssm-deploy"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST_ANY_PRINCIPAL)
        iam.attach_role_policy(RoleName=role, PolicyArn=ADMIN)
    endpoint.check_credentials()
    sts = client(endpoint, "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    temporary = sts.assume_role(RoleArn="arn:aws:iam::%s:role/awx-credential" % ACCOUNT, RoleSessionName="awx-job")["Credentials"]
    env = {
        "AWS_ACCESS_KEY_ID": temporary["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": temporary["SecretAccessKey"],
        "AWS_SECURITY_TOKEN": temporary["SessionToken"],
        "AWS_SESSION_TOKEN": "",  # unset, as under AWX (the harness sets it; empty reads as unset)
    }
    return env, "arn:aws:iam::%s:role/awsops-ssm-deploy" % ACCOUNT


def test_awx_injected_credentials_reach_every_task_and_the_assumed_role(auth_moto, tmp_path):
    env, deploy_role = awx_credentials(auth_moto)
    runner = AnsibleRunner(auth_moto, tmp_path)
    hosts = inventory(
        direct=target(auth_moto, "us-east-1"),
        assumed=target(auth_moto, "eu-west-1", aws_assume_role_arn=deploy_role),
    )
    components = {"awsops_ssm_components": ["session_manager"]}

    # The endpoint does refuse the temporary key without its token: the test below can fail.
    without_token = dict(env, AWS_SECURITY_TOKEN="")
    refused = runner.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=components, env=without_token)
    assert refused.returncode != 0 and "InvalidClientTokenId" in refused.output, refused.summary()
    assert all(count["failed"] == 1 for count in recap(refused.output).values()), refused.summary()

    site = runner.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=components, env=env)
    assert site.returncode == 0, site.summary()
    assert all(count["changed"] > 0 for count in recap(site.output).values()), site.summary()
    # The assumed target's regional calls carry the deployment role's temporary key, not AWX's.
    regional = [(call, key) for call, key in signing_keys(auth_moto) if call.region == "eu-west-1" and str(call) != "sts:AssumeRole"]
    assert regional and all(key != env["AWS_ACCESS_KEY_ID"] and key.startswith("ASIA") for _call, key in regional), regional
    assert {key for call, key in signing_keys(auth_moto) if str(call) == "sts:AssumeRole"} == {env["AWS_ACCESS_KEY_ID"]}

    again = runner.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=components, env=env)
    assert again.returncode == 0, again.summary()
    assert all(count["changed"] == 0 for count in recap(again.output).values()), again.summary()
    assert [str(call) for call in again.writes if str(call) != "sts:AssumeRole"] == [], again.summary()

    report = runner.run_playbook("awsops.ssm.report", inventory=hosts, extra_vars=components, env=env)
    assert report.returncode == 0, report.summary()
    assert report.task("Print the report", host="assumed").result["msg"][0] == "assumed: account %s, region eu-west-1" % ACCOUNT
