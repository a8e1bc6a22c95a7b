# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore_data.share: one loader for every botocore session of the process, its data parsed once."""

import os

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from ansible_collections.awsops.ssm.plugins.plugin_utils import botocore_data


@pytest.fixture
def shared(monkeypatch):
    """share() in this test only: botocore's create_loader and the module's state are put back afterwards."""
    monkeypatch.setattr(botocore.session, "create_loader", botocore.session.create_loader)
    monkeypatch.setattr(botocore_data, "_SHARED", {})
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    return botocore_data.share()


def test_every_session_takes_the_shared_loader_with_the_services_data_read(shared):
    assert botocore.session.Session().get_component("data_loader") is shared
    assert botocore_data.share() is shared  # once
    cached = [key for key in shared._cache if key[0] == "load_service_model"]  # pylint: disable=protected-access
    assert {key[1] for key in cached} >= set(botocore_data.SERVICES)


def test_a_session_with_its_own_data_path_gets_its_own_loader(shared, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    own = botocore.session.Session().get_component("data_loader")
    assert own is not shared and str(tmp_path) in own.search_paths


def test_boto3_sessions_add_their_data_path_once(shared):
    for _session in range(3):
        boto3.session.Session(region_name="eu-west-1")
    assert len(shared.search_paths) == len(set(shared.search_paths))


def test_clients_of_sessions_made_after_it_work_as_before(shared):
    logs = boto3.session.Session(region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing").client("logs")
    with Stubber(logs) as stubber:
        stubber.add_response("describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": "/aws/ssm/sessions"})
        assert logs.describe_log_groups(logGroupNamePrefix="/aws/ssm/sessions")["logGroups"] == []
    assert logs.can_paginate("describe_log_groups")  # paginators-1, read by share()


def test_a_forked_child_finds_the_data_parsed(shared):
    """What in_worker relies on: a module run forked after share() parses no service file again."""
    reads, done = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports through the pipe
        parsed = []
        real = botocore.loaders.JSONFileLoader.load_file

        def load_file(self, file_path):
            data = real(self, file_path)
            if data is not None:  # None: no such file (botocore looks for optional extras)
                parsed.append(file_path)
            return data

        botocore.loaders.JSONFileLoader.load_file = load_file
        kms = boto3.session.Session(region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y").client("kms")
        kms.get_paginator("list_keys")
        os.write(done, repr(parsed).encode())
        os._exit(0)
    os.close(done)
    os.waitpid(pid, 0)
    assert os.read(reads, 10000) == b"[]"
