# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Session Manager in private subnets and under Default Host Management, through site, teardown and report.

moto implements VPC endpoints and security groups: the endpoint sequence runs
on it as it is. It implements neither the SSM service settings nor
DescribeInstanceInformation; the test server emulates both as AWS answers
(tests/awsops_harness/moto_launcher.py: one value per account, region and
setting; an instance is registered when a test tags it awsops-test:ssm-agent),
so that the playbooks run through them. The modules' own logic on those
calls is tested with Stubber on botocore-shaped answers
(tests/unit/plugins/modules/test_ssm_default_host_management.py,
test_ssm_session_info.py).
"""

from awsops_harness import vpcs
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import target

REGION = "eu-west-1"
GROUP = "awsops-ssm-session-endpoints"
SETTING = "/ssm/managed-instance/default-ec2-instance-management-role"
DHMC_ROLE = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
SESSION_MANAGER_ONLY = {"awsops_ssm_components": ["session_manager"]}


def outcome(run):
    """{(host, task): (status, changed)}."""
    return dict(((task.host, task.task), (task.status, task.changed)) for task in run.tasks)


def assert_check_predicts(check, real):
    assert check.writes == [], [str(call) for call in check.writes]
    predicted, made = outcome(check), outcome(real)
    differ = dict((key, (predicted.get(key), made.get(key))) for key in set(predicted) | set(made) if predicted.get(key) != made.get(key))
    assert differ == {}, "(host, task): ((status, changed) in --check, in the run)\n%s" % "\n".join("%s: %s" % item for item in sorted(differ.items()))


def two_vpcs(aws):
    """Two private VPCs; the second already has an ssm endpoint of the network team's."""
    ec2 = aws("ec2", REGION)
    first, first_subnets = vpcs.make_vpc(ec2, REGION, "10.0.0.0/16", ["a", "b"])
    second, second_subnets = vpcs.make_vpc(ec2, REGION, "10.1.0.0/16", ["a"])
    theirs = vpcs.endpoint_of_others(ec2, REGION, second, second_subnets)
    listed = [{"vpc_id": first, "subnet_ids": first_subnets}, {"vpc_id": second, "subnet_ids": second_subnets}]
    return ec2, first, second, theirs, listed


def test_endpoints_in_two_vpcs_through_site_rerun_and_teardown(ansible, moto, aws):
    ec2, first, second, theirs, listed = two_vpcs(aws)
    hosts = inventory(private=target(moto, REGION, session_manager_vpc_endpoints=listed, session_manager_target_tags={}))

    check = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY, check=True)
    assert check.returncode == 0, check.summary()
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert site.returncode == 0, site.summary()
    assert_check_predicts(check, site)

    # the key and the log group are on (the defaults): kms and logs endpoints too; no bucket, no s3 gateway
    assert sorted(vpcs.endpoints_in(ec2, first)) == ["ec2messages", "kms", "logs", "ssm", "ssmmessages"]
    in_second = vpcs.endpoints_in(ec2, second)
    assert sorted(in_second) == ["ec2messages", "kms", "logs", "ssm", "ssmmessages"]
    assert in_second["ssm"]["VpcEndpointId"] == theirs  # reused, not duplicated
    assert len(vpcs.groups_named(ec2, first, GROUP)) == 1 and len(vpcs.groups_named(ec2, second, GROUP)) == 1
    task = site.task("awsops.ssm.session_manager : Create the VPC endpoints for Session Manager", host="private")
    assert task.result["reused_endpoints"] == [{"vpc_id": second, "service": "ssm", "vpc_endpoint_id": theirs, "problems": []}]
    kept = site.task("awsops.ssm.session_manager : Report what was kept as it is", host="private").result["msg"]
    assert "VPC endpoints not created by awsops.ssm, reused as they are (endpoint service): %s ssm" % theirs in kept

    rerun_check = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY, check=True)
    rerun = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert rerun.returncode == 0 and rerun.changed_tasks == [] and rerun.writes == [], rerun.summary()
    assert rerun_check.returncode == 0 and rerun_check.changed_tasks == [] and rerun_check.writes == [], rerun_check.summary()

    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert teardown.returncode == 0, teardown.summary()
    assert vpcs.endpoints_in(ec2, first) == {}
    assert list(vpcs.endpoints_in(ec2, second)) == ["ssm"] and vpcs.endpoints_in(ec2, second)["ssm"]["VpcEndpointId"] == theirs
    assert vpcs.groups_named(ec2, first, GROUP) == [] and vpcs.groups_named(ec2, second, GROUP) == []
    kept = teardown.task("awsops.ssm.session_manager : Report what was kept", host="private").result["msg"]
    assert "Kept the VPC endpoints awsops.ssm did not create: %s" % theirs in kept
    again = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert again.returncode == 0 and again.changed_tasks == [] and again.writes == [], again.summary()


