# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test server answers RemoveRoleFromInstanceProfile as AWS does (tests/awsops_harness/moto_launcher.py).

moto 5.2.5 answers HTTP 500 when the profile no longer holds the role (two
regions of one account that tear down at once); AWS answers NoSuchEntity.
"""

import json

import pytest
from botocore.exceptions import ClientError

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def test_removing_a_role_the_profile_no_longer_holds_is_no_such_entity(aws):
    iam = aws("iam")
    iam.create_role(RoleName="launcher-probe", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_instance_profile(InstanceProfileName="launcher-probe")
    iam.add_role_to_instance_profile(InstanceProfileName="launcher-probe", RoleName="launcher-probe")
    iam.remove_role_from_instance_profile(InstanceProfileName="launcher-probe", RoleName="launcher-probe")
    assert iam.get_instance_profile(InstanceProfileName="launcher-probe")["InstanceProfile"]["Roles"] == []

    with pytest.raises(ClientError) as raised:
        iam.remove_role_from_instance_profile(InstanceProfileName="launcher-probe", RoleName="launcher-probe")
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
