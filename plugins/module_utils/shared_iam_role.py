# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An IAM role (and optional instance profile) shared by every region of an account.

IAM is global while the rest of this collection is regional, and one account
is often several targets (one per region). The rule, in one place:

* Each region that uses a role records itself on it with the tag
  ``awsops:ssm:region:<region>``; what belongs to one region only (an inline
  policy naming regional ARNs) is an inline policy named with the region.
* ``absent`` in a region removes that region's tag and inline policies; the
  role (and its instance profile) are deleted only when no region tag is
  left, and only if this collection created them (tag
  ``awsops:ssm:managed-by``). A role it adopted is never deleted.
* Trust policy, managed policies, description, boundary and user tags are
  account-wide: give every region the same values.

Reading costs one call per resource: GetRole (with tags), one
ListAttachedRolePolicies, one GetRolePolicy per regional inline policy and
one GetInstanceProfile, in two round trips (GetRole and GetInstanceProfile
at the same time, then the policies at the same time). Nothing is written
when nothing differs.

The value of a region's tag says whether that region keeps an inline policy
on the role: ``in-use`` (it does, or may: tags written before this rule) or
``in-use-without-policy``. A region that wants no policy and whose tag says
it keeps none reads no policy (GetRolePolicy would only answer NoSuchEntity).
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import has_code
from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import resend_while
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import read_together

MANAGED_BY_TAG = "awsops:ssm:managed-by"
MANAGED_BY_VALUE = "awsops.ssm"
REGION_TAG_PREFIX = "awsops:ssm:region:"
IN_USE = "in-use"
IN_USE_WITHOUT_POLICY = "in-use-without-policy"
INTERNAL_TAG_PREFIX = "awsops:ssm:"


def region_tag(region):
    return REGION_TAG_PREFIX + region


def regions_in(tags):
    return sorted(key[len(REGION_TAG_PREFIX):] for key in tags if key.startswith(REGION_TAG_PREFIX))


def user_tags(tags):
    return dict((key, value) for key, value in tags.items() if not key.startswith(INTERNAL_TAG_PREFIX))


