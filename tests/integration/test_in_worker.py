# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module runner (plugins/plugin_utils/in_worker.py) gives exactly what a module process gives.

Each test runs the same tasks twice, with the runner on (the module runs in a
fork of the worker) and off (AWSOPS_SSM_IN_WORKER=false: a module process),
and compares each task's result and the warnings the run printed; any
difference fails. Most cases use the probe module of a test collection
(tests/integration/in_worker_probe, linked as awsops_test.probe) that does
what real modules may do: keep module-level state, warn, deprecate, fail,
crash, crash with a no_log value in the message, die with output on stderr.
``-vvv`` tells the two ways apart: the runner logs "EXEC in a fork of this
worker". make smoke runs this file on every ansible-core of the matrix.
"""

import json
import os
import re
import shutil
import sys

import pytest

from ansible_collections.awsops.ssm.plugins.plugin_utils.in_worker import same_python
from awsops_harness.ansible_run import COLLECTIONS_PATH

FORK_MARK = "EXEC in a fork of this worker"
PROBE = "awsops_test.probe.probe"
PROBE_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "in_worker_probe")
OTHER_PYTHON = "/usr/bin/python3"  # a Python other than the one running Ansible
RUNNER_WARNING = "awsops.ssm runs its modules as separate processes"
# Values that differ between any two runs, in whichever way: random temporary paths and async job data.
VOLATILE_KEYS = ("ansible_job_id", "results_file", "started", "finished", "attempts")
PAYLOAD_PATH = re.compile(r"/[^\s'\"]*ansible_[^\s'\"/]*_payload_[^\s'\"/]*|/[^\s'\"]*ansible-tmp-[^\s'\"/]*")


@pytest.fixture(scope="module")
def collections_path(tmp_path_factory):
    """This collection and amazon.aws (COLLECTIONS_PATH), with awsops_test.probe beside them."""
    root = tmp_path_factory.mktemp("probe-collections")
    os.makedirs(root / "ansible_collections" / "awsops_test")
    os.symlink(PROBE_SOURCE, root / "ansible_collections" / "awsops_test" / "probe")
    return "%s%s%s" % (root, os.pathsep, COLLECTIONS_PATH)


def normalized(value):
    """value with what differs between any two runs (temporary paths, job ids, times) made constant."""
    if isinstance(value, dict):
        return dict((key, "<volatile>" if key in VOLATILE_KEYS else normalized(item)) for key, item in value.items())
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, str):
        return PAYLOAD_PATH.sub("<tmp>", value)
    return value


def messages(output):
    """The warnings and deprecations a run printed, in order."""
    return [normalized(line) for line in output.splitlines() if re.match(r"^\[(WARNING|DEPRECATION WARNING)\]", line)]


def run_both(ansible, plays, collections_path, inventory=None, check=False, diff=False, env=None):
    """{mode: PlaybookRun} of the same plays with the runner on ("worker") and off ("process")."""
    runs = {}
    for mode, switch in (("worker", "true"), ("process", "false")):
        run_env = {"ANSIBLE_COLLECTIONS_PATH": collections_path, "AWSOPS_SSM_IN_WORKER": switch}
        run_env.update(env or {})
        runs[mode] = ansible.run_playbook(plays, inventory=inventory, check=check, diff=diff, args=["-vvv"], env=run_env)
    return runs


def assert_same(runs, names):
    worker, process = runs["worker"], runs["process"]
    assert worker.returncode == process.returncode, worker.summary()
    for name in names:
        assert normalized(worker.task(name).result) == normalized(process.task(name).result), name
        assert worker.task(name).status == process.task(name).status, name
    assert messages(worker.output) == messages(process.output)
    assert FORK_MARK not in process.output


def probe_play(tasks, hosts="localhost"):
    return [{"hosts": hosts, "gather_facts": False, "tasks": tasks}]


PROBE_TASKS = [
    {"name": "predict", PROBE: {"want": "present"}},
    {"name": "loop with module-level state", PROBE: {"item": "{{ item }}"}, "loop": [1, 2, 3]},
    {"name": "warning", PROBE: {"warn": "mind the gap"}},
    {"name": "deprecation", PROBE: {"deprecate": "the probe option is old"}},
    {"name": "failure", PROBE: {"fail": "nothing to see"}, "ignore_errors": True},
    {"name": "unexpected exception", PROBE: {"crash": "unexpected value 42"}, "ignore_errors": True},
    {"name": "secret in an exception", PROBE: {"secret": "s3cr3t-t0ken", "crash_with_secret": True}, "ignore_errors": True},
    {"name": "secret in an exception, no_log task", PROBE: {"secret": "s3cr3t-t0ken", "crash_with_secret": True}, "no_log": True, "ignore_errors": True},
    {"name": "secret in a failure", PROBE: {"secret": "s3cr3t-t0ken", "fail": "the token s3cr3t-t0ken was refused"}, "ignore_errors": True},
    {"name": "death with stderr", PROBE: {"die": "segfault-like end"}, "ignore_errors": True},
    {"name": "task environment", PROBE: {"env_name": "AWSOPS_PROBE"}, "environment": {"AWSOPS_PROBE": "it's $HOME & more"}},
]


@pytest.mark.parametrize("check, diff", [(False, False), (True, True)])
def test_the_probe_gives_the_same_results_in_a_fork_and_as_a_process(ansible, collections_path, check, diff):
    runs = run_both(ansible, probe_play(PROBE_TASKS), collections_path, check=check, diff=diff)
    names = [task["name"] for task in PROBE_TASKS]
    assert_same(runs, names)
    worker = runs["worker"]
    assert worker.output.count(FORK_MARK) == 13, worker.output.count(FORK_MARK)  # every task and loop item ran in a fork
    assert worker.task("predict").result["check_mode"] is check
    assert ("diff" in worker.task("predict").result) is diff
    # Each item starts from the module's own state, as a new process does.
    assert [item["state"] for item in worker.task("loop with module-level state").result["results"]] == [[1], [2], [3]]
    assert len(set(item["botocore_handlers"] for item in worker.task("loop with module-level state").result["results"])) == 1
    assert worker.task("predict").result["stdin_at_end"] is True
    assert "mind the gap" in " ".join(messages(worker.output))
    assert "the probe option is old" in " ".join(messages(worker.output))
    crash = worker.task("unexpected exception").result
    assert worker.task("unexpected exception").failed and "unexpected value 42" in str(crash)
    # The module masks no_log values in what it returns; an exception's text is ansible-core's to
    # handle (assert_same: whatever it shows, it shows in both ways).
    assert "s3cr3t-t0ken" not in str(worker.task("secret in a failure").result)
    assert "s3cr3t-t0ken" not in str(worker.task("secret in an exception, no_log task").result)
    assert "segfault-like end" in worker.task("death with stderr").result["module_stderr"]
    assert worker.task("task environment").result["env_value"] == "it's $HOME & more"


def test_each_source_of_the_payloads_is_compiled_once_and_kept_for_the_next_run(ansible, collections_path, tmp_path):
    """The fork's compile cache (plugins/plugin_utils/code_cache.py): the first module run compiles, the others find it all."""
    tasks = [
        {"name": "loop", PROBE: {"item": "{{ item }}", "show_code_cache": True}, "loop": [1, 2, 3]},
        {"name": "another task", PROBE: {"show_code_cache": True, "warn": "cached"}},
    ]
    env = {"AWSOPS_SSM_MODULE_CACHE": str(tmp_path / "module-cache")}
    runs = run_both(ansible, probe_play(tasks), collections_path, env=env)
    worker, process = runs["worker"], runs["process"]
    cached = [item["code_cache"] for item in worker.task("loop").result["results"]] + [worker.task("another task").result["code_cache"]]
    # The first run counts what it compiled up to its main() (it imports a few more on its way out); nothing is compiled after it.
    assert 20 < cached[0] <= cached[1] and cached[1:] == [cached[1]] * 3, cached
    assert [item["code_cache"] for item in process.task("loop").result["results"]] == [None] * 3
    # Code read back from the cache names the payload it ran from, as compiled code does.
    for run in (worker, process):
        for files in [item["code_files"] for item in run.task("loop").result["results"]]:
            assert "_payload.zip/ansible_collections/awsops_test/probe/plugins/modules/probe.py" in files[0], files
            assert "_payload.zip/ansible/module_utils/basic.py" in files[1], files
    assert normalized(worker.task("loop").result["results"][0]["code_files"]) == normalized(process.task("loop").result["results"][0]["code_files"])
    # The next run (a timer's) compiles nothing: its first module run finds every source compiled.
    again = ansible.run_playbook(probe_play(tasks), args=["-vvv"], env=dict(env, ANSIBLE_COLLECTIONS_PATH=collections_path))
    assert [item["code_cache"] for item in again.task("loop").result["results"]] == [cached[-1]] * 3
    assert [item["state"] for item in again.task("loop").result["results"]] == [[1], [2], [3]]
    # AWSOPS_SSM_MODULE_CACHE=off: compiled as Python compiles, nothing kept.
    off = ansible.run_playbook(probe_play(tasks), env={"ANSIBLE_COLLECTIONS_PATH": collections_path, "AWSOPS_SSM_MODULE_CACHE": "off"})
    assert [item["code_cache"] for item in off.task("loop").result["results"]] == [None] * 3


