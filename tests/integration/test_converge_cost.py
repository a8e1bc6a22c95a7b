# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What `site` costs per run, counted, not timed (GitHub issue 6; `make bench` times it).

One target with the roles' defaults (KMS key, session log group, preferences,
instance role and profile attached to two tagged instances) and three
schedules, for each backend:

- a no-op rerun sends no write call and at most 1.2 AWS calls per resource it
  manages, besides at most two guard reads of the pre-flight (the other
  backend's schedules, which site must refuse before its first write;
  resources counted on the account after the converge, as
  tools/bench/costs.py defines them: roles, inline role policies, instance
  profile, KMS key and alias, log groups, Session document, schedule group and
  schedules or rules, function and permissions, instance profile associations);
- `--check` on an empty target predicts, task by task, exactly the changes
  the real converge then makes (a loop: the number of changed items), and
  sends no write call.

A failing assertion names, per task, the AWS operations each run sent (the
bench callback marks each task in the endpoint's recording).
"""

import json
import os
import sys

import pytest

from awsops_harness.ansible_run import HARNESS_DIR
from awsops_harness.ansible_run import REPO_ROOT

BENCH_DIR = os.path.join(REPO_ROOT, "tools", "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)

# pylint: disable=wrong-import-position
from costs import count_resources  # noqa: E402
from costs import prediction_mismatch  # noqa: E402
from costs import read_recording  # noqa: E402
from costs import summarize  # noqa: E402

REGION = "us-east-1"
CALLS_PER_RESOURCE = 1.2
PREFLIGHT = "Check every input and connect to the target"
GUARD_READS = 2
SCHEDULES = [
    {"name": "seoul-office", "start": "08:00", "stop": "19:00", "timezone": "Asia/Seoul"},
    {"name": "ny-office", "start": "07:30", "stop": "18:30", "timezone": "America/New_York"},
    {"name": "ny-batch", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE", "WED", "THU"], "timezone": "America/New_York"},
]
BACKENDS = ["scheduler", "lambda"]
TARGET_TAGS = {"Service": "bench"}


def site_inventory(moto, backend):
    return {
        "all": {
            "hosts": {
                "target": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": sys.executable,
                    "aws_region": REGION,
                    "aws_endpoint_url": moto.url,
                    "session_manager_target_tags": TARGET_TAGS,
                    "instance_scheduler_backend": backend,
                    "instance_scheduler_schedules": SCHEDULES,
                }
            }
        }
    }


def tagged_instances(aws, count=2):
    ec2 = aws("ec2", REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    tags = [{"Key": key, "Value": value} for key, value in TARGET_TAGS.items()]
    ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=count, MaxCount=count, TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])


def run_site(ansible, moto, backend, check=False):
    """(PlaybookRun, its cost summary with the calls of each task)."""
    env = {
        "ANSIBLE_CALLBACK_PLUGINS": os.pathsep.join((os.path.join(HARNESS_DIR, "callback_plugins"), os.path.join(BENCH_DIR, "callback_plugins"))),
        "ANSIBLE_CALLBACKS_ENABLED": "awsops_results,awsops_bench_marks",
        "AWSOPS_BENCH_MARK_URL": moto.url,
    }
    run = ansible.run_playbook("awsops.ssm.site", inventory=site_inventory(moto, backend), check=check, env=env)
    assert run.returncode == 0, run.summary()
    return run, summarize(run, read_recording(moto.recording))


def by_task(summary):
    return json.dumps(summary["calls_by_task"], indent=1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_noop_rerun_sends_no_write_and_at_most_1_2_calls_per_resource(ansible, moto, aws, backend):
    tagged_instances(aws)
    run_site(ansible, moto, backend)
    resources = count_resources(aws, REGION)
    managed = sum(resources.values())

    noop_run, noop = run_site(ansible, moto, backend)

    assert noop_run.changed_tasks == [], noop_run.summary()
    assert noop["write_calls"] == 0, noop["writes_by_operation"]
    # The pre-flight's guard reads (schedules of the other backend) are not reads of a managed resource: at most two, apart.
    guard = sum(noop["calls_by_task"].get(PREFLIGHT, {}).values())
    assert guard <= GUARD_READS, noop["calls_by_task"].get(PREFLIGHT)
    assert noop["api_calls"] - guard <= CALLS_PER_RESOURCE * managed, "%d calls for %d resources %s; calls by task:\n%s" % (
        noop["api_calls"] - guard,
        managed,
        resources,
        by_task(noop),
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_on_an_empty_target_predicts_the_converge_task_by_task(ansible, moto, aws, backend):
    tagged_instances(aws)

    check_run, check = run_site(ansible, moto, backend, check=True)
    assert check["write_calls"] == 0, check["writes_by_operation"]
    _real_run, real = run_site(ansible, moto, backend)

    assert real["changed_total"] > 0 and real["write_calls"] > 0, "the converge made nothing: %s" % real["changed_by_task"]
    assert prediction_mismatch(check, real) == {}, "(predicted, made) per task; check-mode calls by task:\n%s" % by_task(check)
    assert len(check_run.changed_tasks) == len([task for task, count in real["changed_by_task"].items() if count])
