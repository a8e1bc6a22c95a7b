# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The office-hours schedule backends by the value of the modules' ``backend`` option.

A backend is a ``schedule_backend_common.ScheduleBackend`` subclass; adding
one is an import and a line here (the modules and the input rules look
backends up by name; input_rules refuses a name missing here).
"""

from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_lambda import LambdaBackend
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_scheduler import SchedulerBackend

BACKENDS = {
    "scheduler": SchedulerBackend,
    "lambda": LambdaBackend,
}
