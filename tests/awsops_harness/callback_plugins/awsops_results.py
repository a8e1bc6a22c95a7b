# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes one JSON line per task result, for the test harness to read."""

DOCUMENTATION = r"""
name: awsops_results
type: aggregate
short_description: one JSON line per task result (test harness only)
description:
  - Writes each task result of a run to the file named by E(AWSOPS_RESULTS_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "awsops_results"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("AWSOPS_RESULTS_FILE")
        if not path:
            return
        record = {
            "host": result._host.get_name(),  # pylint: disable=protected-access
            "task": result._task.get_name(),  # pylint: disable=protected-access
            "action": result._task.action,  # pylint: disable=protected-access
            "status": status,
            "result": json.loads(json.dumps(result._result, default=str)),  # pylint: disable=protected-access
        }
        with open(path, "a", encoding="utf-8") as results:
            results.write(json.dumps(record) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
