# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Selecting EC2 instances by tags (and ids) with DescribeInstances filters.

``target_tags`` is a dict: each key is a tag key, each value a tag value or a
list of values meaning "any of". Keys are ANDed, the values of one key ORed,
exactly as EC2 filters ``tag:KEY`` behave; EC2's wildcards ``*`` and ``?``
work in values. Only instances that exist in a useful sense are considered:
``pending``, ``running``, ``stopping`` and ``stopped`` (never ``terminated``
or ``shutting-down``).

An empty selection (no tags and no ids) selects nothing, so a caller can
skip the EC2 call altogether.
"""

import re

CONSIDERED_STATES = ("pending", "running", "stopping", "stopped")
INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
# Instance ids sent in one filter of a follow-up read (such as
# DescribeIamInstanceProfileAssociations); longer selections are read in chunks.
FILTER_VALUES_MAX = 200


def tag_values(value):
    """A target_tags value as the list of values EC2 matches any of."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def tag_filters(target_tags):
    """target_tags (key: value or list of values) as EC2 filters, sorted by key."""
    return [{"Name": "tag:%s" % key, "Values": tag_values(target_tags[key])} for key in sorted(target_tags or {})]


def state_filter(states=CONSIDERED_STATES):
    return {"Name": "instance-state-name", "Values": list(states)}


def selection_filters(target_tags=None, instance_ids=None, states=CONSIDERED_STATES):
    """The DescribeInstances filters for a selection, or None when it selects nothing.

    Ids are given as an ``instance-id`` filter rather than ``InstanceIds``:
    a missing id then simply matches nothing instead of failing the call.
    """
    if not target_tags and not instance_ids:
        return None
    filters = [state_filter(states)]
    if instance_ids:
        filters.append({"Name": "instance-id", "Values": sorted(set(instance_ids))})
    filters.extend(tag_filters(target_tags))
    return filters


def check_target_tags(option, target_tags):
    """Problems with a target_tags dict: strings (or lists of strings) of the lengths EC2 accepts."""
    problems = []
    if target_tags is None:
        return problems
    if not isinstance(target_tags, dict):
        return ["%s: must be a dict of tag key: value (or list of values)" % option]
    for key in sorted(target_tags, key=str):
        value = target_tags[key]
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            problems.append("%s: tag key %r is not a string of 1-%d characters" % (option, key, TAG_KEY_MAX))
            continue
        values = tag_values(value)
        if isinstance(value, (list, tuple)) and not values:
            problems.append("%s: tag %r has an empty list of values (give a value, a list of values, or '*' for any value)" % (option, key))
        for item in values:
            if not isinstance(item, str):
                problems.append(
                    "%s: value %r of tag %r is not a string (a string or a list of strings; quote numbers and booleans)" % (option, item, key)
                )
            elif len(item) > TAG_VALUE_MAX:
                problems.append("%s: value of tag %r is longer than %d characters" % (option, key, TAG_VALUE_MAX))
    return problems


def check_instance_ids(option, instance_ids):
    """Problems with a list of instance ids (i- and 8 or 17 hexadecimal digits)."""
    return [
        "%s: %r is not an instance id (i- followed by 8-17 hexadecimal digits, e.g. i-0123456789abcdef0)" % (option, instance_id)
        for instance_id in instance_ids or []
        if not isinstance(instance_id, str) or not INSTANCE_ID.fullmatch(instance_id)
    ]


def chunks(values, size=FILTER_VALUES_MAX):
    values = list(values)
    return [values[start:start + size] for start in range(0, len(values), size)]


def instances_of(reservations):
    """The instances in DescribeInstances reservations, ordered by id."""
    instances = [instance for reservation in reservations for instance in reservation.get("Instances", [])]
    return sorted(instances, key=lambda instance: instance["InstanceId"])
