# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore's service data read once per ansible-playbook, not once per module run.

Every boto3 session gets a botocore data loader of its own, which reads and
parses the JSON it needs (endpoints, partitions, the service's model and
endpoint rules, paginators) when the session makes its first client. A
module run makes a new session, so each one parsed the same files again:
about half the CPU a module run spends on its clients.

share() makes one loader, reads the data of the services it is given into
it, and has every later botocore session of this process take that loader
instead of a new one. It runs in ansible-playbook's own process before it
forks a worker for a task: when it loads the action plugin of one of this
collection's modules (in_worker.InWorkerAction reads the module's services
from MODULE_SERVICES) and the pre-flight action. So the workers, the module
runs forked from them (plugins/plugin_utils/in_worker.py) and the
controller-side reads of ssm_preflight find the data parsed, and a run
parses only the services of the modules it uses, each once.

What a session loads is what it would have loaded: the same files from the
same search paths, parsed the same way (the loader caches each file's parsed
data by its path; a lookup it has not seen yet still looks at the files). botocore reads the loaded data
without changing it (a session's own loader already hands the same objects to
each client it makes). A session configured with its own data path
(``AWS_DATA_PATH``, ``data_path`` in the AWS config) gets its own loader, as
before. boto3 appends its data directory to the loader of every session it
makes: the shared loader keeps each search path once.
"""

import os

try:
    import botocore.exceptions
    import botocore.loaders
    import botocore.session
except ImportError:
    botocore = None  # the modules report a missing botocore

# The services each module calls (through its module_utils too; tests/unit/plugins/plugin_utils/test_botocore_data.py
# checks this against the clients their code makes), and the pre-flight's.
MODULE_SERVICES = {
    "ssm_automation_runbook": ("ssm",),
    "ssm_automation_schedule": ("events", "lambda", "logs", "scheduler", "ssm", "sts"),
    "ssm_automation_schedule_info": ("ec2", "events", "lambda", "logs", "scheduler", "ssm", "sts"),
    "ssm_automation_schedules": ("events", "lambda", "logs", "scheduler", "ssm", "sts"),
    "ssm_change_calendar": ("ssm",),
    "ssm_default_host_management": ("iam", "ssm", "sts"),
    "ssm_profile_attachment": ("ec2",),
    "ssm_scheduler_notifications": ("cloudwatch", "events", "kms", "lambda", "logs", "sns", "sqs", "sts"),
    "ssm_scheduler_roles": ("iam", "sts"),
    "ssm_session_endpoints": ("ec2",),
    "ssm_session_info": ("ec2", "ssm"),
    "ssm_session_key": ("kms", "sts"),
    "ssm_session_log_bucket": ("s3", "sts"),
    "ssm_session_log_group": ("logs",),
    "ssm_session_preferences": ("ssm",),
    "ssm_session_role": ("iam", "sts"),
}
PREFLIGHT_SERVICES = ("ec2", "events", "lambda", "logs", "s3", "scheduler", "sts")
SERVICES = tuple(sorted(set(PREFLIGHT_SERVICES).union(*MODULE_SERVICES.values())))
# The data kinds a client of each reads.
SERVICE_DATA = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
COMMON_DATA = ("endpoints", "partitions", "sdk-default-configuration", "_retry")

_SHARED = {}


class _SearchPaths(list):
    """A loader's search paths, each kept once (boto3 appends its own on every session)."""

    def append(self, path):
        if path not in self:
            super().append(path)


def shared_loader():
    """The loader share() installed, or None."""
    return _SHARED.get("loader")


def share(services=SERVICES):
    """Installs the shared loader (once) and reads the services' data into it (each once); returns the loader, or None without botocore."""
    if botocore is None:
        return None
    loader = _SHARED.get("loader") or _install()
    for service in services:
        if service in _SHARED["services"]:
            continue
        _SHARED["services"].add(service)
        for kind in SERVICE_DATA:
            try:
                loader.load_service_model(service, kind)
            except (botocore.exceptions.DataNotFoundError, botocore.exceptions.UnknownServiceError):
                pass  # a service or data kind this botocore does not have: a client reads it as before
    return loader


def _install():
    loader = botocore.loaders.create_loader()
    loader._search_paths = _SearchPaths(loader.search_paths)  # pylint: disable=protected-access
    try:
        import boto3  # pylint: disable=import-outside-toplevel
    except ImportError:
        pass
    else:
        loader.search_paths.append(os.path.join(os.path.dirname(boto3.__file__), "data"))  # where boto3's sessions put it
    own_loader = botocore.session.create_loader

    def create_loader(search_path_string=None):
        # botocore.session.Session makes its loader with create_loader(its data_path setting).
        return loader if search_path_string is None else own_loader(search_path_string)

    for kind in COMMON_DATA:
        try:
            loader.load_data(kind)
        except botocore.exceptions.DataNotFoundError:
            pass
    botocore.session.create_loader = create_loader
    _SHARED.update(loader=loader, services=set())
    return loader
