# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM documents of office-hours start/stop, each statement scoped to what needs it.

Three principals take part:

* the *automation role*, which SSM Automation assumes to run
  ``AWS-StartEC2Instance`` / ``AWS-StopEC2Instance`` (``AutomationAssumeRole``);
* the *invoker*, which calls ``ssm:StartAutomationExecution`` with tag
  targets and rate control: an EventBridge Scheduler execution role
  (backend ``scheduler``) or the Lambda function's role (backend ``lambda``).

What each needs, and where it is documented:

* The runbooks run ``aws:changeInstanceState``: ``ec2:StartInstances`` /
  ``ec2:StopInstances`` on the instance and ``ec2:DescribeInstanceStatus``
  (AWS's own managed policy for exactly these runbooks,
  AWSBudgetsActions_RolePolicyForResourceAdministrationWithSSM, grants these
  three and nothing else on EC2):
  https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-aws-startec2instance.html
  https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBudgetsActions_RolePolicyForResourceAdministrationWithSSM.html
  DescribeInstanceStatus supports no resource-level permissions: ``Resource: "*"``.
* Starting an instance whose EBS volumes are encrypted with a customer
  managed key makes EC2 create a grant on the key for the caller:
  ``kms:CreateGrant`` on exactly those keys, only for AWS resources
  (``kms:GrantIsForAWSResource``):
  https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
* ``ssm:StartAutomationExecution`` authorizes on the *automation definition*.
  For an AWS-owned runbook AWS evaluates
  ``arn:PARTITION:ssm:REGION::automation-definition/NAME:VERSION``, with an empty
  account field and VERSION the version the call resolves to (a number, not
  ``$DEFAULT``) -- an AccessDenied for
  ``...:ssm:ap-southeast-1::automation-definition/AWS-Disable...:1`` shows both
  (https://github.com/aws-solutions/automated-security-response-on-aws/issues/29).
  The Service Authorization Reference writes the resource as
  ``arn:${Partition}:ssm:${Region}:${Account}:automation-definition/${AutomationDefinitionName}:${VersionId}``
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies),
  so the grant puts ``*`` in the account field, which also matches the empty
  account, and in the version: ``...:ssm:REGION:*:automation-definition/AWS-StartEC2Instance:*``.
  The runbook's name and the region stay exact.
* Whoever passes ``AutomationAssumeRole`` needs ``iam:PassRole`` on it; the
  condition ``iam:PassedToService = ssm.amazonaws.com`` keeps it for SSM
  ("Task 3: Configure user access to Automation"):
  https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-permissions.html
