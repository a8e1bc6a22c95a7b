# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""input_rules: one rule per field, every problem at once, each named as the caller names it."""

import os

import pytest
import yaml

from ansible_collections.awsops.ssm.plugins.module_utils import input_rules
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backends
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import COMPONENTS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import CONNECTION_FIELDS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import PLAYBOOK_FIELDS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import RULES
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import Schedule

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SM = "session_manager_"
IS = "instance_scheduler_"
REFERENCE = {"name": "test", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul", "tag_key": "Service", "tag_value": "test"}
OVERNIGHT = {"name": "night", "start": "22:00", "stop": "06:00", "weekdays": ["MON", "TUE", "WED", "THU"]}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def office(**changes):
    schedule = {"name": "office", "start": "09:00", "stop": "18:00"}
    schedule.update(changes)
    return schedule


def role_defaults(role):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def defaults_of(role, prefix):
    return dict((name[len(prefix):], value) for name, value in role_defaults(role).items())


def problems(values, names=IS, region=None):
    return check_input(values, names, region).problems


def names_of(found):
    """The name each message starts with."""
    return [problem.split(":")[0] for problem in found]


def test_the_roles_defaults_pass():
    assert problems(defaults_of("session_manager", SM), SM, "eu-west-1") == []
    assert problems(defaults_of("instance_scheduler", IS), IS, "eu-west-1") == []


@pytest.mark.parametrize(
    "values",
    [
        {"schedules": [REFERENCE, OVERNIGHT]},
        {"schedules": [REFERENCE, {"name": "batch", "start_cron": "cron(0 20 ? * FRI *)"}, {"name": "gone", "state": "absent"}]},
        {"schedules": [office(stop=None)], "timezone": "Europe/Berlin", "max_concurrency": "50%", "max_errors": 0, "kms_key_arns": [KEY_ARN],
         "tags": {"team": "ops"}},
        {"schedules": [office(), {"name": "weekend", "stop_cron": "cron(0 20 ? * FRI *)", "timezone": "UTC"}], "backend": "lambda", "group": "office_hours"},
    ],
)
def test_good_office_hours_have_no_problem(values):
    assert problems(values) == []


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"timezone": "Asia/Seol"}, 'instance_scheduler_timezone: "Asia/Seol" is not an IANA time zone'),
        ({"schedules": [office(timezone="Nowhere/Land")]}, 'instance_scheduler_schedules[0].timezone: "Nowhere/Land" is not an IANA time zone'),
        ({"schedules": [office(start="25:00")]}, 'instance_scheduler_schedules[0].start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)'),
        ({"schedules": [office(stop="9am")]}, 'instance_scheduler_schedules[0].stop: "9am" is not a time'),
        ({"schedules": [office(stop=1080)]}, "in quotes (YAML reads an unquoted 18:00 as the number 1080)"),
        ({"schedules": [office(weekdays="MON-FRY")]}, 'instance_scheduler_schedules[0].weekdays: "MON-FRY" is not a day'),
        ({"schedules": [{"name": "office", "start_cron": "cron(0 9 1 * MON *)"}]},
         'instance_scheduler_schedules[0].start_cron: "cron(0 9 1 * MON *)" is not an AWS cron'),
        ({"schedules": [office(name="office hours")]}, 'instance_scheduler_schedules[0].name: "office hours" would name the EventBridge Scheduler schedules'),
        ({"schedules": [office(), office()]}, 'instance_scheduler_schedules[1].name: "office" is also the name of instance_scheduler_schedules[0]'),
        ({"schedules": [office(stat="absent")]}, "instance_scheduler_schedules[0]: unknown option(s) stat; expected name, start"),
        ({"schedules": [{"start": "09:00"}]}, "instance_scheduler_schedules[0].name: required"),
        ({"schedules": "office"}, 'instance_scheduler_schedules: expected a list of schedules, got "office"'),
        ({"backend": "cron"}, 'instance_scheduler_backend: "cron" is not a backend; expected scheduler or lambda'),
        ({"group": "a/b"}, 'instance_scheduler_group: "a/b" is not a schedule group name'),
        ({"backend": "lambda", "group": "office.hours"}, 'instance_scheduler_group: "office.hours" is not usable as Lambda function name and rule prefix'),
        ({"tag_key": "aws:x"}, 'instance_scheduler_tag_key: "aws:x" is not usable as a tag key'),
        ({"max_concurrency": "0"}, 'instance_scheduler_max_concurrency: "0" is not a rate control value'),
        ({"max_errors": "101%"}, 'instance_scheduler_max_errors: "101%" is not a rate control value'),
        ({"kms_key_arns": [KEY_ARN, "alias/ebs"]},
         'instance_scheduler_kms_key_arns[1]: "alias/ebs" is not a KMS key ARN; expected arn:aws:kms:REGION:ACCOUNT:key/KEY-ID'),
        ({"kms_key_arns": [7]}, "instance_scheduler_kms_key_arns[0]: 7 is not a KMS key ARN"),
        ({"kms_key_arns": KEY_ARN}, "instance_scheduler_kms_key_arns: \"%s\" is not a list of KMS key ARNs" % KEY_ARN),
        ({"tags": {"a{b}": "x"}}, 'instance_scheduler_tags: "a{b}" is not usable as a tag key'),
        ({"tags": {"awsops:ssm:region:us-east-1": "in-use"}}, 'instance_scheduler_tags: "awsops:ssm:region:us-east-1" starts with awsops:ssm:'),
        ({"tags": ["team"]}, 'instance_scheduler_tags: ["team"] is not a dict of tag keys and values'),
        ({"tags": {"team": {"a": 1}}}, 'instance_scheduler_tags: the value of "team", {"a": 1}, is not a tag value'),
        ({"automation_role_name": "SSM Scheduler"}, 'instance_scheduler_automation_role_name: "SSM Scheduler" is not an IAM role name; expected 1-64 letters'),
        ({"automation_role_name": "r" * 65}, 'instance_scheduler_automation_role_name: "%s" is not an IAM role name' % ("r" * 65)),
        ({"automation_role_name": None}, "instance_scheduler_automation_role_name: null is not an IAM role name"),
        ({"automation_role_name": "SSMSchedulerInvokerRole"}, "is also the name of the scheduler backend's invoker role; the two roles must differ"),
        ({"backend": "lambda", "automation_role_name": "SSMSchedulerLambdaRole"}, "is also the name of the lambda backend's invoker role"),
        ({"state": "gone"}, 'instance_scheduler_state: "gone" is not one of present, absent'),
        ({"exclusive": "maybe"}, 'instance_scheduler_exclusive: "maybe" is not a boolean; expected true or false'),
    ],
)
def test_each_office_hours_problem_names_the_role_variable(values, expected):
    found = problems(values)
    assert len(found) == 1, found
    assert expected in found[0]


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"role_name": "r" * 65}, 'session_manager_role_name: "%s" is not an IAM role name; expected 1-64 letters, digits and + = , . @ _ -' % ("r" * 65)),
        ({"idle_timeout": 0}, "session_manager_idle_timeout: 0 is not a number of minutes from 1 to 60"),
        ({"idle_timeout": "61"}, 'session_manager_idle_timeout: "61" is not a number of minutes from 1 to 60'),
        ({"max_duration": "2000"}, 'session_manager_max_duration: "2000" is not a number of minutes from 1 to 1440, or empty for no limit'),
        ({"log_group": "bad group!"}, 'session_manager_log_group: "bad group!" is not a log group name; expected 1-512 letters, digits and . - _ / #'),
        ({"log_retention_days": 42}, "session_manager_log_retention_days: 42 is not a retention CloudWatch Logs accepts; expected one of 1, 3, 5"),
        ({"kms_key": "alias/mine"}, 'session_manager_kms_key: "alias/mine" is neither create, a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) nor empty'),
        ({"kms_key": KEY_ARN.replace("eu-west-1", "us-east-1")}, "is a key of region us-east-1, not of this target's region eu-west-1"),
        ({"s3_bucket": "Bad_Bucket"}, 'session_manager_s3_bucket: "Bad_Bucket" is not an S3 bucket name; expected 3-63 lowercase letters'),
        ({"s3_bucket": "192.168.1.1"}, "is not an S3 bucket name"),
        ({"run_as_user": "9lives"}, 'session_manager_run_as_user: "9lives" is not a Linux user name'),
        ({"target_tags": ["not", "a", "dict"]}, 'session_manager_target_tags: ["not", "a", "dict"] is not a dict of tag key: value'),
        ({"target_tags": {"Env": 2}}, 'session_manager_target_tags: the value 2 of the tag "Env" is not a text'),
        ({"target_tags": {"Env": []}}, 'session_manager_target_tags: the tag "Env" has an empty list of values'),
        ({"purge_session_logs": "sometimes"}, 'session_manager_purge_session_logs: "sometimes" is not a boolean'),
        ({"adopt_s3_bucket": 3}, "session_manager_adopt_s3_bucket: 3 is not a boolean"),
        ({"tags": {"aws:x": "1"}}, 'session_manager_tags: "aws:x" is not usable as a tag key'),
        ({"s3_key_prefix": 7}, "session_manager_s3_key_prefix: 7 is not a text"),
    ],
)
def test_each_session_manager_problem_names_the_role_variable(values, expected):
    found = problems(values, SM, "eu-west-1")
    assert len(found) == 1, found
    assert expected in found[0]


