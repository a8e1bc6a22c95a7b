# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC endpoints that let instances in private subnets reach Session Manager.

An instance with no route to the internet reaches Systems Manager only
through interface endpoints in its VPC for ``ssm``, ``ssmmessages`` and
``ec2messages`` (with private DNS, so the agent's usual host names resolve
to them), plus ``kms`` when sessions are encrypted, ``logs`` when sessions
are logged to CloudWatch, and an ``s3`` gateway endpoint on the subnets'
route tables when they are logged to S3.

The rules, in one place:

* An endpoint this collection created carries the tag
  ``awsops:ssm:managed-by``; only such endpoints are changed or deleted.
* An endpoint for the same service that already exists in the VPC and is
  not ours is reused as it is and reported (with what it lacks), never
  modified and never deleted. (Two interface endpoints with private DNS for
  one service cannot coexist in a VPC anyway.)
* Unless security groups are given, the endpoints get one security group
  per VPC, owned by this collection, that allows HTTPS (443) from the VPC's
  own CIDR blocks only and has no outbound rule (an endpoint answers, it
  never initiates).
* The form of every input is checked by input_rules (fields
  ``vpc_endpoints``, ``security_group_name``); what only AWS knows (the VPC,
  its subnets and security groups, its DNS attributes) by state_problems,
  before the first write (the playbooks' pre-flight runs the same reads).

The plan of a VPC is a list of (operation, request) steps computed from one
read of the VPC; check mode stops there, a real run sends them in order.
"""

import functools
import uuid
from dataclasses import dataclass
from dataclasses import field

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import INTERNAL_TAG_PREFIX
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_TAG
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import MANAGED_BY_VALUE
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import error_code

SESSION_SERVICES = ("ssm", "ssmmessages", "ec2messages")
INTERFACE = "Interface"
GATEWAY = "Gateway"
# Every service whose endpoint this collection may create, with its type.
SERVICE_TYPES = {"ssm": INTERFACE, "ssmmessages": INTERFACE, "ec2messages": INTERFACE, "kms": INTERFACE, "logs": INTERFACE, "s3": GATEWAY}
# Endpoint states in which an endpoint exists (AWS spells them in lower case; compared so).
LIVE_STATES = ("pendingacceptance", "pending", "available", "partial")
DEFAULT_GROUP_NAME = "awsops-ssm-session-endpoints"
GROUP_DESCRIPTION = "HTTPS from this VPC to its Systems Manager endpoints (awsops.ssm)"
RULE_DESCRIPTION = "HTTPS from the VPC (awsops.ssm)"
HTTPS = 443
# The placeholder for the id of a security group that an earlier step of the same plan creates.
NEW_GROUP = "(security group created by this run)"
DELETE_BATCH = 25


def service_name(region, service):
    """com.amazonaws.eu-west-1.ssm: the endpoint service name of an AWS service in a region."""
    return "com.amazonaws.%s.%s" % (region, service)


def wanted_services(kms_endpoint=False, logs_endpoint=False, s3_gateway_endpoint=False):
    services = list(SESSION_SERVICES)
    if kms_endpoint:
        services.append("kms")
    if logs_endpoint:
        services.append("logs")
    if s3_gateway_endpoint:
        services.append("s3")
    return services


def is_live(endpoint):
    return (endpoint.get("State") or "").lower() in LIVE_STATES


def tags_of(resource):
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])


def is_ours(resource):
    return tags_of(resource).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE


def user_tags(tags):
    return dict((key, value) for key, value in tags.items() if not key.startswith(INTERNAL_TAG_PREFIX) and key != MANAGED_BY_TAG)


# ---- thin API wrappers: retries and error wrapping in one place ----


class EC2ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["InvalidVpcEndpointId.NotFound", "InvalidVpcEndpoint.NotFound", "InvalidGroup.NotFound"])


def _paginate(client, operation, result_key, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get(result_key, [])


@EC2ErrorHandler.common_error_handler("describe VPCs")
def describe_vpcs(client, vpc_ids):
    # A filter, not VpcIds: a missing id matches nothing instead of failing the call, so every missing id is reported.
    return _paginate(client, "describe_vpcs", "Vpcs", Filters=[{"Name": "vpc-id", "Values": sorted(vpc_ids)}])


@EC2ErrorHandler.common_error_handler("describe a VPC attribute")
def vpc_attribute(client, vpc_id, attribute):
    """enableDnsSupport / enableDnsHostnames of a VPC, as a bool."""
    answer = client.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
    return bool(answer[attribute[0].upper() + attribute[1:]]["Value"])


@EC2ErrorHandler.common_error_handler("describe subnets")
def describe_subnets(client, subnet_ids):
    return _paginate(client, "describe_subnets", "Subnets", Filters=[{"Name": "subnet-id", "Values": sorted(subnet_ids)}])


@EC2ErrorHandler.common_error_handler("describe security groups")
def describe_security_groups(client, filters):
    return _paginate(client, "describe_security_groups", "SecurityGroups", Filters=filters)


@EC2ErrorHandler.common_error_handler("describe route tables")
def describe_route_tables(client, vpc_ids):
    return _paginate(client, "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": sorted(vpc_ids)}])


@EC2ErrorHandler.list_error_handler("describe VPC endpoints", [])
def describe_vpc_endpoints(client, vpc_ids=None, endpoint_ids=None):
    if endpoint_ids:
        return _paginate(client, "describe_vpc_endpoints", "VpcEndpoints", VpcEndpointIds=sorted(endpoint_ids))
    return _paginate(client, "describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": sorted(vpc_ids)}])


def _resent_while(codes, seconds=aws_retries.CONSISTENCY_SECONDS):
    """Send again while AWS answers one of codes (eventual consistency, not a failure); each send has the client's retries."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return aws_retries.resend_while(lambda: function(*args, **kwargs), aws_retries.has_code(*codes), seconds=seconds)

        return wrapper

    return decorator


# A security group that this run has just created may not be known yet to the next call for a few seconds.
fresh_group_retry = _resent_while(("InvalidGroup.NotFound",))
# ENIs of deleted endpoints linger for minutes: their security group cannot be deleted before they go.
DEPENDENCY_SECONDS = 300
dependency_retry = _resent_while(("DependencyViolation",), seconds=DEPENDENCY_SECONDS)


@EC2ErrorHandler.common_error_handler("create the security group")
def create_security_group(client, request):
    return client.create_security_group(**request)["GroupId"]


@EC2ErrorHandler.common_error_handler("change the rules of the security group")
@fresh_group_retry
def call_on_fresh_group(client, operation, request):
    return getattr(client, operation)(**request)


@EC2ErrorHandler.common_error_handler("create the VPC endpoint")
@fresh_group_retry
def create_vpc_endpoint(client, request):
    # The request carries a ClientToken: a retry after a lost answer returns the endpoint the first attempt made.
    return client.create_vpc_endpoint(**request)["VpcEndpoint"]


@EC2ErrorHandler.common_error_handler("modify the VPC endpoint")
@fresh_group_retry
def modify_vpc_endpoint(client, request):
    return client.modify_vpc_endpoint(**request)


@EC2ErrorHandler.common_error_handler("tag a resource")
@_resent_while(("InvalidGroup.NotFound", "InvalidVpcEndpointId.NotFound"))
def call_tags(client, operation, request):
    return getattr(client, operation)(**request)


@EC2ErrorHandler.deletion_error_handler("delete VPC endpoints")
def delete_vpc_endpoints(client, endpoint_ids):
    """Returns the endpoints AWS could not delete (it answers per endpoint instead of failing)."""
    unsuccessful = client.delete_vpc_endpoints(VpcEndpointIds=endpoint_ids).get("Unsuccessful") or []
    return [item for item in unsuccessful if (item.get("Error") or {}).get("Code") not in ("InvalidVpcEndpoint.NotFound", "InvalidVpcEndpointId.NotFound")]


@EC2ErrorHandler.deletion_error_handler("delete the security group")
@dependency_retry
def delete_security_group(client, group_id):
    client.delete_security_group(GroupId=group_id)
    return True


# ---- input ----


# ---- what AWS holds ----


@dataclass
class VpcState:
    """One VPC as read before planning."""

    index: int
    vpc_id: str
    subnet_ids: list
    security_group_ids: list
    vpcs_option: str = "vpcs"
    vpc: dict = None
    dns_support: bool = None
    dns_hostnames: bool = None
    subnets: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    named_group: dict = None
    endpoints: list = field(default_factory=list)
    route_table_ids: list = field(default_factory=list)

    @property
    def option(self):
        return "%s[%d]" % (self.vpcs_option, self.index)

    def cidr_blocks(self):
        """The VPC's associated IPv4 and IPv6 CIDR blocks."""
        ipv4 = [item["CidrBlock"] for item in self.vpc.get("CidrBlockAssociationSet") or [] if (item.get("CidrBlockState") or {}).get("State") == "associated"]
        ipv6 = [
            item["Ipv6CidrBlock"]
            for item in self.vpc.get("Ipv6CidrBlockAssociationSet") or []
            if (item.get("Ipv6CidrBlockState") or {}).get("State") == "associated"
        ]
        return sorted(ipv4), sorted(ipv6)

    def our_group(self):
        return self.named_group if self.named_group and is_ours(self.named_group) else None


def subnet_route_tables(route_tables, vpc_id, subnet_ids):
    """The route table of each subnet: its explicit association, else the VPC's main table."""
    main = None
    explicit = {}
    for table in route_tables:
        if table.get("VpcId") != vpc_id:
            continue
        for association in table.get("Associations") or []:
            if association.get("Main"):
                main = table["RouteTableId"]
            elif association.get("SubnetId"):
                explicit[association["SubnetId"]] = table["RouteTableId"]
    return sorted(set(explicit.get(subnet_id, main) for subnet_id in subnet_ids) - {None})


def read_state(client, vpcs_param, state, security_group_name, s3_gateway_endpoint, vpcs_option="vpcs"):
    """Reads every VPC of the list in a few calls: VPCs, subnets, groups, endpoints (and DNS attributes, route tables)."""
    states = [
        VpcState(index, vpc["vpc_id"], list(vpc.get("subnet_ids") or []), list(vpc.get("security_group_ids") or []), vpcs_option)
        for index, vpc in enumerate(vpcs_param)
    ]
    if not states:
        return states
    vpc_ids = [item.vpc_id for item in states]
    found = dict((vpc["VpcId"], vpc) for vpc in describe_vpcs(client, vpc_ids))
    for item in states:
        item.vpc = found.get(item.vpc_id)
    present = [item for item in states if item.vpc]
    if not present:
        return states
    # Subnets and given groups matter only to what present makes; absent removes what is ours in the VPC.
    subnet_ids = [subnet_id for item in present for subnet_id in item.subnet_ids] if state == "present" else []
    subnets = dict((subnet["SubnetId"], subnet) for subnet in describe_subnets(client, subnet_ids)) if subnet_ids else {}
    group_ids = [group_id for item in present for group_id in item.security_group_ids] if state == "present" else []
    given_groups = (
        dict((group["GroupId"], group) for group in describe_security_groups(client, [{"Name": "group-id", "Values": sorted(group_ids)}])) if group_ids else {}
    )
    named = describe_security_groups(
        client, [{"Name": "vpc-id", "Values": sorted(item.vpc_id for item in present)}, {"Name": "group-name", "Values": [security_group_name]}]
    )
    named_by_vpc = dict((group["VpcId"], group) for group in named)
    endpoints = [endpoint for endpoint in describe_vpc_endpoints(client, vpc_ids=[item.vpc_id for item in present]) if is_live(endpoint)]
    tables = describe_route_tables(client, [item.vpc_id for item in present]) if state == "present" and s3_gateway_endpoint else []
    for item in present:
        item.subnets = dict((subnet_id, subnets[subnet_id]) for subnet_id in item.subnet_ids if subnet_id in subnets)
        item.groups = dict((group_id, given_groups[group_id]) for group_id in item.security_group_ids if group_id in given_groups)
        item.named_group = named_by_vpc.get(item.vpc_id)
        item.endpoints = [endpoint for endpoint in endpoints if endpoint.get("VpcId") == item.vpc_id]
        item.route_table_ids = subnet_route_tables(tables, item.vpc_id, item.subnet_ids)
        if state == "present":
            item.dns_support = vpc_attribute(client, item.vpc_id, "enableDnsSupport")
            item.dns_hostnames = vpc_attribute(client, item.vpc_id, "enableDnsHostnames")
    return states


def state_problems(states, security_group_name, group_option="security_group_name"):
    """Problems that present finds in what AWS holds, before any write: each names the option and says what to change.

    (absent has none: a VPC that is gone holds no endpoint to remove.)
    """
    problems = []
    for item in states:
        option = item.option
        if not item.vpc:
            problems.append("%s.vpc_id: %s does not exist in this region (or is not visible to these credentials)" % (option, item.vpc_id))
            continue
        zones = {}
        for subnet_id in item.subnet_ids:
            subnet = item.subnets.get(subnet_id)
            if not subnet:
                problems.append("%s.subnet_ids: %s does not exist in this region" % (option, subnet_id))
            elif subnet["VpcId"] != item.vpc_id:
                problems.append("%s.subnet_ids: %s is in %s, not in %s" % (option, subnet_id, subnet["VpcId"], item.vpc_id))
            else:
                zones.setdefault(subnet["AvailabilityZone"], []).append(subnet_id)
        for zone, in_zone in sorted(zones.items()):
            if len(in_zone) > 1:
                problems.append(
                    "%s.subnet_ids: %s are all in %s; an interface endpoint takes one subnet per Availability Zone" % (option, ", ".join(in_zone), zone)
                )
        for group_id in item.security_group_ids:
            group = item.groups.get(group_id)
            if not group:
                problems.append("%s.security_group_ids: %s does not exist in this region" % (option, group_id))
            elif group.get("VpcId") != item.vpc_id:
                problems.append("%s.security_group_ids: %s is in %s, not in %s" % (option, group_id, group.get("VpcId"), item.vpc_id))
        if not item.security_group_ids and item.named_group and not is_ours(item.named_group):
            # group_option: the option that names the group (None where the caller fixes the name)
            another = ", or another " + group_option if group_option else ""
            problems.append(
                "%s.security_group_ids: %s already has a security group %s (%s) that awsops.ssm did not create; give security groups of "
                "your own here%s" % (option, item.vpc_id, security_group_name, item.named_group["GroupId"], another)
            )
        off = [name for name, value in (("enableDnsSupport", item.dns_support), ("enableDnsHostnames", item.dns_hostnames)) if not value]
        if off:
            problems.append(
                "%s.vpc_id: %s has %s off; the endpoints' private DNS names need both enableDnsSupport and enableDnsHostnames on "
                "(aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-hostnames '{\"Value\": true}', and the same with --enable-dns-support)"
                % (option, item.vpc_id, " and ".join(off), item.vpc_id)
            )
    return problems


# ---- security group rules ----


def rules_of(permissions):
    """IpPermissions as a set of (protocol, from, to, kind, target), one per source."""
    rules = set()
    for permission in permissions or []:
        protocol = str(permission.get("IpProtocol"))
        ports = (None, None) if protocol == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
        for item in permission.get("IpRanges") or []:
            rules.add((protocol,) + ports + ("ipv4", item["CidrIp"]))
        for item in permission.get("Ipv6Ranges") or []:
            rules.add((protocol,) + ports + ("ipv6", item["CidrIpv6"]))
        for item in permission.get("PrefixListIds") or []:
            rules.add((protocol,) + ports + ("prefix-list", item["PrefixListId"]))
        for item in permission.get("UserIdGroupPairs") or []:
            rules.add((protocol,) + ports + ("group", item["GroupId"]))
    return rules


def permissions_of(rules, description=None):
    """The IpPermissions of a set of rules, one permission per rule, sorted (so requests are stable)."""
    permissions = []
    for protocol, from_port, to_port, kind, target in sorted(rules, key=lambda rule: tuple(str(part) for part in rule)):
        permission = {"IpProtocol": protocol}
        if protocol != "-1":
            permission.update(FromPort=from_port, ToPort=to_port)
        source = {
            "ipv4": ("IpRanges", "CidrIp"),
            "ipv6": ("Ipv6Ranges", "CidrIpv6"),
            "prefix-list": ("PrefixListIds", "PrefixListId"),
            "group": ("UserIdGroupPairs", "GroupId"),
        }[kind]
        entry = {source[1]: target}
        if description and kind in ("ipv4", "ipv6"):
            entry["Description"] = description
        permission[source[0]] = [entry]
        permissions.append(permission)
    return permissions


def https_from(ipv4, ipv6):
    return set(("tcp", HTTPS, HTTPS, "ipv4", cidr) for cidr in ipv4) | set(("tcp", HTTPS, HTTPS, "ipv6", cidr) for cidr in ipv6)


def tag_steps(resource_id, current_tags, wanted_user_tags, purge_tags):
    """create_tags / delete_tags steps that make a resource of ours carry wanted_user_tags (and keep its managed-by tag)."""
    if wanted_user_tags is None:
        return []
    to_set, to_remove = compare_aws_tags(user_tags(current_tags), wanted_user_tags, purge_tags=purge_tags)
    steps = []
    if to_set:
        steps.append(("create_tags", {"Resources": [resource_id], "Tags": ansible_dict_to_boto3_tag_list(to_set)}))
    if to_remove:
        steps.append(("delete_tags", {"Resources": [resource_id], "Tags": [{"Key": key} for key in sorted(to_remove)]}))
    return steps


def creation_tags(resource_type, wanted_user_tags):
    tags = dict(wanted_user_tags or {})
    tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    return [{"ResourceType": resource_type, "Tags": ansible_dict_to_boto3_tag_list(tags)}]


# ---- the plan of one VPC ----


@dataclass
class VpcPlan:
    vpc_id: str
    steps: list = field(default_factory=list)
    endpoints: list = field(default_factory=list)
    security_group_id: str = None
    security_group_action: str = "none"
    endpoint_security_group_ids: list = field(default_factory=list)
    cidr_blocks: list = field(default_factory=list)
    dns_support: bool = None
    dns_hostnames: bool = None
    deleted_endpoint_ids: list = field(default_factory=list)

    def view(self):
        return {
            "vpc_id": self.vpc_id,
            "cidr_blocks": self.cidr_blocks,
            "dns_support": self.dns_support,
            "dns_hostnames": self.dns_hostnames,
            "security_group_id": self.security_group_id,
            "security_group_action": self.security_group_action,
            "endpoint_security_group_ids": self.endpoint_security_group_ids,
            "endpoints": self.endpoints,
        }


def endpoint_row(service, region, endpoint, owner, action, problems=None):
    endpoint = endpoint or {}
    return {
        "service": service,
        "service_name": service_name(region, service),
        "type": SERVICE_TYPES[service],
        "vpc_endpoint_id": endpoint.get("VpcEndpointId"),
        "owner": owner,
        "action": action,
        "state": endpoint.get("State"),
        "private_dns_enabled": endpoint.get("PrivateDnsEnabled") if SERVICE_TYPES[service] == INTERFACE else None,
        "subnet_ids": sorted(endpoint.get("SubnetIds") or []),
        "security_group_ids": sorted(group["GroupId"] for group in endpoint.get("Groups") or []),
        "route_table_ids": sorted(endpoint.get("RouteTableIds") or []),
        "problems": problems or [],
    }


def reuse_problems(service, endpoint, item):
    """What an endpoint that is not ours lacks for Session Manager (it is reported, never changed)."""
    problems = []
    if SERVICE_TYPES[service] == INTERFACE:
        if not endpoint.get("PrivateDnsEnabled"):
            problems.append("private DNS is off: instances resolve the public %s name and need a route to the internet" % service)
    else:
        missing = sorted(set(item.route_table_ids) - set(endpoint.get("RouteTableIds") or []))
        if missing:
            problems.append("is not on the route tables %s of the given subnets: S3 traffic from them does not use it" % ", ".join(missing))
    return problems


def _modify_request(endpoint, service, subnet_ids, group_ids, route_table_ids):
    """The ModifyVpcEndpoint request that makes an endpoint of ours match, or None."""
    request = {"VpcEndpointId": endpoint["VpcEndpointId"]}
    if SERVICE_TYPES[service] == INTERFACE:
        current_subnets = set(endpoint.get("SubnetIds") or [])
        current_groups = set(group["GroupId"] for group in endpoint.get("Groups") or [])
        pairs = (
            ("AddSubnetIds", set(subnet_ids) - current_subnets),
            ("RemoveSubnetIds", current_subnets - set(subnet_ids)),
            ("AddSecurityGroupIds", set(group_ids) - current_groups),
            ("RemoveSecurityGroupIds", current_groups - set(group_ids)),
        )
        if not endpoint.get("PrivateDnsEnabled"):
            request["PrivateDnsEnabled"] = True
    else:
        current_tables = set(endpoint.get("RouteTableIds") or [])
        pairs = (("AddRouteTableIds", set(route_table_ids) - current_tables), ("RemoveRouteTableIds", current_tables - set(route_table_ids)))
    for key, values in pairs:
        if values:
            request[key] = sorted(values)
    return request if len(request) > 1 else None


def _create_request(item, region, service, group_ids, tags):
    request = {
        "VpcEndpointType": SERVICE_TYPES[service],
        "VpcId": item.vpc_id,
        "ServiceName": service_name(region, service),
        "ClientToken": str(uuid.uuid4()),
        "TagSpecifications": creation_tags("vpc-endpoint", tags),
    }
    if SERVICE_TYPES[service] == INTERFACE:
        request.update(SubnetIds=sorted(item.subnet_ids), SecurityGroupIds=list(group_ids), PrivateDnsEnabled=True)
    else:
        request["RouteTableIds"] = list(item.route_table_ids)
    return request


def _ensure_group(plan, item, tags, purge_tags, group_name):
    """Our security group: created, or its rules and tags reconciled. Returns the group id the endpoints use (maybe NEW_GROUP)."""
    ipv4, ipv6 = item.cidr_blocks()
    wanted = https_from(ipv4, ipv6)
    group = item.our_group()
    if group is None:
        plan.steps.append(
            (
                "create_security_group",
                {"GroupName": group_name, "Description": GROUP_DESCRIPTION, "VpcId": item.vpc_id, "TagSpecifications": creation_tags("security-group", tags)},
            )
        )
        # A new group allows all outbound traffic; an endpoint's group needs none.
        plan.steps.append(("revoke_security_group_egress", {"GroupId": NEW_GROUP, "IpPermissions": permissions_of({("-1", None, None, "ipv4", "0.0.0.0/0")})}))
        plan.steps.append(("authorize_security_group_ingress", {"GroupId": NEW_GROUP, "IpPermissions": permissions_of(wanted, RULE_DESCRIPTION)}))
        plan.security_group_id = NEW_GROUP
        plan.security_group_action = "created"
        return NEW_GROUP
    group_id = group["GroupId"]
    plan.security_group_id = group_id
    steps = []
    current_in = rules_of(group.get("IpPermissions"))
    current_out = rules_of(group.get("IpPermissionsEgress"))
    if wanted - current_in:
        steps.append(("authorize_security_group_ingress", {"GroupId": group_id, "IpPermissions": permissions_of(wanted - current_in, RULE_DESCRIPTION)}))
    if current_in - wanted:
        steps.append(("revoke_security_group_ingress", {"GroupId": group_id, "IpPermissions": permissions_of(current_in - wanted)}))
    if current_out:
        steps.append(("revoke_security_group_egress", {"GroupId": group_id, "IpPermissions": permissions_of(current_out)}))
    steps.extend(tag_steps(group_id, tags_of(group), tags, purge_tags))
    plan.steps.extend(steps)
    plan.security_group_action = "updated" if steps else "unchanged"
    return group_id


def plan_present(item, region, services, tags, purge_tags, group_name):
    """The steps that give one VPC the wanted endpoints."""
    ipv4, ipv6 = item.cidr_blocks()
    plan = VpcPlan(item.vpc_id, cidr_blocks=ipv4 + ipv6, dns_support=item.dns_support, dns_hostnames=item.dns_hostnames)
    if item.security_group_ids:
        group_ids = sorted(item.security_group_ids)
    else:
        group_ids = [_ensure_group(plan, item, tags, purge_tags, group_name)]
    plan.endpoint_security_group_ids = group_ids
    later = []
    for service in SERVICE_TYPES:
        name = service_name(region, service)
        matching = [
            endpoint
            for endpoint in item.endpoints
            if endpoint.get("ServiceName") == name and endpoint.get("VpcEndpointType", "").lower() == SERVICE_TYPES[service].lower()
        ]
        ours = [endpoint for endpoint in matching if is_ours(endpoint)]
        others = [endpoint for endpoint in matching if not is_ours(endpoint)]
        if service not in services:
            for endpoint in ours:
                plan.deleted_endpoint_ids.append(endpoint["VpcEndpointId"])
                plan.endpoints.append(endpoint_row(service, region, endpoint, "awsops.ssm", "deleted"))
            continue
        if ours:
            endpoint = ours[0]
            steps = []
            request = _modify_request(endpoint, service, item.subnet_ids, group_ids, item.route_table_ids)
            if request:
                steps.append(("modify_vpc_endpoint", request))
            steps.extend(tag_steps(endpoint["VpcEndpointId"], tags_of(endpoint), tags, purge_tags))
            plan.steps.extend(steps)
            row = endpoint_row(service, region, endpoint, "awsops.ssm", "updated" if steps else "unchanged")
            if steps:
                row.update(subnet_ids=sorted(item.subnet_ids) if SERVICE_TYPES[service] == INTERFACE else [])
                if SERVICE_TYPES[service] == INTERFACE:
                    row.update(security_group_ids=group_ids, private_dns_enabled=True)
                else:
                    row["route_table_ids"] = list(item.route_table_ids)
            plan.endpoints.append(row)
        elif others:
            # Prefer the endpoint that serves the private DNS name (the one instances actually use).
            endpoint = sorted(others, key=lambda other: (not other.get("PrivateDnsEnabled"), other["VpcEndpointId"]))[0]
            plan.endpoints.append(endpoint_row(service, region, endpoint, "other", "reused", reuse_problems(service, endpoint, item)))
        else:
            plan.steps.append(("create_vpc_endpoint", _create_request(item, region, service, group_ids, tags)))
            row = endpoint_row(service, region, None, "awsops.ssm", "created")
            if SERVICE_TYPES[service] == INTERFACE:
                row.update(subnet_ids=sorted(item.subnet_ids), security_group_ids=group_ids, private_dns_enabled=True)
            else:
                row["route_table_ids"] = list(item.route_table_ids)
            plan.endpoints.append(row)
    if plan.deleted_endpoint_ids:
        later.append(("delete_vpc_endpoints", {"VpcEndpointIds": sorted(plan.deleted_endpoint_ids)}))
    # Groups of your own given: the group this collection made for the VPC is no longer used.
    if item.security_group_ids and item.our_group():
        later.append(("delete_security_group", {"GroupId": item.our_group()["GroupId"]}))
        plan.security_group_id = item.our_group()["GroupId"]
        plan.security_group_action = "deleted"
    plan.steps.extend(later)
    return plan


def plan_absent(item, region):
    """The steps that remove what this collection made in one VPC; what it did not make is kept."""
    plan = VpcPlan(item.vpc_id)
    if not item.vpc:
        return plan
    ipv4, ipv6 = item.cidr_blocks()
    plan.cidr_blocks = ipv4 + ipv6
    names = dict((service_name(region, service), service) for service in SERVICE_TYPES)
    for endpoint in item.endpoints:
        service = names.get(endpoint.get("ServiceName"))
        if service is None:
            continue
        if is_ours(endpoint):
            plan.deleted_endpoint_ids.append(endpoint["VpcEndpointId"])
            plan.endpoints.append(endpoint_row(service, region, endpoint, "awsops.ssm", "deleted"))
        else:
            plan.endpoints.append(endpoint_row(service, region, endpoint, "other", "kept"))
    if plan.deleted_endpoint_ids:
        plan.steps.append(("delete_vpc_endpoints", {"VpcEndpointIds": sorted(plan.deleted_endpoint_ids)}))
    group = item.our_group()
    if group:
        plan.security_group_id = group["GroupId"]
        plan.security_group_action = "deleted"
        plan.steps.append(("delete_security_group", {"GroupId": group["GroupId"]}))
    return plan


# ---- diff ----


def _endpoint_view(row):
    view = {"vpc_endpoint_id": row["vpc_endpoint_id"], "owner": row["owner"]}
    if row["type"] == INTERFACE:
        view.update(subnet_ids=row["subnet_ids"], security_group_ids=row["security_group_ids"], private_dns_enabled=row["private_dns_enabled"])
    else:
        view["route_table_ids"] = row["route_table_ids"]
    return view


def before_view(item, region):
    """What the VPC holds of what this module manages or reuses, for --diff."""
    if not item.vpc:
        return {}
    names = dict((service_name(region, service), service) for service in SERVICE_TYPES)
    endpoints = {}
    for endpoint in sorted(item.endpoints, key=lambda endpoint: (not is_ours(endpoint), endpoint["VpcEndpointId"])):
        service = names.get(endpoint.get("ServiceName"))
        if service and service not in endpoints:
            endpoints[service] = _endpoint_view(endpoint_row(service, region, endpoint, "awsops.ssm" if is_ours(endpoint) else "other", "none"))
    group = item.our_group()
    return {"security_group_id": group["GroupId"] if group else None, "endpoints": endpoints}


def after_view(plan):
    """What the VPC holds after the plan (ids of what it creates are null in check mode)."""
    endpoints = {}
    for row in plan.endpoints:
        if row["action"] not in ("deleted",):
            endpoints[row["service"]] = _endpoint_view(row)
    group_id = None if plan.security_group_action == "deleted" else plan.security_group_id
    return {"security_group_id": group_id, "endpoints": endpoints}


# ---- sending a plan ----


def _substitute(request, group_id):
    """The request with the placeholder of a group created earlier in the plan replaced by its id."""
    if group_id is None:
        return request
    replaced = dict(request)
    if replaced.get("GroupId") == NEW_GROUP:
        replaced["GroupId"] = group_id
    if NEW_GROUP in (replaced.get("SecurityGroupIds") or []):
        replaced["SecurityGroupIds"] = [group_id if value == NEW_GROUP else value for value in replaced["SecurityGroupIds"]]
    for key in ("AddSecurityGroupIds",):
        if NEW_GROUP in (replaced.get(key) or []):
            replaced[key] = [group_id if value == NEW_GROUP else value for value in replaced[key]]
    return replaced


def _adopt_created_group(client, request):
    """After InvalidGroup.Duplicate on a retried create: the group the lost first attempt made, if it is ours."""
    groups = describe_security_groups(client, [{"Name": "vpc-id", "Values": [request["VpcId"]]}, {"Name": "group-name", "Values": [request["GroupName"]]}])
    if groups and is_ours(groups[0]):
        return groups[0]["GroupId"]
    return None


def wait_for_deletion(client, endpoint_ids, sleep, timeout, delay=5):
    """Waits (bounded) until deleted endpoints are gone: their network interfaces hold the security group."""
    waited = 0
    while True:
        remaining = [
            endpoint["VpcEndpointId"]
            for endpoint in describe_vpc_endpoints(client, endpoint_ids=endpoint_ids)
            if (endpoint.get("State") or "").lower() != "deleted"
        ]
        if not remaining:
            return
        if waited >= timeout:
            raise AnsibleAWSError(message="Timeout after %d seconds waiting for the VPC endpoints %s to be deleted" % (timeout, ", ".join(remaining)))
        sleep(delay)
        waited += delay


def apply_plan(client, plan, sleep, wait_timeout):
    """Sends the plan's steps in order; fills in the ids of what it created."""
    group_id = None
    created_rows = iter([row for row in plan.endpoints if row["action"] == "created"])
    for operation, request in plan.steps:
        request = _substitute(request, group_id)
        if operation == "create_security_group":
            try:
                group_id = create_security_group(client, request)
            except AnsibleAWSError as error:
                # A retry of a create whose first answer was lost: the group exists, made by that first attempt.
                if error_code(error) != "InvalidGroup.Duplicate":
                    raise
                group_id = _adopt_created_group(client, request)
                if group_id is None:
                    raise
            plan.security_group_id = group_id
            plan.endpoint_security_group_ids = [group_id]
            for row in plan.endpoints:
                if NEW_GROUP in row["security_group_ids"]:
                    row["security_group_ids"] = [group_id]
        elif operation == "create_vpc_endpoint":
            endpoint = create_vpc_endpoint(client, request)
            row = next(created_rows)
            row.update(vpc_endpoint_id=endpoint["VpcEndpointId"], state=endpoint.get("State"))
        elif operation == "modify_vpc_endpoint":
            modify_vpc_endpoint(client, request)
        elif operation in ("create_tags", "delete_tags"):
            call_tags(client, operation, request)
        elif operation == "delete_vpc_endpoints":
            failed = []
            ids = request["VpcEndpointIds"]
            for start in range(0, len(ids), DELETE_BATCH):
                failed.extend(delete_vpc_endpoints(client, ids[start : start + DELETE_BATCH]))
            if failed:
                raise AnsibleAWSError(message="AWS could not delete the VPC endpoints: %s" % failed)
        elif operation == "delete_security_group":
            if plan.deleted_endpoint_ids:
                wait_for_deletion(client, plan.deleted_endpoint_ids, sleep, wait_timeout)
            delete_security_group(client, request["GroupId"])
        else:
            call_on_fresh_group(client, operation, request)