def test_a_modules_payload_is_kept_for_the_next_run_until_one_of_its_files_changes(ansible, tmp_path):
    """ansible-core's payload of a module (plugins/plugin_utils/payload_cache.py): built once, then put back while its files are unchanged."""
    root = tmp_path / "collections"
    shutil.copytree(PROBE_SOURCE, root / "ansible_collections" / "awsops_test" / "probe")
    path = "%s%s%s" % (root, os.pathsep, COLLECTIONS_PATH)
    cache = tmp_path / "module-cache"
    env = {"ANSIBLE_COLLECTIONS_PATH": path, "AWSOPS_SSM_MODULE_CACHE": str(cache), "ANSIBLE_DEBUG": "true"}
    tasks = [{"name": "loop", PROBE: {"item": "{{ item }}"}, "loop": [1, 2]}]

    def run():
        done = ansible.run_playbook(probe_play(tasks), env=env)
        assert done.task("loop").status == "ok", done.summary()
        return done

    def kept():
        (store,) = [os.path.join(top, name) for top, _dirs, files in os.walk(cache / "payloads") for name in files if name.endswith(".sources")]
        with open(store, encoding="utf-8") as listed:
            return os.stat(store[: -len(".sources")]).st_mtime_ns, json.load(listed)

    first = run()
    assert "ANSIBALLZ: Creating module" in first.output
    built, listed = kept()
    members = [member for member, _path, _size, _mtime in listed]
    assert "ansible_collections/awsops_test/probe/plugins/modules/probe.py" in members and "ansible/module_utils/basic.py" in members
    module_file = [entry for entry in listed if entry[0].endswith("plugins/modules/probe.py")][0]
    assert module_file[1] == str(root / "ansible_collections" / "awsops_test" / "probe" / "plugins" / "modules" / "probe.py")

    second = run()
    assert "ANSIBALLZ: Creating module" not in second.output and "ANSIBALLZ: using cached module" in second.output
    assert kept()[0] == built  # put back, not built and kept again
    assert normalized(second.task("loop").result) == normalized(first.task("loop").result)

    # A file of the payload changes (here its time only): built again and kept anew.
    os.utime(module_file[1], ns=(module_file[3] + 10**9, module_file[3] + 10**9))
    third = run()
    assert "ANSIBALLZ: Creating module" in third.output
    assert kept()[0] != built
    assert normalized(third.task("loop").result) == normalized(first.task("loop").result)


