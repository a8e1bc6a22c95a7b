# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The office-hours schedule backends by the value of the modules' ``backend`` option.

A backend is a ``schedule_backend_common.ScheduleBackend`` subclass; adding
one is an import and a line here (the modules look backends up by name and
fail with "backend: NAME is not available yet" for a name missing here).
"""

from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_lambda import LambdaBackend
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_scheduler import SchedulerBackend

BACKENDS = {
    "scheduler": SchedulerBackend,
    "lambda": LambdaBackend,
}


def backend_problem(name):
    """None when a backend class exists for name, else the message naming the option."""
    if name in BACKENDS:
        return None
    return "backend: %s is not available yet; use backend: scheduler" % name
