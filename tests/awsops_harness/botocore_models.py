# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Requests checked against botocore's service models, patterns included.

botocore's ParamValidator checks types, required members, lengths, ranges
and enums but skips ``pattern``; assert_valid checks both, so a request that
the local endpoint accepts but AWS would reject fails in the unit tests.
"""

import re
from functools import lru_cache

import botocore.session
from botocore.validate import ParamValidator

# Java's Unicode classes, as Python's re spells them (letters and numbers: \w; separators: \s).
_JAVA_CLASSES = (("\\p{L}", "\\w"), ("\\p{N}", "\\w"), ("\\p{Z}", "\\s"))


@lru_cache(maxsize=None)
def model(service):
    return botocore.session.get_session().get_service_model(service)


def python_pattern(pattern):
    for java, python in _JAVA_CLASSES:
        pattern = pattern.replace(java, python)
    return pattern


def assert_patterns(shape, value, path="params"):
    """Every string in value matches its shape's pattern (the whole string, as AWS matches it)."""
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if name in value:
                assert_patterns(member, value[name], "%s.%s" % (path, name))
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            assert_patterns(shape.member, item, "%s[%d]" % (path, index))
    elif shape.type_name == "map":
        for key, item in value.items():
            assert_patterns(shape.key, key, "%s key" % path)
            assert_patterns(shape.value, item, "%s[%s]" % (path, key))
    elif shape.type_name == "string" and "pattern" in shape.metadata:
        pattern = shape.metadata["pattern"]
        assert re.fullmatch(python_pattern(pattern), value), "%s: %r does not match %s" % (path, value, pattern)


def assert_valid(service, operation, params):
    """params (an operation's keyword arguments, operation in PascalCase) are valid for the model."""
    shape = model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise AssertionError("%s:%s: %s" % (service, operation, report.generate_report()))
    assert_patterns(shape, params, "%s:%s" % (service, operation))