* A call with ``Targets`` runs a parent automation that starts one child
  per instance with the same assume role; AWS asks the automation role to be
  allowed to pass itself ("Task 2: Attach the iam:PassRole policy to your
  Automation role") and its managed AmazonSSMAutomationRole grants ``ssm:*``
  for the children. Here: StartAutomationExecution on the two definitions,
  GetAutomationExecution on the account's executions, PassRole on itself
  (same page as above, and):
  https://docs.aws.amazon.com/systems-manager/latest/userguide/running-automations-map-targets.html
* Tag targets resolve through the Resource Groups Tagging API (the docs
  warn that terminated instances may be included, which is how
  ``tag:GetResources`` answers). The docs do not say which principal
  resolves them, so both the invoker and the automation role may call
  ``tag:GetResources``; it is read-only and supports no resource-level
  permissions (``Resource: "*"``):
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonresourcegrouptaggingapi.html
* EventBridge Scheduler assumes its execution role as
  ``scheduler.amazonaws.com`` and recommends ``aws:SourceAccount`` in the
  trust policy; SSM likewise for the automation role:
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
* The collection's runbook (instance_runbook, used only by schedules with
  closed days, pause tags or hibernation): the invokers and the automation
  role (for its child automations) may start it by its ARN in the account,
  ``arn:PARTITION:ssm:REGION:ACCOUNT:automation-definition/NAME:*``; it reads
  the instance's pause tags with ``ec2:DescribeTags``, which supports no
  resource-level permissions (``Resource: "*"``), and its Change Calendars
  with ``ssm:GetCalendarState`` and ``ssm:GetDocument`` (to name the closure)
  on exactly those documents, ``arn:PARTITION:ssm:REGION:ACCOUNT:document/NAME``
  (the reference's ``document`` resource type, for both actions).
* The Lambda role writes its own log streams only:
  ``logs:CreateLogStream`` / ``logs:PutLogEvents`` on
  ``log-group:/aws/lambda/FUNCTION:*``.

``instance_tags`` (tag key -> values, the tags the region's schedules
target) limits start/stop to instances whose tag has one of those values:
one statement per key with ``StringEquals`` on ``aws:ResourceTag/KEY``
(EC2 gives that key for ``ec2:StartInstances`` / ``ec2:StopInstances`` on the
instance resource), so ``Service=prod`` is not covered when only
``Service=test`` is scheduled. It cannot break the runbooks while it lists
every schedule's tag: they only act on instances that the tag target
selected, which carry that tag. ``{}`` (no schedule) allows no instance;
``None`` (not known) every instance of the region.
"""

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import POLICY_VERSION
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import log_group_arn
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import service_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import send_to_queues_statement

AUTOMATION_DOCUMENTS = ("AWS-StartEC2Instance", "AWS-StopEC2Instance")
SSM_SERVICE = "ssm.amazonaws.com"
SCHEDULER_SERVICE = "scheduler.amazonaws.com"
LAMBDA_SERVICE = "lambda.amazonaws.com"
START_STOP_ACTIONS = ("ec2:StartInstances", "ec2:StopInstances")


def role_arn(partition, account_id, name, path="/"):
    return "arn:%s:iam::%s:role%s%s" % (partition, account_id, path or "/", name)


def automation_definition_arns(partition, region):
    """The two AWS-owned runbooks, any version (the call resolves $DEFAULT to a number), any account (AWS's is empty)."""
    return ["arn:%s:ssm:%s:*:automation-definition/%s:*" % (partition, region, document) for document in AUTOMATION_DOCUMENTS]


def runbook_arn(partition, region, account_id, name):
    """The collection's runbook in this account, any version (the call resolves $DEFAULT to a number)."""
    return "arn:%s:ssm:%s:%s:automation-definition/%s:*" % (partition, region, account_id, name)


def document_arn(partition, region, account_id, name):
    return "arn:%s:ssm:%s:%s:document/%s" % (partition, region, account_id, name)


def automation_executions_arn(partition, region, account_id):
    return "arn:%s:ssm:%s:%s:automation-execution/*" % (partition, region, account_id)


def instances_arn(partition, region, account_id):
    return "arn:%s:ec2:%s:%s:instance/*" % (partition, region, account_id)


def lambda_log_group_arn(partition, region, account_id, function_name):
    return log_group_arn(partition, region, account_id, "/aws/lambda/%s" % function_name)


def automation_trust_policy(account_id):
    return service_trust_policy(SSM_SERVICE, account_id)


def scheduler_trust_policy(account_id):
    return service_trust_policy(SCHEDULER_SERVICE, account_id)


def lambda_trust_policy():
    return service_trust_policy(LAMBDA_SERVICE)


def _pass_role_statement(sid, automation_role_arn):
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": automation_role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": SSM_SERVICE}},
    }


def _start_automation_statement(sid, partition, region, account_id=None, runbook=None):
    resources = automation_definition_arns(partition, region)
    if runbook:
        resources.append(runbook_arn(partition, region, account_id, runbook))
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "ssm:StartAutomationExecution",
        "Resource": resources,
    }


def _runbook_statements(partition, region, account_id, calendar_names):
    """What the collection's runbook reads: the pause tags (DescribeTags has no resource-level permissions) and its calendars."""
    statements = [{"Sid": "ReadPauseTags", "Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": "*"}]
    if calendar_names:
        statements.append({
            "Sid": "ReadChangeCalendars",
            "Effect": "Allow",
            "Action": ["ssm:GetCalendarState", "ssm:GetDocument"],
            "Resource": [document_arn(partition, region, account_id, name) for name in sorted(set(calendar_names))],
        })
    return statements


