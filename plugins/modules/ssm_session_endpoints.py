#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_endpoints
version_added: 0.1.0
short_description: VPC endpoints that let instances in private subnets reach Session Manager
description:
  - For each VPC of O(vpcs), ensures interface endpoints for C(ssm), C(ssmmessages) and C(ec2messages) with private DNS on,
    so that instances with no route to the internet (no internet gateway, no NAT) can register with Systems Manager and
    accept sessions.
  - Optionally also an interface endpoint for C(kms) (sessions encrypted with KMS), for C(logs) (sessions logged to
    CloudWatch Logs) and an C(s3) gateway endpoint on the route tables of the given subnets (sessions logged to S3).
  - Unless O(vpcs[].security_group_ids) are given, the endpoints get a security group named O(security_group_name),
    created by this module in each VPC, that allows HTTPS (TCP 443) from the VPC's own IPv4 and IPv6 CIDR blocks only and has
    no outbound rule.
  - An endpoint for the same service that already exists in the VPC and was not created by this collection is reused
    as it is and reported in RV(reused_endpoints) with what it lacks (for example private DNS); it is never modified and
    never deleted.
  - What this module creates carries the tag C(awsops:ssm:managed-by=awsops.ssm); only that is changed or deleted.
    With O(state=present), an endpoint of ours for a service that is no longer wanted (O(kms_endpoint=false) after
    V(true), for example) is deleted.
  - Every input is checked against AWS before the first write. A VPC that does not exist, a subnet or security group of
    another VPC, two subnets in one Availability Zone, or a VPC whose C(enableDnsSupport) or C(enableDnsHostnames) is
    off (private DNS needs both; this module does not change your VPC) fail the task with a message naming the option,
    and nothing is created.
author:
  - awsops.ssm maintainers (@awsops)
options:
  vpcs:
    description:
      - The VPCs that get the endpoints.
    type: list
    elements: dict
    required: true
    suboptions:
      vpc_id:
        description:
          - ID of the VPC (C(vpc-0123456789abcdef0)).
        type: str
        required: true
      subnet_ids:
        description:
          - Subnets of this VPC in which the interface endpoints get a network interface, at most one per
            Availability Zone (usually one private subnet per zone the instances use).
          - Their route tables get the C(s3) gateway endpoint when O(s3_gateway_endpoint=true).
          - Required with O(state=present).
        type: list
        elements: str
      security_group_ids:
        description:
          - Security groups of this VPC to put on the interface endpoints instead of the one this module creates.
          - They must allow HTTPS (443) from the instances.
        type: list
        elements: str
  kms_endpoint:
    description:
      - Also an interface endpoint for C(kms), needed when sessions are encrypted with a KMS key.
    type: bool
    default: false
  logs_endpoint:
    description:
      - Also an interface endpoint for C(logs), needed when sessions are logged to CloudWatch Logs.
    type: bool
    default: false
  s3_gateway_endpoint:
    description:
      - Also an C(s3) gateway endpoint on the route tables of O(vpcs[].subnet_ids), needed when sessions are logged to S3
        (or when the SSM agent is installed from the regional S3 bucket) with no route to the internet.
      - Its policy is the AWS default (full access). A gateway endpoint carries all S3 traffic of its route tables, and a
        narrower policy would cut the instances off from every other bucket they use.
    type: bool
    default: false
  security_group_name:
    description:
      - Name of the security group this module creates in each VPC that has no O(vpcs[].security_group_ids).
      - A group of this name in the VPC that this collection did not create is refused (give O(vpcs[].security_group_ids)
        or another name).
    type: str
    default: awsops-ssm-session-endpoints
  state:
    description:
      - C(present) creates what is missing and reconciles what this collection created.
      - C(absent) deletes the endpoints and the security group that this collection created in the listed VPCs and keeps
        everything else (reported in RV(kept_endpoints)).
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - With O(state=absent) (or when groups of your own replace ours), seconds to wait for deleted endpoints to release
        their network interfaces before the security group is deleted.
    type: int
    default: 600
