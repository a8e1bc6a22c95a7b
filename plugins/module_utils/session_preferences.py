# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Session Manager preferences: the content of the SSM-SessionManagerRunShell document.

Pure functions, no AWS call. The document is a Session document
(schemaVersion "1.0", sessionType Standard_Stream) whose `inputs` hold the
account's preferences in one region. Its schema, as AWS documents it
(Session Manager, "Session document schema"):

  s3BucketName, s3KeyPrefix, cloudWatchLogGroupName, kmsKeyId,
  runAsDefaultUser                                           strings
  s3EncryptionEnabled, cloudWatchEncryptionEnabled,
  cloudWatchStreamingEnabled, runAsEnabled                   booleans
  idleSessionTimeout (1-60), maxSessionDuration (1-1440)     minutes, as strings
  shellProfile: {windows, linux}                             strings

Preferences are returned keyed by the module's option names, so what a user
reads back (and sees in a diff) is what they wrote.
"""

import json

DOCUMENT_NAME = "SSM-SessionManagerRunShell"
DOCUMENT_TYPE = "Session"
DOCUMENT_FORMAT = "JSON"
SCHEMA_VERSION = "1.0"
SESSION_TYPE = "Standard_Stream"
DESCRIPTION = "Document to hold regional settings for Session Manager"

# (option name, input key, kind) in the order AWS documents the inputs.
INPUTS = (
    ("s3_bucket_name", "s3BucketName", "str"),
    ("s3_key_prefix", "s3KeyPrefix", "str"),
    ("s3_encryption_enabled", "s3EncryptionEnabled", "bool"),
    ("cloudwatch_log_group_name", "cloudWatchLogGroupName", "str"),
    ("cloudwatch_encryption_enabled", "cloudWatchEncryptionEnabled", "bool"),
    ("cloudwatch_streaming_enabled", "cloudWatchStreamingEnabled", "bool"),
    ("kms_key_id", "kmsKeyId", "str"),
    ("run_as_enabled", "runAsEnabled", "bool"),
    ("run_as_default_user", "runAsDefaultUser", "str"),
    ("idle_session_timeout", "idleSessionTimeout", "minutes"),
    ("max_session_duration", "maxSessionDuration", "minutes"),
)
SHELL_PROFILE_KEY = "shellProfile"
# (option name, key under inputs.shellProfile)
SHELL_PROFILE = (
    ("shell_profile_linux", "linux"),
    ("shell_profile_windows", "windows"),
)
KNOWN_INPUT_KEYS = frozenset([key for _option, key, _kind in INPUTS] + [SHELL_PROFILE_KEY])

# What an option left out means. run_as_enabled None: on when run_as_default_user is set.
DEFAULTS = dict(
    s3_bucket_name="",
    s3_key_prefix="",
    s3_encryption_enabled=True,
    cloudwatch_log_group_name="",
    cloudwatch_encryption_enabled=True,
    cloudwatch_streaming_enabled=True,
    kms_key_id="",
    run_as_enabled=None,
    run_as_default_user="",
    idle_session_timeout=20,
    max_session_duration=None,
    shell_profile_linux="",
    shell_profile_windows="",
)


def _option(options, name):
    value = options.get(name)
    return DEFAULTS[name] if value is None else value


def _minutes_input(value):
    """20 -> "20"; None (no limit) -> "" as the console writes it."""
    return "" if value is None else str(int(value))


def build_preferences_content(options):
    """The document content (a dict) for the options; options left out (or None) take DEFAULTS."""
    run_as_default_user = _option(options, "run_as_default_user")
    run_as_enabled = options.get("run_as_enabled")
    if run_as_enabled is None:
        run_as_enabled = bool(run_as_default_user)
    inputs = {}
    for option, key, kind in INPUTS:
        if option == "run_as_enabled":
            inputs[key] = bool(run_as_enabled)
        elif kind == "bool":
            inputs[key] = bool(_option(options, option))
        elif kind == "minutes":
            inputs[key] = _minutes_input(_option(options, option))
        else:
            inputs[key] = str(_option(options, option))
    inputs[SHELL_PROFILE_KEY] = dict((key, str(_option(options, option))) for option, key in SHELL_PROFILE)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "description": DESCRIPTION,
        "sessionType": SESSION_TYPE,
        "inputs": inputs,
    }


def serialize_content(content):
    """The Content string sent to SSM: stable, so the same preferences give the same text."""
    return json.dumps(content, indent=2)


def parse_content(text):
    """The document content as a dict; ValueError when it is not a JSON object."""
    content = json.loads(text)
    if not isinstance(content, dict):
        raise ValueError("the document content is not a JSON object")
    return content


def _normalized_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value  # None (absent) or something SSM would not take: differs from any wanted value


def _normalized_minutes(value):
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def _normalized_str(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value if isinstance(value, (dict, list)) else str(value)


def preferences_from_content(content):
    """The preferences of a document content, keyed by option name, with normalized types.

    Absent strings read as "", absent minutes and "" as None, "true"/"false"
    strings as booleans, "20" as 20; an absent boolean stays None.
    """
    inputs = (content or {}).get("inputs") or {}
    if not isinstance(inputs, dict):
        inputs = {}
    preferences = {}
    for option, key, kind in INPUTS:
        value = inputs.get(key)
        if kind == "bool":
            preferences[option] = _normalized_bool(value)
        elif kind == "minutes":
            preferences[option] = _normalized_minutes(value)
        else:
            preferences[option] = _normalized_str(value)
    shell_profile = inputs.get(SHELL_PROFILE_KEY) or {}
    if not isinstance(shell_profile, dict):
        shell_profile = {}
    for option, key in SHELL_PROFILE:
        preferences[option] = _normalized_str(shell_profile.get(key))
    return preferences


def _frame(content):
    content = content or {}
    return (str(content.get("schemaVersion", "")), content.get("sessionType"))


def content_differs(current, desired):
    """Whether the current content must be rewritten to become the desired one.

    Compares parsed content, not text: schemaVersion, sessionType and the
    preferences after normalization. The description and input keys this
    collection does not know are not compared.
    """
    if current is None:
        return True
    return _frame(current) != _frame(desired) or preferences_from_content(current) != preferences_from_content(desired)


def unknown_inputs(content):
    """Input keys of a content that this collection does not manage, with their values."""
    inputs = (content or {}).get("inputs") or {}
    if not isinstance(inputs, dict):
        return {}
    return dict((key, value) for key, value in inputs.items() if key not in KNOWN_INPUT_KEYS)


def with_unknown_inputs(desired, current):
    """The desired content, keeping the inputs of the current one that it does not manage."""
    extra = unknown_inputs(current)
    if not extra:
        return desired
    merged = dict(desired)
    merged["inputs"] = dict(desired["inputs"])
    for key, value in extra.items():
        merged["inputs"][key] = value
    return merged
