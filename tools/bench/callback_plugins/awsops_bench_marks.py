# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Marks the start of each task in the local endpoint's request recording (benchmark only)."""

DOCUMENTATION = r"""
name: awsops_bench_marks
type: aggregate
short_description: marks each task start in the moto recording (benchmark and cost test only)
description:
  - At the start of each task, sends one GET request naming the task to the local endpoint given by E(AWSOPS_BENCH_MARK_URL).
    The endpoint records it in order with the AWS calls, so tools/bench/costs.py can give each call to its task.
  - When E(AWSOPS_BENCH_TIMES_FILE) is set, also appends the wall clock time of each task start and of the end
    of the run to that file (JSON lines), for the time spent per task.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time
import urllib.request
from urllib.parse import quote

from ansible.plugins.callback import CallbackBase

MARK_PATH = "/moto-api/lib.js"
MARK_PARAMETER = "awsops-bench-task"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "awsops_bench_marks"
    CALLBACK_NEEDS_ENABLED = True

    def _time(self, name):
        path = os.environ.get("AWSOPS_BENCH_TIMES_FILE")
        if path:
            with open(path, "a", encoding="utf-8") as times:
                times.write(json.dumps({"task": name, "time": time.time()}) + "\n")

    def _mark(self, task):
        self._time(task.get_name())
        endpoint = os.environ.get("AWSOPS_BENCH_MARK_URL")
        if not endpoint:
            return
        url = "%s%s?%s=%s" % (endpoint.rstrip("/"), MARK_PATH, MARK_PARAMETER, quote(task.get_name(), safe=""))
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._mark(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._mark(task)

    def v2_playbook_on_stats(self, stats):
        self._time(None)