def test_a_forked_module_run_needs_no_temporary_directory_commands(ansible, collections_path):
    """The payload goes to the fork on stdin (as pipelining does): no mkdir, chmod and rm per task; ANSIBLE_KEEP_REMOTE_FILES keeps them."""
    tasks = [{"name": "two runs", PROBE: {"item": "{{ item }}"}, "loop": [1, 2]}]
    runs = run_both(ansible, probe_play(tasks), collections_path)
    assert_same(runs, ["two runs"])
    temporary = re.compile(r"EXEC /bin/sh -c '(\( umask 77 && mkdir|chmod u\+rwx|rm -f -r)")
    assert not temporary.findall(runs["worker"].output), runs["worker"].output
    assert runs["worker"].output.count(FORK_MARK) == 2
    assert len(temporary.findall(runs["process"].output)) == 6  # mkdir, chmod, rm for each item
    kept = ansible.run_playbook(probe_play(tasks), args=["-vvv"], env={"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert kept.returncode == 0 and kept.output.count(FORK_MARK) == 2
    assert sorted(temporary.findall(kept.output)) == ["( umask 77 && mkdir", "chmod u+rwx", "chmod u+rwx"]  # the files stay


def test_delegate_to_reads_the_delegated_hosts_interpreter(ansible, collections_path):
    # The target's interpreter is this Python, localhost's another: delegated to localhost the
    # module runs with the other Python (a process), on the target in a fork; and the other way round.
    inventory = {
        "all": {
            "hosts": {
                "target": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                "localhost": {"ansible_connection": "local", "ansible_python_interpreter": OTHER_PYTHON},
                "other": {"ansible_connection": "local", "ansible_python_interpreter": OTHER_PYTHON},
            }
        }
    }
    tasks = [
        {"name": "delegated to localhost", PROBE: {}, "delegate_to": "localhost"},
        {"name": "delegated to target", PROBE: {}, "delegate_to": "target"},
    ]
    runs = run_both(ansible, probe_play(tasks, hosts="target:other"), collections_path, inventory=inventory)
    for host in ("target", "other"):
        for name in ("delegated to localhost", "delegated to target"):
            assert normalized(runs["worker"].task(name, host).result) == normalized(runs["process"].task(name, host).result)
    assert runs["worker"].task("delegated to localhost", "target").result["python"] == OTHER_PYTHON
    assert runs["worker"].task("delegated to target", "other").result["python"] == sys.executable
    assert runs["worker"].output.count(FORK_MARK) == 2  # the two tasks delegated to target


def test_async_runs_the_module_as_a_process_with_the_same_result(ansible, collections_path):
    tasks = [
        {"name": "async and poll", PROBE: {"item": 7}, "async": 30, "poll": 1},
        {"name": "fire", PROBE: {"item": 8}, "async": 30, "poll": 0, "register": "job"},
        {
            "name": "and forget",
            "ansible.builtin.async_status": {"jid": "{{ job.ansible_job_id }}"},
            "register": "status",
            "until": "status.finished",
            "retries": 30,
            "delay": 1,
        },
    ]
    runs = run_both(ansible, probe_play(tasks), collections_path)
    assert_same(runs, ["async and poll", "fire", "and forget"])
    assert runs["worker"].task("async and poll").result["state"] == [7]
    assert runs["worker"].task("and forget").result["state"] == [8]
    assert FORK_MARK not in runs["worker"].output


@pytest.mark.parametrize("check", [True, False])
def test_a_module_of_the_collection_gives_the_same_result(ansible, moto, collections_path, check):
    module = "awsops.ssm.ssm_session_preferences"
    plays = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/awsops.ssm.aws": {"endpoint_url": moto.url, "region": "us-east-1"}},
            "tasks": [
                {"name": "set", module: {"cloudwatch_log_group_name": "/aws/ssm/sessions", "idle_session_timeout": 30}},
                {"name": "bad", module: {"idle_session_timeout": 61}, "ignore_errors": True},
            ],
        }
    ]
    runs = {}
    for mode, switch in (("worker", "true"), ("process", "false")):
        moto.reset()
        env = {"ANSIBLE_COLLECTIONS_PATH": collections_path, "AWSOPS_SSM_IN_WORKER": switch}
        runs[mode] = ansible.run_playbook(plays, check=check, diff=True, args=["-vvv"], env=env)
        assert runs[mode].task("set").changed and runs[mode].task("bad").failed
        assert (runs[mode].writes == []) == check
    assert_same(runs, ["set", "bad"])
    assert runs["worker"].output.count(FORK_MARK) == 2
    assert "idle_session_timeout" in runs["worker"].task("bad").result["msg"]


