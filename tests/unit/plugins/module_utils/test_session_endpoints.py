# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Session Manager endpoints' plan, and the paths the local endpoint cannot show.

moto accepts a second CreateVpcEndpoint with the same ClientToken as a new
endpoint, ignores PrivateDnsEnabled on ModifyVpcEndpoint, never enforces the
VPC DNS attributes and deletes endpoints at once (no lingering network
interfaces, so no DependencyViolation on the security group). Those paths
run here against a real botocore EC2 client with botocore's Stubber (which
checks every request against the service model); the plan's requests are
also checked with patterns (assert_valid).
"""

import pytest
from botocore.stub import ANY

from awsops_harness.botocore_models import assert_valid
from awsops_harness.stubs import record_sleeps
from awsops_harness.stubs import stubbed
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import session_endpoints as se
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input

REGION = "eu-west-1"
VPC = "vpc-0123456789abcdef0"
SUBNET_A = "subnet-0a1b2c3d4e5f60718"
SUBNET_B = "subnet-0f1e2d3c4b5a69788"
GROUP = "sg-0123456789abcdef0"
OURS = [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]


def pascal(operation):
    return "".join(part.capitalize() for part in operation.split("_"))


def vpc_state(endpoints=(), group=None, subnet_ids=(SUBNET_A, SUBNET_B), security_group_ids=(), route_table_ids=("rtb-0123456789abcdef0",)):
    item = se.VpcState(0, VPC, list(subnet_ids), list(security_group_ids))
    item.vpc = {
        "VpcId": VPC,
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        ],
        "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56", "Ipv6CidrBlockState": {"State": "associated"}}],
    }
    item.dns_support = item.dns_hostnames = True
    item.subnets = {
        SUBNET_A: {"SubnetId": SUBNET_A, "VpcId": VPC, "AvailabilityZone": "eu-west-1a"},
        SUBNET_B: {"SubnetId": SUBNET_B, "VpcId": VPC, "AvailabilityZone": "eu-west-1b"},
    }
    item.named_group = group
    item.endpoints = list(endpoints)
    item.route_table_ids = list(route_table_ids)
    return item


def our_group(ingress=None, egress=()):
    ingress = (
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "x"}],
                "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56"}],
            }
        ]
        if ingress is None
        else ingress
    )
    return {"GroupId": GROUP, "GroupName": se.DEFAULT_GROUP_NAME, "VpcId": VPC, "Tags": OURS, "IpPermissions": ingress, "IpPermissionsEgress": list(egress)}


def endpoint(service, endpoint_id, tags=tuple(OURS), **changes):
    value = {
        "VpcEndpointId": endpoint_id,
        "VpcId": VPC,
        "ServiceName": se.service_name(REGION, service),
        "VpcEndpointType": se.SERVICE_TYPES[service],
        "State": "available",
        "Tags": list(tags),
    }
    if se.SERVICE_TYPES[service] == se.INTERFACE:
        value.update(SubnetIds=[SUBNET_A, SUBNET_B], Groups=[{"GroupId": GROUP, "GroupName": se.DEFAULT_GROUP_NAME}], PrivateDnsEnabled=True)
    else:
        value["RouteTableIds"] = ["rtb-0123456789abcdef0"]
    value.update(changes)
    return value


def converged(*services):
    return [endpoint(service, "vpce-0%016d" % index) for index, service in enumerate(services)]


def operations(plan):
    return [operation for operation, _request in plan.steps]


# ---- the plan ----


def test_an_empty_vpc_gets_a_group_then_three_endpoints():
    plan = se.plan_present(vpc_state(), REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    assert operations(plan) == ["create_security_group", "revoke_security_group_egress", "authorize_security_group_ingress"] + ["create_vpc_endpoint"] * 3
    ingress = plan.steps[2][1]["IpPermissions"]
    assert ingress == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": se.RULE_DESCRIPTION}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56", "Description": se.RULE_DESCRIPTION}]},
    ]
    create = plan.steps[3][1]
    assert create["PrivateDnsEnabled"] is True and create["SecurityGroupIds"] == [se.NEW_GROUP] and create["SubnetIds"] == [SUBNET_A, SUBNET_B]
    assert create["TagSpecifications"] == [{"ResourceType": "vpc-endpoint", "Tags": OURS}]
    assert len(set(request["ClientToken"] for operation, request in plan.steps if operation == "create_vpc_endpoint")) == 3
    assert [row["service"] for row in plan.endpoints] == ["ssm", "ssmmessages", "ec2messages"]


def test_a_converged_vpc_needs_nothing():
    plan = se.plan_present(
        vpc_state(converged("ssm", "ssmmessages", "ec2messages"), our_group()), REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME
    )
    assert plan.steps == []
    assert [row["action"] for row in plan.endpoints] == ["unchanged"] * 3 and plan.security_group_action == "unchanged"


def test_an_endpoint_of_someone_else_is_reused_untouched_and_what_it_lacks_is_said():
    theirs = endpoint("ssm", "vpce-0aaaaaaaaaaaaaaaa", tags=[{"Key": "owner", "Value": "net"}], PrivateDnsEnabled=False, Groups=[])
    their_s3 = endpoint("s3", "vpce-0bbbbbbbbbbbbbbbb", tags=[], RouteTableIds=[])
    item = vpc_state([theirs, their_s3] + converged("ssmmessages", "ec2messages"), our_group())
    plan = se.plan_present(item, REGION, se.wanted_services(s3_gateway_endpoint=True), None, True, se.DEFAULT_GROUP_NAME)
    assert plan.steps == []
    rows = dict((row["service"], row) for row in plan.endpoints)
    assert rows["ssm"]["action"] == "reused" and rows["ssm"]["owner"] == "other"
    assert rows["ssm"]["problems"] == ["private DNS is off: instances resolve the public ssm name and need a route to the internet"]
    assert rows["s3"]["problems"] == ["is not on the route tables rtb-0123456789abcdef0 of the given subnets: S3 traffic from them does not use it"]


def test_the_reused_endpoint_is_the_one_with_private_dns():
    no_dns = endpoint("ssm", "vpce-0aaaaaaaaaaaaaaaa", tags=[], PrivateDnsEnabled=False)
    with_dns = endpoint("ssm", "vpce-0cccccccccccccccc", tags=[])
    item = vpc_state([no_dns, with_dns] + converged("ssmmessages", "ec2messages"), our_group())
    plan = se.plan_present(item, REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    assert plan.endpoints[0]["vpc_endpoint_id"] == with_dns["VpcEndpointId"] and plan.endpoints[0]["problems"] == []


def test_our_drifted_endpoint_gets_one_modify_with_private_dns_subnets_and_groups():
    drifted = endpoint(
        "ssm", "vpce-00000000000000000", PrivateDnsEnabled=False, SubnetIds=[SUBNET_A, "subnet-0999999999999999a"], Groups=[{"GroupId": "sg-0999999999999999a"}]
    )
    item = vpc_state([drifted, endpoint("ssmmessages", "vpce-01"), endpoint("ec2messages", "vpce-02")], our_group())
    plan = se.plan_present(item, REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    assert plan.steps == [
        (
            "modify_vpc_endpoint",
            {
                "VpcEndpointId": "vpce-00000000000000000",
                "PrivateDnsEnabled": True,
                "AddSubnetIds": [SUBNET_B],
                "RemoveSubnetIds": ["subnet-0999999999999999a"],
                "AddSecurityGroupIds": [GROUP],
                "RemoveSecurityGroupIds": ["sg-0999999999999999a"],
            },
        )
    ]
    assert plan.endpoints[0]["action"] == "updated" and plan.endpoints[0]["private_dns_enabled"] is True


def test_our_group_is_reconciled_to_https_from_the_vpc_only():
    group = our_group(
        ingress=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
        egress=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    plan = se.plan_present(
        vpc_state(converged("ssm", "ssmmessages", "ec2messages"), group), REGION, se.wanted_services(), {"team": "a"}, True, se.DEFAULT_GROUP_NAME
    )
    assert operations(plan)[:3] == ["authorize_security_group_ingress", "revoke_security_group_ingress", "revoke_security_group_egress"]
    assert plan.steps[0][1]["IpPermissions"][0]["Ipv6Ranges"][0]["CidrIpv6"] == "2600:1f18::/56"
    assert plan.steps[1][1]["IpPermissions"] == [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    assert plan.steps[2][1]["IpPermissions"] == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    # tags: the group and each endpoint get the user tag; the managed-by tag is never removed
    assert operations(plan)[3:] == ["create_tags"] * 4
    assert plan.steps[3][1] == {"Resources": [GROUP], "Tags": [{"Key": "team", "Value": "a"}]}


def test_a_service_no_longer_wanted_loses_its_endpoint_of_ours_only():
    theirs = endpoint("logs", "vpce-0aaaaaaaaaaaaaaaa", tags=[])
    item = vpc_state(converged("ssm", "ssmmessages", "ec2messages", "kms") + [theirs], our_group())
    plan = se.plan_present(item, REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    assert plan.steps == [("delete_vpc_endpoints", {"VpcEndpointIds": ["vpce-00000000000000003"]})]


def test_the_s3_gateway_goes_on_the_subnets_route_tables():
    tables = [
        {"RouteTableId": "rtb-0main0000000000000", "VpcId": VPC, "Associations": [{"Main": True}]},
        {"RouteTableId": "rtb-0private000000000", "VpcId": VPC, "Associations": [{"Main": False, "SubnetId": SUBNET_A}]},
        {"RouteTableId": "rtb-0other0000000000", "VpcId": "vpc-0fedcba9876543210", "Associations": [{"Main": True}]},
    ]
    assert se.subnet_route_tables(tables, VPC, [SUBNET_A, SUBNET_B]) == ["rtb-0main0000000000000", "rtb-0private000000000"]
    item = vpc_state(converged("ssm", "ssmmessages", "ec2messages"), our_group(), route_table_ids=se.subnet_route_tables(tables, VPC, [SUBNET_A, SUBNET_B]))
    plan = se.plan_present(item, REGION, se.wanted_services(s3_gateway_endpoint=True), None, True, se.DEFAULT_GROUP_NAME)
    assert operations(plan) == ["create_vpc_endpoint"]
    request = plan.steps[0][1]
    assert request["VpcEndpointType"] == "Gateway" and request["RouteTableIds"] == ["rtb-0main0000000000000", "rtb-0private000000000"]
    assert "SubnetIds" not in request and "PrivateDnsEnabled" not in request


def test_absent_removes_ours_and_keeps_the_rest():
    theirs = endpoint("ssm", "vpce-0aaaaaaaaaaaaaaaa", tags=[])
    unrelated = dict(endpoint("ssm", "vpce-0bbbbbbbbbbbbbbbb", tags=OURS), ServiceName="com.amazonaws.eu-west-1.sqs")
    item = vpc_state([theirs, unrelated] + converged("ssmmessages", "ec2messages"), our_group())
    plan = se.plan_absent(item, REGION)
    assert plan.steps == [
        ("delete_vpc_endpoints", {"VpcEndpointIds": ["vpce-00000000000000000", "vpce-00000000000000001"]}),
        ("delete_security_group", {"GroupId": GROUP}),
    ]
    assert [(row["service"], row["action"]) for row in plan.endpoints] == [("ssm", "kept"), ("ssmmessages", "deleted"), ("ec2messages", "deleted")]
    gone = vpc_state()
    gone.vpc = None
    assert se.plan_absent(gone, REGION).steps == []


def test_every_request_of_the_plans_is_valid_for_the_ec2_model():
    steps = se.plan_present(vpc_state(), REGION, se.wanted_services(True, True, True), {"team": "a"}, True, se.DEFAULT_GROUP_NAME).steps
    group = our_group(
        ingress=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": "sg-0999999999999999a"}]}],
        egress=[{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}],
    )
    drifted = [
        endpoint("ssm", "vpce-00000000000000000", PrivateDnsEnabled=False, Tags=OURS + [{"Key": "old", "Value": "1"}]),
        endpoint("s3", "vpce-01", RouteTableIds=["rtb-0old00000000000000"]),
    ]
    steps += se.plan_present(vpc_state(drifted, group), REGION, se.wanted_services(s3_gateway_endpoint=True), {"team": "a"}, True, se.DEFAULT_GROUP_NAME).steps
    steps += se.plan_present(vpc_state(converged("ssm"), our_group(), security_group_ids=["sg-0999999999999999a"]), REGION, ["ssm"], None, True, "x").steps
    steps += se.plan_absent(vpc_state(converged("ssm", "kms"), our_group()), REGION).steps
    seen = set()
    for operation, request in steps:
        assert_valid("ec2", pascal(operation), se._substitute(request, GROUP))
        seen.add(operation)
    assert seen == {
        "create_security_group",
        "revoke_security_group_egress",
        "authorize_security_group_ingress",
        "revoke_security_group_ingress",
        "create_vpc_endpoint",
        "modify_vpc_endpoint",
        "create_tags",
        "delete_tags",
        "delete_vpc_endpoints",
        "delete_security_group",
    }


def test_rules_read_back_as_they_were_written():
    rules = se.https_from(["10.0.0.0/16", "10.1.0.0/16"], ["2600:1f18::/56"]) | {
        ("-1", None, None, "group", GROUP),
        ("tcp", 22, 22, "prefix-list", "pl-0123456789abcdef0"),
    }
    assert se.rules_of(se.permissions_of(rules, "with a description")) == rules


# ---- input ----


def params(**changes):
    value = {
        "vpcs": [{"vpc_id": VPC, "subnet_ids": [SUBNET_A], "security_group_ids": None}],
        "state": "present",
        "security_group_name": se.DEFAULT_GROUP_NAME,
        "tags": None,
    }
    value.update(changes)
    return value


def input_problems(values, names=None):
    """The module's check: input_rules with its option names (vpcs, security_group_name, state, tags)."""
    names = names or {"state": "state", "vpc_endpoints": "vpcs", "security_group_name": "security_group_name", "tags": "tags"}
    fields = {"vpcs": "vpc_endpoints", "state": "state", "security_group_name": "security_group_name", "tags": "tags"}
    return check_input(dict((fields[key], value) for key, value in values.items()), names).problems


