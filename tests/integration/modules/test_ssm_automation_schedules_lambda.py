# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_schedules with backend lambda against the local endpoint.

The emulator stores the function, rules, targets and permissions but runs
neither the rules nor the code (no Docker): the handler's behaviour is
tested with botocore's Stubber in tests/unit (test_scheduler_lambda_handler.py),
and the UTC rules against local time with hypothesis (test_lambda_utc_translation.py).
"""

import base64
import hashlib
import json

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_automation_schedules"
GROUP = "instance-scheduler"
LOG_GROUP = "/aws/lambda/instance-scheduler"


def schedules():
    return [
        {"name": "test", "start": "09:00", "stop": "18:00", "timezone": "Asia/Seoul", "tag_key": "Service"},
        {"name": "nyc", "start": "07:30", "stop": "19:00", "timezone": "America/New_York"},
    ]


def args_for(roles, listed, **extra):
    args = dict(roles, schedules=listed, backend="lambda")
    args.update(extra)
    return args


def rule_names(events):
    return sorted(rule["Name"] for rule in events.list_rules(NamePrefix=GROUP + "-")["Rules"])


def statements(functions):
    return json.loads(functions.get_policy(FunctionName=GROUP)["Policy"])["Statement"]


def test_integration_sequence(ansible, aws, lambda_roles):
    events, functions, logs = aws("events"), aws("lambda"), aws("logs")
    modified = schedules()
    modified[0]["stop"] = "19:00"
    create = args_for(lambda_roles, schedules(), tags={"team": "ops"})
    steps = standard_steps(create, args_for(lambda_roles, modified), {"backend": "lambda", "state": "absent"})

    def check_state(step, result):
        if step.name == "create":
            assert rule_names(events) == [
                "instance-scheduler-nyc-start", "instance-scheduler-nyc-stop", "instance-scheduler-test-start", "instance-scheduler-test-stop"]
            rule = events.describe_rule(Name="instance-scheduler-test-start")
            # 09:00 Asia/Seoul MON-FRI is 00:00 UTC MON-FRI; New York's 07:30 is 11:30 or 12:30 UTC.
            assert rule["ScheduleExpression"] == "cron(0 0 ? * MON-FRI *)"
            assert events.describe_rule(Name="instance-scheduler-nyc-start")["ScheduleExpression"] == "cron(30 11,12 ? * MON-FRI *)"
            target = events.list_targets_by_rule(Rule="instance-scheduler-test-start")["Targets"][0]
            event = json.loads(target["Input"])
            assert event["request"]["Targets"] == [{"Key": "tag:Service", "Values": ["test"]}]
            assert event["gate"] == {"timezone": "Asia/Seoul", "time": "09:00", "weekdays": ["MON", "TUE", "WED", "THU", "FRI"]}
            function = functions.get_function(FunctionName=GROUP)
            assert function["Configuration"]["Runtime"] == "python3.13"
            assert function["Configuration"]["Role"] == lambda_roles["invoker_role_arn"]
            assert function["Tags"] == {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}
            sources = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in statements(functions))
            assert sources == sorted(r["Arn"] for r in events.list_rules(NamePrefix=GROUP + "-")["Rules"])
            group = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0]
            assert group["retentionInDays"] == 90
        if step.name == "modify":
            assert result.result["updated"] == ["instance-scheduler-test-stop"]
            assert events.describe_rule(Name="instance-scheduler-test-stop")["ScheduleExpression"] == "cron(0 10 ? * MON-FRI *)"
        if step.name == "delete":
            assert rule_names(events) == []
            assert functions.list_functions()["Functions"] == []
            assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"] == []

    run_sequence(ansible, MODULE, steps, after_step=check_state)


def test_rerun_reads_once_per_resource_kind_and_once_per_rule(ansible, lambda_roles):
    args = args_for(lambda_roles, schedules())
    result, run = ansible.run_module(MODULE, args)
    assert result.changed and len(result.result["created"]) == 4, run.summary()
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed, result.result.get("changes")
    assert run.writes == []
    assert sorted(str(call) for call in run.calls) == sorted(
        ["logs:DescribeLogGroups", "logs:ListTagsForResource", "lambda:GetFunction", "lambda:GetPolicy", "events:ListRules"]
        + ["events:ListTargetsByRule"] * 4
    )


def test_the_deployed_code_is_the_deterministic_package(ansible, aws, lambda_roles):
    ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    function = aws("lambda").get_function(FunctionName=GROUP)
    result, _run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()), check=True)
    assert result.result["resources"]["function"][GROUP]["code_sha256"] == function["Configuration"]["CodeSha256"]
    assert len(base64.b64decode(function["Configuration"]["CodeSha256"])) == hashlib.sha256().digest_size


# ---- exclusive removal, ownership, the single-schedule module, disabling, bad input ----

SINGLE_MODULE = "awsops.ssm.ssm_automation_schedule"
MANUAL_RULE = "instance-scheduler-manual-start"
MANUAL_SID = "manual-invoke"


def rule_state(events):
    """Every rule with the prefix as EventBridge holds it: the rule and its targets."""
    return dict(
        (rule["Name"], (rule, events.list_targets_by_rule(Rule=rule["Name"])["Targets"]))
        for rule in events.list_rules(NamePrefix=GROUP + "-")["Rules"]
    )


def sids(functions):
    return sorted(statement["Sid"] for statement in statements(functions))


def test_exclusive_removal_keeps_other_schedules_and_hand_made_resources(ansible, aws, lambda_roles):
    events, functions = aws("events"), aws("lambda")
    result, run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    assert result.changed, run.summary()
    manual_arn = events.put_rule(Name=MANUAL_RULE, ScheduleExpression="cron(0 6 ? * MON-FRI *)", Description="started by hand")["RuleArn"]
    functions.add_permission(
        FunctionName=GROUP, StatementId=MANUAL_SID, Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=manual_arn)
    kept_test = dict((name, state) for name, state in rule_state(events).items() if "-test-" in name)

    result, run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()[:1]))
    assert result.changed, run.summary()
    assert result.result["deleted"] == ["instance-scheduler-nyc-start", "instance-scheduler-nyc-stop"]
    assert result.result["created"] == [] and result.result["updated"] == []
    assert rule_names(events) == [MANUAL_RULE, "instance-scheduler-test-start", "instance-scheduler-test-stop"]
    assert events.describe_rule(Name=MANUAL_RULE)["Description"] == "started by hand"
    assert sids(functions) == ["instance-scheduler-test-start", "instance-scheduler-test-stop", MANUAL_SID]
    assert dict((name, state) for name, state in rule_state(events).items() if "-test-" in name) == kept_test
    writes = sorted(str(call) for call in run.writes)
    # New York's zone leaves the package; each rule of nyc goes with its target and its statement
    assert writes == sorted(["lambda:UpdateFunctionCode"] + ["events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission"] * 2)

    result, run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()[:1]))
    assert not result.changed and run.writes == [], run.summary()


def test_a_function_of_the_same_name_not_ours_fails_before_any_write(ansible, aws, lambda_roles):
    functions = aws("lambda")
    functions.create_function(
        FunctionName=GROUP, Runtime="python3.12", Role=lambda_roles["invoker_role_arn"], Handler="app.main",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Tags={"team": "someone"})
    before = functions.get_function(FunctionName=GROUP)["Configuration"]
    result, run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    assert result.failed, run.summary()
    assert "a Lambda function named instance-scheduler exists and was not created by awsops.ssm" in result.result["msg"]
    assert "awsops:ssm:managed-by=awsops.ssm" in result.result["msg"]
    assert run.writes == []
    after = functions.get_function(FunctionName=GROUP)["Configuration"]
    assert (after["CodeSha256"], after["Handler"], after["Runtime"]) == (before["CodeSha256"], "app.main", "python3.12")
    assert rule_names(aws("events")) == []


def test_a_foreign_rule_with_a_colliding_name_fails_before_any_write(ansible, aws, lambda_roles):
    events = aws("events")
    events.put_rule(Name="instance-scheduler-nyc-stop", ScheduleExpression="cron(0 23 ? * * *)", Description="made by hand")
    result, run = ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    assert result.failed, run.summary()
    assert "EventBridge rule(s) instance-scheduler-nyc-stop exist and were not created by awsops.ssm" in result.result["msg"]
    assert run.writes == []
    rule = events.describe_rule(Name="instance-scheduler-nyc-stop")
    assert (rule["ScheduleExpression"], rule["Description"]) == ("cron(0 23 ? * * *)", "made by hand")
    assert rule_names(events) == ["instance-scheduler-nyc-stop"]
    assert aws("logs").describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"] == []


def test_the_single_schedule_module_adds_a_schedule_beside_the_list(ansible, aws, lambda_roles):
    events, functions = aws("events"), aws("lambda")
    ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    listed = rule_state(events)
    code = functions.get_function(FunctionName=GROUP)["Configuration"]["CodeSha256"]
    single = dict(lambda_roles, name="seoul2", start="08:00", stop="17:00", timezone="Asia/Seoul", backend="lambda")

    result, run = ansible.run_module(SINGLE_MODULE, single)
    assert result.changed, run.summary()
    assert result.result["created"] == ["instance-scheduler-seoul2-start", "instance-scheduler-seoul2-stop"]
    assert result.result["schedule"]["aws_names"] == {"start": "instance-scheduler-seoul2-start", "stop": "instance-scheduler-seoul2-stop"}
    # Asia/Seoul is already in the package: only the two rules, their targets and their statements
    assert sorted(str(call) for call in run.writes) == sorted(["events:PutRule", "events:PutTargets", "lambda:AddPermission"] * 2)
    assert functions.get_function(FunctionName=GROUP)["Configuration"]["CodeSha256"] == code
    now = rule_state(events)
    assert dict((name, state) for name, state in now.items() if name in listed) == listed
    assert events.describe_rule(Name="instance-scheduler-seoul2-start")["ScheduleExpression"] == "cron(0 23 ? * SUN-THU *)"
    assert sids(functions) == sorted(now)

    result, run = ansible.run_module(SINGLE_MODULE, single)
    assert not result.changed and run.writes == [], run.summary()
    result, run = ansible.run_module(SINGLE_MODULE, dict(single, state="absent"))
    assert result.result["deleted"] == ["instance-scheduler-seoul2-start", "instance-scheduler-seoul2-stop"], run.summary()
    assert rule_state(events) == listed
    assert functions.get_function(FunctionName=GROUP)["Configuration"]["CodeSha256"] == code


def test_disabling_a_schedule_disables_both_rules(ansible, aws, lambda_roles):
    events = aws("events")
    ansible.run_module(MODULE, args_for(lambda_roles, schedules()))
    targets = dict((name, state[1]) for name, state in rule_state(events).items())
    disabled = schedules()
    disabled[0]["enabled"] = False
    result, run = ansible.run_module(MODULE, args_for(lambda_roles, disabled))
    assert result.changed, run.summary()
    assert result.result["updated"] == ["instance-scheduler-test-start", "instance-scheduler-test-stop"]
    assert sorted(str(call) for call in run.writes) == ["events:PutRule", "events:PutRule"]
    states = dict((name, state[0]["State"]) for name, state in rule_state(events).items())
    assert states == {
        "instance-scheduler-nyc-start": "ENABLED", "instance-scheduler-nyc-stop": "ENABLED",
        "instance-scheduler-test-start": "DISABLED", "instance-scheduler-test-stop": "DISABLED"}
    assert dict((name, state[1]) for name, state in rule_state(events).items()) == targets
    result, run = ansible.run_module(MODULE, args_for(lambda_roles, disabled))
    assert not result.changed and run.writes == [], run.summary()


def test_a_dotted_schedule_name_fails_naming_the_schedule_before_any_call(ansible):
    roles = {"automation_role_arn": "arn:aws:iam::123456789012:role/A", "invoker_role_arn": "arn:aws:iam::123456789012:role/B"}
    result, run = ansible.run_module(MODULE, args_for(roles, [{"name": "a.b", "start": "08:00"}]))
    assert result.failed
    assert 'schedules[0].name: "a.b" has a dot; with the lambda backend a schedule name is letters, digits, - or _' in result.result["msg"]
    assert run.calls == []
