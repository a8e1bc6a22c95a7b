# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the module ssm_session_endpoints in Ansible's worker when the target is the controller (see plugin_utils/in_worker.py)."""

from ansible_collections.awsops.ssm.plugins.plugin_utils.in_worker import InWorkerAction


class ActionModule(InWorkerAction):
    pass
