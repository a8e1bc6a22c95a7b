# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Evaluates identity policies the way IAM does, for the features this collection's policies use.

Why not the endpoint: moto implements neither iam:SimulatePrincipalPolicy
nor iam:SimulateCustomPolicy, and the authorization it can enforce on
requests ignores the Resource and Condition elements of a policy
(moto/iam/access_control.py says so), so the endpoint cannot show that a
condition leaves an instance out. This evaluator follows IAM's policy
evaluation logic for the identity policies of one principal
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):

* an explicit Deny wins, else an Allow grants, else the request is denied;
* Action: case-insensitive, with ``*`` and ``?`` wildcards;
* Resource: each of an ARN's six colon-separated parts matched on its own,
  case-sensitive, with wildcards (so ``*`` in the account part matches the
  empty account of an AWS-owned runbook);
* Condition: StringEquals, StringLike, ArnEquals, ArnLike, Bool and Null.
  Several values of one key: any may match; several keys or operators: all
  must. A key the request does not carry fails every operator but Null.
  Condition key names are case-insensitive.

Anything else (negated operators, ...IfExists, ForAnyValue:, NotAction,
NotResource, policy variables) raises NotImplementedError, so that a test
never passes on an element the evaluator skipped.
"""

import re

_OPERATORS = ("StringEquals", "StringLike", "ArnEquals", "ArnLike", "Bool", "Null")


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _wildcard(pattern, value, ignore_case=False):
    if "${" in pattern:
        raise NotImplementedError("policy variables are not evaluated: %r" % pattern)
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def _arn_matches(pattern, arn):
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(_wildcard(want, have) for want, have in zip(pattern_parts, arn_parts))


def _condition_holds(operator, key, wanted, context):
    if operator not in _OPERATORS:
        raise NotImplementedError("condition operator %s is not evaluated" % operator)
    present = dict((name.lower(), value) for name, value in context.items())
    values = _as_list(wanted)
    if operator == "Null":
        return any((key.lower() not in present) == (str(value).lower() == "true") for value in values)
    if key.lower() not in present:
        return False
    have = [str(value) for value in _as_list(present[key.lower()])]
    if operator == "Bool":
        return any(str(value).lower() == item.lower() for value in values for item in have)
    if operator == "StringEquals":
        return any(value == item for value in values for item in have)
    if operator == "StringLike":
        return any(_wildcard(value, item) for value in values for item in have)
    if operator == "ArnEquals":
        return any(value == item for value in values for item in have)
    return any(_arn_matches(value, item) for value in values for item in have)  # ArnLike


def statement_applies(statement, action, resource, context):
    for element in ("NotAction", "NotResource", "NotPrincipal"):
        if element in statement:
            raise NotImplementedError("%s is not evaluated" % element)
    if not any(_wildcard(pattern, action, ignore_case=True) for pattern in _as_list(statement["Action"])):
        return False
    if not any(_arn_matches(pattern, resource) for pattern in _as_list(statement["Resource"])):
        return False
    return all(
        _condition_holds(operator, key, wanted, context)
        for operator, block in (statement.get("Condition") or {}).items()
        for key, wanted in block.items()
    )


def allowed(documents, action, resource, context=None):
    """Whether the identity policies (a list of documents) allow action on resource, given the request's condition keys."""
    decisions = set()
    for document in documents:
        statements = document["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            if statement["Effect"] not in ("Allow", "Deny"):
                raise ValueError("Effect %r" % statement["Effect"])
            if statement_applies(statement, action, resource, context or {}):
                decisions.add(statement["Effect"])
    return "Allow" in decisions and "Deny" not in decisions
