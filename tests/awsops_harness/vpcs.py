# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPCs on the local endpoint for the Session Manager endpoint tests, and what is in them."""


def make_vpc(ec2, region, cidr, zones, dns=True, extra_cidr=None):
    """A VPC (DNS support and host names on unless dns=False) with one /24 subnet per zone letter: (vpc id, subnet ids)."""
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    if extra_cidr:
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=extra_cidr)
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    base = cidr.rsplit(".", 2)[0]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="%s.%d.0/24" % (base, index + 1), AvailabilityZone=region + zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(zones)
    ]
    return vpc_id, subnets


def endpoint_of_others(ec2, region, vpc_id, subnet_ids, service="ssm"):
    """An interface endpoint with private DNS that someone else made (not tagged as ours): its id."""
    return ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName="com.amazonaws.%s.%s" % (region, service),
        VpcEndpointType="Interface",
        SubnetIds=subnet_ids,
        PrivateDnsEnabled=True,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "owner", "Value": "network-team"}]}],
    )["VpcEndpoint"]["VpcEndpointId"]


def endpoints_in(ec2, vpc_id):
    """Live endpoints of a VPC: service short name -> endpoint."""
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    return dict((endpoint["ServiceName"].rsplit(".", 1)[-1], endpoint) for endpoint in found if endpoint["State"].lower() != "deleted")


def groups_named(ec2, vpc_id, name):
    return ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