notes:
  - Reads, on a rerun, one C(DescribeVpcs), one C(DescribeSubnets), one or two C(DescribeSecurityGroups), one
    C(DescribeVpcEndpoints) for all VPCs, two C(DescribeVpcAttribute) per VPC, and one C(DescribeRouteTables) with
    O(s3_gateway_endpoint=true); it writes nothing when nothing differs.
  - C(CreateVpcEndpoint) is sent with a C(ClientToken), so the retry of a request whose answer was lost returns the endpoint
    the first attempt made instead of a second one. A retried C(CreateSecurityGroup) that finds the group made by its first
    attempt (C(InvalidGroup.Duplicate), tagged as ours) uses it.
  - Check mode sends no write request and predicts C(changed) and the result exactly; ids of what would be created are null
    (the security group shows as C((security group created by this run))).
  - "Permissions: C(ec2:DescribeVpcs), C(ec2:DescribeVpcAttribute), C(ec2:DescribeSubnets), C(ec2:DescribeSecurityGroups),
    C(ec2:DescribeVpcEndpoints), C(ec2:DescribeRouteTables) (these support no resource-level permissions);
    C(ec2:CreateVpcEndpoint), C(ec2:ModifyVpcEndpoint), C(ec2:DeleteVpcEndpoints), C(ec2:CreateSecurityGroup),
    C(ec2:AuthorizeSecurityGroupIngress), C(ec2:RevokeSecurityGroupIngress), C(ec2:RevokeSecurityGroupEgress),
    C(ec2:DeleteSecurityGroup), C(ec2:CreateTags), C(ec2:DeleteTags) - scope the changes and deletions with the condition
    C(aws:ResourceTag/awsops:ssm:managed-by=awsops.ssm) and the creations with C(aws:RequestTag/awsops:ssm:managed-by)."
  - Endpoint service names are built as C(com.amazonaws.REGION.SERVICE), the form of the commercial AWS partition.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - awsops.ssm.retries
"""

EXAMPLES = r"""
- name: Session Manager endpoints in two private subnets of one VPC
  awsops.ssm.ssm_session_endpoints:
    vpcs:
      - vpc_id: vpc-0123456789abcdef0
        subnet_ids: [subnet-0a1b2c3d4e5f60718, subnet-0f1e2d3c4b5a69788]

- name: Two VPCs, sessions encrypted and logged to CloudWatch and S3; the second VPC uses its own security group
  awsops.ssm.ssm_session_endpoints:
    vpcs:
      - vpc_id: vpc-0123456789abcdef0
        subnet_ids: [subnet-0a1b2c3d4e5f60718]
      - vpc_id: vpc-0fedcba9876543210
        subnet_ids: [subnet-01234567]
        security_group_ids: [sg-0123456789abcdef0]
    kms_endpoint: true
    logs_endpoint: true
    s3_gateway_endpoint: true
    tags:
      team: platform

- name: Remove what this collection created there (endpoints that existed before are kept)
  awsops.ssm.ssm_session_endpoints:
    vpcs:
      - vpc_id: vpc-0123456789abcdef0
    state: absent
