# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sample report data as the report playbook gathers it, for the HTML report's tests.

The schedules part is the real ssm_automation_schedule_info result of two
deployed schedules (schedule_report.report on DeployedActions, no AWS call);
last_runs and right_now have the form automation_executions returns (its
own tests read them from Stubber answers): this morning's start failed on
one of three instances for want of kms:CreateGrant.
"""

import datetime

from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import build_automation_request
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import DeployedAction
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_report import report

NOW = datetime.datetime(2026, 12, 21, 1, 0, tzinfo=datetime.timezone.utc)  # Mon 10:00 in Seoul
ROLE = "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole"
KMS_FAILURE = ("Step fails when it is Polling instance state. The instance went from pending to stopped: Client.InternalError: "
               "the KMS key arn:aws:kms:ap-northeast-2:123456789012:key/0f1e2d3c used by volume vol-0abc needs kms:CreateGrant")


def _deployed(schedule, action, cron, zone, tag_value):
    request = build_automation_request(action, "Schedule", tag_value, ROLE)
    return DeployedAction(schedule, action, "%s-%s" % (schedule, action), cron, cron, zone, True, request)


def _instance(instance_id, status, message=None):
    line = "%s: %s" % (instance_id, status) + (": %s" % message if message else "")
    return {"instance_id": instance_id, "status": status, "failure_message": message, "execution_id": "c-" + instance_id, "line": line}


def _run(action, execution_id, status, local, utc, instances):
    return {"action": action, "execution_id": execution_id, "document": "AWS-%sEC2Instance" % action.capitalize(), "status": status,
            "failed": status == "Failed" or any(i["failure_message"] for i in instances), "start": {"local": local, "utc": utc}, "end": None,
            "executed_by": "arn:aws:sts::123456789012:assumed-role/SSMSchedulerInvokerRole/x", "failure_message": None,
            "instances": instances, "instances_truncated": False}


def seoul_schedules():
    deployed = [
        _deployed("office-hours", "start", "cron(0 9 ? * MON-FRI *)", "Asia/Seoul", "office-hours"),
        _deployed("office-hours", "stop", "cron(0 18 ? * MON-FRI *)", "Asia/Seoul", "office-hours"),
        _deployed("batch", "start", "cron(0 22 ? * MON-THU *)", "Asia/Seoul", "batch"),
        _deployed("batch", "stop", "cron(0 6 ? * TUE-FRI *)", "Asia/Seoul", "batch"),
    ]
    result = report(deployed, "scheduler", "instance-scheduler", count=3, now=NOW)
    office, batch = sorted(result["schedules"], key=lambda s: s["name"] != "office-hours")
    office["last_runs"] = [
        _run("start", "aaaaaaaa-0000-4000-8000-000000000001", "Failed", "2026-12-21T09:00:02+09:00", "2026-12-21T00:00:02+00:00", [
            _instance("i-0aaa1111aaaa1111a", "Success"), _instance("i-0bbb2222bbbb2222b", "Failed", KMS_FAILURE),
            _instance("i-0ccc3333cccc3333c", "Success")]),
        _run("stop", "bbbbbbbb-0000-4000-8000-000000000001", "Success", "2026-12-18T18:00:01+09:00", "2026-12-18T09:00:01+00:00", [
            _instance("i-0aaa1111aaaa1111a", "Success"), _instance("i-0bbb2222bbbb2222b", "Success"), _instance("i-0ccc3333cccc3333c", "Success")]),
    ]
    office["right_now"] = {"at": {"local": "2026-12-21T10:00:00+09:00", "utc": "2026-12-21T01:00:00+00:00"}, "expected": "running",
                           "instances": [
                               {"instance_id": "i-0aaa1111aaaa1111a", "name": "web-1", "state": "running", "paused": False, "as_expected": True},
                               {"instance_id": "i-0bbb2222bbbb2222b", "name": "web-2", "state": "stopped", "paused": False, "as_expected": False},
                               {"instance_id": "i-0ccc3333cccc3333c", "name": "web-3", "state": "running", "paused": False, "as_expected": True}],
                           "as_expected": ["i-0aaa1111aaaa1111a", "i-0ccc3333cccc3333c"],
                           "not_as_expected": ["i-0bbb2222bbbb2222b"], "paused": []}
    batch["last_runs"] = []
    return result


def targets():
    """Two targets: Seoul (scheduler backend, Christmas closed, a failed start) and Frankfurt (session manager only)."""
    return [
        {
            "name": "seoul",
            "account": "123456789012",
            "region": "ap-northeast-2",
            "schedules": seoul_schedules(),
            "closed_days": [{"date": "2026-12-25", "reason": "Christmas Day"}, {"date": "2027-01-01", "reason": "New Year's Day"}],
            "session_manager": {"profile": "SSMSessionInstanceRole", "instances": [
                {"instance_id": "i-0bbb2222bbbb2222b", "name": "web-2", "state": "stopped"},
                {"instance_id": "i-0aaa1111aaaa1111a", "name": "web-1", "state": "running"}]},
        },
        {
            "name": "frankfurt",
            "account": "210987654321",
            "region": "eu-central-1",
            "session_manager": {"profile": "SSMSessionInstanceRole", "instances": [{"instance_id": "i-0ddd4444dddd4444d", "name": None, "state": "running"}]},
        },
    ]
