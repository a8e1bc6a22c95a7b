# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The content of SSM-SessionManagerRunShell, built from options and read back.

The schema is AWS's "Session document schema": booleans for the *Enabled
inputs, strings for everything else, idleSessionTimeout and
maxSessionDuration being minutes written as strings.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.awsops.ssm.plugins.module_utils import session_preferences as sp
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.modules.ssm_session_preferences import OPTIONS

KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
ALL_INPUT_KEYS = {
    "s3BucketName",
    "s3KeyPrefix",
    "s3EncryptionEnabled",
    "cloudWatchLogGroupName",
    "cloudWatchEncryptionEnabled",
    "cloudWatchStreamingEnabled",
    "kmsKeyId",
    "runAsEnabled",
    "runAsDefaultUser",
    "idleSessionTimeout",
    "maxSessionDuration",
    "shellProfile",
}


def test_defaults_give_a_standard_stream_session_document():
    content = sp.build_preferences_content({})
    assert content == {
        "schemaVersion": "1.0",
        "description": "Document to hold regional settings for Session Manager",
        "sessionType": "Standard_Stream",
        "inputs": {
            "s3BucketName": "",
            "s3KeyPrefix": "",
            "s3EncryptionEnabled": True,
            "cloudWatchLogGroupName": "",
            "cloudWatchEncryptionEnabled": True,
            "cloudWatchStreamingEnabled": True,
            "kmsKeyId": "",
            "runAsEnabled": False,
            "runAsDefaultUser": "",
            "idleSessionTimeout": "20",
            "maxSessionDuration": "",
            "shellProfile": {"linux": "", "windows": ""},
        },
    }
    assert set(content["inputs"]) == ALL_INPUT_KEYS == sp.KNOWN_INPUT_KEYS


def test_options_given_as_none_take_their_defaults():
    """Ansible passes every option; those left out arrive as None or their default."""
    options = dict((name, None) for name in sp.DEFAULTS)
    assert sp.build_preferences_content(options) == sp.build_preferences_content({})


@pytest.mark.parametrize(
    "option, value, key, expected",
    [
        ("s3_bucket_name", "session-logs", "s3BucketName", "session-logs"),
        ("s3_key_prefix", "sessions/", "s3KeyPrefix", "sessions/"),
        ("s3_encryption_enabled", False, "s3EncryptionEnabled", False),
        ("cloudwatch_log_group_name", "/aws/ssm/sessions", "cloudWatchLogGroupName", "/aws/ssm/sessions"),
        ("cloudwatch_encryption_enabled", False, "cloudWatchEncryptionEnabled", False),
        ("cloudwatch_streaming_enabled", False, "cloudWatchStreamingEnabled", False),
        ("kms_key_id", KMS_KEY, "kmsKeyId", KMS_KEY),
        ("run_as_default_user", "ec2-user", "runAsDefaultUser", "ec2-user"),
        ("idle_session_timeout", 45, "idleSessionTimeout", "45"),
        ("max_session_duration", 1440, "maxSessionDuration", "1440"),
    ],
)
def test_every_option_maps_to_its_input_with_the_schema_type(option, value, key, expected):
    inputs = sp.build_preferences_content({option: value})["inputs"]
    assert inputs[key] == expected
    assert type(inputs[key]) is type(expected)
    # ... and nothing else moves.
    defaults = sp.build_preferences_content({})["inputs"]
    assert [k for k in inputs if inputs[k] != defaults[k]] in ([key], ["runAsEnabled", key])


def test_minutes_are_strings():
    inputs = sp.build_preferences_content({"idle_session_timeout": 1, "max_session_duration": 60})["inputs"]
    assert inputs["idleSessionTimeout"] == "1" and inputs["maxSessionDuration"] == "60"


def test_shell_profiles_go_under_shell_profile():
    inputs = sp.build_preferences_content({"shell_profile_linux": "exec /bin/bash -l", "shell_profile_windows": "date"})["inputs"]
    assert inputs["shellProfile"] == {"linux": "exec /bin/bash -l", "windows": "date"}


