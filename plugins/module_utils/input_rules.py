# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every rule the collection's input is checked against, keyed by field, in one place.

``check_input(values, names, region=None)`` checks the fields given in
``values`` and returns an ``InputCheck``: ``problems`` (one message per
problem, all of them, in the order of ``RULES``) and ``parsed`` (the values
as the rules read them: booleans, numbers, the ``office_hours.Schedule``
objects of ``schedules``, the list of ``components``).

A field is what a value means, whoever asks (``idle_timeout``,
``log_group``, ``schedules``, ``kms_key``). The caller supplies the names
the messages use: a module its option names
(``{"idle_timeout": "idle_session_timeout"}``), a role its variable prefix
(``"session_manager_"``: the field ``idle_timeout`` is the variable
``session_manager_idle_timeout``), the playbooks' pre-flight each
component's prefix. Nothing here knows a role variable's name, and no
message is renamed afterwards. Each message reads ``NAME: VALUE is not
WHAT; expected FORM`` (VALUE as JSON, as the user wrote it).

A rule may read other fields (a group name's form depends on the backend,
the schedules on their defaults); a rule whose input failed its own rule is
not run on it, so one mistake gives one message. ``region`` is the target's
region when the caller knows it (a key ARN must be of that region).

COMPONENTS says which fields each part of the playbooks uses, for
``present`` (site), ``absent`` (teardown) and ``read`` (report); the
pre-flight (plugins/action/ssm_preflight.py) checks exactly those.

Adding a role variable (closed days, notifications, ...): its default in
``roles/<role>/defaults/main.yml`` and ``meta/argument_specs.yml``, a rule
here under the field name (the variable without the role prefix) unless
one exists, and the field in ``COMPONENTS[<role>][<state>]`` for each state
that uses it. The role, the playbooks and the modules then check it alike.

The rules that need the schedule model import it when they run, so a module
that checks no schedule does not load it.
"""

import json
import os
import re

COMPONENT_NAMES = ("session_manager", "instance_scheduler")
STATES = ("present", "absent")
# Days CloudWatch Logs accepts as a log group's retention (PutRetentionPolicy).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
IDLE_TIMEOUT_RANGE = (1, 60)
MAX_DURATION_RANGE = (1, 1440)
REPORT_COUNT_RANGE = (1, 50)
REPORT_EXECUTIONS_RANGE = (0, 50)
# SSM keeps automation history for 30 days: a window further back reads nothing more.
EXECUTIONS_WINDOW_HOURS_RANGE = (1, 720)
DELETION_WINDOW_RANGE = (7, 30)
# Tags whose key starts with this are set by the collection itself (ownership, regions).
RESERVED_TAG_PREFIX = "awsops:ssm:"

IAM_NAME = re.compile(r"[\w+=,.@-]{1,64}")
IAM_PATH = re.compile(r"/(?:[\w+=,.@-]+/)*")
LOG_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
IPV4_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/[A-Za-z0-9-]+")
KMS_ALIAS = re.compile(r"alias/[a-zA-Z0-9/_-]{1,250}")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
MANAGED_POLICY = re.compile(r"[\w+=,.@-]{1,128}|arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+")
POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/.+")
INSTANCE_PROFILE_NAME = re.compile(r"[\w+=,.@-]{1,128}")
INSTANCE_PROFILE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:instance-profile/(?:[!-~]+/)?(?P<name>[\w+=,.@-]{1,128})")
INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
SQS_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
SQS_QUEUE_ARN = re.compile(r"arn:aws[a-z-]*:sqs:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,80}")
# useradd's rule widened to upper case and dots (directory users): not starting with a digit, dot or hyphen.
LINUX_USER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
VPC_ID = re.compile(r"vpc-[0-9a-f]{8,17}")
SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8,17}")
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}")
# Security group names: up to 255 of a-zA-Z0-9 and ._-:/()#,@[]+=&;{}!$*, not starting with sg-.
SECURITY_GROUP_NAME = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")
# How instances get the permissions the SSM agent needs: an instance profile, or the account's DHMC role.
ACCESS_MODES = ("instance_profile", "default_host_management")
ENDPOINT_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")
_TAG_KEY_PUNCTUATION = set("_.:/=-@ ")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")

ROLE_NAME_FORM = "1-64 letters, digits and + = , . @ _ -"
KMS_KEY_ARN_FORM = "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"
ROLE_ARN_FORM = "arn:aws:iam::ACCOUNT:role/NAME"
TAG_KEY_FORM = "1-128 letters, digits, spaces and _ . : / = - @, not starting with aws:"


def show(value):
    """A value as the user wrote it, in double quotes for strings."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def say(name, text):
    """NAME: text (text alone where a caller's options have no common name)."""
    return "%s: %s" % (name, text) if name else text


