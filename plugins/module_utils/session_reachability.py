# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which instances Session Manager can reach, and the first reason for each one it cannot.

An instance is reachable when it runs and Systems Manager sees its agent
online (DescribeInstanceInformation, PingStatus ``Online``). For one that is
not, the first reason, causes before symptoms:

1. it does not run (stopped, pending, stopping);
2. it has no identity the agent can register with: no instance profile, or
   another profile kept (access ``instance_profile``); Default Host Management
   off in the region, or IMDSv2 not enforced (access
   ``default_host_management``);
3. no network path to Systems Manager: its subnet has no route to the
   internet (an internet gateway with a public address, a NAT) and its VPC
   lacks interface endpoints with private DNS for ssm, ssmmessages and
   ec2messages;
4. the agent is not registered (not installed, not started), or registered
   but no longer reporting.

Pure functions over what the reads return, so each state is a unit test; the
same text is what the report prints (render_line, render_lines).
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.awsops.ssm.plugins.module_utils.default_host_management import MINIMUM_AGENT_VERSION
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import chunks
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import INTERFACE
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import SESSION_SERVICES
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import is_live
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import subnet_route_tables

INSTANCE_PROFILE = "instance_profile"
DEFAULT_HOST_MANAGEMENT = "default_host_management"
# Where the collection documents installing the agent (shipped in the collection).
AGENT_GUIDE = "examples/ssm-agent/README.md in the awsops.ssm collection"
# DescribeInstanceInformation takes up to 50 results a page; ids are sent 50 at a time.
INFORMATION_BATCH = 50
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


# ---- reads, bounded ----


@AWSErrorHandler.common_error_handler("describe instances")
def describe_instances(client, filters, limit):
    """At most limit instances (by id) that the filters select, and whether more matched."""
    instances = []
    for page in client.get_paginator("describe_instances").paginate(Filters=filters, PaginationConfig={"PageSize": min(max(limit, 5), 1000)}):
        for reservation in page.get("Reservations", []):
            instances.extend(reservation.get("Instances", []))
        if len(instances) > limit:
            break
    instances.sort(key=lambda instance: instance["InstanceId"])
    return instances[:limit], len(instances) > limit


@AWSErrorHandler.common_error_handler("describe the instances Systems Manager knows")
def describe_instance_information(client, instance_ids):
    """{instance id: InstanceInformation} of the ids Systems Manager knows, read 50 ids at a time."""
    found = {}
    for some_ids in chunks(sorted(instance_ids), INFORMATION_BATCH):
        paginator = client.get_paginator("describe_instance_information")
        pages = paginator.paginate(Filters=[{"Key": "InstanceIds", "Values": some_ids}], PaginationConfig={"PageSize": INFORMATION_BATCH})
        for information in pages.build_full_result().get("InstanceInformationList", []):
            found[information["InstanceId"]] = information
    return found


# ---- the network path ----


def _default_route_target(table, instance):
    """How the subnet's route table reaches the internet for this instance, or None (and why an internet gateway does not count)."""
    has_public = bool(instance.get("PublicIpAddress"))
    has_ipv6 = any(interface.get("Ipv6Addresses") for interface in instance.get("NetworkInterfaces") or [])
    gateway_without_address = False
    for route in (table or {}).get("Routes") or []:
        if route.get("State", "active") != "active":
            continue
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        if destination not in DEFAULT_ROUTES:
            continue
        ipv6 = destination == "::/0"
        gateway = route.get("GatewayId") or ""
        if gateway.startswith("igw-"):
            if has_ipv6 if ipv6 else has_public:
                return "internet gateway %s" % gateway, False
            gateway_without_address = True
        elif route.get("EgressOnlyInternetGatewayId") and ipv6 and has_ipv6:
            return "egress-only internet gateway %s" % route["EgressOnlyInternetGatewayId"], False
        elif route.get("NatGatewayId") and not ipv6:
            return "NAT gateway %s" % route["NatGatewayId"], False
        elif route.get("InstanceId") or route.get("NetworkInterfaceId"):
            return "NAT instance %s" % (route.get("InstanceId") or route["NetworkInterfaceId"]), False
        elif route.get("TransitGatewayId"):
            return "transit gateway %s" % route["TransitGatewayId"], False
    return None, gateway_without_address