@pytest.mark.parametrize(
    "options, enabled",
    [
        ({}, False),
        ({"run_as_default_user": "ec2-user"}, True),
        ({"run_as_default_user": "ec2-user", "run_as_enabled": False}, False),
        ({"run_as_default_user": "ec2-user", "run_as_enabled": True}, True),
    ],
)
def test_a_run_as_user_turns_run_as_on_unless_told_otherwise(options, enabled):
    assert sp.build_preferences_content(options)["inputs"]["runAsEnabled"] is enabled


def test_serialized_content_is_stable_json():
    content = sp.build_preferences_content({"cloudwatch_log_group_name": "/aws/ssm/sessions"})
    text = sp.serialize_content(content)
    assert json.loads(text) == content
    assert sp.serialize_content(sp.build_preferences_content({"cloudwatch_log_group_name": "/aws/ssm/sessions"})) == text


def test_parse_content_wants_a_json_object():
    assert sp.parse_content('{"schemaVersion": "1.0"}') == {"schemaVersion": "1.0"}
    with pytest.raises(ValueError):
        sp.parse_content("[1, 2]")
    with pytest.raises(ValueError):
        sp.parse_content("schemaVersion: '1.0'")


def test_preferences_read_back_by_option_name():
    options = {"cloudwatch_log_group_name": "/aws/ssm/sessions", "kms_key_id": KMS_KEY, "idle_session_timeout": 30, "run_as_default_user": "ec2-user"}
    preferences = sp.preferences_from_content(sp.build_preferences_content(options))
    expected = dict(sp.DEFAULTS, run_as_enabled=True, **options)
    assert preferences == expected


def test_preferences_normalize_what_the_console_and_hands_write():
    content = {
        "schemaVersion": "1.0",
        "sessionType": "Standard_Stream",
        "inputs": {"s3EncryptionEnabled": "true", "runAsEnabled": "FALSE", "idleSessionTimeout": 20, "maxSessionDuration": " 60 "},
    }
    preferences = sp.preferences_from_content(content)
    assert preferences["s3_encryption_enabled"] is True
    assert preferences["run_as_enabled"] is False
    assert preferences["idle_session_timeout"] == 20 and preferences["max_session_duration"] == 60
    assert preferences["s3_bucket_name"] == "" and preferences["shell_profile_linux"] == ""
    assert preferences["cloudwatch_streaming_enabled"] is None  # absent: differs from any wanted value


def test_preferences_of_nothing_or_a_broken_document():
    assert sp.preferences_from_content(None)["idle_session_timeout"] is None
    broken = sp.preferences_from_content({"inputs": "x"})
    assert broken["s3_bucket_name"] == "" and broken["s3_encryption_enabled"] is None
    odd = sp.preferences_from_content({"inputs": {"idleSessionTimeout": "soon", "shellProfile": "x"}})
    assert odd["idle_session_timeout"] == "soon" and odd["shell_profile_linux"] == ""


def test_equal_preferences_in_other_forms_do_not_differ():
    desired = sp.build_preferences_content({})
    console = json.loads(json.dumps(desired))
    console["description"] = "Someone else's words"
    console["inputs"].update(idleSessionTimeout=20, runAsEnabled="false", s3EncryptionEnabled="true", shellProfile={})
    del console["inputs"]["maxSessionDuration"]
    console["inputs"]["someFutureInput"] = "kept"
    assert not sp.content_differs(console, desired)


@pytest.mark.parametrize(
    "change",
    [
        {"idleSessionTimeout": "30"},
        {"maxSessionDuration": "60"},
        {"cloudWatchLogGroupName": "/other"},
        {"cloudWatchStreamingEnabled": False},
        {"kmsKeyId": KMS_KEY},
        {"shellProfile": {"linux": "bash", "windows": ""}},
        {"runAsEnabled": "yes"},
    ],
)
def test_a_different_preference_differs(change):
    desired = sp.build_preferences_content({})
    current = json.loads(json.dumps(desired))
    current["inputs"].update(change)
    assert sp.content_differs(current, desired)


