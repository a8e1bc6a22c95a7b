# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The probe module's action: the module runner of awsops.ssm, as every module of the collection has it."""

from ansible_collections.awsops.ssm.plugins.plugin_utils.in_worker import InWorkerAction


class ActionModule(InWorkerAction):
    pass
