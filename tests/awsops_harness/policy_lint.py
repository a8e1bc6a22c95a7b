# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lints IAM policy documents with parliament, which reads the IAM Service Authorization Reference.

A finding of severity MEDIUM or higher is a grant that does not say what AWS
evaluates: an ARN that is not of the form of the action's resource type
(RESOURCE_MISMATCH), a condition key the action does not have
(UNKNOWN_CONDITION_FOR_ACTION) or an operator of the wrong type
(MISMATCHED_TYPE). Such a grant matches nothing on real AWS.

parliament lints identity policies and resource policies; two kinds of
document need a step first, both recorded here so that every test lints the
same way:

* A trust policy has no Resource (the role is the resource), and parliament
  stops at MALFORMED (HIGH) for a statement without one. It is linted as the
  role's resource policy: each statement with the role's ARN as Resource.
* parliament stops analysing a statement whose Sid is not alphanumeric
  (INVALID_SID, LOW). Lambda permissions are named by their StatementId,
  which may hold ``-`` and ``_``; such Sids are dropped so that the
  statement itself is analysed.

created_policies() reads back every policy document an account holds (the
tests' accounts hold only what the collection made): trust and inline
policies of roles, customer managed policies, KMS key policies, Lambda
function policies and S3 bucket policies.
"""

import json
import re

import parliament

FAILING_SEVERITIES = ("MEDIUM", "HIGH", "CRITICAL")
_SID = re.compile(r"[0-9A-Za-z]*")


def _statements(document):
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def as_resource_policy(trust_policy, role_arn):
    """A trust policy as the resource policy it is: every statement on the role's ARN."""
    document = dict(trust_policy)
    document["Statement"] = [dict(statement, Resource=role_arn) for statement in _statements(trust_policy)]
    return document


def without_non_alphanumeric_sids(document):
    document = dict(document)
    statements = []
    for statement in _statements(document):
        statement = dict(statement)
        if not _SID.fullmatch(str(statement.get("Sid", ""))):
            del statement["Sid"]
        statements.append(statement)
    document["Statement"] = statements
    return document


def findings(document):
    """["SEVERITY ISSUE detail"] of every finding of MEDIUM or higher in one policy document (a dict or its JSON)."""
    text = document if isinstance(document, str) else json.dumps(document)
    policy = parliament.analyze_policy_string(text, ignore_private_auditors=True, include_community_auditors=False)
    failing = []
    for finding in policy.findings:
        finding = parliament.enhance_finding(finding)
        if finding.severity in FAILING_SEVERITIES:
            failing.append("%s %s %s" % (finding.severity, finding.issue, json.dumps(finding.detail, default=str)))
    return failing


def assert_no_findings(documents):
    """documents: {name: policy document}. Fails naming every document with a MEDIUM+ finding, and the finding."""
    assert documents, "no policy document to lint"
    failing = dict((name, findings(document)) for name, document in documents.items())
    failing = dict((name, found) for name, found in failing.items() if found)
    assert not failing, "parliament findings of MEDIUM or higher:\n" + "\n".join(
        "%s: %s\n  %s" % (name, "\n  ".join(found), json.dumps(documents[name], sort_keys=True)) for name, found in sorted(failing.items())
    )


def _document(value):
    return json.loads(value) if isinstance(value, str) else value


def _all(client, operation, key, **kwargs):
    items = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _iam_policies(iam):
    documents = {}
    for role in _all(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        documents["role %s: trust policy" % name] = as_resource_policy(_document(role["AssumeRolePolicyDocument"]), role["Arn"])
        for policy_name in _all(iam, "list_role_policies", "PolicyNames", RoleName=name):
            documents["role %s: inline policy %s" % (name, policy_name)] = _document(
                iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            )
    for policy in _all(iam, "list_policies", "Policies", Scope="Local"):
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        documents["managed policy %s" % policy["PolicyName"]] = _document(version["Document"])
    return documents


def _regional_policies(client, region):
    documents = {}
    kms = client("kms", region)
    for key in _all(kms, "list_keys", "Keys"):
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"].get("KeyManager") == "AWS":
            continue
        for policy_name in kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"]:
            documents["%s: key policy of %s" % (region, key["KeyId"])] = _document(kms.get_key_policy(KeyId=key["KeyId"], PolicyName=policy_name)["Policy"])
    functions = client("lambda", region)
    for function in _all(functions, "list_functions", "Functions"):
        try:
            policy = functions.get_policy(FunctionName=function["FunctionName"])["Policy"]
        except functions.exceptions.ResourceNotFoundException:
            continue
        documents["%s: function policy of %s" % (region, function["FunctionName"])] = without_non_alphanumeric_sids(_document(policy))
    return documents


def _bucket_policies(client):
    s3 = client("s3", "us-east-1")
    documents = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        try:
            documents["bucket policy of %s" % bucket["Name"]] = _document(s3.get_bucket_policy(Bucket=bucket["Name"])["Policy"])
        except s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchBucketPolicy":
                raise
    return documents


def created_policies(client, regions):
    """{name: policy document} of every IAM policy document in one account: IAM (global) and, per region, keys and functions."""
    documents = _iam_policies(client("iam", "us-east-1"))
    documents.update(_bucket_policies(client))
    for region in regions:
        documents.update(_regional_policies(client, region))
    return documents
