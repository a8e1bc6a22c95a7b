# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filter awsops.ssm.schedule_problems: every problem of the instance_scheduler role's input, by role variable."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.filter import schedule_problems as plugin
from ansible_collections.awsops.ssm.plugins.filter.schedule_problems import FilterModule
from ansible_collections.awsops.ssm.plugins.filter.schedule_problems import role_message
from ansible_collections.awsops.ssm.plugins.filter.schedule_problems import schedule_problems
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import Schedule

REFERENCE = {"name": "test", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul", "tag_key": "Service", "tag_value": "test"}
OVERNIGHT = {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE", "WED", "THU"]}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def office(**changes):
    schedule = {"name": "office", "start": "09:00", "stop": "18:00"}
    schedule.update(changes)
    return schedule


def options(problems):
    """The role variable each message starts with."""
    return [problem.split(":")[0] for problem in problems]


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"schedule_problems": schedule_problems}


@pytest.mark.parametrize(
    "schedules, kwargs",
    [
        ([], {}),
        ([REFERENCE, OVERNIGHT], {}),
        ([REFERENCE, OVERNIGHT, {"name": "batch", "start_cron": "cron(0 20 ? * FRI *)"}, {"name": "gone", "state": "absent"}], {"region": "eu-west-1"}),
        ([office(stop=None)], {"timezone": "Europe/Berlin", "max_concurrency": "50%", "max_errors": 0, "kms_key_arns": [KEY_ARN], "tags": {"team": "ops"}}),
        (
            [office(), {"name": "weekend", "stop_cron": "cron(0 20 ? * FRI *)", "timezone": "UTC"}],
            {"backend": "lambda", "group": "office_hours", "region": "us-east-1"},
        ),
        ([office(start="25:00")], {"state": "absent"}),  # a removal does not read the schedules
    ],
)
def test_good_input_has_no_problem(schedules, kwargs):
    assert schedule_problems(schedules, **kwargs) == []


@pytest.mark.parametrize(
    "schedules, kwargs, expected",
    [
        ([office()], {"timezone": "Asia/Seol"}, 'instance_scheduler_timezone: "Asia/Seol" is not an IANA time zone'),
        ([office(timezone="Nowhere/Land")], {}, 'instance_scheduler_schedules[0].timezone: "Nowhere/Land" is not an IANA time zone'),
        ([office(start="25:00")], {}, 'instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)'),
        ([office(stop="9am")], {}, 'instance_scheduler_schedules[0].stop: "9am" is not a time'),
        ([office(stop=1080)], {}, "in quotes (YAML reads an unquoted 18:00 as the number 1080)"),
        ([office(weekdays="MON-FRY")], {}, 'instance_scheduler_schedules[0].weekdays: "MON-FRY" is not a day'),
        ([{"name": "office", "start_cron": "cron(0 9 1 * MON *)"}], {}, 'instance_scheduler_schedules[0].start_cron: "cron(0 9 1 * MON *)" is not an AWS cron'),
        ([office(name="office hours")], {}, 'instance_scheduler_schedules[0].name: "office hours" would name the EventBridge Scheduler schedules'),
        ([office(), office()], {}, 'instance_scheduler_schedules[1].name: "office" is also the name of instance_scheduler_schedules[0]'),
        ([office()], {"backend": "cron"}, 'instance_scheduler_backend: "cron" is not a backend; expected scheduler or lambda'),
        ([office()], {"group": "a/b"}, 'instance_scheduler_group: "a/b" is not a schedule group name'),
        ([office()], {"tag_key": "aws:x"}, 'instance_scheduler_tag_key: "aws:x" is not usable as a tag key'),
        ([office()], {"max_concurrency": "0"}, 'instance_scheduler_max_concurrency: "0" is not a rate control value'),
        ([office()], {"max_errors": "101%"}, 'instance_scheduler_max_errors: "101%" is not a rate control value'),
        ([office()], {"kms_key_arns": [KEY_ARN, "alias/ebs"]}, "instance_scheduler_kms_key_arns[1]: 'alias/ebs' is not a KMS key ARN"),
        ([office()], {"kms_key_arns": [7]}, "instance_scheduler_kms_key_arns[0]: 7 is not a KMS key ARN"),
        ([office()], {"kms_key_arns": KEY_ARN}, "instance_scheduler_kms_key_arns: expected a list of KMS key ARNs"),
        ([office()], {"tags": {"a{b}": "x"}}, 'instance_scheduler_tags: "a{b}" is not usable as a tag key'),
        ([office()], {"tags": {"awsops:ssm:region:us-east-1": "in-use"}}, 'instance_scheduler_tags: "awsops:ssm:region:us-east-1" starts with awsops:ssm:'),
        ([office()], {"tags": ["team"]}, "instance_scheduler_tags: expected a dict of tag keys and values"),
        ([office()], {"automation_role_name": "SSM Scheduler"}, 'instance_scheduler_automation_role_name: "SSM Scheduler" is not an IAM role name'),
        ([office()], {"automation_role_name": "r" * 65}, "is not an IAM role name (Length of role name may not exceed 64)"),
        ([office()], {"automation_role_name": None}, "instance_scheduler_automation_role_name: null is not an IAM role name"),
        ([office()], {"automation_role_name": "SSMSchedulerInvokerRole"}, "is the name of the scheduler backend's invoker role; the two roles must differ"),
        ([office()], {"backend": "lambda", "automation_role_name": "SSMSchedulerLambdaRole"}, "is the name of the lambda backend's invoker role"),
        ([office()], {"region": ""}, "aws_region: no region is set for this target"),
        ([office()], {"region": "moon-base-1"}, 'aws_region: "moon-base-1" is not an AWS region name; expected a region like "us-east-1"'),
        ([office()], {"state": "gone"}, 'instance_scheduler_state: "gone" is not a state; expected present or absent'),
        ("office", {}, 'instance_scheduler_schedules: expected a list of schedules, got "office"'),
    ],
)
def test_each_problem_names_the_role_variable(schedules, kwargs, expected):
    problems = schedule_problems(schedules, **kwargs)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_every_problem_is_reported_at_once():
    problems = schedule_problems([office(start="25:00"), office(name="shop", weekdays="FUN")], max_errors="lots", tags={"aws:x": "y"}, kms_key_arns=["k"])
    assert options(problems) == [
        "instance_scheduler_schedules[0].start",
        "instance_scheduler_schedules[1].weekdays",
        "instance_scheduler_max_errors",
        "instance_scheduler_kms_key_arns[0]",
        "instance_scheduler_tags",
    ]


def test_a_removal_checks_only_what_it_uses():
    kwargs = {"state": "absent", "max_errors": "lots", "tags": {"aws:x": "y"}, "kms_key_arns": ["k"], "timezone": "Nowhere"}
    assert schedule_problems([office(start="25:00")], **kwargs) == []
    problems = schedule_problems([], state="absent", backend="lambda", group="office.hours", automation_role_name="bad name")
    assert options(problems) == ["instance_scheduler_group", "instance_scheduler_automation_role_name"]
    assert options(schedule_problems([], state="absent", backend="cron")) == ["instance_scheduler_backend"]


def test_the_lambda_backends_own_checks_name_the_role_variable():
    assert schedule_problems([office(name="office.hours")], backend="scheduler") == []
    problems = schedule_problems([office(name="office.hours")], backend="lambda")
    assert len(problems) == 1 and problems[0].startswith("instance_scheduler_schedules"), problems
    assert '"office.hours"' in problems[0]


class RecordingBackend(object):
    """A backend whose input_problems records its arguments and answers with module-style messages."""

    calls = []
    answer = []

    @classmethod
    def input_problems(cls, schedules, settings):
        cls.calls.append((schedules, settings))
        return list(cls.answer)


@pytest.fixture
def recording_backend(monkeypatch):
    RecordingBackend.calls = []
    RecordingBackend.answer = []
    monkeypatch.setitem(plugin.BACKENDS, "scheduler", RecordingBackend)
    return RecordingBackend


def test_the_backend_gets_the_validated_schedules_and_the_module_settings(recording_backend):
    assert schedule_problems([REFERENCE, OVERNIGHT], group="office", max_concurrency="5", max_errors="1", tags={"team": "ops"}, region="cn-north-1") == []
    [(schedules, settings)] = recording_backend.calls
    assert all(isinstance(schedule, Schedule) for schedule in schedules)
    assert [(schedule.name, schedule.group, schedule.timezone) for schedule in schedules] == [("test", "office", "Asia/Seoul"), ("night", "office", "UTC")]
    assert settings == {
        "group": "office",
        "region": "cn-north-1",
        "partition": "aws-cn",
        "automation_role_arn": None,
        "invoker_role_arn": None,
        "max_concurrency": "5",
        "max_errors": "1",
        "tags": {"team": "ops"},
        "purge_tags": True,
    }


def test_the_backend_is_not_asked_about_invalid_schedules_or_a_removal(recording_backend):
    schedule_problems([office(start="25:00")])
    schedule_problems([office()], state="absent")
    assert recording_backend.calls == []


def test_the_backends_messages_are_renamed_to_the_role_variables(recording_backend):
    recording_backend.answer = ["schedules[1].name: no dots here", "group: too long", "defaults.timezone: not here", "about nothing in particular"]
    assert schedule_problems([office()]) == [
        "instance_scheduler_schedules[1].name: no dots here",
        "instance_scheduler_group: too long",
        "instance_scheduler_timezone: not here",
        "instance_scheduler_schedules: about nothing in particular",
    ]


def test_a_backend_without_a_class_is_reported(monkeypatch):
    monkeypatch.delitem(plugin.BACKENDS, "lambda", raising=False)
    problems = schedule_problems([office()], backend="lambda")
    assert problems == ["instance_scheduler_backend: lambda is not available yet; use backend: scheduler"]
    assert schedule_problems([], backend="lambda", state="absent") == problems


@pytest.mark.parametrize(
    "message, expected",
    [
        ("schedules[0].start: bad", "instance_scheduler_schedules[0].start: bad"),
        ("schedules: bad", "instance_scheduler_schedules: bad"),
        ("max_errors: bad", "instance_scheduler_max_errors: bad"),
        ("max_concurrency: bad", "instance_scheduler_max_concurrency: bad"),
        ("function_name: bad", "instance_scheduler_group: bad"),
        ("defaults.tag_key: bad", "instance_scheduler_tag_key: bad"),
        ("instance_scheduler_group: already named", "instance_scheduler_group: already named"),
        ("groups are bad", "instance_scheduler_schedules: groups are bad"),
    ],
)
def test_role_message(message, expected):
    assert role_message(message) == expected


def test_an_unexpected_error_becomes_a_filter_error(recording_backend, monkeypatch):
    def explode(schedules, settings):
        raise RuntimeError("boom")

    monkeypatch.setattr(recording_backend, "input_problems", explode)
    with pytest.raises(AnsibleFilterError, match="could not check the input: boom"):
        schedule_problems([office()])
