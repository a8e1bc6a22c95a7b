# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What EventBridge Scheduler holds on the local endpoint, for assertions."""

DEFAULT_GROUP = "instance-scheduler"


def schedule_names(scheduler, group=DEFAULT_GROUP):
    return sorted(s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"])


def group_names(scheduler):
    return [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
