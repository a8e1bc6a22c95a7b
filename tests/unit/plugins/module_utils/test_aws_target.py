# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_target.connection_options: the one place the connection of every task is built."""

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import connection_options
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import effective_region

ASSUMED = {"access_key": "ASIAX", "secret_key": "secret", "session_token": "token"}


def test_the_host_variables():
    assert connection_options("eu-west-1", environ={}) == {"region": "eu-west-1"}
    assert connection_options("eu-west-1", "ops", "http://127.0.0.1:5000", environ={}) == {
        "region": "eu-west-1", "profile": "ops", "endpoint_url": "http://127.0.0.1:5000"}


def test_an_assumed_role_replaces_the_profile_and_the_environment_token():
    options = connection_options("eu-west-1", "ops", credentials=ASSUMED, environ={"AWS_SECURITY_TOKEN": "awx"})
    assert options == dict(ASSUMED, region="eu-west-1")


def test_awx_security_token_is_passed_on_only_without_a_session_token():
    assert connection_options("eu-west-1", environ={"AWS_SECURITY_TOKEN": "awx"})["session_token"] == "awx"
    assert "session_token" not in connection_options("eu-west-1", environ={"AWS_SECURITY_TOKEN": "awx", "AWS_SESSION_TOKEN": "own"})
    assert connection_options("eu-west-1", environ={"AWS_SECURITY_TOKEN": "awx", "AWS_SESSION_TOKEN": ""})["session_token"] == "awx"


def test_the_region_falls_back_to_the_environment():
    assert effective_region("", {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}) == "us-west-2"
    assert effective_region(None, {"AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-west-1"
    assert effective_region("ap-northeast-2", {"AWS_REGION": "us-west-2"}) == "ap-northeast-2"
    assert effective_region("", {}) == ""
