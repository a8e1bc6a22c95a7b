# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run this collection's modules inside Ansible's worker process when the target is the controller.

Every module task normally costs a new Python process that unpacks the
module, imports ansible's module_utils and boto3, and exits (about 0.5 s on a
2-core machine, more than the AWS calls of a no-op run). The playbooks of this
collection run every task on the controller (connection local, the Python
that runs Ansible), so the module can run in the worker that Ansible has
already forked for the task: the same module code, the same arguments
(module_defaults included), the same JSON result, parsed as Ansible parses a
module's output. ansible.netcommon does the same for network modules
(AnsibleModule._record_module_result exists for it).

The module runs in a separate process as usual when anything could make the
two differ: another connection than local, become, async, a task
environment, or an interpreter other than the one running Ansible (a
different Python may have other boto3 versions). AWSOPS_SSM_IN_WORKER=false
turns it off.
"""

import contextlib
import importlib
import io
import json
import os
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.json import Direction
from ansible.module_utils.common.json import get_module_encoder
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.vars.clean import remove_internal_keys

PROFILE = "legacy"  # the serialization profile of modules without metadata, as ours
SWITCH = "AWSOPS_SSM_IN_WORKER"


def same_python(interpreter):
    """Whether interpreter is the Python running Ansible: the same file in the same directory (a venv's bin)."""
    if not interpreter:
        return False
    interpreter = os.path.abspath(os.path.expanduser(str(interpreter)))
    running = os.path.abspath(sys.executable)
    try:
        return os.path.dirname(interpreter) == os.path.dirname(running) and os.path.samefile(interpreter, running)
    except OSError:
        return False


class InWorkerAction(ActionBase):
    """The action of a module of this collection: in the worker when that changes nothing, else as usual."""

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        if self._in_worker_possible(task_vars):
            result.update(self._execute_in_worker(task_vars))
        else:
            result.update(self._execute_module(task_vars=task_vars))
        return result

    def _in_worker_possible(self, task_vars):
        if not boolean(os.environ.get(SWITCH, "true"), strict=False):
            return False
        if self._connection.transport != "local" or self._play_context.become or self._task.async_val:
            return False
        if any(self._task.environment or []):  # a list of dicts (empty ones when no play, block or task sets one)
            return False
        interpreter = task_vars.get("ansible_python_interpreter")
        if interpreter is None:
            return False
        try:
            interpreter = self._templar.template(interpreter)
        except Exception:  # pylint: disable=broad-except
            return False
        return same_python(interpreter)

    def _execute_in_worker(self, task_vars):
        module_name = self._task.resolved_action or self._task.action
        module_args = dict(self._task.args)
        self._update_module_args(module_name, module_args, task_vars)
        namespace, collection, name = module_name.split(".")
        encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
        # What AnsiballZ hands the module: its arguments and their serialization profile.
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}, cls=encoder).encode()
        basic._ANSIBLE_PROFILE = PROFILE
        # A loop runs its items in one worker: warnings of one item are not the next one's.
        module_warnings._global_warnings.clear()  # pylint: disable=protected-access
        module_warnings._global_deprecations.clear()  # pylint: disable=protected-access
        output = io.StringIO()
        try:
            module = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % (namespace, collection, name))
            with contextlib.redirect_stdout(output):
                module.main()
        except SystemExit:
            pass  # exit_json and fail_json end the module with sys.exit, after writing the result
        except Exception as error:  # pylint: disable=broad-except
            return {"failed": True, "msg": "MODULE FAILURE: %s: %s" % (type(error).__name__, error), "exception": traceback.format_exc()}
        finally:
            basic._ANSIBLE_ARGS = None
        self._used_interpreter = sys.executable
        data = self._parse_returned_data({"rc": 0, "stdout": output.getvalue(), "stderr": ""}, PROFILE)
        remove_internal_keys(data)
        return data