@pytest.mark.parametrize(
    "host_variables",
    [
        {"ansible_python_interpreter": OTHER_PYTHON},  # another Python: other libraries
        {"ansible_python_interpreter": None},  # no interpreter given: Ansible discovers one (2.21: maybe this one)
    ],
)
def test_the_module_process_is_used_when_the_worker_could_differ(ansible, collections_path, host_variables):
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    host.update(host_variables)
    host = dict((key, value) for key, value in host.items() if value is not None)
    inventory = {"all": {"hosts": {"localhost": host}}}
    runs = run_both(ansible, probe_play([{"name": "probe", PROBE: {}, "ignore_errors": True}]), collections_path, inventory=inventory)
    worker, process = runs["worker"].task("probe").result, runs["process"].task("probe").result
    assert normalized(worker) == normalized(process)
    # The fork only for the Python running Ansible (the one discovered may be it, as on 2.21).
    assert (FORK_MARK in runs["worker"].output) == same_python(worker.get("python")), worker


# Run by ansible-playbook (and every Python it starts, where it does nothing): hides the line by which
# the runner knows ansible-core's module payload, as an ansible-core with another wrapper would.
HIDE_PAYLOAD_MARK = """
import os, sys
if os.path.basename(sys.argv[0]) == "ansible-playbook":
    from ansible.executor import module_common
    assert "_ANSIBALLZ_WRAPPER = True" in module_common._ANSIBALLZ_CODE
    module_common._ANSIBALLZ_CODE = module_common._ANSIBALLZ_CODE.replace("_ANSIBALLZ_WRAPPER = True", "_ANSIBALLZ_WRAPPER_ = True")
"""