def test_endpoint_vpcs_are_checked_before_the_first_write(ansible, moto, aws):
    ec2, first, second, _theirs, _listed = two_vpcs(aws)
    other_subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [second]}])["Subnets"][0]["SubnetId"]
    no_dns, no_dns_subnets = vpcs.make_vpc(ec2, REGION, "10.9.0.0/16", ["a"], dns=False)
    listed = [
        {"vpc_id": first, "subnet_ids": [other_subnet]},
        {"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-0123456789abcdef0"]},
        {"vpc_id": no_dns, "subnet_ids": no_dns_subnets},
    ]
    hosts = inventory(private=target(moto, REGION, session_manager_vpc_endpoints=listed))
    run = ansible.run_playbook("awsops.ssm.site", inventory=hosts)
    assert run.returncode != 0 and run.writes == [], run.summary()
    problems = run.task("Check every input and connect to the target", host="private").result["problems"]
    assert problems == [
        "session_manager_vpc_endpoints[0].subnet_ids: %s is in %s, not in %s" % (other_subnet, second, first),
        "session_manager_vpc_endpoints[1].vpc_id: vpc-0123456789abcdef0 does not exist in this region (or is not visible to these credentials)",
        # (a new VPC has DNS support on and DNS host names off)
        "session_manager_vpc_endpoints[2].vpc_id: %s has enableDnsHostnames off; the endpoints' private DNS names need both "
        "enableDnsSupport and enableDnsHostnames on (aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-hostnames '{\"Value\": true}', and the "
        "same with --enable-dns-support)" % (no_dns, no_dns),
    ]

    bad = inventory(private=target(moto, REGION, session_manager_vpc_endpoints=[{"vpc_id": "vpc-1"}], session_manager_access="profiles"))
    refused = ansible.run_playbook("awsops.ssm.site", inventory=bad)
    assert refused.returncode != 0 and refused.calls == [], refused.summary()
    problems = refused.task("Check every input and connect to the target", host="private").result["problems"]
    assert 'session_manager_access: "profiles" is not one of instance_profile, default_host_management' in problems
    assert any(problem.startswith('session_manager_vpc_endpoints[0].vpc_id: "vpc-1" is not a VPC id') for problem in problems), problems
    assert any(problem.startswith("session_manager_vpc_endpoints[0].subnet_ids: none given") for problem in problems), problems


