# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs ansible-playbook against the local endpoint and reports what happened.

A run returns its per-task results (changed/failed, from a callback plugin)
and the AWS calls it sent (from the moto recording), so a test can say
"this run changed nothing and sent no write call".
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from dataclasses import field

import yaml

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HARNESS_DIR))
# build/collections (tools/setup.sh), or a matrix entry's build/matrix/<name>/collections (make ... MATRIX=<name>).
COLLECTIONS_PATH = os.environ.get("AWSOPS_TEST_COLLECTIONS") or os.path.join(REPO_ROOT, "build", "collections")


@dataclass
class TaskResult:
    host: str
    task: str
    action: str
    status: str
    result: dict

    @property
    def changed(self):
        return bool(self.result.get("changed"))

    @property
    def failed(self):
        return self.status in ("failed", "unreachable")


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    tasks: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    @property
    def writes(self):
        return [call for call in self.calls if call.is_write]

    @property
    def changed_tasks(self):
        return [task for task in self.tasks if task.changed]

    @property
    def failed_tasks(self):
        return [task for task in self.tasks if task.failed]

    def task(self, name, host=None):
        """The result of the task called name (on host)."""
        for task in self.tasks:
            if task.task == name and (host is None or task.host == host):
                return task
        raise KeyError("no task %r in this run:\n%s" % (name, self.output[-4000:]))

    def summary(self):
        return "rc=%s changed=%s writes=%s\n%s" % (
            self.returncode,
            [t.task for t in self.changed_tasks],
            [str(c) for c in self.writes],
            self.output[-6000:],
        )


class AnsibleRunner:
    """Runs playbooks with the collection and amazon.aws from COLLECTIONS_PATH."""

    def __init__(self, moto, workdir, region="us-east-1", module_cache=None):
        self.moto = moto
        self.workdir = str(workdir)
        self.region = region
        # The module runner's cache between runs (plugin_utils/module_cache.py): one per test session, as
        # ~/.ansible/tmp is one per user, so that each test's runs find what earlier tests built and compiled.
        self.module_cache = module_cache
        self._count = 0

    def environment(self):
        env = dict(os.environ)
        env.update(
            {
                "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
                "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HARNESS_DIR, "callback_plugins"),
                "ANSIBLE_CALLBACKS_ENABLED": "awsops_results",
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
                "ANSIBLE_NOCOLOR": "true",
                "ANSIBLE_RETRY_FILES_ENABLED": "false",
                "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, "ansible-tmp"),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        if self.module_cache:
            env["AWSOPS_SSM_MODULE_CACHE"] = str(self.module_cache)
        # Never let a test pick up a developer's real AWS profile or endpoint.
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_URL"):
            env.pop(name, None)
        return env

    def _write(self, name, content):
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as handle:
            if isinstance(content, str):
                handle.write(content)
            else:
                yaml.safe_dump(content, handle, sort_keys=False)
        return path

    def run_playbook(self, playbook, inventory=None, extra_vars=None, check=False, diff=False, args=(), env=None):
        """Runs a playbook (a path, or a list of plays to write out) and returns a PlaybookRun."""
        self._count += 1
        if not isinstance(playbook, str):
            playbook = self._write("playbook-%d.yml" % self._count, playbook)
        if inventory is None:
            inventory = self._write(
                "inventory-%d.yml" % self._count,
                {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}},
            )
        elif not isinstance(inventory, str):
            inventory = self._write("inventory-%d.yml" % self._count, inventory)
        results_file = os.path.join(self.workdir, "results-%d.jsonl" % self._count)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        command += list(args)
        run_env = self.environment()
        run_env["AWSOPS_RESULTS_FILE"] = results_file
        run_env.update(env or {})
        self.moto.reset_recording()
        completed = subprocess.run(command, env=run_env, capture_output=True, text=True, cwd=self.workdir, check=False)
        tasks = []
        if os.path.exists(results_file):
            with open(results_file, encoding="utf-8") as results:
                tasks = [TaskResult(**json.loads(line)) for line in results if line.strip()]
        return PlaybookRun(
            returncode=completed.returncode,
            output=completed.stdout + completed.stderr,
            tasks=tasks,
            calls=self.moto.calls(),
        )

    def run_module(self, module, module_args, check=False, diff=True, region=None):
        """Runs one module once on localhost; returns (its TaskResult, the PlaybookRun)."""
        play = {
            "name": "run %s" % module,
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {
                "group/awsops.ssm.aws": {"endpoint_url": self.moto.url, "region": region or self.region},
            },
            "tasks": [{"name": "module under test", module: module_args, "ignore_errors": True}],
        }
        run = self.run_playbook([play], check=check, diff=diff)
        return run.task("module under test"), run