def session_endpoints_in(endpoints, region):
    """{vpc id: [services]} of the live interface endpoints with private DNS for ssm, ssmmessages, ec2messages."""
    names = dict(("com.amazonaws.%s.%s" % (region, service), service) for service in SESSION_SERVICES)
    found = {}
    for endpoint in endpoints:
        service = names.get(endpoint.get("ServiceName"))
        if service and is_live(endpoint) and endpoint.get("VpcEndpointType", INTERFACE).lower() == INTERFACE.lower() and endpoint.get("PrivateDnsEnabled"):
            found.setdefault(endpoint["VpcId"], set()).add(service)
    return dict((vpc_id, sorted(services)) for vpc_id, services in found.items())


def network_path(instance, route_tables, endpoints_by_vpc):
    """How the instance reaches Systems Manager: a route to the internet or the VPC's endpoints, or what is missing."""
    vpc_id, subnet_id = instance.get("VpcId"), instance.get("SubnetId")
    table_ids = subnet_route_tables(route_tables, vpc_id, [subnet_id])
    table = next((table for table in route_tables if table_ids and table["RouteTableId"] == table_ids[0]), None)
    route, gateway_without_address = _default_route_target(table, instance)
    endpoints = endpoints_by_vpc.get(vpc_id, [])
    missing = [service for service in SESSION_SERVICES if service not in endpoints]
    return {
        "route_table_id": table["RouteTableId"] if table else None,
        "route_to_internet": route,
        "internet_gateway_without_public_ip": gateway_without_address and route is None,
        "endpoints": endpoints,
        "missing_endpoints": missing,
        "ok": route is not None or not missing,
    }


# ---- one instance ----


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).isoformat()
    return str(value)


def profile_name_of(instance):
    arn = (instance.get("IamInstanceProfile") or {}).get("Arn")
    return arn.rsplit("/", 1)[-1] if arn else None


def agent_view(information):
    if not information:
        return {"registered": False, "ping_status": None, "agent_version": None, "platform": None, "last_ping": None}
    platform = " ".join(part for part in (information.get("PlatformName"), information.get("PlatformVersion")) if part) or information.get("PlatformType")
    return {
        "registered": True,
        "ping_status": information.get("PingStatus"),
        "agent_version": information.get("AgentVersion"),
        "platform": platform,
        "last_ping": _iso(information.get("LastPingDateTime")),
    }


def _identity_reason(profile, wanted_profile, access, dhmc_on, imdsv2):
    """Why the agent has no identity to register with, or None."""
    if access == INSTANCE_PROFILE:
        if profile is None:
            return "no instance profile: attach %s to it (ssm_profile_attachment, or the role's session_manager_target_tags)" % wanted_profile
        if profile != wanted_profile:
            return (
                "has the instance profile %s, kept (replace_profiles is false): its role must let the SSM agent register "
                "(AmazonSSMManagedInstanceCore), or replace it with %s" % (profile, wanted_profile)
            )
        return None
    if profile == wanted_profile:
        return None
    if not dhmc_on:
        return (
            "Default Host Management Configuration is off in this region (its service setting names no role), and it has no instance profile %s"
            % wanted_profile
        )
    if not imdsv2:
        return "IMDSv2 is not enforced (HttpTokens is optional): Default Host Management Configuration manages only instances with HttpTokens required"
    if profile is not None:
        return (
            "has the instance profile %s: where an instance has a profile, the SSM agent registers with it rather than with Default Host "
            "Management's role, so its role must let the agent register (AmazonSSMManagedInstanceCore)" % profile
        )
    return None


def _network_reason(instance, network):
    if network is None or network["ok"]:
        return None
    missing = ", ".join(network["missing_endpoints"])
    if network["internet_gateway_without_public_ip"]:
        start = "subnet %s routes to an internet gateway but the instance has no public IP address" % instance.get("SubnetId")
    else:
        start = "subnet %s has no route to the internet (internet gateway or NAT)" % instance.get("SubnetId")
    return "%s, and VPC %s has no interface endpoint with private DNS for %s (ssm_session_endpoints)" % (start, instance.get("VpcId"), missing)