def is_text(value):
    return isinstance(value, str)


def whole_number(value):
    """An int from an int or a string of digits (a survey answer, an inventory string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def parse_boolean(value):
    """True/False from a boolean or its usual spellings, or ValueError with the reason."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("%s is not a boolean; expected true or false" % show(value))


# ---------------------------------------------------------------- single-value checks (also used by office_hours)


def check_tag_key(name, value):
    if (isinstance(value, str) and 1 <= len(value) <= 128 and not value.lower().startswith("aws:")
            and all(char.isalnum() or char in _TAG_KEY_PUNCTUATION for char in value)):
        return None
    return "%s: %s is not usable as a tag key; expected %s" % (name, show(value), TAG_KEY_FORM)


def check_tag_value(name, value):
    if isinstance(value, str) and 1 <= len(value) <= 256:
        return None
    return "%s: %s is not usable as a tag value; expected a string of 1-256 characters" % (name, show(value))


def check_kms_key_arn(name, value, region=None):
    match = KMS_KEY_ARN.fullmatch(value) if is_text(value) else None
    if not match:
        return "%s: %s is not a KMS key ARN; expected %s" % (name, show(value), KMS_KEY_ARN_FORM)
    if region and match.group("region") != region:
        return "%s: %s is a key of region %s, not of this target's region %s; CloudWatch Logs and S3 encrypt only with a key of their own region" % (
            name, show(value), match.group("region"), region)
    return None


def check_iam_name(name, value, what="an IAM role name", form=ROLE_NAME_FORM):
    if is_text(value) and IAM_NAME.fullmatch(value):
        return None
    return "%s: %s is not %s; expected %s" % (name, show(value), what, form)


# ---------------------------------------------------------------- the rules: rule(inputs, field) -> [problem or None]


class Inputs(object):
    """What a rule sees: every value given, the names to show, the region, and what earlier rules parsed."""

    def __init__(self, values, names, region):
        self.values = values
        self._names = names
        self.region = region
        self.parsed = {}
        self.bad = set()

    def name(self, field):
        if isinstance(self._names, dict):
            return self._names.get(field, field)
        return self._names + field

    def value(self, field, default=None):
        value = self.values.get(field)
        return default if value is None else value

    def usable(self, *fields):
        """Whether these fields passed their rules (a field not given is usable: its default applies)."""
        return not any(field in self.bad for field in fields)

    def parsed_value(self, field, default=None):
        return self.parsed.get(field, self.value(field, default))


def _form(pattern, what, form, empty_allowed=True, check=None):
    """A rule for a text that must match pattern; None (and "" when empty_allowed) means none."""

    def rule(inputs, field):
        value = inputs.values[field]
        if value is None or (empty_allowed and value == ""):
            return []
        if is_text(value) and pattern.fullmatch(value) and (check is None or check(value)):
            return []
        return ["%s: %s is not %s; expected %s%s" % (inputs.name(field), show(value), what, form, ", or empty for none" if empty_allowed else "")]

    return rule


def _text(inputs, field):
    value = inputs.values[field]
    if value is None or is_text(value):
        return []
    return ["%s: %s is not a text; expected a string (quote numbers)" % (inputs.name(field), show(value))]


def _boolean(inputs, field):
    value = inputs.values[field]
    if value is None:
        return []
    try:
        inputs.parsed[field] = parse_boolean(value)
    except ValueError as error:
        return [say(inputs.name(field), str(error))]
    return []


def _number_in(low, high, what, empty_allowed=False):
    def rule(inputs, field):
        value = inputs.values[field]
        if value is None or (empty_allowed and value == ""):
            return []
        number = whole_number(value)
        if number is not None and low <= number <= high:
            inputs.parsed[field] = number
            return []
        return ["%s: %s is not %s from %d to %d%s" % (inputs.name(field), show(value), what, low, high, ", or empty for no limit" if empty_allowed else "")]

    return rule


def _one_of(choices):
    def rule(inputs, field):
        value = inputs.values[field]
        if value in choices:
            return []
        return ["%s: %s is not one of %s" % (inputs.name(field), show(value), ", ".join(choices))]

    return rule


def _region(inputs, field):
    value = inputs.values[field]
    if not is_text(value) or not value:
        return ["%s: no region is set for this target; expected a region name like \"eu-west-1\" (or AWS_REGION in the environment)" % inputs.name(field)]
    from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import known_region

    if not known_region(value):
        return ["%s: %s is not an AWS region name; expected a region like \"us-east-1\" or \"eu-west-1\"" % (inputs.name(field), show(value))]
    return []


