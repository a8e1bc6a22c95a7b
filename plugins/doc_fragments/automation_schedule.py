# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options shared by ssm_automation_schedule and ssm_automation_schedules.
    DOCUMENTATION = r"""
options:
  backend:
    description:
      - C(scheduler) creates EventBridge Scheduler schedules C(<name>-start) and C(<name>-stop) in the schedule group O(group),
        whose universal target C(arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution) starts the automation directly,
        in the schedule's IANA time zone (daylight saving time included).
      - C(lambda) (EventBridge rules in UTC and a Lambda function) is not available in this release; choosing it fails before any call.
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  group:
    description:
      - The EventBridge Scheduler schedule group holding the schedules (backend C(scheduler)), created when missing
        and tagged C(awsops:ssm:managed-by=awsops.ssm).
      - 1 to 64 letters, digits, C(-), C(_) or C(.).
    type: str
    default: instance-scheduler
  automation_role_arn:
    description:
      - ARN of the role SSM Automation assumes to start and stop the instances (C(AutomationAssumeRole)),
        for example RV(awsops.ssm.ssm_scheduler_roles#module:automation_role_arn).
      - Required when a schedule is present.
    type: str
  invoker_role_arn:
    description:
      - ARN of the role that calls C(ssm:StartAutomationExecution), the EventBridge Scheduler execution role
        for backend C(scheduler), for example RV(awsops.ssm.ssm_scheduler_roles#module:invoker_role_arn).
      - Required when a schedule is present.
    type: str
  max_concurrency:
    description:
      - SSM rate control, how many instances are started or stopped at a time.
      - A number from 1, or a percentage from C(1%) to C(100%).
    type: str
    default: "10"
  max_errors:
    description:
      - SSM rate control, how many instances may fail before the automation stops acting on the rest.
      - A number from 0, or a percentage from C(0%) to C(100%).
    type: str
    default: "25%"
  tags:
    description:
      - Tags on the schedule group (EventBridge Scheduler schedules themselves cannot carry tags).
      - When not given, the group's tags are left alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove group tags not in O(tags). Tags starting with C(awsops:ssm:) are this collection's own and are always kept.
    type: bool
    default: true
"""
