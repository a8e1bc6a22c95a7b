#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_info
version_added: 0.1.0
short_description: Which EC2 instances Session Manager can reach, and why not
description:
  - For every instance that O(target_tags) and/or O(instance_ids) select (pending, running, stopping or stopped), returns
    what it has (instance profile, IMDSv2 enforcement, Default Host Management), what Systems Manager sees of it
    (C(DescribeInstanceInformation) - ping status, agent version, platform, last ping), whether a session can reach it, and
    the first reason if not.
  - The reasons, in this order (causes before symptoms) - the instance is not running; it has no instance profile, or
    another one that was kept (O(access=instance_profile)); Default Host Management Configuration is off in the region, or
    the instance does not enforce IMDSv2 (O(access=default_host_management)); its subnet has no route to the internet (an
    internet gateway with a public IP address, a NAT) and its VPC has no interface endpoints with private DNS for C(ssm),
    C(ssmmessages) and C(ec2messages); the SSM agent is not registered (not installed, or not started), or stopped reporting.
  - An instance that is running and that Systems Manager sees C(Online) is reachable, whatever else it lacks.
  - Reads only. Selecting nothing (neither option, or both empty) sends no request.
author:
  - awsops.ssm maintainers (@awsops)
options:
  target_tags:
    description:
      - "Tag filters selecting the instances, C(key: value); a value may be a list of values (any of them). Keys are combined
        with AND; EC2 wildcards work in values."
    type: dict
  instance_ids:
    description:
      - IDs of the instances to select; with O(target_tags), an instance must match both.
    type: list
    elements: str
  access:
    description:
      - How the instances get the identity their SSM agent registers with.
      - C(instance_profile) - the instance profile O(instance_profile) on each instance.
      - C(default_host_management) - Default Host Management Configuration (M(awsops.ssm.ssm_default_host_management)); the
        module then reads the region's service setting.
    type: str
    choices: [instance_profile, default_host_management]
    default: instance_profile
  instance_profile:
    description:
      - Name of the Session Manager instance profile.
    type: str
    default: SSMSessionInstanceRole
  max_instances:
    description:
      - At most this many instances (the first by id) are read and returned; RV(truncated) says when more matched.
    type: int
    default: 1000
notes:
  - Reads C(DescribeInstances) (paginated, bounded by O(max_instances)), C(DescribeInstanceInformation) (50 ids a request),
    with O(access=default_host_management) C(GetServiceSetting), and only for running instances that Systems Manager does not
    see online, C(DescribeRouteTables) and C(DescribeVpcEndpoints) of their VPCs.
  - "Permissions: C(ec2:DescribeInstances), C(ssm:DescribeInstanceInformation), C(ec2:DescribeRouteTables),
    C(ec2:DescribeVpcEndpoints) (none supports resource-level permissions), and C(ssm:GetServiceSetting) on
    C(arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/managed-instance/default-ec2-instance-management-role)."
  - The SSM agent comes with Amazon Linux, Windows Server and Ubuntu Server AMIs from AWS and Canonical; elsewhere install it
    at first boot with the user data in C(examples/ssm-agent) of this collection.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Which dev instances can Session Manager reach?
  awsops.ssm.ssm_session_info:
    target_tags:
      Env: dev
  register: reach

- name: Print one line per instance
  ansible.builtin.debug:
    msg: "{{ reach.lines }}"

- name: The same under Default Host Management Configuration
  awsops.ssm.ssm_session_info:
    target_tags:
      Env: dev
    access: default_host_management
"""

RETURN = r"""
instances:
  description: One entry per selected instance, by id.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
    name:
      description: Its C(Name) tag, or null.
      type: str
    state:
      description: C(pending), C(running), C(stopping) or C(stopped).
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    subnet_id:
      description: Its subnet.
      type: str
    instance_profile:
      description: Name of its instance profile, or null.
      type: str
    has_session_profile:
      description: Whether that is O(instance_profile).
      type: bool
    imdsv2_required:
      description: Whether it enforces IMDSv2 (C(MetadataOptions.HttpTokens=required)).
      type: bool
    default_host_management:
      description: Whether Default Host Management applies to it (the setting names a role and IMDSv2 is required); null with
        O(access=instance_profile).
      type: bool
    agent:
      description: What Systems Manager sees.
      type: dict
      contains:
        registered:
          description: Whether the agent registered.
          type: bool
        ping_status:
          description: C(Online), C(ConnectionLost), C(Inactive), or null.
          type: str
        agent_version:
          description: Agent version.
          type: str
        platform:
          description: Platform name and version.
          type: str
        last_ping:
          description: Last ping, ISO 8601 in UTC.
          type: str
    network:
      description: The network path, read only for running instances Systems Manager does not see online (else null).
      type: dict
      contains:
        route_table_id:
          description: The subnet's route table.
          type: str
        route_to_internet:
          description: What its default route leads to that can reach Systems Manager, or null.
          type: str
        internet_gateway_without_public_ip:
          description: The default route goes to an internet gateway, but the instance has no public address.
          type: bool
        endpoints:
          description: The session services with an interface endpoint with private DNS in its VPC.
          type: list
          elements: str
        missing_endpoints:
          description: The session services without one.
          type: list
          elements: str
        ok:
          description: Whether one of the two paths exists.
          type: bool
    reachable:
      description: Whether a session can reach it now.
      type: bool
    reason:
      description: The first reason it is not reachable, or null.
      type: str
    line:
      description: The instance's line of the report.
      type: str