def test_every_problem_at_once_in_the_order_of_the_rules():
    found = problems({
        "schedules": [office(start="25:00"), office(name="shop", weekdays="FUN")], "max_errors": "lots", "tags": {"aws:x": "y"}, "kms_key_arns": ["k"],
    })
    assert names_of(found) == [
        "instance_scheduler_schedules[0].start",
        "instance_scheduler_schedules[1].weekdays",
        "instance_scheduler_max_errors",
        "instance_scheduler_kms_key_arns[0]",
        "instance_scheduler_tags",
    ]


def test_a_bad_default_of_the_schedules_is_said_once():
    # the schedules are read with their defaults; with a wrong default only the default is named
    assert names_of(problems({"timezone": "Nowhere", "schedules": [office(start="25:00")]})) == ["instance_scheduler_timezone"]
    assert names_of(problems({"backend": "cron", "group": "x.y", "schedules": [office()]})) == ["instance_scheduler_backend"]


def test_a_module_names_its_own_options():
    names = {"idle_timeout": "idle_session_timeout", "log_group": "cloudwatch_log_group_name", "kms_key_arn": "kms_key_id",
             "run_as_user": "run_as_default_user", "run_as_enabled": "run_as_enabled"}
    found = problems({"idle_timeout": 0, "log_group": "bad name!", "kms_key_arn": "alias/x", "run_as_user": "", "run_as_enabled": True}, names)
    assert names_of(found) == ["cloudwatch_log_group_name", "kms_key_id", "run_as_enabled", "idle_session_timeout"]
    assert found[2] == "run_as_enabled: true needs run_as_default_user (the OS user that sessions run as)"


