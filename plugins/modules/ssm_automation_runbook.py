#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_automation_runbook
version_added: 0.1.0
short_description: The collection's start/stop Automation runbook, which honours closed days and pause tags
description:
  - Manages the SSM Automation runbook O(name) (document type C(Automation), C(schemaVersion) 0.3, YAML) that the instance scheduler
    runs instead of C(AWS-StartEC2Instance) / C(AWS-StopEC2Instance) for schedules with closed days or instance overrides. Its content is
    the collection's; this module only puts it in the region.
  - "Run per instance (tag targets, C(TargetParameterName=InstanceId)), it reads the instance's tags C(awsops:scheduler:pause) and
    C(awsops:scheduler:pause-until) (ec2:DescribeTags) and the state of the schedule's Change Calendars at the scheduled time
    (ssm:GetCalendarState), then starts or stops the instance, or skips it with an output that says why
    (C(closed: 2026-12-25 Christmas Day), C(paused until 2026-12-03T18:00+09:00)). Stop can hibernate where the instance is configured
    for hibernation. The runbook's parameters are in the notes."
  - "Pause tags: C(awsops:scheduler:pause=true) leaves the instance alone until the tag is removed; C(awsops:scheduler:pause-until) set
    to an ISO 8601 time with a UTC offset (C(2026-12-03T18:00+09:00), C(2026-12-03T09:00:00Z)) leaves it alone until then. A value that
    does not parse (C(tomorrow), a time without offset) fails that instance's execution with the reason and leaves the instance alone,
    so it shows as Failed until the tag is fixed or removed."
  - The content is compared by meaning with the default version. When it differs (a new collection release changed the runbook), a
    new version named C(r<revision>-<digest>) is written and made the default version; the same content writes nothing.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - Name of the runbook, 3-128 letters, digits, C(_), C(-) or C(.), not starting with C(aws), C(amazon) or C(amzn).
      - The instance scheduler names it C(<schedule group>-StartStopInstance).
    type: str
    required: true
  state:
    description:
      - C(present) creates or updates the runbook; C(absent) deletes it when the collection created it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Parameters of the runbook: C(InstanceId) (the target parameter), C(Action) (C(start) or C(stop)), C(AtTime) (the scheduled time,
    ISO 8601 UTC, for example EventBridge Scheduler's C(<aws.scheduler.scheduled-time>)), C(CalendarNames) (the schedule's calendars),
    C(OnClosedDays) (C(skip_start), the default: a stop still happens on a closed day; or C(skip_both)), C(Hibernate) (default false),
    C(AutomationAssumeRole)."
  - "The automation role needs ec2:DescribeTags, ssm:GetCalendarState and ssm:GetDocument on the calendars, ec2:StartInstances,
    ec2:StopInstances and ec2:DescribeInstanceStatus."
  - Automation bills each step run; this runbook runs five steps per instance where the AWS runbooks run one, so the instance scheduler
    uses it only where a schedule needs it.
  - Reads on a run that changes nothing, two calls, GetDocument (the default version) and ListTagsForResource.
extends_documentation_fragment:
  - awsops.ssm.ssm_document
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Put the start/stop runbook in the region
  awsops.ssm.ssm_automation_runbook:
    name: instance-scheduler-StartStopInstance
  register: runbook

- name: Remove it
  awsops.ssm.ssm_automation_runbook:
    name: instance-scheduler-StartStopInstance
    state: absent
"""

RETURN = r"""
document:
  description: The runbook after this run; empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the document.
      type: str
      sample: instance-scheduler-StartStopInstance
    document_version:
      description: The default version. In check mode, null when a new version would be written.
      type: str
      sample: "2"
    version_name:
      description: The version name of the collection's content, C(r<revision>-<12 hex digits>).
      type: str
      sample: r1-3f2a9c0d1b7e
    revision:
      description: The collection's revision of the runbook's logic.
      type: int
      sample: 1
    document_type:
      description: Document type.
      type: str
      sample: Automation
kept:
  description: Why a document was left alone (O(state=absent) on a document the collection did not create).
  returned: when a document was kept
  type: str
tags:
  description: The document's tags after this run.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import instance_runbook
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import OwnedDocument
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import ensure_absent
from ansible_collections.awsops.ssm.plugins.module_utils.ssm_documents import ensure_present


def run(module, client, params):
    document = OwnedDocument(client, params["name"], instance_runbook.DOCUMENT_TYPE, instance_runbook.DOCUMENT_FORMAT)
    document.read()
    content = instance_runbook.runbook_content()
    text = instance_runbook.serialize(content)
    before = document.content if document.exists and document.ours else ""
    result = {}
    if params["state"] == "absent":
        changed, kept = ensure_absent(module, document)
        if kept:
            result["kept"] = kept
        exists_after = document.exists and not changed
        version, tags, after = (document.version, document.tags, before) if exists_after else (None, {}, "")
    else:
        changed, version, tags = ensure_present(
            module, document, text, not instance_runbook.same_content(document.content or "", content),
            lambda stored: instance_runbook.same_content(stored, content), params["tags"], params["purge_tags"],
            instance_runbook.version_name(content))
        exists_after, after = True, before if before and instance_runbook.same_content(before, content) else text
    result.update(changed=changed, tags=tags, document={})
    if exists_after:
        result["document"] = {
            "name": params["name"],
            "document_version": version,
            "version_name": instance_runbook.version_name(content),
            "revision": instance_runbook.REVISION,
            "document_type": instance_runbook.DOCUMENT_TYPE,
        }
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    params["tags"] = dict((str(key), str(value)) for key, value in (params["tags"] or {}).items())
    problems = check_input({"document_name": params["name"], "tags": params["tags"]}, {"document_name": "name", "tags": "tags"}).problems
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = aws_retries.client(module, "ssm")
    try:
        result = run(module, client, params)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