def _profile(inputs, field):
    value = inputs.values[field]
    if value is None or value == "":
        return []
    if not is_text(value):
        return _text(inputs, field)
    from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import configured_profiles

    profiles = configured_profiles()
    if value in profiles:
        return []
    return ["%s: %s is not a profile of this controller's AWS configuration (~/.aws/config, ~/.aws/credentials); expected %s" % (
        inputs.name(field), show(value), "one of " + ", ".join(sorted(profiles)) if profiles else "a profile defined there, or none")]


def _components(inputs, field):
    value = inputs.values[field]
    names = value.replace(",", " ").split() if is_text(value) else value
    if isinstance(names, list) and names and all(name in COMPONENT_NAMES for name in names):
        inputs.parsed[field] = [name for name in COMPONENT_NAMES if name in names]
        return []
    return ["%s: %s is not a list of one or more of %s" % (inputs.name(field), show(value), ", ".join(COMPONENT_NAMES))]


def _hosts(inputs, field):
    value = inputs.values[field]
    items = [value] if is_text(value) else value
    if isinstance(items, list) and items and all(is_text(item) and item.strip() for item in items):
        return []
    return ["%s: %s is not a host pattern; expected a pattern like \"all\" or \"web:&prod\", or a list of them" % (inputs.name(field), show(value))]


def _kms_key(inputs, field):
    """The role's choice of key: create one, an existing key's ARN, or none."""
    value = inputs.values[field]
    if value in ("create", ""):
        return []
    if is_text(value) and KMS_KEY_ARN.fullmatch(value):
        return [check_kms_key_arn(inputs.name(field), value, inputs.region)]  # a key of another region is a problem
    return ["%s: %s is neither create, a KMS key ARN (%s) nor empty for none" % (inputs.name(field), show(value), KMS_KEY_ARN_FORM)]


def _kms_key_arn(inputs, field):
    value = inputs.values[field]
    if value is None or value == "":
        return []
    return [check_kms_key_arn(inputs.name(field), value, inputs.region)]


def _kms_key_arns(inputs, field):
    value = inputs.values[field]
    if not isinstance(value, list):
        return ["%s: %s is not a list of KMS key ARNs (%s)" % (inputs.name(field), show(value), KMS_KEY_ARN_FORM)]
    return [check_kms_key_arn("%s[%d]" % (inputs.name(field), index), arn) for index, arn in enumerate(value)]


def _queue_names(inputs, field):
    value = inputs.values[field]
    if value is None:
        return []
    if not isinstance(value, list):
        return ["%s: %s is not a list of SQS queue names" % (inputs.name(field), show(value))]
    return ["%s: %s is not an SQS queue name; expected 1-80 letters, digits, - or _" % (inputs.name(field), show(name))
            for name in value if not is_text(name) or not SQS_QUEUE_NAME.fullmatch(name)]


def _dead_letter_queue_arns(inputs, field):
    """Office-hours schedule name -> an SQS queue ARN of the target's region (backend scheduler only)."""
    value = inputs.values[field]
    name = inputs.name(field)
    if value is None or value == {}:
        return []
    if not isinstance(value, dict):
        return ["%s: %s is not a dict of schedule name: SQS queue ARN" % (name, show(value))]
    if inputs.value("backend", "scheduler") == "lambda":
        return ["%s: only for backend scheduler; the lambda backend's failed invocations go to the function's on-failure destination" % name]
    problems = []
    for schedule in sorted(value, key=str):
        match = SQS_QUEUE_ARN.fullmatch(value[schedule]) if is_text(value[schedule]) else None
        if not match:
            problems.append("%s.%s: %s is not an SQS queue ARN; expected arn:aws:sqs:REGION:ACCOUNT:NAME" % (name, schedule, show(value[schedule])))
        elif inputs.region and match.group("region") != inputs.region:
            problems.append("%s.%s: %s is a queue of region %s, not of this target's region %s" % (
                name, schedule, show(value[schedule]), match.group("region"), inputs.region))
    return problems


NOTIFY_KEYS = ("create", "topic_arn", "email", "https", "kms_key", "state")
NOTIFY_FORM = ("{} (off), {topic_arn: ARN} (an existing SNS topic), {create: true, email: [...], https: [...], kms_key: KEY} "
               "or {state: absent} (remove what an earlier run created)")


