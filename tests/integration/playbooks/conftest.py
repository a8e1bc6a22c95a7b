# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the playbook tests: whole site/teardown/report runs against local endpoints.

Besides the session's endpoint (tests/integration/conftest.py), a second one
checks credentials as AWS does, for a target whose credentials fail.
"""

import pytest

from awsops_harness.moto_server import MotoServer


@pytest.fixture(scope="session")
def auth_moto_server(tmp_path_factory):
    """An endpoint that checks every request's credentials against its IAM, as AWS does."""
    server = MotoServer(tmp_path_factory.mktemp("moto-auth"), env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"}).start()
    yield server
    server.stop()


@pytest.fixture
def auth_moto(auth_moto_server):
    """The credential-checking endpoint, emptied, checking from the first request."""
    auth_moto_server.reset()
    auth_moto_server.check_credentials()
    return auth_moto_server