def managed_policy_arn(partition, name_or_arn):
    """AmazonSSMManagedInstanceCore -> arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return "arn:%s:iam::aws:policy/%s" % (partition, name_or_arn)


# ---- thin API wrappers: "not found is None" in one place (retries: aws_retries) ----


@IAMErrorHandler.list_error_handler("get role")
def get_role(client, name):
    return client.get_role(RoleName=name)["Role"]


@IAMErrorHandler.list_error_handler("list policies attached to role", [])
def list_attached_policy_arns(client, name):
    paginator = client.get_paginator("list_attached_role_policies")
    policies = paginator.paginate(RoleName=name).build_full_result()["AttachedPolicies"]
    return sorted(policy["PolicyArn"] for policy in policies)


@IAMErrorHandler.list_error_handler("list inline policies of role", [])
def list_inline_policy_names(client, name):
    paginator = client.get_paginator("list_role_policies")
    return paginator.paginate(RoleName=name).build_full_result()["PolicyNames"]


@IAMErrorHandler.list_error_handler("get inline role policy")
def get_inline_policy(client, role_name, policy_name):
    document = client.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


@IAMErrorHandler.list_error_handler("get instance profile")
def get_instance_profile(client, name):
    return client.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]


@IAMErrorHandler.common_error_handler("call IAM")
def call(client, operation, **kwargs):
    """A write call; sent again while IAM answers NoSuchEntity (it is eventually consistent right after a create)."""
    return resend_while(lambda: getattr(client, operation)(**kwargs), has_code("NoSuchEntity"))


@IAMErrorHandler.deletion_error_handler("delete IAM resource")
def delete_call(client, operation, **kwargs):
    """A removal: an entity that is already gone is not an error."""
    getattr(client, operation)(**kwargs)
    return True


def error_code(error):
    """The AWS error code behind an AnsibleIAMError (that the wrappers raise), or None."""
    return getattr(getattr(error, "exception", None), "response", {}).get("Error", {}).get("Code")


def normalize_document(document):
    if isinstance(document, str):
        return json.loads(document)
    return document


class SharedRole:
    """Reconciles one role for one region. Use present() or absent().

    spec keys: name, path, description, trust_policy, managed_policy_arns
    (None = leave alone), purge_managed_policies, inline_policies (dict of
    regional policy name -> document or None to remove), permissions_boundary
    (None = leave alone, "" = remove), tags (None = leave alone), purge_tags,
    instance_profile (bool).
    """

    def __init__(self, module, client, region, spec):
        self.module = module
        self.client = client
        self.region = region
        self.spec = spec
        self.check_mode = module.check_mode
        name = spec["name"]
        self.role, self.profile = read_together(
            lambda: get_role(client, name),
            lambda: get_instance_profile(client, name) if spec.get("instance_profile") else None,
        )
        self.tags = boto3_tag_list_to_ansible_dict((self.role or {}).get("Tags", []))
        self.attached = []
        self.inline = {}
        if self.role:
            keeps_none = self.tags.get(region_tag(region)) == IN_USE_WITHOUT_POLICY
            # Only a role whose managed policies this spec manages needs them read (one call fewer per no-op otherwise).
            reads = [lambda: list_attached_policy_arns(client, name) if self._manages_policies() else []]
            policy_names = list(spec.get("inline_policies") or {})
            for policy_name in policy_names:
                wanted = spec["inline_policies"][policy_name]
                skip = wanted is None and keeps_none
                reads.append(lambda policy_name=policy_name, skip=skip: None if skip else get_inline_policy(client, name, policy_name))
            answers = read_together(*reads)
            self.attached = answers[0]
            self.inline = dict(zip(policy_names, answers[1:]))
        self.before = self.describe()

    def _manages_policies(self):
        return self.spec.get("managed_policy_arns") is not None

    def _region_tag_value(self):
        """What this region's tag says: whether the region keeps an inline policy on the role."""
        policies = self.spec.get("inline_policies") or {}
        if policies and all(document is None for document in policies.values()):
            return IN_USE_WITHOUT_POLICY
        return IN_USE

    # ---- state as the user sees it (for diff and return values) ----

    def describe(self):
        if not self.role:
            return {}
        state = {
            "role_name": self.spec["name"],
            "path": self.role.get("Path"),
            "description": self.role.get("Description", ""),
            "trust_policy": normalize_document(self.role.get("AssumeRolePolicyDocument")),
            "inline_policies": dict((k, v) for k, v in self.inline.items() if v is not None),
            "permissions_boundary": (self.role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
            "tags": user_tags(self.tags),
            "regions": regions_in(self.tags),
        }
        if self._manages_policies():
            state["managed_policy_arns"] = sorted(self.attached)
        if self.spec.get("instance_profile"):
            state["instance_profile"] = self._profile_summary()
        return state

    def _profile_summary(self):
        if not self.profile:
            return None
        return {
            "name": self.profile["InstanceProfileName"],
            "roles": [role["RoleName"] for role in self.profile.get("Roles", [])],
        }

    # ---- present ----

    def present(self):
        changed = self._ensure_role()
        changed |= self._ensure_trust_policy()
        changed |= self._ensure_description()
        changed |= self._ensure_boundary()
        changed |= self._ensure_managed_policies()
        changed |= self._ensure_inline_policies()
        changed |= self._ensure_tags()
        if self.spec.get("instance_profile"):
            changed |= self._ensure_profile()
        return changed

    def _ensure_role(self):
        if self.role:
            if self.spec.get("path") and self.role.get("Path") != self.spec["path"]:
                self.module.fail_json(
                    msg="path: role %s exists with path %s; a role's path cannot be changed (remove the role first)"
                    % (self.spec["name"], self.role.get("Path"))
                )
            return False
        desired_tags = dict(self.spec.get("tags") or {})
        desired_tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
        desired_tags[region_tag(self.region)] = self._region_tag_value()
        params = {
            "RoleName": self.spec["name"],
            "Path": self.spec.get("path") or "/",
            "AssumeRolePolicyDocument": json.dumps(self.spec["trust_policy"]),
            "Description": self.spec.get("description") or "",
            "Tags": ansible_dict_to_boto3_tag_list(desired_tags),
        }
        if self.spec.get("permissions_boundary"):
            params["PermissionsBoundary"] = self.spec["permissions_boundary"]
        if self.check_mode:
            self.role = {
                "RoleName": params["RoleName"],
                "Path": params["Path"],
                "Arn": "arn:%s:iam::%s:role%s%s" % (self.spec["partition"], self.spec["account_id"], params["Path"], params["RoleName"]),
                "AssumeRolePolicyDocument": self.spec["trust_policy"],
                "Description": params["Description"],
                "PermissionsBoundary": {"PermissionsBoundaryArn": params["PermissionsBoundary"]} if "PermissionsBoundary" in params else {},
            }
        else:
            try:
                self.role = call(self.client, "create_role", **params)["Role"]
            except AnsibleIAMError as error:
                # Another region's run of the same account created it first: reconcile that one.
                if error_code(error) != "EntityAlreadyExists":
                    raise
                self.role = get_role(self.client, self.spec["name"])
                self.tags = boto3_tag_list_to_ansible_dict(self.role.get("Tags", []))
                if self._manages_policies():
                    self.attached = list_attached_policy_arns(self.client, self.spec["name"])
                return True
        self.tags = desired_tags
        return True

    def _ensure_trust_policy(self):
        current = normalize_document(self.role.get("AssumeRolePolicyDocument"))
        if not compare_policies(current, self.spec["trust_policy"]):
            return False
        if not self.check_mode:
            call(self.client, "update_assume_role_policy", RoleName=self.spec["name"], PolicyDocument=json.dumps(self.spec["trust_policy"]))
        self.role["AssumeRolePolicyDocument"] = self.spec["trust_policy"]
        return True

    def _ensure_description(self):
        wanted = self.spec.get("description")
        if wanted is None or self.role.get("Description", "") == wanted:
            return False
        if not self.check_mode:
            call(self.client, "update_role", RoleName=self.spec["name"], Description=wanted)
        self.role["Description"] = wanted
        return True

    def _ensure_boundary(self):
        wanted = self.spec.get("permissions_boundary")
        current = (self.role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
        if wanted is None or wanted == current:
            return False
        if not self.check_mode:
            if wanted:
                call(self.client, "put_role_permissions_boundary", RoleName=self.spec["name"], PermissionsBoundary=wanted)
            else:
                call(self.client, "delete_role_permissions_boundary", RoleName=self.spec["name"])
        self.role["PermissionsBoundary"] = {"PermissionsBoundaryArn": wanted} if wanted else {}
        return True

    def _ensure_managed_policies(self):
        wanted = self.spec.get("managed_policy_arns")
        if wanted is None:
            return False
        to_attach = sorted(set(wanted) - set(self.attached))
        to_detach = sorted(set(self.attached) - set(wanted)) if self.spec.get("purge_managed_policies") else []
        if not self.check_mode:
            for arn in to_attach:
                call(self.client, "attach_role_policy", RoleName=self.spec["name"], PolicyArn=arn)
            for arn in to_detach:
                delete_call(self.client, "detach_role_policy", RoleName=self.spec["name"], PolicyArn=arn)
        self.attached = sorted((set(self.attached) | set(to_attach)) - set(to_detach))
        return bool(to_attach or to_detach)

    def _ensure_inline_policies(self):
        changed = False
        for policy_name, wanted in (self.spec.get("inline_policies") or {}).items():
            current = self.inline.get(policy_name)
            if wanted is None:
                if current is None:
                    continue
                if not self.check_mode:
                    delete_call(self.client, "delete_role_policy", RoleName=self.spec["name"], PolicyName=policy_name)
            else:
                if current is not None and not compare_policies(current, wanted):
                    continue
                if not self.check_mode:
                    call(self.client, "put_role_policy", RoleName=self.spec["name"], PolicyName=policy_name, PolicyDocument=json.dumps(wanted))
            self.inline[policy_name] = wanted
            changed = True
        return changed

    def _ensure_tags(self):
        wanted = self.spec.get("tags")
        desired = dict(user_tags(self.tags) if wanted is None else wanted)
        desired[region_tag(self.region)] = self._region_tag_value()
        to_set, to_remove = compare_aws_tags(user_tags(self.tags), desired, purge_tags=bool(self.spec.get("purge_tags", True)) and wanted is not None)
        if self.tags.get(region_tag(self.region)) == desired[region_tag(self.region)]:
            to_set.pop(region_tag(self.region), None)
        if not to_set and not to_remove:
            return False
        if not self.check_mode:
            if to_remove:
                call(self.client, "untag_role", RoleName=self.spec["name"], TagKeys=to_remove)
            if to_set:
                call(self.client, "tag_role", RoleName=self.spec["name"], Tags=ansible_dict_to_boto3_tag_list(to_set))
        for key in to_remove:
            self.tags.pop(key, None)
        self.tags.update(to_set)
        return True

    def _ensure_profile(self):
        name = self.spec["name"]
        changed = False
        if not self.profile:
            if not self.check_mode:
                try:
                    tags = ansible_dict_to_boto3_tag_list({MANAGED_BY_TAG: MANAGED_BY_VALUE})
                    self.profile = call(self.client, "create_instance_profile", InstanceProfileName=name, Path=self.role.get("Path", "/"), Tags=tags)[
                        "InstanceProfile"
                    ]
                except AnsibleIAMError as error:
                    if error_code(error) != "EntityAlreadyExists":
                        raise
                    self.profile = get_instance_profile(self.client, name)
            else:
                self.profile = {"InstanceProfileName": name, "Roles": [], "Arn": self.role["Arn"].replace(":role/", ":instance-profile/", 1)}
            changed = True
        held = [role["RoleName"] for role in self.profile.get("Roles", [])]
        if held == [name]:
            return changed
        if not self.check_mode:
            for other in held:
                delete_call(self.client, "remove_role_from_instance_profile", InstanceProfileName=name, RoleName=other)
            try:
                call(self.client, "add_role_to_instance_profile", InstanceProfileName=name, RoleName=name)
            except AnsibleIAMError as error:
                # A profile holds one role: another region's run of the same account added it first.
                profile = get_instance_profile(self.client, name) if error_code(error) == "LimitExceeded" else None
                if not profile or [role["RoleName"] for role in profile.get("Roles", [])] != [name]:
                    raise
        self.profile["Roles"] = [{"RoleName": name, "Arn": self.role.get("Arn")}]
        return True

    # ---- absent ----

    def absent(self):
        """Leaves the role for this region; deletes it when no region uses it any more."""
        if not self.role:
            return self._delete_orphan_profile()
        changed = False
        for policy_name in self.spec.get("inline_policies") or {}:
            if self.inline.get(policy_name) is not None:
                if not self.check_mode:
                    delete_call(self.client, "delete_role_policy", RoleName=self.spec["name"], PolicyName=policy_name)
                self.inline[policy_name] = None
                changed = True
        if region_tag(self.region) in self.tags:
            if not self.check_mode:
                call(self.client, "untag_role", RoleName=self.spec["name"], TagKeys=[region_tag(self.region)])
                # Read again: another region may have left at the same time.
                self.tags = boto3_tag_list_to_ansible_dict((get_role(self.client, self.spec["name"]) or {}).get("Tags", []))
            self.tags.pop(region_tag(self.region), None)
            changed = True
        if regions_in(self.tags) or self.tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
            return changed
        if not self.check_mode:
            self._delete_role()
        self.role = None
        self.profile = None
        return True

    def _delete_orphan_profile(self):
        if not self.profile or self.profile.get("Roles"):
            return False
        if boto3_tag_list_to_ansible_dict(self.profile.get("Tags", [])).get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
            return False
        if not self.check_mode:
            delete_call(self.client, "delete_instance_profile", InstanceProfileName=self.spec["name"])
        self.profile = None
        return True

    def _delete_role(self):
        name = self.spec["name"]
        if self.spec.get("instance_profile") and self.profile:
            for role in self.profile.get("Roles", []):
                delete_call(self.client, "remove_role_from_instance_profile", InstanceProfileName=name, RoleName=role["RoleName"])
            delete_call(self.client, "delete_instance_profile", InstanceProfileName=name)
        for arn in list_attached_policy_arns(self.client, name):
            delete_call(self.client, "detach_role_policy", RoleName=name, PolicyArn=arn)
        for policy_name in list_inline_policy_names(self.client, name):
            delete_call(self.client, "delete_role_policy", RoleName=name, PolicyName=policy_name)
        delete_call(self.client, "delete_role", RoleName=name)
