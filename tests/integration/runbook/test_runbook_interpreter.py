# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's runbook, run over instances in moto by the test-only interpreter.

moto stores the runbook and the calendars but runs no Automation and has
no GetCalendarState, so awsops_harness.automation_interpreter interprets
exactly the runbook's four step actions: its API steps call the local
endpoint through boto3 (DescribeTags, StartInstances/StopInstances,
DescribeInstanceStatus, and GetDocument from the decision script), and
GetCalendarState is computed from the calendars' content with the same
icalendar library the collection writes it with. What the tests assert
is moto's state afterwards: which instances run, and the reason each
child execution gives.

The requests are built the way the backends will build them
(office_hours.build_automation_request turned to the runbook by
instance_runbook.runbook_request), with EventBridge Scheduler's
``<aws.scheduler.scheduled-time>`` put in as Scheduler does it.
"""

import datetime
import json

import holidays
import pytest

from awsops_harness.automation_interpreter import AutomationInterpreter
from awsops_harness.automation_interpreter import calendar_state

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc
from ansible_collections.awsops.ssm.plugins.module_utils import closed_days as cd
from ansible_collections.awsops.ssm.plugins.module_utils import instance_runbook as ir
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import target_input

GROUP = "instance-scheduler"
RUNBOOK = cd.runbook_name(GROUP)
ROLE = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
IMAGE = "ami-1e749f67"
MARKER = [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]


@pytest.fixture
def fleet(aws):
    """Put the runbook in moto; launch(name, tags, hibernation) makes running instances tagged Schedule=office (unless told otherwise)."""
    ssm, ec2 = aws("ssm"), aws("ec2")
    ssm.create_document(Name=RUNBOOK, Content=ir.serialize(ir.runbook_content()), DocumentType="Automation", DocumentFormat="YAML", Tags=MARKER)

    def launch(tags=None, hibernation=False, schedule="office"):
        tag_list = [{"Key": "Schedule", "Value": schedule}] + [{"Key": key, "Value": value} for key, value in (tags or {}).items()]
        args = dict(ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list}])
        if hibernation:
            args["HibernationOptions"] = {"Configured": True}
        return ec2.run_instances(**args)["Instances"][0]["InstanceId"]

    return launch


def put_calendar(aws, name, closed_days, zone):
    content = cc.merge(None, cc.desired_events(name, closed_days, zone)).text()
    aws("ssm").create_document(Name=name, Content=content, DocumentType="ChangeCalendar", DocumentFormat="TEXT", Tags=MARKER)


def states(aws, ids):
    reservations = aws("ec2").describe_instances(InstanceIds=list(ids))["Reservations"]
    return dict((instance["InstanceId"], instance["State"]["Name"]) for reservation in reservations for instance in reservation["Instances"])


def stop_all(aws, ids):
    aws("ec2").stop_instances(InstanceIds=list(ids))


def scheduler_fires(moto, action, at, calendars, on_closed_days="skip_start", hibernate=False, schedule="office"):
    """What an EventBridge Scheduler schedule of the scheduler backend does at `at`: its Input, the placeholder replaced, run."""
    request = ir.runbook_request(build_automation_request(action, "Schedule", schedule, ROLE), RUNBOOK, action, calendars,
                                 on_closed_days=on_closed_days, hibernate=hibernate)
    fired = json.loads(target_input(request).replace(ir.SCHEDULED_TIME, at))
    return AutomationInterpreter(ir.runbook_content(), moto.url).run_request(fired, RUNBOOK)


def reasons(children):
    return dict((instance, execution.outputs.get("decide.Reason")) for instance, execution in children.items())


def seoul_days():
    return cd.ClosedDays.from_options(["2026-12-24..2026-12-31"], {"country": "KR"}, today=datetime.date(2026, 6, 1))


def test_pause_tags_on_an_open_day(moto, aws, fleet):
    put_calendar(aws, GROUP, seoul_days(), "Asia/Seoul")
    plain = fleet()
    paused = fleet({"awsops:scheduler:pause": "true"})
    paused_until = fleet({"awsops:scheduler:pause-until": "2026-12-03T18:00+09:00"})
    pause_over = fleet({"awsops:scheduler:pause-until": "2026-12-03T08:00+09:00", "awsops:scheduler:pause": "false"})
    other = fleet(schedule="batch")
    ids = [plain, paused, paused_until, pause_over, other]
    stop_all(aws, ids)

    children = scheduler_fires(moto, "start", "2026-12-03T00:00:00Z", [GROUP])  # Thursday 09:00 in Seoul, an open day

    assert sorted(children) == sorted([plain, paused, paused_until, pause_over])  # tag targets: not the batch instance
    assert all(execution.status == "Success" for execution in children.values())
    assert states(aws, ids) == {plain: "running", paused: "stopped", paused_until: "stopped", pause_over: "running", other: "stopped"}
    assert reasons(children)[paused] == "paused (tag awsops:scheduler:pause=true)"
    assert reasons(children)[paused_until] == "paused until 2026-12-03T18:00+09:00"
    assert reasons(children)[plain] == "start: calendar open at 2026-12-03T00:00:00Z"
    assert children[paused].ran == ["readPauseTags", "readCalendar", "decide", "chooseAction"]
    assert children[plain].ran == ["readPauseTags", "readCalendar", "decide", "chooseAction", "startInstance"]

    # A pause holds for the stop too; at 18:00 the pause-until has ended.
    children = scheduler_fires(moto, "stop", "2026-12-03T09:00:00Z", [GROUP])
    assert states(aws, ids) == {plain: "stopped", paused: "stopped", paused_until: "stopped", pause_over: "stopped", other: "stopped"}
    assert reasons(children)[paused_until] == "stop: calendar open at 2026-12-03T09:00:00Z"


def test_closed_days_skip_the_start_and_by_default_not_the_stop(moto, aws, fleet):
    put_calendar(aws, GROUP, seoul_days(), "Asia/Seoul")
    instance = fleet()
    stop_all(aws, [instance])
    christmas = holidays.country_holidays("KR", years=[2026], language="ko")[datetime.date(2026, 12, 25)]

    children = scheduler_fires(moto, "start", "2026-12-25T00:00:00Z", [GROUP])
    assert states(aws, [instance]) == {instance: "stopped"}
    assert reasons(children)[instance] == "closed: 2026-12-25 Closed days; 2026-12-25 %s" % christmas

    # Someone started it by hand on the holiday: the night's stop still happens (skip_start) ...
    aws("ec2").start_instances(InstanceIds=[instance])
    children = scheduler_fires(moto, "stop", "2026-12-25T09:00:00Z", [GROUP])
    assert states(aws, [instance]) == {instance: "stopped"}
    assert reasons(children)[instance].startswith("stop on a closed day (on_closed_days skip_start): closed: 2026-12-25")
    # ... unless the schedule says skip_both.
    aws("ec2").start_instances(InstanceIds=[instance])
    children = scheduler_fires(moto, "stop", "2026-12-25T09:00:00Z", [GROUP], on_closed_days="skip_both")
    assert states(aws, [instance]) == {instance: "running"}
    # The first open day after the range starts it again.
    stop_all(aws, [instance])
    scheduler_fires(moto, "start", "2027-01-04T00:00:00Z", [GROUP])
    assert states(aws, [instance]) == {instance: "running"}


@pytest.mark.parametrize("at, closed", [
    ("2026-03-09T03:30:00Z", False),  # Sun 2026-03-08 23:30 EDT: the day before
    ("2026-03-09T04:30:00Z", True),   # Mon 00:30 EDT (DST began the day before)
    ("2026-03-09T13:00:00Z", True),   # Mon 09:00 EDT
    ("2026-03-10T13:00:00Z", False),  # Tue 09:00 EDT
    ("2026-11-02T14:00:00Z", True),   # Mon 09:00 EST (DST ended the day before)
    ("2026-11-03T04:30:00Z", True),   # Mon 23:30 EST
    ("2026-11-03T05:00:00Z", False),  # Tue 00:00 EST
])
def test_closed_days_follow_the_local_day_across_dst(moto, aws, fleet, at, closed):
    days = cd.ClosedDays.from_options(["2026-03-09", "2026-11-02"], None, today=datetime.date(2026, 1, 1))
    put_calendar(aws, GROUP, days, "America/New_York")
    instance = fleet()
    stop_all(aws, [instance])
    children = scheduler_fires(moto, "start", at, [GROUP])
    assert states(aws, [instance]) == {instance: "stopped" if closed else "running"}
    assert reasons(children)[instance].startswith("closed: ") == closed


def test_each_zone_reads_its_own_calendar(moto, aws, fleet):
    """A 2026-12-25 closure in New York must not close a 2026-12-26 09:00 Seoul start (2026-12-26T00:00Z = 12-25 19:00 in New York)."""
    target = cd.ClosedDays.from_options(["2026-12-25"], None, today=datetime.date(2026, 6, 1))
    calendars, reads = cd.plan_calendars(GROUP, "America/New_York", target, [("new-york", "America/New_York", target), ("seoul", "Asia/Seoul", target)])
    for plan in calendars.values():
        put_calendar(aws, plan.name, plan.closed_days, plan.zone)
    seoul = fleet(schedule="seoul")
    new_york = fleet(schedule="new-york")
    stop_all(aws, [seoul, new_york])

    assert calendar_state(aws("ssm"), reads["new-york"], "2026-12-26T00:00:00Z")["State"] == "CLOSED"  # the trap the layout avoids
    scheduler_fires(moto, "start", "2026-12-26T00:00:00Z", reads["seoul"], schedule="seoul")
    assert states(aws, [seoul]) == {seoul: "running"}
    stop_all(aws, [seoul])
    children = scheduler_fires(moto, "start", "2026-12-25T00:00:00Z", reads["seoul"], schedule="seoul")  # 12-25 09:00 in Seoul
    assert states(aws, [seoul]) == {seoul: "stopped"} and reasons(children)[seoul] == "closed: 2026-12-25 Closed day"
    scheduler_fires(moto, "start", "2026-12-25T14:00:00Z", reads["new-york"], schedule="new-york")  # 12-25 09:00 in New York
    assert states(aws, [new_york]) == {new_york: "stopped"}


def test_hibernate_where_configured_else_stop(moto, aws, fleet):
    put_calendar(aws, GROUP, cd.ClosedDays(years=(2026, 2027)), "UTC")
    hibernating = fleet(hibernation=True)
    plain = fleet()
    children = scheduler_fires(moto, "stop", "2026-12-03T09:00:00Z", [GROUP], hibernate=True)
    assert states(aws, [hibernating, plain]) == {hibernating: "stopped", plain: "stopped"}
    assert children[hibernating].ran[-1] == "hibernateInstance" and children[hibernating].status == "Success"
    fallback = children[plain]
    assert fallback.ran[-2:] == ["hibernateInstance", "stopInstance"] and fallback.status == "Success"
    assert "UnsupportedHibernationConfiguration" in fallback.step("hibernateInstance").error


def test_an_unreadable_pause_tag_fails_that_instance_only(moto, aws, fleet):
    put_calendar(aws, GROUP, cd.ClosedDays(years=(2026, 2027)), "UTC")
    broken = fleet({"awsops:scheduler:pause-until": "next monday"})
    others = [fleet() for _index in range(3)]
    stop_all(aws, [broken] + others)
    children = scheduler_fires(moto, "start", "2026-12-03T00:00:00Z", [GROUP])
    assert children[broken].status == "Failed" and children[broken].ran == ["readPauseTags", "readCalendar", "decide"]
    assert "tag awsops:scheduler:pause-until='next monday' is not an ISO 8601 time with a UTC offset" in children[broken].step("decide").error
    assert states(aws, [broken] + others) == dict([(broken, "stopped")] + [(other, "running") for other in others])


def test_the_runbook_sends_no_other_write(moto, aws, fleet):
    put_calendar(aws, GROUP, seoul_days(), "Asia/Seoul")
    instance = fleet()
    moto.reset_recording()
    scheduler_fires(moto, "stop", "2026-12-03T09:00:00Z", [GROUP])
    assert [str(call) for call in moto.calls() if call.is_write] == ["ec2:StopInstances"]