def _notify(inputs, field):
    """Failure notifications: off ({}), an existing topic, a topic the collection creates, or removed; names within AWS's limits."""
    from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import name_problems
    from ansible_collections.awsops.ssm.plugins.module_utils.notification_documents import topic_problems

    value = inputs.values[field]
    name = inputs.name(field)
    if value is None or value == {}:
        return []
    if not isinstance(value, dict):
        return ["%s: %s is not a dict; expected %s" % (name, show(value), NOTIFY_FORM)]
    unknown = sorted(set(map(str, value)) - set(NOTIFY_KEYS))
    if unknown:
        return ["%s: has %s, which it does not take; expected %s" % (name, ", ".join(unknown), NOTIFY_FORM)]
    state = value.get("state", "present")
    if state not in STATES:
        return ["%s.state: %s is not one of %s" % (name, show(state), ", ".join(STATES))]
    if state == "absent":
        inputs.parsed[field] = {"state": "absent"}
        return []  # the rest is not used
    try:
        create = parse_boolean(value.get("create", False))
    except ValueError as error:
        return ["%s.create: %s" % (name, error)]
    problems = []
    if create == (value.get("topic_arn") is not None):
        problems.append("%s: %s has %s; expected %s" % (
            name, show(value), "both create and topic_arn" if create else "neither create: true nor topic_arn", NOTIFY_FORM))
    problems.extend(topic_problems(value, lambda option: "%s.%s" % (name, option)))
    if inputs.usable("backend", "group", "schedules"):
        present = [schedule.name for schedule in inputs.parsed.get("schedules") or [] if schedule.state == "present"]
        problems.extend(name_problems(inputs.value("group", "instance-scheduler"), inputs.value("backend", "scheduler"), present,
                                      lambda option: inputs.name(option) + (" (with %s)" % name if option == "group" else "")))
    if not problems:
        inputs.parsed[field] = dict(value, create=create, state=state)
    return problems


def _output_file(inputs, field):
    """A file the controller writes: empty for none, else a path whose directory exists (checked where the run starts)."""
    value = inputs.values[field]
    if value is None or value == "":
        return []
    if not is_text(value):
        return ["%s: %s is not a file path; expected a text like /tmp/awsops-ssm-report.html, or empty for none" % (inputs.name(field), show(value))]
    path = os.path.abspath(os.path.expanduser(value))
    if os.path.isdir(path):
        return ["%s: %s is a directory; expected a file path like %s" % (inputs.name(field), show(value), os.path.join(value, "awsops-ssm-report.html"))]
    if not os.path.isdir(os.path.dirname(path)):
        return ["%s: %s cannot be written: the directory %s does not exist" % (inputs.name(field), show(value), os.path.dirname(path))]
    return []


def _s3_bucket(inputs, field):
    """A bucket name; for the field s3_bucket also empty (no bucket), for s3_bucket_name it must be given."""
    value = inputs.values[field]
    if field == "s3_bucket" and (value is None or value == ""):
        return []
    if is_text(value) and S3_BUCKET_NAME.fullmatch(value) and ".." not in value and not IPV4_ADDRESS.fullmatch(value):
        return []
    return ["%s: %s is not an S3 bucket name; expected 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter "
            "or digit%s" % (inputs.name(field), show(value), ", or empty for none" if field == "s3_bucket" else "")]


def _log_retention_days(inputs, field):
    value = inputs.values[field]
    if value is None:
        return []
    number = whole_number(value)
    if number in RETENTION_DAYS:
        inputs.parsed[field] = number
        return []
    return ["%s: %s is not a retention CloudWatch Logs accepts; expected one of %s (days)" % (
        inputs.name(field), show(value), ", ".join(map(str, RETENTION_DAYS)))]


def _run_as_user(inputs, field):
    value = inputs.values[field]
    if value is None or value == "":
        return []
    if is_text(value) and LINUX_USER_NAME.fullmatch(value):
        return []
    return ["%s: %s is not a Linux user name; expected 1-32 letters, digits and _ . -, not starting with a digit, . or -, or empty for ssm-user" % (
        inputs.name(field), show(value))]


def _run_as_enabled(inputs, field):
    problems = _boolean(inputs, field)
    if not problems and inputs.parsed.get(field) and not inputs.value("run_as_user"):
        problems.append("%s: true needs %s (the OS user that sessions run as)" % (inputs.name(field), inputs.name("run_as_user")))
    return problems


def _tags(inputs, field):
    value = inputs.values[field]
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["%s: %s is not a dict of tag keys and values" % (inputs.name(field), show(value))]
    name = inputs.name(field)
    problems = []
    for key in sorted(value, key=str):
        problems.append(check_tag_key(name, key))
        if is_text(key) and key.startswith(RESERVED_TAG_PREFIX):
            problems.append("%s: %s starts with %s, which awsops.ssm keeps for its own tags; choose another key" % (name, show(key), RESERVED_TAG_PREFIX))
        item = value[key]
        if isinstance(item, (dict, list)) or item is None or len(str(item)) > 256:
            problems.append("%s: the value of %s, %s, is not a tag value; expected a text of 0-256 characters" % (name, show(key), show(item)))
    return problems


