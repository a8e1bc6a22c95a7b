# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A stubbed client refuses a request that AWS would refuse, patterns included."""

import pytest

from awsops_harness.stubs import stubbed

ROLE = {"Path": "/", "RoleName": "x", "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::123456789012:role/x", "CreateDate": "2026-01-01"}


def test_a_request_that_breaks_a_pattern_is_refused_before_the_stub_answers():
    with stubbed("iam") as (client, stubber):
        stubber.add_response("get_role", {"Role": ROLE}, {"RoleName": "x"})
        with pytest.raises(AssertionError, match=r"iam:GetRole.RoleName: 'bad name!' does not match"):
            client.get_role(RoleName="bad name!")
        assert client.get_role(RoleName="x")["Role"]["RoleName"] == "x"
