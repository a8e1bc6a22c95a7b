# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What site refuses after the input is good but before its first write, through site with both components on.

- A bucket named by two regions: the bucket serves the region that made it;
  the other region's site is refused before any write (the key, the log
  group, the IAM roles of that region included), naming
  session_manager_s3_bucket and session_manager_kms_key, and the first
  region's rerun sends no write (it converges).
- A backend switch: a target with schedules of one backend refuses
  instance_scheduler_backend set to the other, naming both and the teardown
  command that switches safely; that command, then site, does switch.
"""

import pytest

from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

BUCKET = "shared-session-logs"
PREFLIGHT = "Check every input and connect to the target"


def test_a_bucket_named_by_two_regions_serves_the_first_and_the_second_is_refused_before_any_write(ansible, moto, aws):
    hosts = inventory(first=target(moto, "eu-west-1", session_manager_s3_bucket=BUCKET), second=target(moto, "us-east-1", session_manager_s3_bucket=BUCKET))
    first = ansible.run_playbook("awsops.ssm.site", inventory=hosts, args=["--limit", "first"])
    assert first.returncode == 0, first.summary()

    both = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert both.returncode == 2, both.summary()
    assert both.writes == [], [str(call) for call in both.writes]  # the first converged, the second wrote nothing
    refused = both.task(PREFLIGHT, host="second")
    assert refused.failed
    (problem,) = refused.result["problems"]
    assert problem.startswith(
        'session_manager_s3_bucket: the bucket "%s" is in region eu-west-1, not in this target\'s region us-east-1. A session log bucket serves the '
        "region it is in: S3 SSE-KMS encrypts only with a key of the bucket's region, and session_manager_kms_key is this region's key" % BUCKET), problem
    assert "Give this region a bucket of its own (for example %s-us-east-1)" % BUCKET in problem
    assert [alias for alias in aws("kms", "us-east-1").list_aliases()["Aliases"] if not alias["AliasName"].startswith("alias/aws/")] == []
    # One read for the refused target, its bucket's location, after the check of its input (IAM, global, signs in us-east-1 for both).
    assert [str(call) for call in both.calls if call.region == "us-east-1" and call.service != "iam"] == ["s3:GetBucketLocation"]


@pytest.mark.parametrize("old, new", [("lambda", "scheduler"), ("scheduler", "lambda")])
def test_a_backend_switch_is_refused_before_any_write_and_the_named_teardown_switches(ansible, moto, aws, old, new):
    hosts = inventory(office=target(moto, "ap-northeast-2", instance_scheduler_backend=old))
    assert ansible.run_playbook("awsops.ssm.site", inventory=hosts).returncode == 0

    switched = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars={"instance_scheduler_backend": new})
    assert switched.returncode == 2 and switched.writes == [], switched.summary()
    problems = switched.task(PREFLIGHT).result["problems"]
    assert problems[0].startswith("instance_scheduler_backend: this target has office-hours schedules of the %s backend (" % old), problems
    assert "and instance_scheduler_backend is %s: a second set of schedules would start and stop the same instances" % new in problems[0]
    command = ("ansible-playbook awsops.ssm.teardown -i INVENTORY --limit office -e instance_scheduler_backend=%s "
               "-e awsops_ssm_components=instance_scheduler" % old)
    assert problems[1:] == ["    " + command, "then run this again with instance_scheduler_backend: %s." % new], problems

    # The command it names, then site with the new backend: one set of schedules, of the new backend.
    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts,
                                    extra_vars={"instance_scheduler_backend": old, "awsops_ssm_components": "instance_scheduler"}, args=["--limit", "office"])
    assert teardown.returncode == 0, teardown.summary()
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars={"instance_scheduler_backend": new})
    assert site.returncode == 0, site.summary()
    rules = [rule["Name"] for rule in aws("events", "ap-northeast-2").list_rules()["Rules"]]
    schedules = [s["Name"] for s in aws("scheduler", "ap-northeast-2").list_schedules()["Schedules"]]
    assert (bool(rules), bool(schedules)) == ((True, False) if new == "lambda" else (False, True)), (rules, schedules)
