# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""awsops.ssm.report: schedules with next runs, the week at a glance, hours saved, attached instances."""

import os
import re

import pytest

from awsops_harness import report_samples
from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.playbook_runs import SCHEDULE
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import target

NIGHTLY = {"name": "nightly-batch", "start": "01:00", "stop": "05:00", "weekdays": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], "timezone": "UTC"}
OFFICE_DAY = "  .........#########......"
NIGHT = "  .####..................."
# "    next starts  Mon 2026-11-30 09:00 +09:00  = Mon 2026-11-30 00:00 UTC": weekday, local time, offset, UTC time
NEXT = re.compile(
    r"^    (?:next starts |next stops  | {12}) (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d (\d\d:\d\d) (\S+)  = \w{3} \d{4}-\d\d-\d\d (\d\d:\d\d) UTC$"
)


def report_lines(run, host):
    return run.task("Print the report", host=host).result["msg"]


def section(lines, first):
    """The lines of one schedule: from its title to the next blank line."""
    start = lines.index(first)
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


@pytest.mark.parametrize("backend", ["scheduler", "lambda"])
def test_report_shows_schedules_week_hours_and_attached_instances(ansible, moto, aws, backend):
    instances = make_instances(aws, "ap-northeast-2", [("web-1", "test"), ("web-2", "test"), ("db-1", "prod")])
    host = target(moto, "ap-northeast-2", instance_scheduler_backend=backend, instance_scheduler_schedules=[dict(SCHEDULE), NIGHTLY])
    hosts = inventory(seoul=host)
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert site.returncode == 0, site.summary()

    run = ansible.run_playbook("awsops.ssm.report", inventory=hosts)
    assert run.returncode == 0, run.summary()
    assert run.writes == [], run.summary()
    lines = report_lines(run, "seoul")

    assert lines[0] == "seoul: account 123456789012, region ap-northeast-2"
    where = "schedule group" if backend == "scheduler" else "function"
    assert "Office hours (%s backend, %s instance-scheduler): 2 schedules" % (backend, where) in lines
    if backend == "lambda":
        assert "  function instance-scheduler: Active, last update Successful" in lines, lines

    office = section(lines, "  office-hours: instances tagged Service=test, time zone Asia/Seoul")
    start_name = "office-hours-start" if backend == "scheduler" else "instance-scheduler-office-hours-start"
    start_line = "    start        cron(0 9 ? * MON-FRI *)      " + start_name
    # The lambda backend's rules are in UTC: 09:00 in Seoul is 00:00 UTC the same day.
    assert office[1] == start_line + ("" if backend == "scheduler" else ": cron(0 0 ? * MON-FRI *) UTC"), office
    times = [NEXT.match(line) for line in office if NEXT.match(line)]
    assert len(times) == 6, office
    for match in times[:3]:
        assert match.group(1) in ("Mon", "Tue", "Wed", "Thu", "Fri") and match.groups()[1:] == ("09:00", "+09:00", "00:00"), match.group(0)
    for match in times[3:]:
        assert match.group(1) in ("Mon", "Tue", "Wed", "Thu", "Fri") and match.groups()[1:] == ("18:00", "+09:00", "09:00"), match.group(0)
    assert "    a week       running 45 of 168 hours: 73% saved against always on" in office
    grid = office[office.index("                 # running, . stopped (hours in Asia/Seoul)") + 1:][:9]
    assert grid[0].strip() == "000000000011111111112222" and grid[1].strip() == "012345678901234567890123"
    assert grid[2:] == ["    %s%s" % (day, OFFICE_DAY) for day in ("MON", "TUE", "WED", "THU", "FRI")] + [
        "    %s  ........................" % day for day in ("SAT", "SUN")
    ], "\n".join(grid)

    # the last runs: the local endpoint has no automation history (tests/awsops_harness/moto_launcher.py), so none in the window;
    # right now: both instances tagged Service=test are running (the emulator starts them), as expected or not at this hour
    assert "    last runs    none in the last 168 hours" in office
    [now] = [line for line in office if line.startswith("    right now    ")]
    expected = "running" if "should be running" in now else "stopped"
    assert now.startswith("    right now    2 tagged instances should be %s: " % expected), now
    assert now.endswith("2 as expected" if expected == "running" else "0 as expected, NOT: " + ", ".join(sorted(
        instances[name] for name in ("web-1", "web-2")))), now

    nightly = section(lines, "  nightly-batch: instances tagged Schedule=nightly-batch, time zone UTC")
    assert "    a week       running 28 of 168 hours: 83% saved against always on" in nightly
    grid = nightly[nightly.index("                 # running, . stopped (hours in UTC)") + 3:][:7]
    assert grid == ["    %s%s" % (day, NIGHT) for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")], "\n".join(nightly)
    assert nightly[-2] == "    last runs    none in the last 168 hours" and nightly[-1].startswith("    right now    0 tagged instances"), nightly

    attached = section(lines, "Session Manager (instance profile SSMSessionInstanceRole): 2 instances attached")[1:]
    assert [line.split() for line in attached] == [
        [instance_id, name, "running"] for instance_id, name in sorted((instances[name], name) for name in ("web-1", "web-2"))
    ], attached
    # then whether each instance the tags select is reachable: no SSM agent registers in the emulator
    reach = section(lines, "Session Manager reachability (instance profile SSMSessionInstanceRole): 0 of 2 instances reachable")
    assert len(reach) == 4 and reach[3].startswith("  IMDSv2 not enforced (HttpTokens optional): "), reach


def test_report_of_a_target_without_anything_and_only_one_component(ansible, moto):
    hosts = inventory(empty=target(moto, "eu-west-1"))
    run = ansible.run_playbook("awsops.ssm.report", inventory=hosts)
    assert run.returncode == 0 and run.writes == [], run.summary()
    lines = report_lines(run, "empty")
    assert "Office hours (scheduler backend, schedule group instance-scheduler): 0 schedules" in lines
    assert lines[-3:] == [
        "Session Manager (instance profile SSMSessionInstanceRole): 0 instances attached",
        "",
        "Session Manager reachability (instance profile SSMSessionInstanceRole): 0 of 0 instances reachable",
    ], lines

    run = ansible.run_playbook("awsops.ssm.report", inventory=hosts, extra_vars={"awsops_ssm_components": ["session_manager"]})
    assert run.returncode == 0, run.summary()
    assert not any(line.startswith("Office hours") for line in report_lines(run, "empty"))


def test_the_text_report_shows_a_failed_start_under_its_instance(ansible):
    """The report's template on data the local endpoint cannot produce (it runs no automation): the last runs of
    tests/awsops_harness/report_samples.py, read by automation_executions from Stubber answers in its unit tests,
    where this morning's start failed on one of three instances for want of kms:CreateGrant."""
    schedules = dict(report_samples.seoul_schedules(), executions_window={"hours": 168, "after": "2026-12-14T01:00:00+00:00"})
    template = os.path.join(REPO_ROOT, "playbooks", "templates", "report.txt.j2")
    play = [{"name": "render", "hosts": "localhost", "gather_facts": False, "vars": {
        "__awsops_ssm_report_schedules": schedules,
        "__awsops_ssm_components": ["instance_scheduler"],
        "__awsops_ssm_report_caller": {"account": "123456789012"},
        "__awsops_ssm_target": {"region": "ap-northeast-2"},
    }, "tasks": [{"name": "Print the report", "ansible.builtin.debug": {"msg": "{{ lookup('ansible.builtin.template', '%s').splitlines() }}" % template}}]}]
    run = ansible.run_playbook(play)
    assert run.returncode == 0, run.summary()
    lines = report_lines(run, "localhost")
    office = section(lines, "  office-hours: instances tagged Schedule=office-hours, time zone Asia/Seoul")
    runs = office[office.index("    SUN  ........................") + 1:]
    assert runs[0] == "    last runs    Mon 2026-12-21 09:00 +09:00  start: Failed  FAILED"
    assert runs[1:4] == ["                   i-0aaa1111aaaa1111a: Success", "                   i-0bbb2222bbbb2222b: Failed: " + report_samples.KMS_FAILURE,
                         "                   i-0ccc3333cccc3333c: Success"]
    assert runs[4] == "                 Fri 2026-12-18 18:00 +09:00  stop: Success"
    assert runs[-1] == "    right now    3 tagged instances should be running: 2 as expected, NOT: i-0bbb2222bbbb2222b"
    batch = section(lines, "  batch: instances tagged Schedule=batch, time zone Asia/Seoul")
    assert "    last runs    none in the last 168 hours" in batch