def test_a_module_whose_options_are_the_schedule_itself():
    names = {"schedules": None, "backend": "backend", "group": "group"}
    found = problems({"schedules": [office(start="25:00", weekdays="FUN")], "backend": "scheduler", "group": "g"}, names)
    assert found == ['start: "25:00" is not a time; expected "HH:MM" (00:00-23:59)',
                     'weekdays: "FUN" is not a day; expected SUN, MON, TUE, WED, THU, FRI or SAT, a range like "MON-FRI", or a list of them']
    found = problems({"schedules": [{"name": "x", "start": "09:00", "start_cron": "cron(0 9 ? * * *)"}]}, names)
    assert found == ["start_cron cannot be combined with start; use either start/stop/weekdays or start_cron/stop_cron"]


def test_role_arns_are_required_only_for_present_schedules():
    names = dict((field, field) for field in ("state", "schedules", "automation_role_arn", "invoker_role_arn"))
    values = {"state": "present", "schedules": [office()], "automation_role_arn": None, "invoker_role_arn": "arn:aws:iam::123456789012:role/x"}
    assert problems(values, names) == ["automation_role_arn: required when a schedule is present; expected a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"]
    assert problems(dict(values, schedules=[{"name": "office", "state": "absent"}]), names) == []
    assert problems(dict(values, state="absent"), names) == []
    assert problems(dict(values, invoker_role_arn="role/x"), names)[1] == (
        'invoker_role_arn: "role/x" is not a role ARN; expected arn:aws:iam::ACCOUNT:role/NAME')


def test_the_lambda_backends_own_rule_names_the_schedule():
    assert problems({"schedules": [office(name="office.hours")], "backend": "scheduler"}) == []
    found = problems({"schedules": [office(), office(name="office.hours")], "backend": "lambda"})
    assert len(found) == 1 and found[0].startswith('instance_scheduler_schedules[1].name: "office.hours" has a dot'), found


class RecordingBackend(object):
    calls = []

    @classmethod
    def input_problems(cls, schedules, settings):
        cls.calls.append((schedules, settings))
        return []