def test_input_problems_name_the_option():
    assert input_problems(params()) == []
    bad = params(
        vpcs=[{"vpc_id": "vpc-1", "subnet_ids": ["subnet-zz", "subnet-zz"], "security_group_ids": ["sg-"]}, {"vpc_id": "vpc-1", "subnet_ids": None}],
        security_group_name="sg-mine",
        tags={"awsops:ssm:x": "1"},
    )
    assert [problem.split(":")[0] for problem in input_problems(bad)] == [
        "vpcs[0].vpc_id",
        "vpcs[0].subnet_ids",
        "vpcs[0].subnet_ids",
        "vpcs[0].subnet_ids",
        "vpcs[0].security_group_ids",
        "vpcs[1].vpc_id",
        "vpcs[1].vpc_id",
        "vpcs[1].subnet_ids",
        "security_group_name",
        "tags",
    ]
    assert input_problems(params(state="absent", vpcs=[{"vpc_id": VPC, "subnet_ids": None}])) == []
    # a role names its own variable
    named = check_input({"vpc_endpoints": [{"vpc_id": "vpc-1", "subnet_ids": [SUBNET_A]}], "state": "present"}, "session_manager_").problems
    assert named == [
        'session_manager_vpc_endpoints[0].vpc_id: "vpc-1" is not a VPC id; expected vpc- followed by 8 or 17 hexadecimal digits (vpc-0123456789abcdef0)'
    ]
    assert check_input({"vpc_endpoints": [{"vpc_id": VPC, "subnet_ids": [SUBNET_A], "subnets": []}]}, "session_manager_").problems == [
        'session_manager_vpc_endpoints[0]: "subnets" is not known; expected only vpc_id, subnet_ids and security_group_ids'
    ]
    assert check_input({"vpc_endpoints": {"vpc_id": VPC}}, "session_manager_").problems[0].startswith(
        'session_manager_vpc_endpoints: {"vpc_id": "%s"} is not a list' % VPC)
    assert check_input({"access": "profiles"}, "session_manager_").problems == [
        'session_manager_access: "profiles" is not one of instance_profile, default_host_management'
    ]
    item = vpc_state()
    item.vpcs_option, item.dns_support = "session_manager_vpc_endpoints", False
    assert se.state_problems([item], se.DEFAULT_GROUP_NAME)[0].startswith("session_manager_vpc_endpoints[0].vpc_id: %s has enableDnsSupport off" % VPC)


