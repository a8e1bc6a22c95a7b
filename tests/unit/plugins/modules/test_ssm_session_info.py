# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_info's reads, with botocore's Stubber.

moto implements no DescribeInstanceInformation and no SSM service settings,
so the module's reads run against real botocore EC2 and SSM clients answered
by Stubber (every request checked against botocore's model, patterns
included). The tests list every call: what is read, how often, and that
nothing is read that the answer does not need.
"""

import pytest

from awsops_harness.stubs import stubbed
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import default_host_management as dhmc
from ansible_collections.awsops.ssm.plugins.module_utils.instance_selection import selection_filters
from ansible_collections.awsops.ssm.plugins.modules import ssm_session_info as module

REGION = "eu-west-1"
VPC = "vpc-0123456789abcdef0"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/SSMSessionInstanceRole"


def ids(count):
    return ["i-%017x" % index for index in range(1, count + 1)]


def instance(instance_id, state="running", tokens="required", profile=True):
    value = {
        "InstanceId": instance_id,
        "State": {"Name": state, "Code": 16},
        "VpcId": VPC,
        "SubnetId": "subnet-0a1b2c3d4e5f60718",
        "IamInstanceProfile": {"Arn": PROFILE_ARN, "Id": "AIPAEXAMPLE"},
        "MetadataOptions": {"HttpTokens": tokens},
    }
    if not profile:
        del value["IamInstanceProfile"]
    return value


def params(**changes):
    value = {
        "target_tags": {"Env": "dev"},
        "instance_ids": None,
        "access": "instance_profile",
        "instance_profile": "SSMSessionInstanceRole",
        "max_instances": 1000,
    }
    value.update(changes)
    return value


@pytest.fixture
def aws():
    with stubbed("ec2", REGION) as ec2, stubbed("ssm", REGION) as ssm:
        yield ec2, ssm


def expect_instances(ec2, instances, limit=1000, tags=None):
    filters = selection_filters(tags or {"Env": "dev"}, None)
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": instances}]}, {"Filters": filters, "MaxResults": limit})


def test_nothing_selected_reads_nothing(aws):
    (ec2, _stub), (ssm, _stub2) = aws
    result = module.run(params(target_tags={}), REGION, ec2, ssm)
    assert result["instances"] == [] and result["lines"] == [
        "Session Manager reachability (instance profile SSMSessionInstanceRole): 0 of 0 instances reachable"
    ]


def test_online_stopped_and_unreachable_instances_and_the_network_read_only_for_the_last(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    first, second, third = ids(3)
    expect_instances(ec2_stub, [instance(third), instance(first), instance(second, state="stopped")])
    ssm_stub.add_response(
        "describe_instance_information",
        {"InstanceInformationList": [{"InstanceId": first, "PingStatus": "Online", "AgentVersion": "3.3.1142.0", "PlatformType": "Linux"}]},
        {"Filters": [{"Key": "InstanceIds", "Values": [first, second, third]}], "MaxResults": 50},
    )
    ec2_stub.add_response(
        "describe_route_tables",
        {"RouteTables": [{"RouteTableId": "rtb-0123456789abcdef0", "VpcId": VPC, "Associations": [{"Main": True}], "Routes": []}]},
        {"Filters": [{"Name": "vpc-id", "Values": [VPC]}]},
    )
    ec2_stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": []}, {"Filters": [{"Name": "vpc-id", "Values": [VPC]}]})
    result = module.run(params(), REGION, ec2, ssm)
    assert [row["instance_id"] for row in result["instances"]] == [first, second, third]
    assert [row["reachable"] for row in result["instances"]] == [True, False, False]
    assert result["instances"][0]["network"] is None and result["instances"][1]["network"] is None
    assert result["instances"][2]["reason"].startswith("subnet subnet-0a1b2c3d4e5f60718 has no route to the internet")
    assert result["reachable"] == 1 and result["not_reachable"] == 2 and result["truncated"] is False
    assert result["lines"][0] == "Session Manager reachability (instance profile SSMSessionInstanceRole): 1 of 3 instances reachable"


def test_all_online_reads_no_network(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    (only,) = ids(1)
    expect_instances(ec2_stub, [instance(only)])
    ssm_stub.add_response("describe_instance_information", {"InstanceInformationList": [{"InstanceId": only, "PingStatus": "Online"}]})
    assert module.run(params(), REGION, ec2, ssm)["reachable"] == 1


def test_information_is_read_fifty_ids_a_request(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    many = ids(120)
    expect_instances(ec2_stub, [instance(instance_id, state="stopped") for instance_id in many])
    for start in (0, 50, 100):
        ssm_stub.add_response(
            "describe_instance_information",
            {"InstanceInformationList": []},
            {"Filters": [{"Key": "InstanceIds", "Values": many[start : start + 50]}], "MaxResults": 50},
        )
    result = module.run(params(), REGION, ec2, ssm)
    assert len(result["instances"]) == 120 and result["not_reachable"] == 120


def test_the_instance_read_is_bounded(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    three = ids(3)
    ec2_stub.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [instance(three[2], "stopped"), instance(three[0], "stopped")]}], "NextToken": "more"},
        {"Filters": selection_filters({"Env": "dev"}, None), "MaxResults": 5},
    )
    ec2_stub.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [instance(three[1], "stopped")]}]},
        {"Filters": selection_filters({"Env": "dev"}, None), "MaxResults": 5, "NextToken": "more"},
    )
    ssm_stub.add_response(
        "describe_instance_information", {"InstanceInformationList": []}, {"Filters": [{"Key": "InstanceIds", "Values": three[:2]}], "MaxResults": 50}
    )
    result = module.run(params(max_instances=2), REGION, ec2, ssm)
    assert [row["instance_id"] for row in result["instances"]] == three[:2] and result["truncated"] is True
    assert result["lines"][-1] == "  (more instances match: only the first 2 by id are listed; raise max_instances)"


def test_default_host_management_reads_the_setting_once(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    first, second = ids(2)
    expect_instances(ec2_stub, [instance(first, profile=False), instance(second, tokens="optional", profile=False)])
    ssm_stub.add_response(
        "get_service_setting",
        {"ServiceSetting": {"SettingId": dhmc.SETTING_ID, "SettingValue": "service-role/" + dhmc.ROLE_NAME, "Status": "Customized"}},
        {"SettingId": dhmc.SETTING_ID},
    )
    ssm_stub.add_response("describe_instance_information", {"InstanceInformationList": [{"InstanceId": first, "PingStatus": "Online"}]})
    ec2_stub.add_response("describe_route_tables", {"RouteTables": []})
    ec2_stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": []})
    result = module.run(params(access="default_host_management"), REGION, ec2, ssm)
    assert result["default_host_management_setting"] == "service-role/" + dhmc.ROLE_NAME
    assert [row["default_host_management"] for row in result["instances"]] == [True, False]
    assert result["instances"][1]["reason"].startswith("IMDSv2 is not enforced")
    assert result["lines"][-1] == "  IMDSv2 not enforced (HttpTokens optional, which Default Host Management Configuration needs): %s" % second


def test_input_problems():
    assert module.input_problems(params()) == []
    problems = module.input_problems(params(target_tags={"Env": 1}, instance_ids=["i-xyz"], max_instances=0))
    assert [problem.split(":")[0] for problem in problems] == ["target_tags", "instance_ids", "max_instances"]


def test_an_error_says_what_failed(aws):
    (ec2, ec2_stub), (ssm, ssm_stub) = aws
    expect_instances(ec2_stub, [instance(ids(1)[0])])
    ssm_stub.add_client_error("describe_instance_information", "AccessDeniedException", "not allowed", http_status_code=400)
    with pytest.raises(AnsibleAWSError, match="Failed to describe the instances Systems Manager knows"):
        module.run(params(), REGION, ec2, ssm)