def test_the_backend_gets_the_parsed_schedules_and_the_settings_of_the_one_constructor(monkeypatch):
    RecordingBackend.calls = []
    monkeypatch.setitem(schedule_backends.BACKENDS, "scheduler", RecordingBackend)
    checked = check_input({"schedules": [REFERENCE, OVERNIGHT], "group": "office"}, IS, region="cn-north-1")
    assert checked.problems == []
    [(schedules, settings)] = RecordingBackend.calls
    assert checked.parsed["schedules"] is schedules and all(isinstance(schedule, Schedule) for schedule in schedules)
    assert [(s.name, s.group, s.timezone, s.where) for s in schedules] == [
        ("test", "office", "Asia/Seoul", "instance_scheduler_schedules[0]"), ("night", "office", "UTC", "instance_scheduler_schedules[1]")]
    assert settings == {"group": "office", "region": "cn-north-1", "partition": "aws-cn", "automation_role_arn": None, "invoker_role_arn": None,
                        "max_concurrency": None, "max_errors": None, "tags": None, "purge_tags": False}


def test_invalid_schedules_are_not_handed_to_the_backend(monkeypatch):
    RecordingBackend.calls = []
    monkeypatch.setitem(schedule_backends.BACKENDS, "scheduler", RecordingBackend)
    problems({"schedules": [office(start="25:00")]})
    assert RecordingBackend.calls == []


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"region": ""}, "aws_region: no region is set for this target"),
        ({"region": "moon-base-1x"}, 'aws_region: "moon-base-1x" is not an AWS region name; expected a region like "us-east-1"'),
        ({"assume_role_arn": "role/deploy"}, 'aws_assume_role_arn: "role/deploy" is not a role ARN; expected arn:aws:iam::ACCOUNT:role/NAME, or empty'),
        ({"endpoint_url": "localhost:5000"}, 'aws_endpoint_url: "localhost:5000" is not an endpoint URL; expected http:// or https:// and a host'),
        ({"profile": "no-such-profile-here"}, 'aws_profile: "no-such-profile-here" is not a profile of this controller\'s AWS configuration'),
    ],
)
def test_connection_problems(values, expected, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    found = problems(values, "aws_")
    assert len(found) == 1 and expected in found[0], found


def test_connection_defaults_pass():
    assert problems({"region": "eu-west-1", "profile": None, "endpoint_url": "http://127.0.0.1:5000", "assume_role_arn": ""}, "aws_") == []


@pytest.mark.parametrize(
    "given, parsed",
    [
        (["session_manager"], ["session_manager"]),
        ("instance_scheduler, session_manager", ["session_manager", "instance_scheduler"]),
        ("session_manager\ninstance_scheduler", ["session_manager", "instance_scheduler"]),
    ],
)
def test_components_as_a_list_or_a_survey_answer(given, parsed):
    checked = check_input({"components": given}, "awsops_ssm_")
    assert checked.problems == [] and checked.parsed["components"] == parsed


@pytest.mark.parametrize("given", [[], "", ["session_manager", "sessions"], {"session_manager": True}, None])
def test_bad_components(given):
    assert problems({"components": given}, "awsops_ssm_") == [
        "awsops_ssm_components: %s is not a list of one or more of session_manager, instance_scheduler" % input_rules.show(given)]


def test_report_count():
    assert problems({"report_count": "5"}, "awsops_ssm_") == []
    assert problems({"report_count": 0}, "awsops_ssm_") == ["awsops_ssm_report_count: 0 is not a whole number from 1 to 50"]


def test_key_aliases_and_deletion_windows():
    names = {"alias": "alias", "deletion_window_days": "deletion_window_days"}
    assert problems({"alias": "alias/team/ssm_1", "deletion_window_days": 30}, names) == []
    found = problems({"alias": "alias/aws/ssm", "deletion_window_days": 31}, names)
    assert found == ['alias: "alias/aws/ssm" is not a KMS alias name of your own; expected alias/NAME (letters, digits, / _ -; not alias/aws/...)',
                     "deletion_window_days: 31 is not a number of days from 7 to 30"]


def test_an_unknown_field_is_a_programming_error():
    with pytest.raises(ValueError, match="no input rule for colour"):
        check_input({"colour": "blue"}, IS)


@pytest.mark.parametrize("role, prefix", [("session_manager", SM), ("instance_scheduler", IS)])
def test_every_role_variable_has_a_rule_and_is_checked_by_site(role, prefix):
    """A variable added to a role is checked by the playbooks' pre-flight (see the module docstring)."""
    fields = set(defaults_of(role, prefix))
    assert fields <= set(RULES)
    assert fields == set(COMPONENTS[role]["present"])
    for state in ("absent", "read"):
        assert set(COMPONENTS[role][state]) <= fields
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        documented = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert set(documented) == set(role_defaults(role))


def test_the_connection_and_playbook_fields_have_rules():
    assert set(CONNECTION_FIELDS) | set(field for fields in PLAYBOOK_FIELDS.values() for field in fields) <= set(RULES)