def test_dns_attributes_off_are_refused_with_the_fix():
    item = vpc_state()
    item.dns_hostnames = False
    problems = se.state_problems([item], se.DEFAULT_GROUP_NAME)
    assert problems == [
        "vpcs[0].vpc_id: %s has enableDnsHostnames off; the endpoints' private DNS names need both enableDnsSupport and enableDnsHostnames on "
        "(aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-hostnames '{\"Value\": true}', and the same with --enable-dns-support)" % (VPC, VPC)
    ]


# ---- the API paths moto cannot show ----


@pytest.fixture
def ec2():
    with stubbed("ec2", REGION) as client_and_stubber:
        yield client_and_stubber


@pytest.fixture
def no_sleep(monkeypatch):
    return record_sleeps(monkeypatch, cloud.time)


def test_a_create_carries_a_client_token_so_a_resent_request_makes_no_second_endpoint(ec2, no_sleep):
    """The client's retry layer (aws_retries, below the Stubber) resends the same request after a lost answer;
    its ClientToken makes EC2 answer with the endpoint the first attempt made."""
    client, stubber = ec2
    plan = se.plan_present(vpc_state(converged("ssm", "ssmmessages"), our_group()), REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    request = plan.steps[0][1]
    assert plan.steps[0][0] == "create_vpc_endpoint" and request["ClientToken"]
    stubber.add_response("create_vpc_endpoint", {"VpcEndpoint": {"VpcEndpointId": "vpce-0ec2messages00000", "State": "pending"}}, request)
    se.apply_plan(client, plan, no_sleep.append, 60)
    assert plan.endpoints[2]["vpc_endpoint_id"] == "vpce-0ec2messages00000" and plan.endpoints[2]["state"] == "pending"
    assert no_sleep == []


def test_a_new_group_is_put_into_the_requests_after_it(ec2, no_sleep):
    """Our group was deleted by hand: a new one is made, and our endpoints move from the old id to it."""
    client, stubber = ec2
    new = "sg-0aaaaaaaaaaaaaaaa"
    plan = se.plan_present(vpc_state(converged("ssm", "ssmmessages")), REGION, se.wanted_services(), None, True, se.DEFAULT_GROUP_NAME)
    assert [step[0] for step in plan.steps][3:] == ["modify_vpc_endpoint", "modify_vpc_endpoint", "create_vpc_endpoint"]
    stubber.add_response("create_security_group", {"GroupId": new}, plan.steps[0][1])
    stubber.add_client_error("revoke_security_group_egress", "InvalidGroup.NotFound", "not yet", expected_params=dict(plan.steps[1][1], GroupId=new))
    stubber.add_response("revoke_security_group_egress", {"Return": True}, dict(plan.steps[1][1], GroupId=new))
    stubber.add_response("authorize_security_group_ingress", {"Return": True}, dict(plan.steps[2][1], GroupId=new))
    for endpoint_id in ("vpce-00000000000000000", "vpce-00000000000000001"):
        stubber.add_response(
            "modify_vpc_endpoint", {"Return": True}, {"VpcEndpointId": endpoint_id, "AddSecurityGroupIds": [new], "RemoveSecurityGroupIds": [GROUP]}
        )
    stubber.add_response("create_vpc_endpoint", {"VpcEndpoint": {"VpcEndpointId": "vpce-0new0000000000000"}}, dict(plan.steps[-1][1], SecurityGroupIds=[new]))
    se.apply_plan(client, plan, no_sleep.append, 60)
    assert plan.security_group_id == new and all(row["security_group_ids"] == [new] for row in plan.endpoints)
    assert len(no_sleep) == 1


def test_a_create_of_the_group_whose_first_answer_was_lost_adopts_the_group_it_made(ec2):
    client, stubber = ec2
    request = {
        "GroupName": se.DEFAULT_GROUP_NAME,
        "Description": se.GROUP_DESCRIPTION,
        "VpcId": VPC,
        "TagSpecifications": se.creation_tags("security-group", None),
    }
    stubber.add_client_error("create_security_group", "InvalidGroup.Duplicate", "exists", expected_params=request)
    stubber.add_response(
        "describe_security_groups",
        {"SecurityGroups": [our_group()]},
        {"Filters": [{"Name": "vpc-id", "Values": [VPC]}, {"Name": "group-name", "Values": [se.DEFAULT_GROUP_NAME]}]},
    )
    plan = se.VpcPlan(VPC, steps=[("create_security_group", request)])
    se.apply_plan(client, plan, None, 60)
    assert plan.security_group_id == GROUP


def test_a_duplicate_group_that_is_not_ours_is_an_error(ec2):
    client, stubber = ec2
    request = {"GroupName": "x", "Description": "d", "VpcId": VPC}
    stubber.add_client_error("create_security_group", "InvalidGroup.Duplicate", "exists")
    stubber.add_response("describe_security_groups", {"SecurityGroups": [dict(our_group(), Tags=[])]})
    with pytest.raises(AnsibleAWSError, match="Failed to create the security group"):
        se.apply_plan(client, se.VpcPlan(VPC, steps=[("create_security_group", request)]), None, 60)


def test_teardown_waits_for_the_endpoints_then_retries_the_group_while_in_use(ec2, no_sleep):
    client, stubber = ec2
    plan = se.plan_absent(vpc_state(converged("ssm"), our_group()), REGION)
    waits = []
    stubber.add_response("delete_vpc_endpoints", {"Unsuccessful": []}, {"VpcEndpointIds": ["vpce-00000000000000000"]})
    stubber.add_response(
        "describe_vpc_endpoints",
        {"VpcEndpoints": [endpoint("ssm", "vpce-00000000000000000", State="deleting")]},
        {"VpcEndpointIds": ["vpce-00000000000000000"]},
    )
    stubber.add_client_error("describe_vpc_endpoints", "InvalidVpcEndpointId.NotFound", "gone")
    stubber.add_client_error("delete_security_group", "DependencyViolation", "resource sg has a dependent object", expected_params={"GroupId": GROUP})
    stubber.add_response("delete_security_group", {}, {"GroupId": GROUP})
    se.apply_plan(client, plan, waits.append, 60)
    assert waits == [5] and len(no_sleep) == 1


def test_the_wait_for_deleted_endpoints_is_bounded(ec2):
    client, stubber = ec2
    for _attempt in range(3):
        stubber.add_response("describe_vpc_endpoints", {"VpcEndpoints": [endpoint("ssm", "vpce-00000000000000000", State="deleting")]})
    waits = []
    with pytest.raises(AnsibleAWSError, match="Timeout after 10 seconds waiting for the VPC endpoints vpce-00000000000000000 to be deleted"):
        se.wait_for_deletion(client, ["vpce-00000000000000000"], waits.append, 10)
    assert waits == [5, 5]


def test_endpoints_aws_could_not_delete_fail_the_run(ec2):
    client, stubber = ec2
    unsuccessful = [
        {"ResourceId": "vpce-00000000000000000", "Error": {"Code": "OperationNotPermitted", "Message": "no"}},
        {"ResourceId": "vpce-01", "Error": {"Code": "InvalidVpcEndpoint.NotFound", "Message": "gone"}},
    ]
    stubber.add_response("delete_vpc_endpoints", {"Unsuccessful": unsuccessful}, {"VpcEndpointIds": ANY})
    with pytest.raises(AnsibleAWSError, match="could not delete the VPC endpoints.*OperationNotPermitted"):
        se.apply_plan(client, se.VpcPlan(VPC, steps=[("delete_vpc_endpoints", {"VpcEndpointIds": ["vpce-00000000000000000", "vpce-01"]})]), None, 60)


def test_read_state_reads_each_kind_once_for_all_vpcs(ec2):
    client, stubber = ec2
    other = "vpc-0fedcba9876543210"
    vpcs = [{"vpc_id": VPC, "subnet_ids": [SUBNET_A], "security_group_ids": [GROUP]}, {"vpc_id": other, "subnet_ids": [SUBNET_B]}]
    stubber.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC}, {"VpcId": other}]}, {"Filters": [{"Name": "vpc-id", "Values": [VPC, other]}]})
    stubber.add_response(
        "describe_subnets",
        {"Subnets": [{"SubnetId": SUBNET_A, "VpcId": VPC, "AvailabilityZone": "eu-west-1a"}]},
        {"Filters": [{"Name": "subnet-id", "Values": [SUBNET_A, SUBNET_B]}]},
    )
    stubber.add_response(
        "describe_security_groups", {"SecurityGroups": [{"GroupId": GROUP, "VpcId": other}]}, {"Filters": [{"Name": "group-id", "Values": [GROUP]}]}
    )
    stubber.add_response(
        "describe_security_groups", {"SecurityGroups": []}, {"Filters": [{"Name": "vpc-id", "Values": [VPC, other]}, {"Name": "group-name", "Values": ["n"]}]}
    )
    stubber.add_response(
        "describe_vpc_endpoints",
        {"VpcEndpoints": [dict(endpoint("ssm", "vpce-1"), State="deleted")]},
        {"Filters": [{"Name": "vpc-id", "Values": [VPC, other]}]},
    )
    stubber.add_response("describe_route_tables", {"RouteTables": []}, {"Filters": [{"Name": "vpc-id", "Values": [VPC, other]}]})
    for vpc_id in (VPC, other):
        stubber.add_response("describe_vpc_attribute", {"EnableDnsSupport": {"Value": True}}, {"VpcId": vpc_id, "Attribute": "enableDnsSupport"})
        stubber.add_response("describe_vpc_attribute", {"EnableDnsHostnames": {"Value": False}}, {"VpcId": vpc_id, "Attribute": "enableDnsHostnames"})
    states = se.read_state(client, vpcs, "present", "n", True)
    assert states[0].endpoints == [] and states[0].dns_hostnames is False
    problems = se.state_problems(states, "n")
    assert "vpcs[0].security_group_ids: %s is in %s, not in %s" % (GROUP, other, VPC) in problems
    assert "vpcs[1].subnet_ids: %s does not exist in this region" % SUBNET_B in problems
