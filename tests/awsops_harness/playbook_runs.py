# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Inventories of local targets, the PLAY RECAP, and tagged instances, for whole-playbook runs."""

import re

SCHEDULE = {"name": "office-hours", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "tag_key": "Service", "tag_value": "test"}

_RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)", re.M)


def target(endpoint, region, **role_vars):
    """Host variables of one target on a local endpoint, with the reference schedule and tag."""
    host = {
        "aws_region": region,
        "aws_endpoint_url": endpoint.url,
        "session_manager_target_tags": {"Service": "test"},
        "instance_scheduler_timezone": "Asia/Seoul",
        "instance_scheduler_schedules": [dict(SCHEDULE)],
    }
    host.update(role_vars)
    return host


def inventory(**hosts):
    return {"all": {"hosts": hosts}}


def recap(output):
    """{host: {"ok": n, "changed": n, "unreachable": n, "failed": n}} from the PLAY RECAP."""
    return dict(
        (match.group("host"), dict((key, int(match.group(key))) for key in ("ok", "changed", "unreachable", "failed")))
        for match in _RECAP.finditer(output.split("PLAY RECAP", 1)[-1])
    )


def make_instances(aws, region, names_and_services):
    """Instances tagged Name and Service, in the region's default VPC."""
    ec2 = aws("ec2", region)
    ids = {}
    for name, service in names_and_services:
        tags = [{"Key": "Name", "Value": name}, {"Key": "Service", "Value": service}]
        reservation = ec2.run_instances(
            ImageId="ami-1e749f67", InstanceType="t3.micro", MinCount=1, MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": tags}]
        )
        ids[name] = reservation["Instances"][0]["InstanceId"]
    return ids


def hosts_with(moto, cases):
    """An inventory of one target per case, in us-east-1: {host: (its variables, the message its failure must list)}."""
    return inventory(**dict((host, target(moto, "us-east-1", **variables)) for host, (variables, _message) in cases.items()))


def assert_each_target_fails_naming_its_variable(run, cases, task):
    """Every target of hosts_with failed at its first task listing exactly its one message, and no AWS call was made."""
    assert run.returncode == 2, run.summary()
    counts = recap(run.output)
    assert sorted(counts) == sorted(cases), counts
    assert all(count["failed"] == 1 and count["ok"] == 0 and count["changed"] == 0 for count in counts.values()), counts
    for host, (_variables, message) in cases.items():
        failed = run.task(task, host=host)
        assert failed.failed, failed
        assert failed.result["msg"].startswith("awsops.ssm: nothing was changed in this target; fix these inputs:\n")
        assert len(failed.result["problems"]) == 1 and failed.result["problems"][0].startswith(message), (host, failed.result["problems"])
    # Not one AWS call in any service, by any target.
    assert run.calls == [], [str(call) for call in run.calls]