lines:
  description: The report's section, a heading, a line per instance and the instances that do not enforce IMDSv2.
  returned: always
  type: list
  elements: str
  sample:
    - "Session Manager reachability (instance profile SSMSessionInstanceRole): 1 of 2 instances reachable"
    - "  i-0123456789abcdef0  web-1                    running  profile SSMSessionInstanceRole     IMDSv2 required reachable: ..."
    - "  i-0fedcba9876543210  db-1                     stopped  no profile                         IMDSv2 optional NOT REACHABLE: ..."
reachable:
  description: How many of the instances are reachable.
  returned: always
  type: int
not_reachable:
  description: How many are not.
  returned: always
  type: int
truncated:
  description: Whether more instances matched than O(max_instances).
  returned: always
  type: bool
default_host_management_setting:
  description: The region's DHMC service setting value (C($None) when off); null with O(access=instance_profile).
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import session_reachability as reach
from ansible_collections.awsops.ssm.plugins.module_utils.default_host_management import get_setting
from ansible_collections.awsops.ssm.plugins.module_utils.default_host_management import names_role
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import selection_filters
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import describe_route_tables
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import describe_vpc_endpoints


# input_rules field -> this module's option
OPTIONS = {"target_tags": "target_tags", "instance_ids": "instance_ids", "access": "access", "instance_profile": "instance_profile"}


def input_problems(params):
    problems = check_input(options_of(params, OPTIONS), OPTIONS).problems
    if params["max_instances"] < 1:
        problems.append("max_instances: %r is not a whole number from 1" % params["max_instances"])
    return problems


def run(params, region, ec2, ssm):
    """Reads, bounded, and evaluates every selected instance."""
    access, profile = params["access"], params["instance_profile"]
    result = {"instances": [], "truncated": False, "default_host_management_setting": None}
    filters = selection_filters(params["target_tags"], params["instance_ids"])
    instances = []
    if filters is not None:
        instances, result["truncated"] = reach.describe_instances(ec2, filters, params["max_instances"])
    dhmc_on = None
    if access == reach.DEFAULT_HOST_MANAGEMENT and instances:
        setting = get_setting(ssm)
        result["default_host_management_setting"] = setting.get("SettingValue")
        dhmc_on = names_role(setting)
    information = reach.describe_instance_information(ssm, [instance["InstanceId"] for instance in instances]) if instances else {}
    to_explain = [instance for instance in instances if reach.needs_network(instance, information.get(instance["InstanceId"]))]
    vpc_ids = sorted(set(instance["VpcId"] for instance in to_explain if instance.get("VpcId")))
    route_tables, endpoints = [], {}
    if vpc_ids:
        route_tables = describe_route_tables(ec2, vpc_ids)
        endpoints = reach.session_endpoints_in(describe_vpc_endpoints(ec2, vpc_ids=vpc_ids), region)
    explained = set(instance["InstanceId"] for instance in to_explain)
    for instance in instances:
        network = reach.network_path(instance, route_tables, endpoints) if instance["InstanceId"] in explained and instance.get("VpcId") else None
        result["instances"].append(reach.evaluate(instance, information.get(instance["InstanceId"]), access, profile, dhmc_on, network))
    result["lines"] = reach.render_lines(result["instances"], access, profile, result["truncated"])
    result["reachable"] = len([row for row in result["instances"] if row["reachable"]])
    result["not_reachable"] = len(result["instances"]) - result["reachable"]
    return result


def main():
    argument_spec = dict(
        target_tags=dict(type="dict"),
        instance_ids=dict(type="list", elements="str"),
        access=dict(type="str", choices=[reach.INSTANCE_PROFILE, reach.DEFAULT_HOST_MANAGEMENT], default=reach.INSTANCE_PROFILE),
        instance_profile=dict(type="str", default="SSMSessionInstanceRole"),
        max_instances=dict(type="int", default=1000),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = input_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    ec2 = aws_retries.client(module, "ec2")
    ssm = aws_retries.client(module, "ssm")
    try:
        result = run(module.params, module.region, ec2, ssm)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