def _agent_reason(agent, access):
    if not agent["registered"]:
        version = " (version %s or later for Default Host Management)" % MINIMUM_AGENT_VERSION if access == DEFAULT_HOST_MANAGEMENT else ""
        return "the SSM agent is not registered with Systems Manager: install and start it%s, see %s" % (version, AGENT_GUIDE)
    return "the SSM agent last reported at %s and is now %s: it is stopped or cannot reach Systems Manager (see %s)" % (
        agent["last_ping"] or "an unknown time",
        agent["ping_status"],
        AGENT_GUIDE,
    )


def needs_network(instance, information):
    """Only a running instance that Systems Manager does not see online needs its network path read."""
    return (instance.get("State") or {}).get("Name") == "running" and (information or {}).get("PingStatus") != "Online"


def evaluate(instance, information, access, wanted_profile, dhmc_on=None, network=None):
    """The row of one instance: what it has, what Systems Manager sees, whether it is reachable and the first reason if not."""
    state = (instance.get("State") or {}).get("Name")
    profile = profile_name_of(instance)
    imdsv2 = (instance.get("MetadataOptions") or {}).get("HttpTokens") == "required"
    agent = agent_view(information)
    row = {
        "instance_id": instance["InstanceId"],
        "name": boto3_tag_list_to_ansible_dict(instance.get("Tags") or []).get("Name"),
        "state": state,
        "vpc_id": instance.get("VpcId"),
        "subnet_id": instance.get("SubnetId"),
        "instance_profile": profile,
        "has_session_profile": profile == wanted_profile,
        "imdsv2_required": imdsv2,
        "default_host_management": bool(dhmc_on and imdsv2) if access == DEFAULT_HOST_MANAGEMENT else None,
        "agent": agent,
        "network": network,
    }
    reason = None
    if state != "running":
        reason = "the instance is %s: Session Manager reaches running instances only" % state
    elif agent["ping_status"] != "Online":
        reason = _identity_reason(profile, wanted_profile, access, dhmc_on, imdsv2) or _network_reason(instance, network) or _agent_reason(agent, access)
    row["reachable"] = reason is None
    row["reason"] = reason
    row["line"] = render_line(row, access)
    return row


# ---- the report's text ----


def _when(iso):
    """2026-11-29T10:00:00+00:00 -> 2026-11-29 10:00 UTC."""
    return "%s %s UTC" % (iso[:10], iso[11:16]) if iso else "never"


def _access_text(row, access):
    if access == DEFAULT_HOST_MANAGEMENT and not row["has_session_profile"]:
        return "default host management" if row["default_host_management"] else "no default host management"
    if row["instance_profile"] is None:
        return "no profile"
    return "profile %s%s" % (row["instance_profile"], "" if row["has_session_profile"] else " (kept)")


def render_line(row, access):
    """One line of the report: id, name, state, identity, IMDSv2, and reachable (agent) or the reason."""
    if row["reachable"]:
        agent = row["agent"]
        verdict = "reachable: agent %s, %s, last ping %s" % (agent["agent_version"], agent["platform"], _when(agent["last_ping"]))
    else:
        verdict = "NOT REACHABLE: %s" % row["reason"]
    return "  %s  %-24s %-8s %-34s IMDSv2 %-8s %s" % (
        row["instance_id"],
        row["name"] or "-",
        row["state"],
        _access_text(row, access),
        "required" if row["imdsv2_required"] else "optional",
        verdict,
    )


def render_lines(rows, access, wanted_profile, truncated=False):
    """The report's reachability section: a heading, a line per instance, and the IMDSv2 line that DHMC needs."""
    reachable = len([row for row in rows if row["reachable"]])
    how = "instance profile %s" % wanted_profile if access == INSTANCE_PROFILE else "Default Host Management Configuration"
    lines = ["Session Manager reachability (%s): %d of %d instance%s reachable" % (how, reachable, len(rows), "" if len(rows) == 1 else "s")]
    lines.extend(row["line"] for row in rows)
    optional = [row["instance_id"] for row in rows if not row["imdsv2_required"]]
    if optional:
        need = ", which Default Host Management Configuration needs" if access == DEFAULT_HOST_MANAGEMENT else ""
        lines.append("  IMDSv2 not enforced (HttpTokens optional%s): %s" % (need, ", ".join(optional)))
    if truncated:
        lines.append("  (more instances match: only the first %d by id are listed; raise max_instances)" % len(rows))
    return lines
