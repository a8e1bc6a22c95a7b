# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test server's emulation of what moto 5.2.5 lacks in Systems Manager (tests/awsops_harness/moto_launcher.py).

Service settings answer as AWS does (the default $None until updated, back on
reset); DescribeInstanceInformation lists only the running instances a test
tagged as having a registered agent. The answers are checked against
botocore's model by the client that parses them.
"""

from awsops_harness.botocore_models import assert_valid

SETTING = "/ssm/managed-instance/default-ec2-instance-management-role"


def test_service_settings_default_update_and_reset(aws):
    ssm = aws("ssm")
    first = ssm.get_service_setting(SettingId=SETTING)["ServiceSetting"]
    assert (first["SettingValue"], first["Status"]) == ("$None", "Default")
    assert_valid("ssm", "UpdateServiceSetting", {"SettingId": SETTING, "SettingValue": "service-role/X"})
    ssm.update_service_setting(SettingId=SETTING, SettingValue="service-role/X")
    updated = ssm.get_service_setting(SettingId=SETTING)["ServiceSetting"]
    assert (updated["SettingValue"], updated["Status"]) == ("service-role/X", "Customized")
    assert aws("ssm", region="us-west-2").get_service_setting(SettingId=SETTING)["ServiceSetting"]["SettingValue"] == "$None"
    reset = ssm.reset_service_setting(SettingId=SETTING)["ServiceSetting"]
    assert (reset["SettingValue"], reset["Status"]) == ("$None", "Default")


def test_instance_information_lists_the_instances_tagged_as_registered(aws):
    ec2, ssm = aws("ec2"), aws("ssm")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ids = [item["InstanceId"] for item in ec2.run_instances(ImageId=image, MinCount=3, MaxCount=3, InstanceType="t3.micro")["Instances"]]
    ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "awsops-test:ssm-agent", "Value": "Online"}])
    ec2.create_tags(Resources=[ids[1]], Tags=[{"Key": "awsops-test:ssm-agent", "Value": "ConnectionLost"}])
    listed = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": ids}])["InstanceInformationList"]
    assert [(item["InstanceId"], item["PingStatus"]) for item in listed] == sorted([(ids[0], "Online"), (ids[1], "ConnectionLost")])
    assert ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [ids[2]]}])["InstanceInformationList"] == []
