# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Starts moto's server with two of its gaps filled as AWS behaves (test harness only).

moto 5.2.5 accepts the document type ChangeCalendar but only the formats
JSON and YAML, and parses every content as one of them; AWS stores a Change
Calendar as TEXT (its iCalendar content). This launcher patches exactly
that before moto's server starts, in the server's own process, and nothing
else:

* ``moto.ssm.models._validate_document_format`` also accepts ``TEXT``;
* ``moto.ssm.models.Document`` built with TEXT keeps the content as it is
  (no JSON/YAML parsing) and reads as TEXT.

And one IAM answer: ``RemoveRoleFromInstanceProfile`` for a role the profile
no longer holds (two regions of one account tearing down at once, each the
last to leave) crashes moto 5.2.5 with HTTP 500 (``list.remove(x): x not in
list``); AWS answers ``NoSuchEntity``, which the collection's deletions
tolerate. The patched call raises moto's own NoSuchEntity there.

And two Systems Manager reads and writes moto 5.2.5 does not implement at
all, emulated in the server as AWS answers them, so that the playbooks run
through them (their own logic is tested with Stubber on botocore-shaped
answers, see tests/unit/plugins/modules/test_ssm_default_host_management.py
and test_ssm_session_info.py):

* ``GetServiceSetting`` / ``UpdateServiceSetting`` / ``ResetServiceSetting``:
  one value per account, region and setting id, AWS's default (``$None``,
  Status ``Default``) until updated, back to it on reset;
* ``DescribeInstanceInformation`` (filter ``InstanceIds``): no SSM agent runs
  in moto, so AWS would list no instance. A test stands for an agent that
  registered by tagging a running instance ``awsops-test:ssm-agent`` with the
  PingStatus (``Online``, ``ConnectionLost``) and optionally
  ``awsops-test:ssm-agent-version``; such instances are listed, the others not.

Also an SSM answer: moto runs no automation, so it has no automation
history, but it does not implement ``DescribeAutomationExecutions`` either
(HTTP 500). The patched call answers what AWS answers for an account whose
automations never ran: an empty ``AutomationExecutionMetadataList``. The
report's last runs then read "none in the window" on the local endpoint, as
they would in a new account; the readers of real histories are tested with
botocore's Stubber (tests/unit/plugins/module_utils/test_automation_executions.py).

And two costs of the emulator itself, not of what it answers (the test
suite resets the server before every test, and CPU time is what bounds
``make test`` on two cores):

* the AWS managed policies (``MOTO_IAM_LOAD_MANAGED_POLICIES``) are parsed
  from moto's JSON text once per server instead of once per IAM backend
  built; every backend still gets its own new policy objects (attachment
  counts and versions are per account);
* ``/moto-api/reset`` drops every backend instead of building each one anew
  in place and then dropping it (moto 5.2.5 re-runs every region backend's
  ``__init__``, the IAM one with those policies, only to discard it); the
  first request after a reset builds what it needs, as before. A backend
  with a reset of its own (S3's forgets its bucket names in a registry of
  all accounts) still runs it. A dropped backend is emptied, so any stale
  reference to one fails loudly instead of carrying state into the next
  test.

The collection's code is not patched: every request it sends is the one AWS
gets. Run as ``python moto_launcher.py -H 127.0.0.1 -p PORT`` (the
arguments of ``python -m moto.server``).
"""

import datetime
import functools
import json
import sys

from moto.server import main as moto_server_main
from moto.iam import exceptions as iam_exceptions
from moto.iam import models as iam_models
from moto.ec2.models import ec2_backends
from moto.core import base_backend
from moto.core.responses import ActionResult
from moto.settings import load_iam_aws_managed_policies
from moto.ssm import models as ssm_models
from moto.ssm import responses as ssm_responses

TEXT_FORMAT = "TEXT"
# What moto needs to build a Document; the TEXT content replaces it right after.
_STUB_CONTENT = '{"schemaVersion": "1.0"}'

_validate_document_format = ssm_models._validate_document_format
_document_init = ssm_models.Document.__init__


def validate_document_format(document_format):
    if document_format != TEXT_FORMAT:
        _validate_document_format(document_format)


def document_init(self, *args, **kwargs):
    names = ("account_id", "name", "version_name", "content", "document_type", "document_format", "requires", "attachments", "target_type")
    values = dict(zip(names, args))
    values.update(kwargs)
    if values.get("document_format") != TEXT_FORMAT:
        _document_init(self, **values)
        return
    content = values["content"]
    _document_init(self, **dict(values, content=_STUB_CONTENT, document_format="JSON"))
    self.content = content
    self.document_format = TEXT_FORMAT
    self.schema_version = None
    self.description = None


def remove_role_from_instance_profile(self, profile_name, role_name):
    profile = self.get_instance_profile(profile_name)
    role = self.get_role(role_name)
    if role not in profile.roles:
        raise iam_exceptions.NotFoundException("Role %s is not in instance profile %s." % (role_name, profile_name))
    profile.roles.remove(role)


# ---- SSM service settings: setting id -> (value, last modified), kept on moto's SSM backend of the account and
# region, so that moto's reset between tests clears them with everything else.
DEFAULT_SETTING_VALUE = "$None"
AGENT_TAG = "awsops-test:ssm-agent"
AGENT_VERSION_TAG = "awsops-test:ssm-agent-version"
EMULATED_AGENT_VERSION = "3.3.1142.0"


def _setting_id(response):
    """The setting's id, given as /ssm/... or as its ARN (arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/...)."""
    setting_id = response._get_param("SettingId")
    return setting_id.split(":servicesetting", 1)[1] if ":servicesetting" in setting_id else setting_id


