# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the tests that run Ansible: one moto server per test session, reset before every test.

The conftest.py of tests/integration and tests/matrix import them.
"""

import boto3
import pytest

from awsops_harness.ansible_run import AnsibleRunner
from awsops_harness.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server):
    """The local endpoint, emptied of all state and recorded calls."""
    moto_server.reset()
    return moto_server


@pytest.fixture(scope="session")
def module_cache(tmp_path_factory):
    """The module runner's cache of payloads and compiled sources, shared by the runs of a test session."""
    return tmp_path_factory.mktemp("module-cache")


@pytest.fixture
def ansible(moto, tmp_path, module_cache):
    """Runs playbooks and single modules against the local endpoint."""
    return AnsibleRunner(moto, tmp_path, module_cache=module_cache)


@pytest.fixture
def aws(moto):
    """boto3 clients on the local endpoint: aws("iam"), aws("ec2", "eu-west-1")."""
    return clients(moto)


def clients(server):
    """A function giving boto3 clients on server: client("iam"), client("ec2", "eu-west-1")."""

    def client(service, region="us-east-1"):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )

    return client
