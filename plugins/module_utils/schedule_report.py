# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What runs when: the schedules a backend holds, read back into the schedule model.

ssm_automation_schedule_info reads a target with the backend's own read()
(the same reads a no-op run makes), asks it for its DeployedAction list and
turns each schedule into an ``office_hours.Schedule`` built from the local
crons, so the report's next fire times, weekly hours and grid come from the
same code that plans the schedules.
"""

import datetime

from ansible_collections.awsops.ssm.plugins.module_utils.aws_cron import UTC
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import ACTIONS
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import Schedule
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import load_zone


def tag_of(request):
    """(key, value) of the request's first tag target, or (None, None)."""
    for target in request.get("Targets") or []:
        key = target.get("Key") or ""
        values = target.get("Values") or []
        if key.startswith("tag:") and values:
            return key[len("tag:"):], values[0]
    return None, None


def schedule_from(actions):
    """A Schedule (raw local crons) from the deployed start and/or stop of one schedule."""
    by_action = dict((deployed.action, deployed) for deployed in actions)
    first = by_action.get("start") or by_action.get("stop")
    tag_key, tag_value = tag_of(first.request)
    return Schedule(
        name=first.schedule,
        zone=load_zone(first.timezone),
        tag_key=tag_key,
        tag_value=tag_value,
        enabled=all(deployed.enabled for deployed in actions),
        start_cron=by_action["start"].local_cron if "start" in by_action else None,
        stop_cron=by_action["stop"].local_cron if "stop" in by_action else None,
    )


def report(deployed_actions, backend, group, count=3, now=None):
    """The info module's result: every schedule of ours with its next fires and weekly figures."""
    now = now or datetime.datetime.now(UTC)
    grouped = {}
    for deployed in deployed_actions:
        grouped.setdefault(deployed.schedule, []).append(deployed)
    schedules = []
    problems = []
    for name in sorted(grouped):
        actions = grouped[name]
        try:
            summary = schedule_from(actions).summary(now=now, count=count)
        except ValueError as error:  # a time zone or expression edited by hand into something unusable
            problems.append("%s: %s" % (name, error))
            continue
        by_action = dict((deployed.action, deployed) for deployed in actions)
        summary["aws_names"] = dict((action, by_action[action].aws_name if action in by_action else None) for action in ACTIONS)
        summary["aws_expressions"] = dict((action, by_action[action].aws_expression if action in by_action else None) for action in ACTIONS)
        schedules.append(summary)
    return {"backend": backend, "group": group, "now": now.isoformat(), "schedules": schedules, "problems": problems}