def _tag_key(inputs, field):
    return [check_tag_key(inputs.name(field), inputs.values[field])]


def _instance_tags(inputs, field):
    """Tag key -> a value or a non-empty list of values: the tags the automation role may start and stop."""
    value = inputs.values[field]
    if value is None:
        return []
    name = inputs.name(field)
    if not isinstance(value, dict):
        return ["%s: %s is not a dict of tag key: value (or list of values)" % (name, show(value))]
    problems = []
    for key in sorted(value, key=str):
        problems.append(check_tag_key(name, key))
        values = [value[key]] if is_text(value[key]) else value[key]
        option = "%s.%s" % (name, key)
        if not isinstance(values, list) or not values:
            problems.append("%s: expected a tag value or a non-empty list of tag values, got %s" % (option, show(value[key])))
            continue
        problems.extend(check_tag_value(option, item) for item in values)
    return problems


def _target_tags(inputs, field):
    """Tag filters: key -> a value or a list of values (any of), as EC2 matches tag:KEY."""
    value = inputs.values[field]
    name = inputs.name(field)
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["%s: %s is not a dict of tag key: value (or list of values)" % (name, show(value))]
    problems = []
    for key in sorted(value, key=str):
        if not is_text(key) or not 1 <= len(key) <= 128:
            problems.append("%s: the tag key %s is not a text of 1-128 characters" % (name, show(key)))
            continue
        values = list(value[key]) if isinstance(value[key], (list, tuple)) else [value[key]]
        if not values:
            problems.append("%s: the tag %s has an empty list of values; expected a value, a list of values, or \"*\" for any value" % (name, show(key)))
        for item in values:
            if not is_text(item):
                problems.append("%s: the value %s of the tag %s is not a text; expected a text or a list of texts (quote numbers and booleans)" % (
                    name, show(item), show(key)))
            elif len(item) > 256:
                problems.append("%s: the value of the tag %s is longer than 256 characters" % (name, show(key)))
    return problems


def _instance_ids(inputs, field):
    value = inputs.values[field]
    if value is None:
        return []
    return ["%s: %s is not an instance id; expected i- followed by 8-17 hexadecimal digits (i-0123456789abcdef0)" % (inputs.name(field), show(item))
            for item in value if not is_text(item) or not INSTANCE_ID.fullmatch(item)]


def _instance_profile(inputs, field):
    value = inputs.values[field]
    if is_text(value) and (INSTANCE_PROFILE_NAME.fullmatch(value) or INSTANCE_PROFILE_ARN.fullmatch(value)):
        return []
    return ["%s: %s is neither an instance profile name (1-128 letters, digits and + = , . @ _ -) nor an instance profile ARN "
            "(arn:aws:iam::ACCOUNT:instance-profile/NAME)" % (inputs.name(field), show(value))]


def _iam_path(inputs, field):
    value = inputs.values[field]
    if is_text(value) and IAM_PATH.fullmatch(value) and len(value) <= 512:
        return []
    return ["%s: %s is not an IAM path; expected / or /NAME/.../ (letters, digits and + = , . @ _ -, at most 512 characters)" % (
        inputs.name(field), show(value))]


def _managed_policies(inputs, field):
    value = inputs.values[field] or []
    return ["%s: %s is neither a managed policy name nor a policy ARN (arn:aws:iam::aws:policy/NAME)" % (inputs.name(field), show(policy))
            for policy in value if not is_text(policy) or not MANAGED_POLICY.fullmatch(policy)]


def _alias(inputs, field):
    value = inputs.values[field]
    if is_text(value) and KMS_ALIAS.fullmatch(value) and not value.startswith("alias/aws/"):
        return []
    return ["%s: %s is not a KMS alias name of your own; expected alias/NAME (letters, digits, / _ -; not alias/aws/...)" % (inputs.name(field), show(value))]


def _role_name(inputs, field):
    return [check_iam_name(inputs.name(field), inputs.values[field])]