def without_runner_warning(result):
    """result without the runner's warning, which ansible-core attaches to the task (or loop item) that sent it."""
    warnings = [warning for warning in result.get("warnings", []) if RUNNER_WARNING not in str(warning)]
    result = dict((key, value) for key, value in result.items() if key != "warnings")
    if warnings:
        result["warnings"] = warnings
    if isinstance(result.get("results"), list):
        result["results"] = [without_runner_warning(item) if isinstance(item, dict) else item for item in result["results"]]
    return result


def test_an_ansible_core_without_the_known_payload_runs_every_module_as_a_process(ansible, moto, collections_path, tmp_path):
    site = tmp_path / "hide"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HIDE_PAYLOAD_MARK)
    plays = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/awsops.ssm.aws": {"endpoint_url": moto.url, "region": "us-east-1"}},
            "tasks": [
                {"name": "preferences", "awsops.ssm.ssm_session_preferences": {"idle_session_timeout": 30}},
                {"name": "loop", PROBE: {"item": "{{ item }}", "warn": "item {{ item }}"}, "loop": [1, 2]},
                {"name": "failure", PROBE: {"fail": "no"}, "ignore_errors": True},
            ],
        }
    ]
    runs = {}
    for mode, switch in (("worker", "true"), ("process", "false")):
        moto.reset()
        env = {"ANSIBLE_COLLECTIONS_PATH": collections_path, "AWSOPS_SSM_IN_WORKER": switch, "PYTHONPATH": str(site)}
        runs[mode] = ansible.run_playbook(plays, args=["-vvv"], env=env)
    worker, process = runs["worker"], runs["process"]
    assert worker.returncode == process.returncode == 0, worker.summary()
    for name in ("preferences", "loop", "failure"):
        assert without_runner_warning(normalized(worker.task(name).result)) == normalized(process.task(name).result), name
    assert FORK_MARK not in worker.output
    assert worker.output.count(RUNNER_WARNING) == 1, worker.output[-3000:]
    assert [line for line in messages(worker.output) if RUNNER_WARNING not in line] == messages(process.output)
