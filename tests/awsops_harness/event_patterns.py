# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An evaluator of EventBridge's event pattern language, for exactly the operators this collection uses.

The local endpoint cannot answer TestEventPattern (moto 5 raises
NotImplementedError for it), so the notification rule's pattern is
evaluated here, as EventBridge documents the language
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):

* a pattern is an object; every field it names must match (AND), fields it
  does not name are ignored; a nested object matches the event's object of
  the same name;
* a field's value is a non-empty array of filters, any of which may match
  (OR); a filter is a literal (string, number, boolean or null: equal, with
  the type) or ``{"prefix": "..."}`` (a string starting with it);
* when the event's value is an array, the field matches when any element
  matches; a field missing from the event matches nothing.

Any other operator (anything-but, numeric, exists, suffix, wildcard,
equals-ignore-case, $or, ...) raises UnsupportedPattern, so a pattern that
starts using one fails its tests here instead of being judged wrongly.
"""

SUPPORTED_OPERATORS = ("prefix",)
_MISSING = object()


class UnsupportedPattern(ValueError):
    pass


def matches(pattern, event):
    """Whether event (a dict) matches pattern (a dict, as the rule's EventPattern parses)."""
    if not isinstance(pattern, dict) or not pattern:
        raise UnsupportedPattern("a pattern is a non-empty object, not %r" % (pattern,))
    for field, expected in pattern.items():
        if field.startswith("$"):
            raise UnsupportedPattern("operator %s is not supported here" % field)
        value = event.get(field, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(expected, dict):
            if not isinstance(value, dict) or not matches(expected, value):
                return False
        elif isinstance(expected, list) and expected:
            if value is _MISSING or not _any_filter(expected, value):
                return False
        else:
            raise UnsupportedPattern("%s: a field's filters are a non-empty array or an object, not %r" % (field, expected))
    return True


def _any_filter(filters, value):
    values = value if isinstance(value, list) else [value]
    return any(_filter_matches(item, candidate) for item in filters for candidate in values)


def _filter_matches(item, value):
    if isinstance(item, dict):
        if len(item) != 1 or next(iter(item)) not in SUPPORTED_OPERATORS:
            raise UnsupportedPattern("filter %r is not supported here (only %s)" % (item, ", ".join(SUPPORTED_OPERATORS)))
        prefix = item["prefix"]
        if not isinstance(prefix, str):
            raise UnsupportedPattern("prefix takes a string, not %r" % (prefix,))
        return isinstance(value, str) and value.startswith(prefix)
    if isinstance(item, (list, tuple)):
        raise UnsupportedPattern("filters do not nest: %r" % (item,))
    # EventBridge compares literals with their JSON type: "1" is not 1, true is not "true".
    return type(item) is type(value) and item == value  # pylint: disable=unidiomatic-typecheck