"""

RETURN = r"""
vpcs:
  description: Per VPC, what it holds after this run (predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    vpc_id:
      description: ID of the VPC.
      type: str
    cidr_blocks:
      description: The VPC's associated CIDR blocks (the sources the security group allows).
      type: list
      elements: str
    dns_support:
      description: The VPC's C(enableDnsSupport) (null with O(state=absent), which does not read it).
      type: bool
    dns_hostnames:
      description: The VPC's C(enableDnsHostnames) (null with O(state=absent)).
      type: bool
    security_group_id:
      description: The security group this collection created for the VPC's endpoints, or null.
      type: str
    security_group_action:
      description: C(created), C(updated), C(unchanged), C(deleted) or C(none).
      type: str
    endpoint_security_group_ids:
      description: The security groups on the interface endpoints this collection manages.
      type: list
      elements: str
    endpoints:
      description: One entry per service (and per endpoint deleted or kept).
      type: list
      elements: dict
      contains:
        service:
          description: C(ssm), C(ssmmessages), C(ec2messages), C(kms), C(logs) or C(s3).
          type: str
        service_name:
          description: The endpoint service name.
          type: str
          sample: com.amazonaws.eu-west-1.ssm
        type:
          description: C(Interface) or C(Gateway).
          type: str
        vpc_endpoint_id:
          description: ID of the endpoint (null when check mode predicts its creation).
          type: str
        owner:
          description: C(awsops.ssm) when this collection created it, C(other) when it existed before.
          type: str
        action:
          description: C(created), C(updated), C(unchanged), C(reused), C(deleted) or C(kept).
          type: str
        private_dns_enabled:
          description: Whether the endpoint serves the service's private DNS name (interface endpoints).
          type: bool
        subnet_ids:
          description: Subnets of the interface endpoint.
          type: list
          elements: str
        security_group_ids:
          description: Security groups of the interface endpoint.
          type: list
          elements: str
        route_table_ids:
          description: Route tables of the gateway endpoint.
          type: list
          elements: str
        problems:
          description: What a reused endpoint lacks for Session Manager (it is not changed).
          type: list
          elements: str
created_endpoints:
  description: IDs of the endpoints this run created (in check mode, the services it would create them for).
  returned: always
  type: list
  elements: str
reused_endpoints:
  description: Endpoints that existed before, not created by this collection, used as they are.
  returned: always
  type: list
  elements: dict
  sample:
    - vpc_id: vpc-0123456789abcdef0
      service: ssm
      vpc_endpoint_id: vpce-0123456789abcdef0
      problems: []
deleted_endpoints:
  description: IDs of the endpoints of this collection that this run deleted.
  returned: always
  type: list
  elements: str
kept_endpoints:
  description: With O(state=absent), endpoints for these services that this collection did not create and kept.
  returned: always
  type: list
  elements: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import DEFAULT_GROUP_NAME
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import apply_plan
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import before_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import plan_absent
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import plan_present
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import read_state
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import state_problems
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import wanted_services

# input_rules field -> this module's option
OPTIONS = {"state": "state", "vpc_endpoints": "vpcs", "security_group_name": "security_group_name", "tags": "tags"}


def input_problems(params):
    """Every problem with the options, each naming the option and the accepted form."""
    return check_input(options_of(params, OPTIONS), OPTIONS).problems


def plans_for(params, region, states):
    if params["state"] == "absent":
        return [plan_absent(item, region) for item in states]
    services = wanted_services(params["kms_endpoint"], params["logs_endpoint"], params["s3_gateway_endpoint"])
    return [plan_present(item, region, services, params["tags"], params["purge_tags"], params["security_group_name"]) for item in states]


def result_of(plans):
    rows = [(plan.vpc_id, row) for plan in plans for row in plan.endpoints]
    return {
        "changed": any(plan.steps for plan in plans),
        "vpcs": [plan.view() for plan in plans],
        "created_endpoints": [row["vpc_endpoint_id"] or row["service_name"] for _vpc, row in rows if row["action"] == "created"],
        "reused_endpoints": [
            {"vpc_id": vpc_id, "service": row["service"], "vpc_endpoint_id": row["vpc_endpoint_id"], "problems": row["problems"]}
            for vpc_id, row in rows
            if row["action"] == "reused"
        ],
        "deleted_endpoints": [row["vpc_endpoint_id"] for _vpc, row in rows if row["action"] == "deleted"],
        "kept_endpoints": [
            {"vpc_id": vpc_id, "service": row["service"], "vpc_endpoint_id": row["vpc_endpoint_id"]} for vpc_id, row in rows if row["action"] == "kept"
        ],
    }


def run(module, client):
    """Reads every VPC, refuses bad input before any write, then plans and (unless checking) sends the plan."""
    params = module.params
    region = module.region
    states = read_state(client, params["vpcs"], params["state"], params["security_group_name"], params["s3_gateway_endpoint"])
    if params["state"] == "present":
        problems = state_problems(states, params["security_group_name"])
        if problems:
            module.fail_json(msg="; ".join(problems), problems=problems)
    plans = plans_for(params, region, states)
    before = dict((item.vpc_id, before_view(item, region)) for item in states)
    if not module.check_mode:
        for plan in plans:
            apply_plan(client, plan, time.sleep, params["wait_timeout"])
    result = result_of(plans)
    for reused in result["reused_endpoints"]:
        for problem in reused["problems"]:
            module.warn(
                "%s in %s: the existing %s endpoint (not created by awsops.ssm, kept as it is) %s"
                % (reused["vpc_endpoint_id"], reused["vpc_id"], reused["service"], problem)
            )
    if module._diff:
        result["diff"] = {"before": before, "after": dict((plan.vpc_id, after_view(plan)) for plan in plans)}
    return result


def main():
    argument_spec = dict(
        vpcs=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                vpc_id=dict(type="str", required=True),
                subnet_ids=dict(type="list", elements="str"),
                security_group_ids=dict(type="list", elements="str"),
            ),
        ),
        kms_endpoint=dict(type="bool", default=False),
        logs_endpoint=dict(type="bool", default=False),
        s3_gateway_endpoint=dict(type="bool", default=False),
        security_group_name=dict(type="str", default=DEFAULT_GROUP_NAME),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait_timeout=dict(type="int", default=600),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["tags"] is not None:
        params["tags"] = dict((str(key), str(value)) for key, value in params["tags"].items())
    problems = input_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    client = aws_retries.client(module, "ec2")
    try:
        result = run(module, client)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
