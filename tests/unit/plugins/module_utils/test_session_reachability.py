# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reachability of instances: one test per state, with the line the report prints.

The inputs are botocore-shaped DescribeInstances instances,
DescribeInstanceInformation entries, route tables and VPC endpoints (moto
implements no DescribeInstanceInformation, so these states cannot be made
there).
"""

import datetime

from ansible_collections.awsops.ssm.plugins.module_utils import session_reachability as reach

PROFILE = "SSMSessionInstanceRole"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/" + PROFILE
REGION = "eu-west-1"
VPC = "vpc-0123456789abcdef0"
SUBNET = "subnet-0a1b2c3d4e5f60718"
INSTANCE = "i-0123456789abcdef0"
AGENT_GUIDE = "examples/ssm-agent/README.md in the awsops.ssm collection"


def instance(state="running", profile_arn=PROFILE_ARN, tokens="required", name="web-1", public_ip=None):
    value = {
        "InstanceId": INSTANCE,
        "State": {"Name": state, "Code": 16},
        "VpcId": VPC,
        "SubnetId": SUBNET,
        "MetadataOptions": {"HttpTokens": tokens, "State": "applied"},
        "Tags": [{"Key": "Name", "Value": name}],
        "NetworkInterfaces": [{"Ipv6Addresses": []}],
    }
    if profile_arn:
        value["IamInstanceProfile"] = {"Arn": profile_arn, "Id": "AIPAEXAMPLE"}
    if public_ip:
        value["PublicIpAddress"] = public_ip
    return value


def online(ping="Online"):
    return {
        "InstanceId": INSTANCE,
        "PingStatus": ping,
        "LastPingDateTime": datetime.datetime(2026, 11, 29, 19, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
        "AgentVersion": "3.3.1142.0",
        "PlatformType": "Linux",
        "PlatformName": "Ubuntu",
        "PlatformVersion": "22.04",
    }


def table(*routes, main=True):
    association = {"Main": True} if main else {"Main": False, "SubnetId": SUBNET}
    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
    return [{"RouteTableId": "rtb-0123456789abcdef0", "VpcId": VPC, "Associations": [association], "Routes": [local] + list(routes)}]


def endpoints(*services, private_dns=True):
    return [
        {
            "VpcEndpointId": "vpce-0%d" % index,
            "VpcId": VPC,
            "ServiceName": "com.amazonaws.%s.%s" % (REGION, service),
            "VpcEndpointType": "Interface",
            "State": "available",
            "PrivateDnsEnabled": private_dns,
        }
        for index, service in enumerate(services)
    ]


def path(tables, found=()):
    return reach.network_path(instance(), tables, reach.session_endpoints_in(list(found), REGION))


def row_of(value=None, information=None, access=reach.INSTANCE_PROFILE, dhmc_on=None, network=None):
    return reach.evaluate(value or instance(), information, access, PROFILE, dhmc_on, network)


def test_running_and_online_is_reachable_whatever_else_it_lacks():
    row = row_of(instance(profile_arn=None, tokens="optional"), online())
    assert row["reachable"] is True and row["reason"] is None
    assert row["agent"] == {
        "registered": True,
        "ping_status": "Online",
        "agent_version": "3.3.1142.0",
        "platform": "Ubuntu 22.04",
        "last_ping": "2026-11-29T10:05:00+00:00",
    }
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  no profile                         IMDSv2 optional "
        "reachable: agent 3.3.1142.0, Ubuntu 22.04, last ping 2026-11-29 10:05 UTC"
    )


def test_stopped():
    row = row_of(instance(state="stopped"), online("ConnectionLost"))
    assert row["reason"] == "the instance is stopped: Session Manager reaches running instances only"
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    stopped  profile SSMSessionInstanceRole     IMDSv2 required "
        "NOT REACHABLE: the instance is stopped: Session Manager reaches running instances only"
    )


def test_no_profile():
    row = row_of(instance(profile_arn=None, name="db-1"))
    assert row["reason"] == "no instance profile: attach SSMSessionInstanceRole to it (ssm_profile_attachment, or the role's session_manager_target_tags)"
    assert row["line"] == (
        "  i-0123456789abcdef0  db-1                     running  no profile                         IMDSv2 required "
        "NOT REACHABLE: no instance profile: attach SSMSessionInstanceRole to it (ssm_profile_attachment, or the role's session_manager_target_tags)"
    )


def test_another_profile_kept():
    row = row_of(instance(profile_arn="arn:aws:iam::123456789012:instance-profile/apps/LegacyAppProfile"))
    assert row["instance_profile"] == "LegacyAppProfile" and row["has_session_profile"] is False
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  profile LegacyAppProfile (kept)    IMDSv2 required "
        "NOT REACHABLE: has the instance profile LegacyAppProfile, kept (replace_profiles is false): its role must let the SSM agent register "
        "(AmazonSSMManagedInstanceCore), or replace it with SSMSessionInstanceRole"
    )


def test_private_subnet_without_endpoints():
    network = path(table())
    assert network == {
        "route_table_id": "rtb-0123456789abcdef0",
        "route_to_internet": None,
        "internet_gateway_without_public_ip": False,
        "endpoints": [],
        "missing_endpoints": ["ssm", "ssmmessages", "ec2messages"],
        "ok": False,
    }
    row = row_of(network=network)
    assert row["reason"] == (
        "subnet subnet-0a1b2c3d4e5f60718 has no route to the internet (internet gateway or NAT), and VPC vpc-0123456789abcdef0 has no "
        "interface endpoint with private DNS for ssm, ssmmessages, ec2messages (ssm_session_endpoints)"
    )
    assert row["line"].startswith(
        "  i-0123456789abcdef0  web-1                    running  profile SSMSessionInstanceRole     IMDSv2 required NOT REACHABLE: subnet "
    )


def test_some_endpoints_missing_and_one_without_private_dns_does_not_count():
    network = path(table(), endpoints("ssm") + endpoints("ssmmessages", private_dns=False))
    assert network["endpoints"] == ["ssm"] and network["missing_endpoints"] == ["ssmmessages", "ec2messages"]
    assert row_of(network=network)["reason"].endswith("has no interface endpoint with private DNS for ssmmessages, ec2messages (ssm_session_endpoints)")


def test_an_internet_gateway_needs_a_public_address():
    tables = table({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0123456789abcdef0", "State": "active"}, main=False)
    network = path(tables)
    assert network["internet_gateway_without_public_ip"] is True and network["ok"] is False
    assert row_of(network=network)["reason"].startswith(
        "subnet subnet-0a1b2c3d4e5f60718 routes to an internet gateway but the instance has no public IP address, and VPC vpc-0123456789abcdef0 has no"
    )
    with_address = reach.network_path(instance(public_ip="203.0.113.10"), tables, {})
    assert with_address["route_to_internet"] == "internet gateway igw-0123456789abcdef0" and with_address["ok"] is True


def test_a_blackhole_route_is_no_route_and_a_nat_is_one():
    assert path(table({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0123456789abcdef0", "State": "blackhole"}))["ok"] is False
    assert (
        path(table({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0123456789abcdef0", "State": "active"}))["route_to_internet"]
        == "NAT gateway nat-0123456789abcdef0"
    )


def test_agent_not_registered():
    network = path(table({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0123456789abcdef0"}))
    row = row_of(network=network)
    assert row["agent"]["registered"] is False
    assert row["reason"] == "the SSM agent is not registered with Systems Manager: install and start it, see " + AGENT_GUIDE
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  profile SSMSessionInstanceRole     IMDSv2 required "
        "NOT REACHABLE: the SSM agent is not registered with Systems Manager: install and start it, "
        "see examples/ssm-agent/README.md in the awsops.ssm collection"
    )


def test_agent_stopped_reporting_behind_endpoints():
    network = path(table(), endpoints(*reach.SESSION_SERVICES))
    assert network["ok"] is True and network["missing_endpoints"] == []
    row = row_of(information=online("ConnectionLost"), network=network)
    assert row["reason"] == (
        "the SSM agent last reported at 2026-11-29T10:05:00+00:00 and is now ConnectionLost: it is stopped or cannot reach Systems Manager (see %s)"
        % AGENT_GUIDE
    )


def test_default_host_management_off():
    row = row_of(instance(profile_arn=None), access=reach.DEFAULT_HOST_MANAGEMENT, dhmc_on=False)
    assert row["default_host_management"] is False
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  no default host management         IMDSv2 required "
        "NOT REACHABLE: Default Host Management Configuration is off in this region (its service setting names no role), "
        "and it has no instance profile SSMSessionInstanceRole"
    )


def test_default_host_management_needs_imdsv2():
    row = row_of(instance(profile_arn=None, tokens="optional"), access=reach.DEFAULT_HOST_MANAGEMENT, dhmc_on=True)
    assert row["default_host_management"] is False and row["imdsv2_required"] is False
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  no default host management         IMDSv2 optional "
        "NOT REACHABLE: IMDSv2 is not enforced (HttpTokens is optional): Default Host Management Configuration manages only instances with HttpTokens required"
    )


def test_default_host_management_applies_and_the_agent_must_be_recent():
    network = path(table(), endpoints(*reach.SESSION_SERVICES))
    row = row_of(instance(profile_arn=None), access=reach.DEFAULT_HOST_MANAGEMENT, dhmc_on=True, network=network)
    assert row["default_host_management"] is True
    assert row["line"] == (
        "  i-0123456789abcdef0  web-1                    running  default host management            IMDSv2 required "
        "NOT REACHABLE: the SSM agent is not registered with Systems Manager: install and start it (version 3.2.582.0 or later for Default Host Management), "
        "see examples/ssm-agent/README.md in the awsops.ssm collection"
    )


def test_default_host_management_with_another_profile():
    row = row_of(instance(profile_arn="arn:aws:iam::123456789012:instance-profile/Other"), access=reach.DEFAULT_HOST_MANAGEMENT, dhmc_on=True)
    assert row["reason"].startswith("has the instance profile Other: where an instance has a profile, the SSM agent registers with it")


def test_the_section_has_a_heading_the_lines_and_the_imdsv2_line():
    rows = [row_of(information=online()), dict(row_of(instance(state="stopped", tokens="optional")), instance_id="i-0fedcba9876543210")]
    lines = reach.render_lines(rows, reach.INSTANCE_PROFILE, PROFILE)
    assert lines[0] == "Session Manager reachability (instance profile SSMSessionInstanceRole): 1 of 2 instances reachable"
    assert lines[1:3] == [rows[0]["line"], rows[1]["line"]]
    assert lines[3] == "  IMDSv2 not enforced (HttpTokens optional): i-0fedcba9876543210"
    dhmc = reach.render_lines(rows[1:], reach.DEFAULT_HOST_MANAGEMENT, PROFILE, truncated=True)
    assert dhmc[0] == "Session Manager reachability (Default Host Management Configuration): 0 of 1 instance reachable"
    assert dhmc[2] == "  IMDSv2 not enforced (HttpTokens optional, which Default Host Management Configuration needs): i-0fedcba9876543210"
    assert dhmc[3] == "  (more instances match: only the first 1 by id are listed; raise max_instances)"
    assert reach.render_lines([], reach.INSTANCE_PROFILE, PROFILE) == [
        "Session Manager reachability (instance profile SSMSessionInstanceRole): 0 of 0 instances reachable"
    ]


def test_the_network_is_read_only_where_it_explains_something():
    assert reach.needs_network(instance(), None) is True
    assert reach.needs_network(instance(), online("ConnectionLost")) is True
    assert reach.needs_network(instance(), online()) is False
    assert reach.needs_network(instance(state="stopped"), None) is False
