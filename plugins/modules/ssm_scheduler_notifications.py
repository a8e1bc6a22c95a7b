#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_scheduler_notifications
version_added: 0.1.0
short_description: Failure notifications of office-hours start/stop (SNS, an EventBridge rule, dead-letter queues, alarms)
description:
  - Tells people when an office-hours start or stop fails, in one AWS target.
  - "An SNS topic C(<group>-notifications), created and owned (tag C(awsops:ssm:managed-by)) and encrypted with O(kms_key)
    (by default a key it creates), with the O(email) and O(https) subscriptions; or an existing topic O(topic_arn), used as it is
    and never changed or deleted. The policy of an owned topic lets only the rule and this module's alarms publish (C(aws:SourceArn))."
  - "An EventBridge rule C(<group>-automation-failures) on the SSM Automation status-change events (detail-type
    C(EC2 Automation Execution Status-change Notification), source C(aws.ssm)) whose status is C(Failed), C(TimedOut) or C(Cancelled),
    of this collection's executions only: the runbooks O(documents) started by the roles O(executed_by). Its target is the topic with
    an input transformer that writes one line per event: the runbook, the status, the time, the execution, who started it and a console
    link to the execution, whose page lists each instance with its failure message (the event itself names no instance, schedule or
    failure message; M(awsops.ssm.ssm_automation_schedule_info) with O(awsops.ssm.ssm_automation_schedule_info#module:executions) shows them)."
  - "Backend C(scheduler): for each of O(schedules), a dead-letter queue C(<group>-<schedule>-dlq) (SQS, SSE-SQS encrypted, 14 days)
    for the invocations of its C(-start) and C(-stop) schedules that fail before SSM runs anything, whose policy lets EventBridge Scheduler
    send for those two schedules only, and an alarm C(<group>-<schedule>-dlq-messages) to the topic as soon as a message waits in it.
    The schedules take the queues from RV(dead_letter_configs) (their C(Target.DeadLetterConfig)); their execution role needs
    RV(send_statement)."
  - "Backend C(lambda): a queue C(<group>-failed-invocations), the function O(group)'s on-failure destination (event invoke config,
    2 retries within 15 minutes), and an alarm C(<group>-function-errors) on the function's C(Errors) metric. The function's role
    needs RV(send_statement)."
  - O(schedules) is the whole list of the target's schedules - the dead-letter queues (and alarms) this module made for schedules no
    longer listed are removed. O(state=absent) removes everything this module made and nothing else.
  - Queues and the topic are recognised as this collection's by their tag, the rule and the alarms by their description.
    A resource of the same name that is not ours stops the run before any write.
author:
  - awsops.ssm maintainers (@awsops)
options:
  state:
    description:
      - C(present) creates or updates the notifications; C(absent) removes what this module made.
    type: str
    choices: [present, absent]
    default: present
  backend:
    description:
      - The backend of the schedules, C(scheduler) or C(lambda).
    type: str
    choices: [scheduler, lambda]
    default: scheduler
  group:
    description:
      - The schedule group (backend C(scheduler)) or the Lambda function name (backend C(lambda)); it prefixes every name here.
    type: str
    default: instance-scheduler
  topic_arn:
    description:
      - An existing SNS topic to publish to instead of creating one. It is never changed or deleted; its policy must let the rule and
        the alarms publish (RV(topic_policy_statements)), and its key, if any, let EventBridge and CloudWatch use it.
      - Cannot be combined with O(email), O(https) or O(kms_key).
    type: str
  email:
    description:
      - Email addresses to subscribe to the topic this module creates. Each one confirms by mail; a pending subscription cannot be removed
        (SNS drops it after 3 days unconfirmed).
      - The email and https subscriptions of the topic are exactly O(email) and O(https); others are kept.
    type: list
    elements: str
    default: []
  https:
    description:
      - HTTPS endpoints to subscribe to the topic this module creates (they confirm by answering SNS's request).
    type: list
    elements: str
    default: []
  kms_key:
    description:
      - The KMS key (ARN, key id, C(alias/NAME) or alias ARN) that encrypts the topic this module creates.
      - A key given here must let EventBridge and CloudWatch use it - its policy must hold RV(kms_key_policy_statements).
        C(alias/aws/sns), the AWS managed key, does not (its policy serves only the account's principals and cannot be changed),
        so AWS services cannot publish to a topic it encrypts and the module warns.
      - When omitted, the module creates a customer managed key C(alias/<group>-notifications) for the topic (tagged
        C(awsops:ssm:managed-by), rotation on) whose policy lets the account administer it and EventBridge and CloudWatch publish
        to this topic only; O(state=absent) removes its alias and schedules its deletion after 7 days.
    type: str
  documents:
    description:
      - The names of the runbooks the schedules start.
      - Default the runbooks of this collection's schedules - C(AWS-StartEC2Instance), C(AWS-StopEC2Instance) and the group's own
        runbook C(<group>-StartStopInstance) (closed days, paused instances); only executions started by O(executed_by) match.
    type: list
    elements: str
  executed_by:
    description:
      - The role ARNs that start those runbooks' executions here, the invoker role (Scheduler execution role or Lambda role) and the
        automation role; executions of the same runbooks started by anyone else are not notified. Required with O(state=present).
    type: list
    elements: str
  schedules:
    description:
      - Backend C(scheduler) - the names of the office-hours schedules, each of which gets a dead-letter queue and its alarm.
        Names are letters, digits, C(-) or C(_) (SQS queue names allow no dot). Not used with backend C(lambda).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Failure notifications by email, schedules on EventBridge Scheduler
  awsops.ssm.ssm_scheduler_notifications:
    backend: scheduler
    group: instance-scheduler
    documents: [AWS-StartEC2Instance, AWS-StopEC2Instance]
    executed_by:
      - arn:aws:iam::123456789012:role/SSMSchedulerInvokerRole
      - arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole
    schedules: [office-hours]
    email: [ops@example.com]
    kms_key: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
  register: notifications

- name: To an existing topic, lambda backend
  awsops.ssm.ssm_scheduler_notifications:
    backend: lambda
    group: instance-scheduler
    topic_arn: arn:aws:sns:eu-west-1:123456789012:ops-alerts
    documents: [AWS-StartEC2Instance, AWS-StopEC2Instance]
    executed_by:
      - arn:aws:iam::123456789012:role/SSMSchedulerLambdaRole
      - arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole

- name: Remove them
  awsops.ssm.ssm_scheduler_notifications:
    backend: scheduler
    state: absent
"""

RETURN = r"""
topic_arn:
  description: The topic notifications go to (the one created, or O(topic_arn)); null with O(state=absent).
  returned: always
  type: str
  sample: arn:aws:sns:eu-west-1:123456789012:instance-scheduler-notifications
rule_arn:
  description: The EventBridge rule's ARN; null with O(state=absent).
  returned: always
  type: str
  sample: arn:aws:events:eu-west-1:123456789012:rule/instance-scheduler-automation-failures
event_pattern:
  description: The rule's event pattern.
  returned: when O(state=present)
  type: dict
input_transformer:
  description: The target's input transformer (C(InputPathsMap), C(InputTemplate)).
  returned: when O(state=present)
  type: dict
queues:
  description: Queue ARN by schedule name (backend C(scheduler)) or by function name (backend C(lambda)).
  returned: always
  type: dict
  sample: {"office-hours": "arn:aws:sqs:eu-west-1:123456789012:instance-scheduler-office-hours-dlq"}
dead_letter_configs:
  description: The C(Target.DeadLetterConfig) of each EventBridge Scheduler schedule (C(<schedule>-start), C(<schedule>-stop)).
  returned: always
  type: dict
  sample: {"office-hours-start": {"Arn": "arn:aws:sqs:eu-west-1:123456789012:instance-scheduler-office-hours-dlq"}}
send_statement:
  description: The IAM statement the delivering role (Scheduler execution role, Lambda role) needs to send to the queues, or null.
  returned: when O(state=present)
  type: dict
alarms:
  description: Names of the CloudWatch alarms that publish to the topic.
  returned: always
  type: list
  elements: str
topic_policy_statements:
  description: The statements an existing topic's policy needs so that the rule and the alarms may publish.
  returned: when O(topic_arn) is given and O(state=present)
  type: list
  elements: dict
kms_key:
  description: The key that encrypts the topic this module creates (O(kms_key), or the alias of the key the module made).
  returned: when a topic is created and O(state=present)
  type: str
  sample: alias/instance-scheduler-notifications
kms_key_policy_statements:
  description: The statements a customer managed key of the topic needs so that EventBridge and CloudWatch may publish to it.
  returned: when a topic is created and O(state=present)
  type: list
  elements: dict
kept:
  description: What the module found and left alone, and why.
  returned: always
  type: list
  elements: str
changes:
  description: The writes made (or, in check mode, that would be made), as C(action kind name).
  returned: always
  type: list
  elements: str
created:
  description: C(kind name) of what was created.
  returned: always
  type: list
  elements: str
updated:
  description: C(kind name) of what was updated.
  returned: always
  type: list
  elements: str
deleted:
  description: C(kind name) of what was deleted.
  returned: always
  type: list
  elements: str
resources:
  description: What this module manages, by kind and name, after the run (as the diff shows it).
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import collection_documents
from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import input_problems
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_tag_key
from ansible_collections.awsops.ssm.plugins.module_utils.scheduler_notifications import run


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        backend=dict(type="str", default="scheduler", choices=["scheduler", "lambda"]),
        group=dict(type="str", default="instance-scheduler"),
        topic_arn=dict(type="str"),
        email=dict(type="list", elements="str", default=[]),
        https=dict(type="list", elements="str", default=[]),
        kms_key=dict(type="str", no_log=False),
        documents=dict(type="list", elements="str"),
        executed_by=dict(type="list", elements="str"),
        schedules=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = input_problems(params)
    problems.extend(problem for problem in (check_tag_key("tags", key) for key in params["tags"] or {}) if problem)
    if problems:
        module.fail_json(msg="; ".join(problems))
    settings = dict(params, region=module.region, partition=partition_of(module.region))
    if settings["documents"] is None:
        settings["documents"] = collection_documents(params["group"])
    try:
        result = run(module, settings)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