def test_default_host_management_through_site_rerun_and_teardown(ansible, moto, aws):
    ssm, iam = aws("ssm", REGION), aws("iam")
    ssm.update_service_setting(SettingId=SETTING, SettingValue="service-role/TheirRole")  # what teardown must put back
    hosts = inventory(dhmc=target(moto, REGION, session_manager_access="default_host_management"))

    check = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY, check=True)
    assert check.returncode == 0, check.summary()
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert site.returncode == 0, site.summary()
    assert_check_predicts(check, site)
    assert ssm.get_service_setting(SettingId=SETTING)["ServiceSetting"]["SettingValue"] == "service-role/" + DHMC_ROLE
    role = iam.get_role(RoleName=DHMC_ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ssm.amazonaws.com"}
    attached = [policy["PolicyName"] for policy in iam.list_attached_role_policies(RoleName=DHMC_ROLE)["AttachedPolicies"]]
    assert attached == ["AmazonSSMManagedEC2InstanceDefaultPolicy"]
    # instance_profile access is not used: no instance role, nothing attached
    assert "SSMSessionInstanceRole" not in [item["RoleName"] for item in iam.list_roles()["Roles"]]
    skipped = site.task("awsops.ssm.session_manager : Create the instance role and profile", host="dhmc")
    assert skipped.status == "skipped"

    rerun = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert rerun.returncode == 0 and rerun.changed_tasks == [] and rerun.writes == [], rerun.summary()

    # the report: Default Host Management applies to instances that enforce IMDSv2, and names those that do not
    ec2 = aws("ec2", REGION)
    enforced = launch(ec2, "enforced", MetadataOptions={"HttpTokens": "required"})
    optional = launch(ec2, "optional")
    ec2.create_tags(Resources=[enforced], Tags=[{"Key": "awsops-test:ssm-agent", "Value": "Online"}])
    report = ansible.run_playbook("awsops.ssm.report", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert report.returncode == 0 and report.writes == [], report.summary()
    lines = report.task("Print the report", host="dhmc").result["msg"]
    start = lines.index("Session Manager reachability (Default Host Management Configuration): 1 of 2 instances reachable")
    rows = dict((line.split()[0], line) for line in lines[start + 1:] if line.startswith("  i-"))
    assert "default host management" in rows[enforced] and "IMDSv2 required" in rows[enforced] and "reachable: agent" in rows[enforced]
    assert "NOT REACHABLE: IMDSv2 is not enforced (HttpTokens is optional)" in rows[optional]
    assert lines[-1] == "  IMDSv2 not enforced (HttpTokens optional, which Default Host Management Configuration needs): %s" % optional

    teardown_check = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY, check=True)
    teardown = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert teardown.returncode == 0, teardown.summary()
    assert_check_predicts(teardown_check, teardown)
    assert ssm.get_service_setting(SettingId=SETTING)["ServiceSetting"]["SettingValue"] == "service-role/TheirRole"
    assert DHMC_ROLE not in [item["RoleName"] for item in iam.list_roles()["Roles"]]
    again = ansible.run_playbook("awsops.ssm.teardown", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert again.returncode == 0 and again.changed_tasks == [] and again.writes == [], again.summary()


def launch(ec2, name, **extra):
    tags = [{"Key": "Name", "Value": name}, {"Key": "Service", "Value": "test"}]
    return ec2.run_instances(ImageId="ami-1e749f67", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             TagSpecifications=[{"ResourceType": "instance", "Tags": tags}], **extra)["Instances"][0]["InstanceId"]


def test_report_says_which_instances_are_reachable_and_why_not(ansible, moto, aws):
    """One instance in each state: reachable, stopped, no profile, another profile kept, no route and no endpoints, agent not registered."""
    ec2, iam = aws("ec2", REGION), aws("iam")
    private, private_subnets = vpcs.make_vpc(ec2, REGION, "10.0.0.0/16", ["a"])
    iam.create_instance_profile(InstanceProfileName="TheirProfile")
    instances = {
        "online": launch(ec2, "online"),
        "stopped": launch(ec2, "stopped"),
        "their-profile": launch(ec2, "their-profile", IamInstanceProfile={"Name": "TheirProfile"}),
        "no-route": launch(ec2, "no-route", SubnetId=private_subnets[0]),
    }
    other, other_subnets = vpcs.make_vpc(ec2, REGION, "10.5.0.0/16", ["a"])
    instances["no-agent"] = launch(ec2, "no-agent", SubnetId=other_subnets[0])
    hosts = inventory(report=target(moto, REGION, session_manager_vpc_endpoints=[{"vpc_id": other, "subnet_ids": other_subnets}]))
    site = ansible.run_playbook("awsops.ssm.site", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert site.returncode == 0, site.summary()
    ec2.create_tags(Resources=[instances["online"]], Tags=[{"Key": "awsops-test:ssm-agent", "Value": "Online"}])
    ec2.stop_instances(InstanceIds=[instances["stopped"]])
    instances["no-profile"] = launch(ec2, "no-profile")  # selected, started after site

    run = ansible.run_playbook("awsops.ssm.report", inventory=hosts, extra_vars=SESSION_MANAGER_ONLY)
    assert run.returncode == 0 and run.writes == [], run.summary()
    lines = run.task("Print the report", host="report").result["msg"]
    print("\n".join(lines))
    start = lines.index("Session Manager reachability (instance profile SSMSessionInstanceRole): 1 of 6 instances reachable")
    rows = dict((line.split()[0], line) for line in lines[start + 1:] if line.startswith("  i-"))
    assert sorted(rows) == sorted(instances.values())
    row = dict((name, rows[instance_id]) for name, instance_id in instances.items())
    assert "profile SSMSessionInstanceRole" in row["online"] and "reachable: agent 3.3.1142.0, Amazon Linux 2023" in row["online"]
    assert "NOT REACHABLE: the instance is stopped: Session Manager reaches running instances only" in row["stopped"]
    assert "profile TheirProfile (kept)" in row["their-profile"]
    assert "NOT REACHABLE: has the instance profile TheirProfile, kept (replace_profiles is false)" in row["their-profile"]
    assert "NOT REACHABLE: no instance profile: attach SSMSessionInstanceRole" in row["no-profile"]
    assert ("NOT REACHABLE: subnet %s has no route to the internet (internet gateway or NAT), and VPC %s has no interface endpoint with private DNS "
            "for ssm, ssmmessages, ec2messages (ssm_session_endpoints)" % (private_subnets[0], private)) in row["no-route"]
    assert ("NOT REACHABLE: the SSM agent is not registered with Systems Manager: install and start it, see examples/ssm-agent/README.md in the "
            "awsops.ssm collection") in row["no-agent"]
    assert lines[-1].startswith("  IMDSv2 not enforced (HttpTokens optional): ")
