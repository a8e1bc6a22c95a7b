# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Default Host Management Configuration (DHMC): Systems Manager manages every EC2 instance of a region.

With DHMC on, the SSM agent (3.2.582.0 or later) of an instance that enforces
IMDSv2 registers with the credentials of one IAM role that Systems Manager
assumes for it, instead of an instance profile on each instance. Two things
make it:

* the role (AWS's name ``AWSSystemsManagerDefaultEC2InstanceManagementRole``
  under the path ``/service-role/``) trusted by ``ssm.amazonaws.com`` with the
  managed policy ``AmazonSSMManagedEC2InstanceDefaultPolicy``. IAM is global:
  the role is shared by every region of the account under the rule of
  shared_iam_role (region tags, deleted only when the last region leaves and
  only if this collection created it);
* the regional service setting ``/ssm/managed-instance/default-ec2-instance-management-role``,
  whose value is the role's path (without its leading ``/``) and name.

Teardown puts back the value the setting had before this collection changed
it. That value is recorded, before the first change, in the tag
``awsops:ssm:dhmc-previous-setting:<region>`` on the role (``:default`` when
the setting had AWS's default, restored with ResetServiceSetting). The role is
where teardown looks, it outlives every region that uses it, and a tag is one
write; a value IAM cannot hold in a tag is refused before any write.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import service_trust_policy
from ansible_collections.awsops.ssm.plugins.module_utils.shared_iam_role import normalize_document

SETTING_ID = "/ssm/managed-instance/default-ec2-instance-management-role"
ROLE_NAME = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
ROLE_PATH = "/service-role/"
MANAGED_POLICY = "AmazonSSMManagedEC2InstanceDefaultPolicy"
SERVICE = "ssm.amazonaws.com"
PREVIOUS_TAG_PREFIX = "awsops:ssm:dhmc-previous-setting:"
# Recorded when the setting had AWS's default value (no role): teardown resets it.
DEFAULT_RECORD = ":default"
# What GetServiceSetting answers for a setting that names no role.
NO_ROLE_VALUES = ("$None", "")
# IAM tag values: up to 256 letters, digits, spaces and _.:/=+-@
TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{0,256}")
MINIMUM_AGENT_VERSION = "3.2.582.0"
# The region's session-logging inline policy on the role (the instance role's policy has the same name).
LOGGING_POLICY_PREFIX = "awsops-ssm-session-logging-"


def previous_tag(region):
    return PREVIOUS_TAG_PREFIX + region


def setting_value_for(path, name):
    """service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole: the setting's value for a role."""
    path = (path or "/").strip("/")
    return "%s/%s" % (path, name) if path else name


def names_role(setting):
    """Whether the setting names a role (DHMC is on in the region)."""
    return setting.get("Status") != "Default" and (setting.get("SettingValue") or "") not in NO_ROLE_VALUES


def current_value(setting):
    """The role the setting names (its value without a leading /), or None."""
    return setting["SettingValue"].lstrip("/") if names_role(setting) else None


def record_of(setting):
    """What teardown must put back: the role the setting names, or DEFAULT_RECORD."""
    return current_value(setting) or DEFAULT_RECORD


def record_problem(record):
    if TAG_VALUE.fullmatch(record):
        return None
    return (
        "the service setting %s holds %r, which cannot be recorded for teardown in an IAM tag value (up to 256 letters, digits, spaces and _.:/=+-@); "
        "set it to another value or reset it first" % (SETTING_ID, record)
    )


def dhmc_trust_policy(account_id):
    """Trust of the DHMC role: Systems Manager, only on behalf of this account (the confused-deputy guard)."""
    return service_trust_policy(SERVICE, account_id)


def trusts_service(trust_policy):
    """Whether a trust policy lets ssm.amazonaws.com assume the role (for a role this collection did not make)."""
    document = normalize_document(trust_policy) or {}
    statements = document.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service") if isinstance(statement.get("Principal"), dict) else None
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if statement.get("Effect") == "Allow" and SERVICE in services and "sts:AssumeRole" in actions:
            return True
    return False


# ---- thin API wrappers ----


@AWSErrorHandler.common_error_handler("read the service setting " + SETTING_ID)
def get_setting(client):
    return client.get_service_setting(SettingId=SETTING_ID)["ServiceSetting"]


@AWSErrorHandler.common_error_handler("update the service setting " + SETTING_ID)
def update_setting(client, value):
    client.update_service_setting(SettingId=SETTING_ID, SettingValue=value)


@AWSErrorHandler.common_error_handler("reset the service setting " + SETTING_ID)
def reset_setting(client):
    return client.reset_service_setting(SettingId=SETTING_ID)["ServiceSetting"]


def restore(client, record):
    """Puts back what the setting held before: a role, or AWS's default."""
    if record == DEFAULT_RECORD:
        reset_setting(client)
    else:
        update_setting(client, record)


def setting_view(setting):
    return {"value": setting.get("SettingValue"), "status": setting.get("Status")}