def _automation_role_name(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import INVOKER_ROLE_NAMES

    value = inputs.values[field]
    problem = check_iam_name(inputs.name(field), value)
    if problem:
        return [problem]
    backend = inputs.value("backend", "scheduler")
    invoker = inputs.value("invoker_role_name") or (INVOKER_ROLE_NAMES.get(backend) if inputs.usable("backend") else None)
    if value == invoker:
        return ["%s: %s is also the name of the %s backend's invoker role; the two roles must differ" % (inputs.name(field), show(value), backend)]
    return []


def _invoker_role_name(inputs, field):
    value = inputs.values[field]
    return [] if value is None else [check_iam_name(inputs.name(field), value)]


def _role_arn(inputs, field):
    value = inputs.values[field]
    if value is None:
        schedules = inputs.values.get("schedules")
        present = isinstance(schedules, list) and any(isinstance(raw, dict) and raw.get("state") != "absent" for raw in schedules)
        if inputs.value("state", "present") == "present" and present:
            return ["%s: required when a schedule is present; expected a role ARN (%s)" % (inputs.name(field), ROLE_ARN_FORM)]
        return []
    if is_text(value) and ROLE_ARN.fullmatch(value):
        return []
    return ["%s: %s is not a role ARN; expected %s" % (inputs.name(field), show(value), ROLE_ARN_FORM)]


def _permissions_boundary(inputs, field):
    value = inputs.values[field]
    if value is None or value == "" or (is_text(value) and POLICY_ARN.fullmatch(value)):
        return []
    return ["%s: %s is not a managed policy ARN; expected arn:aws:iam::ACCOUNT:policy/NAME, or empty for none" % (inputs.name(field), show(value))]


def _ids_of(name, values, pattern, form):
    return ["%s: %s is not %s" % (name, show(value), form) for value in values if not is_text(value) or not pattern.fullmatch(value)]


def _vpc_endpoints(inputs, field):
    """The VPCs that get Session Manager's endpoints: [{vpc_id, subnet_ids, security_group_ids}], each VPC once.

    What only AWS knows (the VPC exists, its subnets are its own, its DNS attributes) is checked by the
    reads before the first write (session_endpoints.state_problems), with the same names.
    """
    value = inputs.values[field]
    name = inputs.name(field)
    if value is None:
        return []
    if not isinstance(value, list):
        return ["%s: %s is not a list; expected a list of {vpc_id, subnet_ids, security_group_ids (optional)}" % (name, show(value))]
    present = inputs.value("state", "present") == "present"
    problems, seen = [], set()
    for index, item in enumerate(value):
        option = "%s[%d]" % (name, index)
        if not isinstance(item, dict):
            problems.append("%s: %s is not a dict; expected {vpc_id, subnet_ids, security_group_ids (optional)}" % (option, show(item)))
            continue
        unknown = sorted(set(item) - {"vpc_id", "subnet_ids", "security_group_ids"}, key=str)
        if unknown:
            problems.append("%s: %s %s not known; expected only vpc_id, subnet_ids and security_group_ids" % (
                option, ", ".join(map(show, unknown)), "is" if len(unknown) == 1 else "are"))
        vpc_id = item.get("vpc_id")
        problems.extend(_ids_of(option + ".vpc_id", [vpc_id], VPC_ID, "a VPC id; expected vpc- followed by 8 or 17 hexadecimal digits (vpc-0123456789abcdef0)"))
        if is_text(vpc_id) and vpc_id in seen:
            problems.append("%s.vpc_id: %s is listed twice; give each VPC once, with all its subnets" % (option, show(vpc_id)))
        seen.add(vpc_id if is_text(vpc_id) else None)
        for key, pattern, what in (("subnet_ids", SUBNET_ID, "a subnet id; expected subnet- followed by 8 or 17 hexadecimal digits"),
                                   ("security_group_ids", SECURITY_GROUP_ID, "a security group id; expected sg- followed by 8 or 17 hexadecimal digits")):
            ids = item.get(key)
            if ids is None:
                ids = []
            if not isinstance(ids, list):
                problems.append("%s.%s: %s is not a list of ids" % (option, key, show(ids)))
                continue
            problems.extend(_ids_of("%s.%s" % (option, key), ids, pattern, what))
            if len(set(map(show, ids))) != len(ids):
                problems.append("%s.%s: an id is listed twice" % (option, key))
        if present and not item.get("subnet_ids"):
            problems.append("%s.subnet_ids: none given; expected at least one subnet of %s (one per Availability Zone) for the interface endpoints" % (
                option, show(vpc_id)))
    return problems


def _security_group_name(inputs, field):
    value = inputs.values[field]
    if is_text(value) and SECURITY_GROUP_NAME.fullmatch(value) and not value.lower().startswith("sg-"):
        return []
    return ["%s: %s is not a security group name; expected 1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-" % (
        inputs.name(field), show(value))]


# ---- office hours (the schedule model is imported when one of these runs)


def _backend(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS

    value = inputs.values[field]
    if value in BACKENDS:
        return []
    return ["%s: %s is not a backend; expected %s" % (inputs.name(field), show(value), " or ".join(BACKENDS))]


def _group(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_group_name

    if not inputs.usable("backend"):
        return []
    return [check_group_name(inputs.name(field), inputs.values[field], inputs.value("backend", "scheduler"))]


def _function_name(inputs, field):
    value = inputs.values[field]
    if is_text(value) and FUNCTION_NAME.fullmatch(value):
        return []
    return ["%s: %s is not a Lambda function name; expected 1-64 letters, digits, - or _" % (inputs.name(field), show(value))]


def _timezone(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import load_zone

    try:
        load_zone(inputs.values[field])
    except ValueError as error:
        return [say(inputs.name(field), str(error))]
    return []


def _rate_control(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import check_rate_control

    return [check_rate_control(inputs.name(field), inputs.values[field], field)]


def _document_name(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import check_document_name

    return check_document_name(inputs.name(field), inputs.values[field])


def _optional_document_name(inputs, field):
    return [] if inputs.values[field] in (None, "") else _document_name(inputs, field)


def _document_names(inputs, field):
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import check_document_name

    value = inputs.values[field]
    if value is None:
        return []
    if not isinstance(value, list):
        return ["%s: %s is not a list of SSM document names" % (inputs.name(field), show(value))]
    return [problem for index, item in enumerate(value) for problem in check_document_name("%s[%d]" % (inputs.name(field), index), item)]


def _closed_days(inputs, field):
    """Closed days: dates and inclusive ranges (closed_days.parse_closed_days); parsed as [ClosedDay]."""
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDaysError
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_closed_days

    try:
        inputs.parsed[field] = parse_closed_days(inputs.name(field), inputs.values[field])
    except ClosedDaysError as error:
        return error.problems
    return []


def _holidays(inputs, field):
    """A country's public holidays (closed_days.parse_holidays); parsed as a HolidaySpec, or None when empty."""
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import ClosedDaysError
    from ansible_collections.awsops.ssm.plugins.module_utils.closed_days import parse_holidays

    try:
        inputs.parsed[field] = parse_holidays(inputs.name(field), inputs.values[field])
    except ClosedDaysError as error:
        return error.problems
    return []


def _schedules(inputs, field):
    """The office-hours schedules, with the defaults of the other fields; then the backend's own rules."""
    from ansible_collections.awsops.ssm.plugins.module_utils.automation_schedules import backend_settings
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import DEFAULTS
    from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import parse_schedules
    from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS

    if not inputs.usable("backend", "group", "timezone", "tag_key", "closed_days", "holidays", "pause_tags"):
        return []  # the schedules' defaults are wrong: that is said once, by those fields
    settings = dict((key, inputs.value(key, DEFAULTS[key])) for key in ("backend", "group", "timezone", "tag_key", "weekdays"))
    # the target's closed days, as their rules parsed them (a schedule's own replace them)
    settings.update(closed_days=inputs.parsed.get("closed_days", []), holidays=inputs.parsed.get("holidays"),
                    pause_tags=inputs.parsed.get("pause_tags", False))
    schedules, problems = parse_schedules(inputs.values[field], settings, inputs.name(field))
    if problems:
        return problems
    inputs.parsed[field] = schedules
    return BACKENDS[settings["backend"]].input_problems(schedules, backend_settings(settings["group"], inputs.region))


RULES = dict(
    # the target's connection
    region=_region,
    profile=_profile,
    endpoint_url=_form(ENDPOINT_URL, "an endpoint URL", "http:// or https:// and a host"),
    assume_role_arn=_form(ROLE_ARN, "a role ARN", ROLE_ARN_FORM),
    # the playbooks
    components=_components,
    hosts=_hosts,
    report_count=_number_in(REPORT_COUNT_RANGE[0], REPORT_COUNT_RANGE[1], "a whole number"),
    report_executions=_number_in(REPORT_EXECUTIONS_RANGE[0], REPORT_EXECUTIONS_RANGE[1], "a number of runs"),
    report_executions_window_hours=_number_in(EXECUTIONS_WINDOW_HOURS_RANGE[0], EXECUTIONS_WINDOW_HOURS_RANGE[1], "a number of hours"),
    report_html=_output_file,
    # both roles (and most modules); tags come last
    state=_one_of(STATES),
    # Session Manager
    role_name=_role_name,
    path=_iam_path,
    managed_policies=_managed_policies,
    permissions_boundary=_permissions_boundary,
    instance_profile=_instance_profile,
    target_tags=_target_tags,
    instance_ids=_instance_ids,
    replace_profiles=_boolean,
    log_group=_form(LOG_GROUP_NAME, "a log group name", "1-512 letters, digits and . - _ / #"),
    log_group_name=_form(LOG_GROUP_NAME, "a log group name", "1-512 letters, digits and . - _ / #", empty_allowed=False),
    log_retention_days=_log_retention_days,
    alias=_alias,
    deletion_window_days=_number_in(DELETION_WINDOW_RANGE[0], DELETION_WINDOW_RANGE[1], "a number of days"),
    kms_key=_kms_key,
    kms_key_arn=_kms_key_arn,
    s3_bucket=_s3_bucket,
    s3_bucket_name=_s3_bucket,
    s3_key_prefix=_text,
    run_as_user=_run_as_user,
    run_as_enabled=_run_as_enabled,
    idle_timeout=_number_in(IDLE_TIMEOUT_RANGE[0], IDLE_TIMEOUT_RANGE[1], "a number of minutes"),
    max_duration=_number_in(MAX_DURATION_RANGE[0], MAX_DURATION_RANGE[1], "a number of minutes", empty_allowed=True),
    shell_profile_linux=_text,
    shell_profile_windows=_text,
    purge_session_logs=_boolean,
    adopt_log_group=_boolean,
    adopt_s3_bucket=_boolean,
    access=_one_of(ACCESS_MODES),
    vpc_endpoints=_vpc_endpoints,
    security_group_name=_security_group_name,
    # office hours (the defaults of the schedules come before them)
    backend=_backend,
    group=_group,
    timezone=_timezone,
    tag_key=_tag_key,
    closed_days=_closed_days,
    holidays=_holidays,
    pause_tags=_boolean,
    document_name=_document_name,
    runbook_name=_optional_document_name,
    calendar_names=_document_names,
    schedules=_schedules,
    exclusive=_boolean,
    max_concurrency=_rate_control,
    max_errors=_rate_control,
    automation_role_name=_automation_role_name,
    invoker_role_name=_invoker_role_name,
    function_name=_function_name,
    kms_key_arns=_kms_key_arns,
    instance_tags=_instance_tags,
    dead_letter_queues=_queue_names,
    dead_letter_queue_arns=_dead_letter_queue_arns,
    automation_role_arn=_role_arn,
    invoker_role_arn=_role_arn,
    notify=_notify,  # after the schedules: their names become queue names
    tags=_tags,
)

# What each part of the playbooks uses, by state (present: site, absent: teardown, read: report).
CONNECTION_FIELDS = ("region", "profile", "endpoint_url", "assume_role_arn")
PLAYBOOK_FIELDS = {"present": ("components", "hosts"), "absent": ("components", "hosts"), "read": (
    "components", "hosts", "report_count", "report_executions", "report_executions_window_hours", "report_html",
)}
COMPONENTS = {
    "session_manager": {
        "present": (
            "state", "role_name", "target_tags", "replace_profiles", "log_group", "log_retention_days", "kms_key", "s3_bucket",
            "s3_key_prefix", "run_as_user", "idle_timeout", "max_duration", "shell_profile_linux", "tags", "purge_session_logs",
            "adopt_log_group", "adopt_s3_bucket", "access", "vpc_endpoints",
        ),
        # teardown detaches by tag, removes the role, the endpoints and DHMC, and names (or, with purge, removes) the audit trail
        "absent": ("state", "role_name", "target_tags", "log_group", "kms_key", "s3_bucket", "purge_session_logs", "access", "vpc_endpoints"),
        "read": ("role_name", "target_tags", "access"),
    },
    "instance_scheduler": {
        "present": (
            "state", "backend", "group", "timezone", "tag_key", "closed_days", "holidays", "pause_tags", "schedules", "exclusive",
            "max_concurrency", "max_errors", "automation_role_name", "kms_key_arns", "notify", "tags",
        ),
        "absent": ("state", "backend", "group", "automation_role_name"),
        "read": ("backend", "group"),
    },
}


class InputCheck(object):
    """The result of check_input: problems (messages), parsed (field -> value as read), bad (the fields with a problem)."""

    def __init__(self, problems, parsed, bad=()):
        self.problems = problems
        self.parsed = parsed
        self.bad = frozenset(bad)

    def __bool__(self):
        return not self.problems


def check_input(values, names, region=None):
    """Every problem of values (field -> value), as messages naming names (a prefix, or field -> name)."""
    unknown = sorted(set(values) - set(RULES))
    if unknown:
        raise ValueError("no input rule for %s" % ", ".join(unknown))
    inputs = Inputs(values, names, region)
    problems = []
    for field, rule in RULES.items():
        if field not in values:
            continue
        found = [problem for problem in rule(inputs, field) if problem]
        if found:
            inputs.bad.add(field)
            problems.extend(found)
        elif field not in inputs.parsed:
            inputs.parsed[field] = values[field]
    return InputCheck(problems, inputs.parsed, inputs.bad)


def options_of(params, names):
    """The values check_input takes from a module's params: names maps field -> option."""
    return dict((field, params[option]) for field, option in names.items())
