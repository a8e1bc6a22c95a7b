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


CONSIDERED_STATES = ("pending", "running", "stopping", "stopped")
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


def chunks(values, size=FILTER_VALUES_MAX):
    values = list(values)
    return [values[start:start + size] for start in range(0, len(values), size)]


def instances_of(reservations):
    """The instances in DescribeInstances reservations, ordered by id."""
    instances = [instance for reservation in reservations for instance in reservation.get("Instances", [])]
    return sorted(instances, key=lambda instance: instance["InstanceId"])
