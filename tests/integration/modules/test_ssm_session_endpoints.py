# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_endpoints against the local endpoint (moto implements VPC endpoints and security groups).

moto does not enforce the VPC DNS attributes, ClientToken idempotency or
PrivateDnsEnabled on ModifyVpcEndpoint; those paths are unit tests
(tests/unit/plugins/module_utils/test_session_endpoints.py).
"""

import pytest

from awsops_harness import vpcs
from awsops_harness.vpcs import endpoints_in
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_session_endpoints"
REGION = "us-east-1"
GROUP = "awsops-ssm-session-endpoints"
OURS = {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}


def make_vpc(ec2, cidr, zones, dns=True, extra_cidr=None):
    return vpcs.make_vpc(ec2, REGION, cidr, zones, dns, extra_cidr)


def our_groups(ec2, vpc_id):
    return vpcs.groups_named(ec2, vpc_id, GROUP)


@pytest.fixture
def network(aws):
    """Two VPCs; the second already has an ssm endpoint that someone else made (private DNS on)."""
    ec2 = aws("ec2", REGION)
    first, first_subnets = make_vpc(ec2, "10.0.0.0/16", ["a", "b"])
    second, second_subnets = make_vpc(ec2, "10.1.0.0/16", ["a"], extra_cidr="10.2.0.0/16")
    theirs = vpcs.endpoint_of_others(ec2, REGION, second, second_subnets)
    return {"ec2": ec2, "first": first, "first_subnets": first_subnets, "second": second, "second_subnets": second_subnets, "theirs": theirs}


def vpcs_arg(network):
    return [
        {"vpc_id": network["first"], "subnet_ids": network["first_subnets"]},
        {"vpc_id": network["second"], "subnet_ids": network["second_subnets"]},
    ]


def without_new_ids(view):
    """A diff's after with the ids that only a real run knows blanked out."""
    blank = {}
    for vpc_id, vpc in view.items():
        blank[vpc_id] = {"security_group_id": "-", "endpoints": {}}
        for service, endpoint in vpc["endpoints"].items():
            endpoint = dict(endpoint)
            if endpoint["owner"] == "awsops.ssm":
                endpoint["vpc_endpoint_id"] = "-"
                if "security_group_ids" in endpoint:
                    endpoint["security_group_ids"] = ["-"]
            blank[vpc_id]["endpoints"][service] = endpoint
    return blank


def test_integration_sequence_two_vpcs_one_with_an_existing_ssm_endpoint(ansible, network):
    ec2 = network["ec2"]
    create = {"vpcs": vpcs_arg(network)}
    modify = dict(create, kms_endpoint=True, logs_endpoint=True, s3_gateway_endpoint=True, tags={"team": "platform"})
    delete = {"vpcs": [{"vpc_id": network["first"]}, {"vpc_id": network["second"]}], "state": "absent"}

    def check_state(step, result):
        first, second = endpoints_in(ec2, network["first"]), endpoints_in(ec2, network["second"])
        if step.name == "create":
            assert sorted(first) == ["ec2messages", "ssm", "ssmmessages"]
            assert sorted(second) == ["ec2messages", "ssm", "ssmmessages"]
            assert second["ssm"]["VpcEndpointId"] == network["theirs"]
            assert second["ssm"]["Tags"] == [{"Key": "owner", "Value": "network-team"}], "the existing endpoint was changed"
            for endpoint in list(first.values()) + [second["ssmmessages"], second["ec2messages"]]:
                assert OURS in endpoint["Tags"] and endpoint["PrivateDnsEnabled"] is True
            group = our_groups(ec2, network["second"])[0]
            assert OURS in group["Tags"]
            sources = sorted(item["CidrIp"] for permission in group["IpPermissions"] for item in permission["IpRanges"])
            assert sources == ["10.1.0.0/16", "10.2.0.0/16"]
            assert all(
                permission["FromPort"] == 443 and permission["ToPort"] == 443 and permission["IpProtocol"] == "tcp" for permission in group["IpPermissions"]
            )
            assert group["IpPermissionsEgress"] == []
            assert [item["GroupId"] for item in second["ec2messages"]["Groups"]] == [group["GroupId"]]
            assert sorted(first["ssm"]["SubnetIds"]) == sorted(network["first_subnets"])
            assert result.result["reused_endpoints"] == [{"vpc_id": network["second"], "service": "ssm", "vpc_endpoint_id": network["theirs"], "problems": []}]
        if step.name == "modify":
            assert sorted(first) == ["ec2messages", "kms", "logs", "s3", "ssm", "ssmmessages"]
            assert first["s3"]["VpcEndpointType"] == "Gateway" and first["s3"]["RouteTableIds"]
            assert {"Key": "team", "Value": "platform"} in first["kms"]["Tags"]
            assert {"Key": "team", "Value": "platform"} in first["ssm"]["Tags"]
            assert second["ssm"]["Tags"] == [{"Key": "owner", "Value": "network-team"}]
        if step.name == "delete":
            assert first == {}
            assert list(second) == ["ssm"] and second["ssm"]["VpcEndpointId"] == network["theirs"]
            assert our_groups(ec2, network["first"]) == [] and our_groups(ec2, network["second"]) == []
            assert result.result["kept_endpoints"] == [{"vpc_id": network["second"], "service": "ssm", "vpc_endpoint_id": network["theirs"]}]

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    predicted = results["create (check)"][0].result["diff"]["after"]
    made = results["create"][0].result["diff"]["after"]
    assert without_new_ids(predicted) == without_new_ids(made)
    assert results["create (check)"][0].result["vpcs"][0]["security_group_id"] == "(security group created by this run)"


