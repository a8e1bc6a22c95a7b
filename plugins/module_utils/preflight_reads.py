# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reads the pre-flight makes before the first write of a run, to refuse what would fail half-way.

Each costs one call, two at most, and runs only when the input asks for
what it protects:

* the session log bucket: a bucket of another region, or of another
  account, would stop the session_manager role at its bucket task, after
  the key, the log group and more were written (GetBucketLocation);
* the schedule backend: a target whose office-hours schedules belong to the
  other backend would get a second set beside them, both starting and
  stopping the instances (ListSchedules of the group and one GetSchedule
  to see the marker, or ListRules with the group's prefix).

The answers are given to plugins/action/ssm_preflight.py, which names the
inputs as the caller calls them.
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_lambda
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_scheduler
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import bucket_location
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_group import error_code

UNREADABLE = ("AccessDenied", "AllAccessDisabled", "403")


def bucket_region(client, name):
    """(region or None when there is no such bucket, None) or (None, the reason it cannot be read)."""
    try:
        return bucket_location(client, name), None
    except AnsibleAWSError as error:
        if error_code(error) in UNREADABLE:
            return None, "AccessDenied"
        raise


def schedules_in_use(backend, clients, group, partition):
    """What shows that the backend has office-hours schedules of ours in the group (a description), or None."""
    if backend == "scheduler":
        scheduler = clients("scheduler")
        target = schedule_backend_scheduler.universal_target_arn(partition)
        for summary in schedule_backend_scheduler.list_schedules(scheduler, group) or []:
            if summary.get("Target", {}).get("Arn") != target or not summary["Name"].endswith(("-start", "-stop")):
                continue
            schedule = schedule_backend_scheduler.get_schedule(scheduler, group, summary["Name"])
            if schedule and schedule_backend_scheduler.is_ours(schedule.get("Description")):
                return "EventBridge Scheduler schedules in the group %s, such as %s" % (group, summary["Name"])
        return None
    rules = [rule["Name"] for rule in schedule_backend_lambda.list_rules(clients("events"), group + "-") or []
             if schedule_backend_lambda.schedule_of_rule(group, rule["Name"], rule.get("Description"))]
    if rules:
        return "EventBridge rules for the function %s, such as %s" % (group, rules[0])
    return None
