# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""--check on an empty target predicts every task of site exactly, for every combination of the roles' options.

One inventory, one target per combination, each in a region of its own (so
each is an empty target; IAM names differ per target where they would be
shared): session_manager alone with the bucket on or off, the key created,
an existing key's ARN or none, and the log group on or off (12 targets);
instance_scheduler alone with either backend (2); both components (1).
site --check, then site: every task of every target reports the same
changed (and the same skipped) in both, the check sent no write call, and
the converge changed something on every target. Two runs for all fifteen
keep it to about the time of four single runs.
"""

import itertools

from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ca-central-1",
]


def kms_key(aws, region, choice):
    """session_manager_kms_key for a choice: create one, an existing key's ARN (made here), none."""
    if choice == "arn":
        return aws("kms", region).create_key()["KeyMetadata"]["Arn"]
    return "create" if choice == "create" else ""


def combinations(aws, moto):
    """{host: host variables}: every combination, the existing keys made beforehand."""
    hosts = {}
    regions = iter(REGIONS)
    for bucket, key, log_group in itertools.product((True, False), ("create", "arn", "none"), (True, False)):
        region = next(regions)
        name = "sm-%s-%s-%s" % ("bucket" if bucket else "nobucket", key, "logs" if log_group else "nologs")
        hosts[name] = target(
            moto, region,
            awsops_ssm_components=["session_manager"],
            session_manager_role_name="SSM-" + name,
            session_manager_s3_bucket="session-logs-%s" % region if bucket else "",
            session_manager_kms_key=kms_key(aws, region, key),
            session_manager_log_group="/aws/ssm/sessions" if log_group else "",
        )
    for backend in ("scheduler", "lambda"):
        hosts["is-" + backend] = target(moto, next(regions), awsops_ssm_components=["instance_scheduler"], instance_scheduler_backend=backend,
                                        instance_scheduler_automation_role_name="Automation-" + backend)
    hosts["both"] = target(moto, next(regions), session_manager_s3_bucket="session-logs-both", session_manager_role_name="SSM-both")
    return hosts


def outcome(run):
    """{(host, task): (status, changed)}."""
    return dict(((task.host, task.task), (task.status, task.changed)) for task in run.tasks)


def test_check_on_empty_targets_predicts_every_task_of_every_combination(ansible, moto, aws):
    hosts = inventory(**combinations(aws, moto))
    predicted = ansible.run_playbook("awsops.ssm.site", inventory=hosts, check=True, args=["--forks", "15"])
    assert predicted.returncode == 0, predicted.summary()
    assert predicted.writes == [], [str(call) for call in predicted.writes]

    made = ansible.run_playbook("awsops.ssm.site", inventory=hosts, args=["--forks", "15"])
    assert made.returncode == 0, made.summary()

    check, real = outcome(predicted), outcome(made)
    assert sorted(check) == sorted(real)
    differ = dict((key, (check[key], real[key])) for key in check if check[key] != real[key])
    assert differ == {}, "(host, task): ((status, changed) in --check, in the run)\n%s" % "\n".join("%s: %s" % item for item in sorted(differ.items()))
    for host in hosts["all"]["hosts"]:
        assert any(changed for (name, _task), (_status, changed) in real.items() if name == host), host
    # what each combination did, for the reader of a failure: the bucket and log group tasks ran only where asked
    assert real[("sm-nobucket-none-nologs", "awsops.ssm.session_manager : Create the session log bucket")][0] == "skipped"
    assert real[("sm-bucket-arn-logs", "awsops.ssm.session_manager : Create the session KMS key")][0] == "skipped"
    assert real[("sm-bucket-create-logs", "awsops.ssm.session_manager : Create the session log bucket")] == ("ok", True)