def test_a_rerun_reads_each_kind_once(ansible, network):
    args = {"vpcs": vpcs_arg(network)}
    ansible.run_module(MODULE, args)
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed and not run.writes
    assert sorted(str(call) for call in run.calls) == [
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcs",
    ]


def test_bad_ids_are_refused_with_no_call_at_all(ansible, network):
    args = {"vpcs": [{"vpc_id": "vpc-xyz", "subnet_ids": ["subnet-1"]}, {"vpc_id": network["first"]}]}
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    message = result.result["msg"]
    assert 'vpcs[0].vpc_id: "vpc-xyz" is not a VPC id; expected vpc- followed by 8 or 17 hexadecimal digits' in message
    assert 'vpcs[0].subnet_ids: "subnet-1" is not a subnet id' in message
    assert "vpcs[1].subnet_ids: none given; expected at least one subnet" in message
    assert run.calls == []


def test_subnets_and_groups_of_another_vpc_and_dns_off_are_refused_before_any_write(ansible, network, aws):
    ec2 = network["ec2"]
    no_dns, no_dns_subnets = make_vpc(ec2, "10.9.0.0/16", ["a"], dns=False)
    other_group = ec2.create_security_group(GroupName="elsewhere", Description="x", VpcId=network["second"])["GroupId"]
    args = {
        "vpcs": [
            {"vpc_id": network["first"], "subnet_ids": [network["first_subnets"][0], network["second_subnets"][0]], "security_group_ids": [other_group]},
            {"vpc_id": no_dns, "subnet_ids": no_dns_subnets},
            {"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": no_dns_subnets},
        ]
    }
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    problems = result.result["problems"]
    assert "vpcs[0].subnet_ids: %s is in %s, not in %s" % (network["second_subnets"][0], network["second"], network["first"]) in problems
    assert "vpcs[0].security_group_ids: %s is in %s, not in %s" % (other_group, network["second"], network["first"]) in problems
    assert any(problem.startswith("vpcs[1].vpc_id: %s has enableDnsHostnames off" % no_dns) for problem in problems)
    assert "vpcs[2].vpc_id: vpc-0123456789abcdef0 does not exist in this region (or is not visible to these credentials)" in problems
    assert run.writes == []


def test_two_subnets_in_one_zone_and_a_group_name_taken_are_refused(ansible, network):
    ec2 = network["ec2"]
    extra = ec2.create_subnet(VpcId=network["first"], CidrBlock="10.0.9.0/24", AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
    ec2.create_security_group(GroupName=GROUP, Description="made by hand", VpcId=network["second"])
    args = {
        "vpcs": [
            {"vpc_id": network["first"], "subnet_ids": [network["first_subnets"][0], extra]},
            {"vpc_id": network["second"], "subnet_ids": network["second_subnets"]},
        ]
    }
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    problems = result.result["problems"]
    assert (
        "vpcs[0].subnet_ids: %s, %s are all in %sa; an interface endpoint takes one subnet per Availability Zone" % (network["first_subnets"][0], extra, REGION)
        in problems
    )
    assert any(problem.startswith("vpcs[1].security_group_ids: %s already has a security group %s" % (network["second"], GROUP))
               and problem.endswith(", or another security_group_name") for problem in problems)
    assert run.writes == []


def test_groups_of_your_own_replace_ours_and_ours_is_deleted(ansible, network):
    ec2 = network["ec2"]
    args = {"vpcs": [{"vpc_id": network["first"], "subnet_ids": network["first_subnets"]}]}
    ansible.run_module(MODULE, args)
    ours = our_groups(ec2, network["first"])[0]["GroupId"]
    mine = ec2.create_security_group(GroupName="mine", Description="x", VpcId=network["first"])["GroupId"]
    args["vpcs"][0]["security_group_ids"] = [mine]
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    assert our_groups(ec2, network["first"]) == []
    for endpoint in endpoints_in(ec2, network["first"]).values():
        assert [group["GroupId"] for group in endpoint["Groups"]] == [mine]
    assert result.result["vpcs"][0]["security_group_action"] == "deleted" and result.result["vpcs"][0]["security_group_id"] == ours
    again, run = ansible.run_module(MODULE, args)
    assert not again.changed and not run.writes


def test_drift_on_our_group_and_endpoints_is_put_back(ansible, network):
    ec2 = network["ec2"]
    args = {"vpcs": [{"vpc_id": network["first"], "subnet_ids": network["first_subnets"]}]}
    ansible.run_module(MODULE, args)
    group = our_groups(ec2, network["first"])[0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ssm = endpoints_in(ec2, network["first"])["ssm"]["VpcEndpointId"]
    ec2.modify_vpc_endpoint(VpcEndpointId=ssm, RemoveSubnetIds=[network["first_subnets"][1]])
    result, run = ansible.run_module(MODULE, args)
    assert result.changed
    assert sorted(str(call) for call in run.writes) == ["ec2:ModifyVpcEndpoint", "ec2:RevokeSecurityGroupIngress"]
    rules = our_groups(ec2, network["first"])[0]["IpPermissions"]
    assert [(rule["FromPort"], [item["CidrIp"] for item in rule["IpRanges"]]) for rule in rules] == [(443, ["10.0.0.0/16"])]
    assert sorted(endpoints_in(ec2, network["first"])["ssm"]["SubnetIds"]) == sorted(network["first_subnets"])
