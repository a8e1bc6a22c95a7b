# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules run in Ansible's worker when the target is the controller, and give what a module process gives.

Every other integration test runs the modules in the worker (the harness's
inventory names the Python that runs Ansible); these compare the two ways and
check when the module process is used instead. ``-vvv`` shows a module
process: Ansible logs the AnsiballZ file it runs.
"""

import sys

import pytest

MODULE = "awsops.ssm.ssm_session_preferences"
PROCESS_MARK = "AnsiballZ_ssm_session_preferences.py"


def play(moto, tasks, **keywords):
    value = {
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/awsops.ssm.aws": {"endpoint_url": moto.url, "region": "us-east-1"}},
        "tasks": tasks,
    }
    value.update(keywords)
    return [value]


def comparable(result):
    return dict((key, value) for key, value in result.items() if key not in ("invocation",))


@pytest.mark.parametrize("check", [True, False])
def test_worker_and_process_give_the_same_result(ansible, moto, check):
    tasks = [
        {"name": "set", MODULE: {"cloudwatch_log_group_name": "/aws/ssm/sessions", "idle_session_timeout": 30}},
        {"name": "bad", MODULE: {"idle_session_timeout": 61}, "ignore_errors": True},
    ]
    results = {}
    for in_worker in ("true", "false"):
        moto.reset()
        run = ansible.run_playbook(play(moto, tasks), check=check, diff=True, args=["-vvv"], env={"AWSOPS_SSM_IN_WORKER": in_worker})
        assert run.returncode == 0, run.summary()
        assert (PROCESS_MARK in run.output) == (in_worker == "false")
        results[in_worker] = [comparable(run.task(name).result) for name in ("set", "bad")]
        assert run.task("set").changed and run.task("bad").failed
        assert (run.writes == []) == check
    assert results["true"] == results["false"]
    assert "idle_session_timeout" in results["true"][1]["msg"]


def test_a_loop_reports_each_items_own_result(ansible, moto):
    tasks = [{"name": "loop", MODULE: {"idle_session_timeout": "{{ item }}"}, "loop": [25, 25, 61], "ignore_errors": True}]
    run = ansible.run_playbook(play(moto, tasks))
    items = run.task("loop").result["results"]
    assert [item.get("changed") for item in items] == [True, False, False]
    assert [bool(item.get("failed")) for item in items] == [False, False, True]
    assert items[1]["preferences"]["idle_session_timeout"] == 25


@pytest.mark.parametrize(
    "keywords, host_variables",
    [
        ({"environment": {"AWSOPS_TEST": "1"}}, {}),  # a task environment applies to a process only
        ({}, {"ansible_python_interpreter": "/usr/bin/python3"}),  # another Python: other libraries
        ({}, {"ansible_python_interpreter": None}),  # no interpreter given: Ansible discovers one
    ],
)
def test_the_module_process_is_used_when_the_worker_could_differ(ansible, moto, keywords, host_variables):
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    host.update(host_variables)
    host = dict((key, value) for key, value in host.items() if value is not None)
    inventory = {"all": {"hosts": {"localhost": host}}}
    run = ansible.run_playbook(play(moto, [{"name": "set", MODULE: {}, "ignore_errors": True}], **keywords), inventory=inventory, args=["-vvv"])
    assert PROCESS_MARK in run.output, run.summary()