def _settings(response):
    backend = ssm_models.ssm_backends[response.current_account][response.region]
    if not hasattr(backend, "awsops_service_settings"):
        backend.awsops_service_settings = {}
    return backend.awsops_service_settings


def _setting(response, setting_id):
    value, modified = _settings(response).get(setting_id, (DEFAULT_SETTING_VALUE, None))
    return {
        "SettingId": setting_id,
        "SettingValue": value,
        "LastModifiedDate": (modified or datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)).timestamp(),
        "LastModifiedUser": "System" if modified is None else "arn:aws:sts::%s:assumed-role/test/test" % response.current_account,
        "ARN": "arn:aws:ssm:%s:%s:servicesetting%s" % (response.region, response.current_account, setting_id),
        "Status": "Default" if modified is None else "Customized",
    }


def get_service_setting(self):
    return json.dumps({"ServiceSetting": _setting(self, _setting_id(self))})


def update_service_setting(self):
    _settings(self)[_setting_id(self)] = (self._get_param("SettingValue"), datetime.datetime.now(datetime.timezone.utc))
    return json.dumps({})


def reset_service_setting(self):
    setting_id = _setting_id(self)
    _settings(self).pop(setting_id, None)
    return json.dumps({"ServiceSetting": _setting(self, setting_id)})


def describe_instance_information(self):
    wanted = None
    for item in self._get_param("Filters") or []:
        if item.get("Key") == "InstanceIds":
            wanted = set(item.get("Values") or [])
    listed = []
    backend = ec2_backends[self.current_account][self.region]
    for instance in backend.all_instances():
        tags = dict((tag["key"], tag["value"]) for tag in instance.get_tags())
        if AGENT_TAG not in tags or instance.state != "running" or (wanted is not None and instance.id not in wanted):
            continue
        listed.append({
            "InstanceId": instance.id,
            "PingStatus": tags[AGENT_TAG],
            "LastPingDateTime": datetime.datetime.now(datetime.timezone.utc).timestamp(),
            "AgentVersion": tags.get(AGENT_VERSION_TAG, EMULATED_AGENT_VERSION),
            "IsLatestVersion": False,
            "PlatformType": "Windows" if instance.platform == "windows" else "Linux",
            "PlatformName": "Microsoft Windows Server 2022 Datacenter" if instance.platform == "windows" else "Amazon Linux",
            "PlatformVersion": "10.0.20348" if instance.platform == "windows" else "2023",
            "ResourceType": "EC2Instance",
            "IPAddress": instance.private_ip,
        })
    return json.dumps({"InstanceInformationList": sorted(listed, key=lambda item: item["InstanceId"])})


def describe_automation_executions(self):
    return ActionResult({"AutomationExecutionMetadataList": []})


@functools.lru_cache(maxsize=1)
def managed_policy_fields():
    """(name, version, path, document text, created, updated) of every AWS managed policy, parsed once."""
    parsed = json.loads(iam_models.aws_managed_policies_data)
    return tuple(
        (
            name,
            data.get("DefaultVersionId"),
            data.get("Path"),
            json.dumps(data.get("Document")),
            datetime.datetime.fromisoformat(data["CreateDate"]),
            datetime.datetime.fromisoformat(data["UpdateDate"]),
        )
        for name, data in parsed.items()
    )


def init_aws_policies(self):
    # What AWSManagedPolicy.from_data builds, from the fields parsed once.
    if not load_iam_aws_managed_policies():
        return []
    return [
        iam_models.AWSManagedPolicy(
            name,
            account_id=self.account_id,
            region=self.region_name,
            default_version_id=version,
            path=path,
            document=document,
            create_date=created,
            update_date=updated,
        )
        for name, version, path, document, created, updated in managed_policy_fields()
    ]


def reset_backends(cls):
    with base_backend.backend_lock:
        for service in cls._instances:
            for account_backend in service.values():
                for region_backend in account_backend.values():
                    if type(region_backend).reset is base_backend.BaseBackend.reset:
                        region_backend.__dict__.clear()
                    else:
                        region_backend.reset()  # its own reset undoes what it registered outside itself (S3's bucket names)
                account_backend.clear()
            service.clear()
        cls._instances.clear()


def patch_moto():
    iam_models.IAMBackend._init_aws_policies = init_aws_policies
    base_backend.BackendDict.reset = classmethod(reset_backends)
    ssm_models._validate_document_format = validate_document_format
    ssm_models.Document.__init__ = document_init
    iam_models.IAMBackend.remove_role_from_instance_profile = remove_role_from_instance_profile
    for action in (get_service_setting, update_service_setting, reset_service_setting, describe_instance_information):
        setattr(ssm_responses.SimpleSystemManagerResponse, action.__name__, action)
    ssm_responses.SimpleSystemManagerResponse.describe_automation_executions = describe_automation_executions


if __name__ == "__main__":
    patch_moto()
    moto_server_main(sys.argv[1:])