def test_a_different_frame_or_no_document_differs():
    desired = sp.build_preferences_content({})
    assert sp.content_differs(None, desired)
    assert sp.content_differs(dict(desired, sessionType="Port"), desired)
    assert sp.content_differs(dict(desired, schemaVersion="2.2"), desired)
    assert not sp.content_differs(dict(desired, schemaVersion=1.0), desired)


def test_inputs_this_collection_does_not_know_are_kept():
    desired = sp.build_preferences_content({"idle_session_timeout": 30})
    current = {"inputs": {"idleSessionTimeout": "20", "someFutureInput": {"a": 1}}}
    assert sp.unknown_inputs(current) == {"someFutureInput": {"a": 1}}
    merged = sp.with_unknown_inputs(desired, current)
    assert merged["inputs"]["someFutureInput"] == {"a": 1} and merged["inputs"]["idleSessionTimeout"] == "30"
    assert "someFutureInput" not in desired["inputs"]
    assert sp.with_unknown_inputs(desired, {"inputs": {"idleSessionTimeout": "20"}}) is desired
    assert sp.unknown_inputs(None) == {} and sp.unknown_inputs({"inputs": []}) == {}


def preference_problems(options):
    """The module's input check (input_rules with its option names) on the preference options given."""
    values = dict((field, options.get(option)) for field, option in OPTIONS.items())
    return check_input(values, OPTIONS).problems


def test_good_options_have_no_problems():
    options = {"idle_session_timeout": 60, "max_session_duration": 1, "run_as_default_user": "svc.app-01", "run_as_enabled": True}
    assert preference_problems(options) == []
    assert preference_problems({"idle_session_timeout": 1, "max_session_duration": None}) == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"idle_session_timeout": 0}, "idle_session_timeout: 0 is not a number of minutes from 1 to 60"),
        ({"idle_session_timeout": 61}, "idle_session_timeout: 61 is not a number of minutes from 1 to 60"),
        ({"max_session_duration": 2000}, "max_session_duration: 2000 is not a number of minutes from 1 to 1440, or empty for no limit"),
        ({"max_session_duration": 0}, "max_session_duration: 0 is not a number of minutes from 1 to 1440, or empty for no limit"),
        ({"run_as_default_user": "1user"}, 'run_as_default_user: "1user" is not a Linux user name'),
        ({"run_as_default_user": "u" * 33}, "is not a Linux user name; expected 1-32 letters"),
        ({"run_as_default_user": "ec2 user"}, 'run_as_default_user: "ec2 user" is not a Linux user name'),
        ({"run_as_enabled": True}, "run_as_enabled: true needs run_as_default_user"),
    ],
)
def test_bad_options_name_the_option_and_the_accepted_form(options, message):
    problems = preference_problems(options)
    assert len(problems) == 1 and message in problems[0]


minutes = st.integers(min_value=1, max_value=60)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(
    s3_bucket_name=text,
    s3_key_prefix=text,
    s3_encryption_enabled=st.booleans(),
    cloudwatch_log_group_name=text,
    cloudwatch_encryption_enabled=st.booleans(),
    cloudwatch_streaming_enabled=st.booleans(),
    kms_key_id=text,
    run_as_enabled=st.booleans(),
    run_as_default_user=text,
    idle_session_timeout=minutes,
    max_session_duration=st.one_of(st.none(), st.integers(min_value=1, max_value=1440)),
    shell_profile_linux=text,
    shell_profile_windows=text,
)
def test_any_options_survive_the_round_trip_through_json(**options):
    content = sp.build_preferences_content(options)
    parsed = sp.parse_content(sp.serialize_content(content))
    assert not sp.content_differs(parsed, content)
    assert sp.preferences_from_content(parsed) == options
