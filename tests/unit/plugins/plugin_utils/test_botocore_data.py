# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore_data.share: one loader for every botocore session of the process, its data parsed once."""

import ast
import os
import re

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


def test_each_service_is_parsed_once_and_only_when_asked_for(monkeypatch):
    monkeypatch.setattr(botocore.session, "create_loader", botocore.session.create_loader)
    monkeypatch.setattr(botocore_data, "_SHARED", {})
    loader = botocore_data.share(("kms",))

    def services():
        return {key[1] for key in loader._cache if key[0] == "load_service_model"}  # pylint: disable=protected-access

    assert services() == {"kms"}
    assert botocore_data.share(("kms", "logs")) is loader and services() == {"kms", "logs"}
    assert botocore.session.Session().get_component("data_loader") is loader


ACTION_DIR = os.path.join(os.path.dirname(botocore_data.__file__), "..", "action")
MODULE_DIR = os.path.join(os.path.dirname(botocore_data.__file__), "..", "modules")
MODULE_UTILS = "ansible_collections.awsops.ssm.plugins.module_utils."
CLIENT_CALL = re.compile(r"""client[s]?\((?:[\w.]+, *)?["']([a-z0-9-]+)["']""")


def _clients_made(path, seen):
    """The services whose clients the code at path and the collection's module_utils it imports make (by their names in the code).

    Imports at the top of a file are followed; those inside functions (input_rules imports a rule's helpers when the rule runs) are not.
    """
    with open(path, encoding="utf-8") as source:
        text = source.read()
    found = set(CLIENT_CALL.findall(text))
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(MODULE_UTILS):
            name = node.module[len(MODULE_UTILS):]
            if name not in seen:
                seen.add(name)
                found |= _clients_made(os.path.join(os.path.dirname(botocore_data.__file__), "..", "module_utils", name + ".py"), seen)
    return found


@pytest.mark.parametrize("module", sorted(name[:-3] for name in os.listdir(MODULE_DIR) if name.startswith("ssm_") and name != "ssm_preflight.py"))
def test_every_module_names_the_services_its_code_calls(module):
    """What a module's runs would parse is parsed when its action plugin loads: MODULE_SERVICES names every client its code makes."""
    assert os.path.exists(os.path.join(ACTION_DIR, module + ".py")), module
    assert set(botocore_data.MODULE_SERVICES[module]) >= _clients_made(os.path.join(MODULE_DIR, module + ".py"), set())
    assert set(botocore_data.MODULE_SERVICES[module]) <= set(botocore.session.get_session().get_available_services())


def test_the_pre_flight_names_the_services_it_reads():
    made = _clients_made(os.path.join(ACTION_DIR, "ssm_preflight.py"), set())
    assert made and set(botocore_data.PREFLIGHT_SERVICES) >= made