def _tag_targets_statement():
    return {"Sid": "ResolveTagTargets", "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*"}


def scheduled_instance_tags(schedules):
    """{tag key: sorted tag values} of the schedules that are present (validated office_hours.Schedule objects).

    Disabled schedules count: they exist in AWS and may be enabled there.
    """
    tags = {}
    for schedule in schedules:
        if schedule.state != "absent":
            tags.setdefault(schedule.tag_key, set()).add(schedule.tag_value)
    return dict((key, sorted(values)) for key, values in sorted(tags.items()))


def _start_stop_statements(instances, instance_tags):
    if instance_tags is None:
        return [{"Sid": "StartStopInstances", "Effect": "Allow", "Action": list(START_STOP_ACTIONS), "Resource": instances}]
    # One statement per key: keys in one Condition would all have to match, statements are alternatives.
    return [
        {
            "Sid": "StartStopScheduledInstances%d" % index,
            "Effect": "Allow",
            "Action": list(START_STOP_ACTIONS),
            "Resource": instances,
            "Condition": {"StringEquals": {"aws:ResourceTag/%s" % key: sorted(set(values))}},
        }
        for index, (key, values) in enumerate(sorted(instance_tags.items()), 1)
    ]


def automation_role_policy(partition, region, account_id, automation_role_arn, kms_key_arns=None, instance_tags=None, runbook=None,
                           calendar_names=()):
    """What SSM Automation needs, as the automation role, to start and stop the scheduled instances in one region.

    instance_tags: {tag key: [values]} of the schedules ({} for none), or None for every instance of the region.
    runbook: the collection's runbook's name when schedules use it (instance_runbook.PERMISSIONS: its reads of
    the pause tags and of calendar_names, the Change Calendars), else None.
    """
    statements = _start_stop_statements(instances_arn(partition, region, account_id), instance_tags)
    statements.extend(
        [
            {"Sid": "ReadInstanceStatus", "Effect": "Allow", "Action": "ec2:DescribeInstanceStatus", "Resource": "*"},
            _tag_targets_statement(),
            _start_automation_statement("StartChildAutomations", partition, region, account_id, runbook),
            {
                "Sid": "FollowChildAutomations",
                "Effect": "Allow",
                "Action": "ssm:GetAutomationExecution",
                "Resource": automation_executions_arn(partition, region, account_id),
            },
            _pass_role_statement("PassSelfToChildAutomations", automation_role_arn),
        ]
    )
    if runbook:
        statements.extend(_runbook_statements(partition, region, account_id, calendar_names))
    if kms_key_arns:
        statements.append(
            {
                "Sid": "GrantEncryptedVolumesToEC2",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": sorted(set(kms_key_arns)),
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def invoker_policy(partition, region, automation_role_arn, account_id=None, runbook=None, queue_arns=()):
    """What the caller of StartAutomationExecution (scheduler execution role) needs in one region.

    runbook: the collection's runbook, when schedules run it (then account_id names its ARN's account).
    queue_arns: the queues it delivers failed invocations to (the schedules' dead-letter queues, the
    function's on-failure destination), with ``sqs:SendMessage`` on exactly those: EventBridge Scheduler
    and Lambda send there with this role's credentials.
    """
    statements = [
        _start_automation_statement("StartOfficeHoursAutomations", partition, region, account_id, runbook),
        _pass_role_statement("PassAutomationRole", automation_role_arn),
        _tag_targets_statement(),
    ]
    if queue_arns:
        statements.append(send_to_queues_statement(queue_arns))
    return {"Version": POLICY_VERSION, "Statement": statements}


def lambda_role_policy(partition, region, account_id, automation_role_arn, function_name, runbook=None, queue_arns=()):
    """The invoker statements plus the function's own log streams."""
    policy = invoker_policy(partition, region, automation_role_arn, account_id, runbook, queue_arns)
    policy["Statement"].append(
        {
            "Sid": "WriteFunctionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": lambda_log_group_arn(partition, region, account_id, function_name) + ":*",
        }
    )
    return policy
