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
      - C(lambda) is the reference design made right about local time - EventBridge rules C(<group>-<name>-start) / C(<group>-<name>-stop)
        in UTC invoke the Lambda function O(group) (python3.13, code shipped in this collection, deployed as a deterministic zip so a rerun
        sends nothing), which calls C(StartAutomationExecution). Each rule fires at every UTC time its local time can have during the year
        (one in a zone without daylight saving time, two in a zone with it) and the function acts only within 15 minutes after the real
        local time, so local times hold all year. Each rule may invoke the function through one permission statement scoped to its ARN
        (C(AWS:SourceArn)). The function logs to C(/aws/lambda/<group>), created with a retention of 90 days.
      - With C(lambda), each create or update of the function waits until it is C(Active) and its last update C(Successful)
        (at most 60 seconds); a function that Lambda leaves C(Failed) fails the task with Lambda's C(StateReason), and the
        next run deletes it and creates it again with its permission statements (a Failed function cannot be repaired
        otherwise); after a failed update the next run sends configuration and code again.
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  group:
    description:
      - The EventBridge Scheduler schedule group holding the schedules (backend C(scheduler)), created when missing
        and tagged C(awsops:ssm:managed-by=awsops.ssm); 1 to 64 letters, digits, C(-), C(_) or C(.).
      - With backend C(lambda), the name of the Lambda function and the prefix of the rule names, the function and its log group
        tagged C(awsops:ssm:managed-by=awsops.ssm); 1 to 56 letters, digits, C(-) or C(_).
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
        for backend C(scheduler) or the Lambda function's role for backend C(lambda),
        for example RV(awsops.ssm.ssm_scheduler_roles#module:invoker_role_arn).
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
      - Tags on the schedule group (backend C(scheduler); Scheduler schedules themselves cannot carry tags),
        or on the Lambda function and its log group (backend C(lambda); rules are marked by their description).
      - When not given, existing tags are left alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags not in O(tags). Tags starting with C(awsops:ssm:) are this collection's own and are always kept.
    type: bool
    default: true
  dead_letter_queue_arns:
    description:
      - Backend C(scheduler) - office-hours schedule name to the ARN of an SQS queue of this region, the dead-letter queue
        (C(Target.DeadLetterConfig)) of its C(-start) and C(-stop) schedules, for invocations that fail before SSM runs anything
        (the execution role denied, SSM throttling after the retries). Schedules not listed have none.
      - The RV(awsops.ssm.ssm_scheduler_notifications#module:queues) of M(awsops.ssm.ssm_scheduler_notifications) (the invoker role
        needs C(sqs:SendMessage) on them, O(awsops.ssm.ssm_scheduler_roles#module:dead_letter_queues)).
      - Not used by backend C(lambda), whose failed invocations go to the function's on-failure destination.
    type: dict
    default: {}
"""
