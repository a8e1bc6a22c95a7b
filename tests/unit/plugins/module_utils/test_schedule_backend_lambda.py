# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lambda backend: every request valid against botocore's models, the order of writes, the plan, the error paths.

The backend runs against real botocore logs, lambda and events clients
under botocore's Stubber, which checks each request against the service
model (patterns aside: assert_valid checks those). A small model of the
account (World) answers the reads, takes the writes the backend sent and
answers the next read, so each scenario checks that check mode predicted
what the apply made and that a rerun sends nothing. World also enforces
what AWS would refuse (a second CreateFunction, a rule deleted while it
still has targets, a permission added twice).
"""

import base64
import copy
import hashlib
import io
import json
import zipfile
from functools import partial

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_lambda as lb
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import PlanError
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import run

from awsops_harness.aws_calls import READ_PREFIXES
from awsops_harness.botocore_models import assert_valid

GROUP = "instance-scheduler"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SETTINGS = {
    "group": GROUP,
    "region": REGION,
    "partition": "aws",
    "automation_role_arn": "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole",
    "invoker_role_arn": "arn:aws:iam::123456789012:role/SSMSchedulerLambdaRole",
    "max_concurrency": "10",
    "max_errors": "25%",
    "tags": None,
    "purge_tags": True,
}
OURS = {"awsops:ssm:managed-by": "awsops.ssm"}
LOG_GROUP = "/aws/lambda/instance-scheduler"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/instance-scheduler"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:instance-scheduler"
MARKER = "Managed by awsops.ssm: function instance-scheduler, schedule "
ROLE_NOT_READY = "The role defined for the function cannot be assumed by Lambda."

OFFICE = {"name": "office", "start": "09:00", "stop": "18:00", "weekdays": "MON-FRI", "timezone": "Asia/Seoul"}
NYC = {"name": "nyc", "start": "07:30", "stop": "19:00", "timezone": "America/New_York", "tag_key": "Team", "tag_value": "east"}
RULES = ["instance-scheduler-nyc-start", "instance-scheduler-nyc-stop", "instance-scheduler-office-start", "instance-scheduler-office-stop"]


def rule_arn(name):
    return "arn:aws:events:us-east-1:123456789012:rule/%s" % name


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def zip_names(data):
    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


def schedules(*raw):
    return validate_schedules([dict(item) for item in raw], {"backend": "lambda", "group": GROUP}, option="schedules")


def with_changes(raw, **changes):
    return dict(raw, **changes)


# ---- the clients: real botocore clients under the Stubber, every request recorded in order ----

# Answers to writes (the backend uses none of them but PutTargets' and RemoveTargets' failure counts).
WRITE_ANSWERS = {
    "lambda:CreateFunction": {"FunctionName": GROUP, "FunctionArn": FUNCTION_ARN, "State": "Pending"},
    "lambda:AddPermission": {"Statement": "{}"},
    "events:PutTargets": {"FailedEntryCount": 0, "FailedEntries": []},
    "events:RemoveTargets": {"FailedEntryCount": 0, "FailedEntries": []},
}


# After these writes the backend waits (function_active_v2 / function_updated_v2): one GetFunction that finds it ready.
WAITED_WRITES = ("lambda:CreateFunction", "lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode")
READY = {"Configuration": {"FunctionName": GROUP, "State": "Active", "LastUpdateStatus": "Successful"}}


class Aws:
    """logs, lambda and events clients under botocore's Stubber; calls records (service, Operation, params) of every request."""

    SERVICES = ("logs", "lambda", "events")

    def __init__(self):
        self.calls = []
        self.clients = {}
        self.stubbers = {}
        for service in self.SERVICES:
            client = boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
            client.meta.events.register("before-parameter-build", partial(self._record, service))
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)

    def _record(self, service, params, model, **kwargs):
        self.calls.append((service, model.name, copy.deepcopy(params)))

    def expect(self, call, answer=None, params=None):
        """Queue the answer to call ("lambda:GetFunction"); params: the exact request expected, if given."""
        service, operation = call.split(":")
        answer = WRITE_ANSWERS.get(call, {}) if answer is None else answer
        self.stubbers[service].add_response(xform_name(operation), answer, params)

    def expect_writes(self, writes):
        """Queue the answers to writes, each followed by the GetFunction of the wait that comes after it."""
        for call in writes:
            self.expect(call)
            if call in WAITED_WRITES:
                self.expect("lambda:GetFunction", copy.deepcopy(READY), {"FunctionName": GROUP})

    def error(self, call, code, message="", status=400, params=None):
        service, operation = call.split(":")
        self.stubbers[service].add_client_error(xform_name(operation), code, message, status, expected_params=params)

    def writes(self, since=0):
        return ["%s:%s" % (service, operation) for service, operation, _params in self.calls[since:] if not operation.startswith(READ_PREFIXES)]

    def write_calls(self, since=0):
        return [call for call in self.calls[since:] if not call[1].startswith(READ_PREFIXES)]

    def sent(self, call, since=0):
        """The params of every request of one kind ("events:PutTargets")."""
        return [params for service, operation, params in self.calls[since:] if "%s:%s" % (service, operation) == call]


@pytest.fixture
def aws():
    clients = Aws()
    for stubber in clients.stubbers.values():
        stubber.activate()
    yield clients
    for stubber in clients.stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture
def no_sleep(monkeypatch):
    """time.sleep recorded instead of slept (the backend's role wait and botocore's waiter both use it)."""
    sleeps = []
    monkeypatch.setattr(aws_retries.time, "sleep", sleeps.append)
    return sleeps


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, aws, check_mode=False):
        self.aws = aws
        self.check_mode = check_mode
        self._diff = True

    def client(self, service, **_options):
        return self.aws.clients[service]

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])


def backend(aws, check_mode=False, **settings):
    return lb.LambdaBackend(FakeModule(aws, check_mode), dict(SETTINGS, **settings))


# ---- the account as AWS would hold it ----


class World:
    """What the account holds; answers the backend's reads and takes its writes as AWS would."""

    def __init__(self):
        self.log_group = None  # {"tags": {...}, "retention": days or None}
        self.function = None  # GetFunction answer
        self.statements = {}  # Sid -> policy statement
        self.rules = {}  # name -> ListRules entry
        self.targets = {}  # rule name -> [target]

    def policy(self):
        return {"Version": "2012-10-17", "Id": "default", "Statement": [self.statements[sid] for sid in sorted(self.statements)]}

    def stub_read(self, aws):
        """Queue the answers to the reads of LambdaBackend.read()."""
        entries = []
        if self.log_group is not None:
            entry = {"logGroupName": LOG_GROUP, "arn": LOG_GROUP_ARN + ":*", "logGroupArn": LOG_GROUP_ARN, "creationTime": 1700000000000, "storedBytes": 0}
            if self.log_group["retention"]:
                entry["retentionInDays"] = self.log_group["retention"]
            entries.append(entry)
        aws.expect("logs:DescribeLogGroups", {"logGroups": entries}, {"logGroupNamePrefix": LOG_GROUP})
        if self.log_group is not None:
            aws.expect("logs:ListTagsForResource", {"tags": dict(self.log_group["tags"])}, {"resourceArn": LOG_GROUP_ARN})
        if self.function is None:
            aws.error("lambda:GetFunction", "ResourceNotFoundException", "Function not found: " + FUNCTION_ARN, 404, {"FunctionName": GROUP})
        else:
            aws.expect("lambda:GetFunction", copy.deepcopy(self.function), {"FunctionName": GROUP})
            if self.function["Tags"].get("awsops:ssm:managed-by") == "awsops.ssm":
                if self.statements:
                    aws.expect("lambda:GetPolicy", {"Policy": json.dumps(self.policy()), "RevisionId": "1"}, {"FunctionName": GROUP})
                else:
                    aws.error("lambda:GetPolicy", "ResourceNotFoundException", "The resource you requested does not exist.", 404, {"FunctionName": GROUP})
        listed = [copy.deepcopy(self.rules[name]) for name in sorted(self.rules) if name.startswith(GROUP + "-")]
        aws.expect("events:ListRules", {"Rules": listed}, {"NamePrefix": GROUP + "-", "Limit": 100})
        for rule in listed:
            if rule.get("Description", "").startswith(MARKER):
                aws.expect("events:ListTargetsByRule", {"Targets": copy.deepcopy(self.targets.get(rule["Name"], []))}, {"Rule": rule["Name"]})

    def apply(self, calls):
        for service, operation, params in calls:
            if not operation.startswith(READ_PREFIXES):
                getattr(self, "_%s_%s" % (service, xform_name(operation)))(copy.deepcopy(params))

    # logs

    def _logs_create_log_group(self, params):
        assert self.log_group is None, "ResourceAlreadyExistsException"
        self.log_group = {"tags": params.get("tags", {}), "retention": None}

    def _logs_put_retention_policy(self, params):
        assert self.log_group is not None and params["logGroupName"] == LOG_GROUP
        self.log_group["retention"] = params["retentionInDays"]

    def _logs_tag_resource(self, params):
        assert self.log_group is not None and params["resourceArn"] == LOG_GROUP_ARN
        self.log_group["tags"].update(params["tags"])

    def _logs_untag_resource(self, params):
        assert self.log_group is not None and params["resourceArn"] == LOG_GROUP_ARN
        for key in params["tagKeys"]:
            self.log_group["tags"].pop(key, None)

    def _logs_delete_log_group(self, params):
        assert self.log_group is not None and params["logGroupName"] == LOG_GROUP
        self.log_group = None

    # lambda

    def _lambda_create_function(self, params):
        assert self.function is None, "ResourceConflictException: Function already exist"
        configuration = dict((key, value) for key, value in params.items() if key not in ("Code", "Tags", "Publish"))
        zip_file = params["Code"]["ZipFile"]
        configuration.update(
            FunctionArn=FUNCTION_ARN, CodeSha256=sha256_b64(zip_file), CodeSize=len(zip_file), Version="$LATEST",
            State="Active", LastUpdateStatus="Successful", PackageType="Zip", Architectures=["x86_64"],
        )
        code = {"RepositoryType": "S3", "Location": "https://example.com/code"}
        self.function = {"Configuration": configuration, "Code": code, "Tags": params.get("Tags", {})}

    def _lambda_update_function_configuration(self, params):
        assert self.function is not None and params.pop("FunctionName") == GROUP
        self.function["Configuration"].update(params, LastUpdateStatus="Successful")
        self.function["Configuration"].pop("LastUpdateStatusReason", None)

    def _lambda_update_function_code(self, params):
        assert self.function is not None and params["FunctionName"] == GROUP
        self.function["Configuration"].update(CodeSha256=sha256_b64(params["ZipFile"]), CodeSize=len(params["ZipFile"]), LastUpdateStatus="Successful")

    def _lambda_tag_resource(self, params):
        assert self.function is not None and params["Resource"] == FUNCTION_ARN
        self.function["Tags"].update(params["Tags"])

    def _lambda_untag_resource(self, params):
        assert self.function is not None and params["Resource"] == FUNCTION_ARN
        for key in params["TagKeys"]:
            self.function["Tags"].pop(key, None)

    def _lambda_add_permission(self, params):
        assert self.function is not None and params["FunctionName"] == GROUP
        assert params["StatementId"] not in self.statements, "ResourceConflictException: The statement id provided already exists"
        self.statements[params["StatementId"]] = {
            "Sid": params["StatementId"],
            "Effect": "Allow",
            "Principal": {"Service": params["Principal"]},
            "Action": params["Action"],
            "Resource": FUNCTION_ARN,
            "Condition": {"ArnLike": {"AWS:SourceArn": params["SourceArn"]}},
        }

    def _lambda_remove_permission(self, params):
        assert params["StatementId"] in self.statements, "ResourceNotFoundException"
        del self.statements[params["StatementId"]]

    def _lambda_delete_function(self, params):
        assert self.function is not None and params["FunctionName"] == GROUP
        self.function = None
        self.statements = {}  # the function's policy goes with it

    # events

    def _events_put_rule(self, params):
        name = params["Name"]
        self.rules[name] = {"Name": name, "Arn": rule_arn(name), "EventBusName": "default"}
        self.rules[name].update((key, params[key]) for key in ("ScheduleExpression", "State", "Description") if key in params)

    def _events_put_targets(self, params):
        assert params["Rule"] in self.rules, "ResourceNotFoundException: Rule does not exist"
        new = dict((target["Id"], target) for target in params["Targets"])
        self.targets[params["Rule"]] = [t for t in self.targets.get(params["Rule"], []) if t["Id"] not in new] + list(new.values())

    def _events_remove_targets(self, params):
        self.targets[params["Rule"]] = [t for t in self.targets.get(params["Rule"], []) if t["Id"] not in params["Ids"]]

    def _events_delete_rule(self, params):
        assert params["Name"] in self.rules, "ResourceNotFoundException"
        assert not self.targets.get(params["Name"]), "ValidationException: Rule can't be deleted since it has targets."
        del self.rules[params["Name"]]
        self.targets.pop(params["Name"], None)


def assert_requests_valid(aws, since=0):
    """Every write sent is valid for its service's model, patterns included; every target's request for ssm."""
    for service, operation, params in aws.write_calls(since):
        assert_valid(service, operation, params)
    for params in aws.sent("events:PutTargets", since):
        for target in params["Targets"]:
            event = json.loads(target["Input"])
            assert event["action"] in ("start", "stop")
            assert_valid("ssm", "StartAutomationExecution", event["request"])


def populated(resources):
    """The resources without the kinds left empty (the prediction keeps a kind whose last resource goes; a read lists none)."""
    return dict((kind, named) for kind, named in resources.items() if named)


def converge(aws, world, raw, writes, exclusive=True, state="present", **settings):
    """One module run as a playbook does it: check mode, then the apply, then a rerun.

    Asserts that check mode sends nothing and predicts the changes and the
    resources the apply reports; that the apply sends exactly `writes`
    (["service:Operation"], in order), each valid for the models; that a
    read afterwards shows what was predicted; and that a rerun plans nothing.
    Returns (result, index of the apply's first call in aws.calls).
    """
    listed = schedules(*raw)
    start = len(aws.calls)
    world.stub_read(aws)
    predicted = run(FakeModule(aws, check_mode=True), backend(aws, **settings), listed, exclusive, state)
    assert aws.writes(start) == []
    applied_from = len(aws.calls)
    world.stub_read(aws)
    aws.expect_writes(writes)
    result = run(FakeModule(aws), backend(aws, **settings), listed, exclusive, state)
    assert aws.writes(applied_from) == writes
    assert_requests_valid(aws, applied_from)
    assert result["changed"] is bool(writes)
    assert predicted["changes"] == result["changes"]
    assert predicted["resources"] == result["resources"]
    world.apply(aws.calls[applied_from:])
    rerun_from = len(aws.calls)
    world.stub_read(aws)
    rerun = run(FakeModule(aws), backend(aws, **settings), listed, exclusive, state)
    assert aws.writes(rerun_from) == []
    assert rerun["changed"] is False and rerun["changes"] == []
    assert populated(rerun["resources"]) == populated(result["resources"]), "check mode predicted something else than a read shows after the apply"
    return result, applied_from


def create_writes(rules):
    writes = ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "lambda:CreateFunction"]
    for _name in rules:
        writes += ["events:PutRule", "events:PutTargets", "lambda:AddPermission"]
    return writes


def deployed(aws, raw=(OFFICE, NYC), **settings):
    """A World holding what a first run with raw made."""
    world = World()
    converge(aws, world, raw, create_writes(rule for item in raw for rule in ("start", "stop") if item.get(rule) or item.get(rule + "_cron")), **settings)
    return world


def foreign_rule(name):
    rule = {"Name": name, "Arn": rule_arn(name), "EventBusName": "default", "State": "ENABLED", "ScheduleExpression": "cron(0 7 ? * * *)"}
    return dict(rule, Description="made by hand")


# ---- first run ----


def test_first_run_writes_in_order_and_every_request_is_valid(aws):
    world = World()
    result, start = converge(aws, world, [OFFICE, NYC], create_writes(RULES), tags={"team": "ops"})

    # one rule at a time: the rule, its target (the function), then the permission for that rule
    names = [params.get("Name") or params.get("Rule") or params.get("StatementId") for _s, operation, params in aws.write_calls(start)[3:]]
    assert names == [name for name in RULES for _write in range(3)]
    assert result["created"] == RULES and result["updated"] == [] and result["deleted"] == []

    (log_group,) = aws.sent("logs:CreateLogGroup", start)
    assert log_group == {"logGroupName": LOG_GROUP, "tags": {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}}
    assert aws.sent("logs:PutRetentionPolicy", start) == [{"logGroupName": LOG_GROUP, "retentionInDays": 90}]

    (function,) = aws.sent("lambda:CreateFunction", start)
    assert function["FunctionName"] == GROUP
    assert function["Runtime"] == "python3.13" and function["Handler"] == "index.handler"
    assert function["Role"] == SETTINGS["invoker_role_arn"]
    assert function["Environment"] == {"Variables": {"PYTHONTZPATH": "/var/task/zoneinfo"}}
    assert function["Tags"] == {"team": "ops", "awsops:ssm:managed-by": "awsops.ssm"}
    assert zip_names(function["Code"]["ZipFile"]) == ["index.py", "zoneinfo/America/New_York", "zoneinfo/Asia/Seoul"]
    assert result["resources"]["function"][GROUP]["code_sha256"] == sha256_b64(function["Code"]["ZipFile"])

    rules = dict((params["Name"], params) for params in aws.sent("events:PutRule", start))
    assert rules["instance-scheduler-office-start"] == {
        "Name": "instance-scheduler-office-start",
        "ScheduleExpression": "cron(0 0 ? * MON-FRI *)",  # 09:00 in Seoul (UTC+9, no DST)
        "State": "ENABLED",
        "Description": MARKER + "office start",
    }
    assert rules["instance-scheduler-nyc-start"]["ScheduleExpression"] == "cron(30 11,12 ? * MON-FRI *)"  # 07:30 EDT and EST

    permissions = dict((params["StatementId"], params) for params in aws.sent("lambda:AddPermission", start))
    for name in RULES:
        assert permissions[name] == {
            "FunctionName": GROUP, "StatementId": name, "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com", "SourceArn": rule_arn(name)}


def test_the_target_input_is_the_lambda_event_with_a_request_valid_for_ssm(aws):
    world = World()
    _result, start = converge(aws, world, [NYC], create_writes(["start", "stop"]))
    targets = dict((params["Rule"], params["Targets"]) for params in aws.sent("events:PutTargets", start))
    (target,) = targets["instance-scheduler-nyc-stop"]
    assert target["Id"] == "instance-scheduler" and target["Arn"] == FUNCTION_ARN
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
    event = json.loads(target["Input"])
    assert event == {
        "action": "stop",
        "request": {
            "DocumentName": "AWS-StopEC2Instance",
            "TargetParameterName": "InstanceId",
            "Targets": [{"Key": "tag:Team", "Values": ["east"]}],
            "MaxConcurrency": "10",
            "MaxErrors": "25%",
            "Parameters": {"AutomationAssumeRole": [SETTINGS["automation_role_arn"]]},
        },
        "gate": {"timezone": "America/New_York", "time": "19:00", "weekdays": ["MON", "TUE", "WED", "THU", "FRI"]},
        "schedule": "nyc",
    }
    assert_valid("ssm", "StartAutomationExecution", event["request"])


def test_a_raw_utc_cron_has_no_gate_and_no_zone_in_the_package(aws):
    world = World()
    raw = {"name": "nightly", "stop_cron": "cron(0 20 ? * * *)", "timezone": "UTC"}
    _result, start = converge(aws, world, [raw], create_writes(["stop"]))
    (target,) = aws.sent("events:PutTargets", start)[0]["Targets"]
    assert "gate" not in json.loads(target["Input"])
    assert aws.sent("events:PutRule", start)[0]["ScheduleExpression"] == "cron(0 20 ? * * *)"
    assert zip_names(aws.sent("lambda:CreateFunction", start)[0]["Code"]["ZipFile"]) == ["index.py"]


def test_the_model_check_refuses_a_statement_id_with_a_dot():
    """Why input_problems refuses dotted schedule names: AddPermission's StatementId has no dot."""
    request = {"FunctionName": GROUP, "StatementId": "instance-scheduler-a.b-start", "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"}
    with pytest.raises(AssertionError, match="StatementId"):
        assert_valid("lambda", "AddPermission", request)
    assert_valid("lambda", "AddPermission", dict(request, StatementId="instance-scheduler-a_b-start"))


# ---- updates ----


@pytest.mark.parametrize(
    "raw, settings, writes, changes",
    [
        pytest.param(
            [with_changes(OFFICE, stop="19:00"), NYC], {}, ["events:PutRule", "events:PutTargets"],
            ["update rule instance-scheduler-office-stop"], id="expression changed (and the gate's time with it)",
        ),
        pytest.param(
            [with_changes(OFFICE, enabled=False), NYC], {}, ["events:PutRule", "events:PutRule"],
            ["update rule instance-scheduler-office-start", "update rule instance-scheduler-office-stop"], id="state disabled",
        ),
        pytest.param(
            [with_changes(OFFICE, tag_value="office-hours"), NYC], {}, ["events:PutTargets", "events:PutTargets"],
            ["update rule instance-scheduler-office-start", "update rule instance-scheduler-office-stop"], id="target input changed",
        ),
        pytest.param(
            [OFFICE, NYC], {"max_errors": "10%"}, ["events:PutTargets"] * 4,
            ["update rule %s" % name for name in RULES], id="rate control changed",
        ),
        pytest.param(
            [with_changes(OFFICE, timezone="Europe/Berlin"), NYC], {},
            ["lambda:UpdateFunctionCode", "events:PutRule", "events:PutTargets", "events:PutRule", "events:PutTargets"],
            ["update function instance-scheduler", "update rule instance-scheduler-office-start", "update rule instance-scheduler-office-stop"],
            id="new time zone: code changed",
        ),
        pytest.param(
            [OFFICE, NYC], {"invoker_role_arn": "arn:aws:iam::123456789012:role/OtherLambdaRole"}, ["lambda:UpdateFunctionConfiguration"],
            ["update function instance-scheduler"], id="configuration changed",
        ),
        pytest.param(
            [OFFICE, NYC], {"tags": {"team": "platform"}}, ["logs:UntagResource", "logs:TagResource", "lambda:UntagResource", "lambda:TagResource"],
            ["update log_group /aws/lambda/instance-scheduler", "update function instance-scheduler"], id="tags changed",
        ),
        pytest.param([OFFICE, NYC], {"tags": {"team": "platform"}, "purge_tags": False}, ["logs:TagResource", "lambda:TagResource"],
                     ["update log_group /aws/lambda/instance-scheduler", "update function instance-scheduler"], id="tags added without purge"),
        pytest.param([OFFICE, NYC], {"tags": None}, [], [], id="tags not given: left alone"),
    ],
)
def test_an_update_sends_only_what_changed(aws, raw, settings, writes, changes):
    world = deployed(aws, tags={"team": "ops", "old": "x"})
    result, start = converge(aws, world, raw, writes, **settings)
    assert result["changes"] == changes
    assert result["created"] == [] and result["deleted"] == []
    if settings.get("tags"):
        expected = dict(settings["tags"], **OURS) if settings.get("purge_tags", True) else dict({"team": "platform", "old": "x"}, **OURS)
        assert world.log_group["tags"] == expected and world.function["Tags"] == expected
    if "lambda:UpdateFunctionCode" in writes:
        (code,) = aws.sent("lambda:UpdateFunctionCode", start)
        assert zip_names(code["ZipFile"]) == ["index.py", "zoneinfo/America/New_York", "zoneinfo/Europe/Berlin"]
    if "lambda:UpdateFunctionConfiguration" in writes:
        assert aws.sent("lambda:UpdateFunctionConfiguration", start)[0]["Role"] == settings["invoker_role_arn"]


def test_no_op_plans_nothing(aws):
    world = deployed(aws)
    world.stub_read(aws)
    made = backend(aws)
    assert made.plan(made.read(), schedules(OFFICE, NYC), exclusive=True, state="present") == []


def test_hand_made_changes_to_our_resources_are_put_back(aws):
    world = deployed(aws)
    world.log_group["retention"] = 7
    world.function["Configuration"]["Timeout"] = 3
    world.rules["instance-scheduler-office-start"]["ScheduleExpression"] = "cron(0 1 ? * MON-FRI *)"
    world.targets["instance-scheduler-office-stop"].append({"Id": "extra", "Arn": "arn:aws:sqs:us-east-1:123456789012:queue"})
    world.statements["instance-scheduler-nyc-start"]["Condition"]["ArnLike"]["AWS:SourceArn"] = rule_arn("elsewhere")
    writes = [
        "logs:PutRetentionPolicy",
        "lambda:UpdateFunctionConfiguration",
        "lambda:RemovePermission", "lambda:AddPermission",  # nyc-start: the statement is replaced
        "events:PutRule",  # office-start
        "events:RemoveTargets", "events:PutTargets",  # office-stop: the stray target goes
    ]
    result, start = converge(aws, world, [OFFICE, NYC], writes)
    assert aws.sent("events:RemoveTargets", start) == [{"Rule": "instance-scheduler-office-stop", "Ids": ["extra"]}]
    assert aws.sent("lambda:UpdateFunctionConfiguration", start)[0]["Timeout"] == 60
    assert [t["Id"] for t in world.targets["instance-scheduler-office-stop"]] == ["instance-scheduler"]
    assert result["updated"] == ["instance-scheduler-office-start", "instance-scheduler-office-stop"]


def test_configuration_and_code_together_wait_for_the_update_between_them(aws, no_sleep):
    world = deployed(aws)
    start = len(aws.calls)
    world.stub_read(aws)
    aws.expect("lambda:UpdateFunctionConfiguration", {}, backend(aws, invoker_role_arn="arn:aws:iam::123456789012:role/New").function_request())
    in_progress = copy.deepcopy(world.function)
    in_progress["Configuration"].update(LastUpdateStatus="InProgress")
    aws.expect("lambda:GetFunction", in_progress, {"FunctionName": GROUP})
    aws.expect("lambda:GetFunction", copy.deepcopy(world.function), {"FunctionName": GROUP})
    aws.expect_writes(["lambda:UpdateFunctionCode"] + ["events:PutRule", "events:PutTargets"] * 2)
    made = backend(aws, invoker_role_arn="arn:aws:iam::123456789012:role/New")
    inventory = made.read()
    changes = made.plan(inventory, schedules(with_changes(OFFICE, timezone="Europe/Berlin"), NYC), exclusive=True, state="present")
    made.apply(inventory, changes)
    lambda_calls = [operation for service, operation, _params in aws.calls[start:] if service == "lambda"]
    # each update is followed by function_updated_v2's GetFunction until LastUpdateStatus is Successful
    assert lambda_calls == ["GetFunction", "GetPolicy", "UpdateFunctionConfiguration", "GetFunction", "GetFunction", "UpdateFunctionCode", "GetFunction"]
    assert no_sleep == [1]  # the waiter's delay, once, while the update was in progress
    assert_requests_valid(aws, start)


def test_a_failed_configuration_update_fails_the_run_before_the_code(aws, no_sleep):
    world = deployed(aws)
    start = len(aws.calls)
    world.stub_read(aws)
    aws.expect("lambda:UpdateFunctionConfiguration")
    failed = copy.deepcopy(world.function)
    failed["Configuration"].update(LastUpdateStatus="Failed", LastUpdateStatusReason="The role cannot be assumed")
    aws.expect("lambda:GetFunction", failed, {"FunctionName": GROUP})
    made = backend(aws, invoker_role_arn="arn:aws:iam::123456789012:role/New")
    inventory = made.read()
    changes = made.plan(inventory, schedules(with_changes(OFFICE, timezone="Europe/Berlin"), NYC), exclusive=True, state="present")
    with pytest.raises(AnsibleAWSError):
        made.apply(inventory, changes)
    assert "lambda:UpdateFunctionCode" not in aws.writes(start)


# ---- removal ----


def test_exclusive_removal_deletes_the_rules_and_statements_of_an_unlisted_schedule(aws):
    world = deployed(aws)
    world.rules["instance-scheduler-manual-start"] = foreign_rule("instance-scheduler-manual-start")
    world.statements["manual"] = dict(world.statements["instance-scheduler-nyc-start"], Sid="manual")
    writes = [
        "lambda:UpdateFunctionCode",  # New York's zone leaves the package
        "events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission",
        "events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission",
    ]
    result, start = converge(aws, world, [OFFICE], writes)
    assert result["deleted"] == ["instance-scheduler-nyc-start", "instance-scheduler-nyc-stop"]
    assert sorted(world.rules) == ["instance-scheduler-manual-start", "instance-scheduler-office-start", "instance-scheduler-office-stop"]
    assert sorted(world.statements) == ["instance-scheduler-office-start", "instance-scheduler-office-stop", "manual"]
    assert [params["StatementId"] for params in aws.sent("lambda:RemovePermission", start)] == ["instance-scheduler-nyc-start", "instance-scheduler-nyc-stop"]
    assert zip_names(aws.sent("lambda:UpdateFunctionCode", start)[0]["ZipFile"]) == ["index.py", "zoneinfo/Asia/Seoul"]
    assert "manual" in result["resources"]["permission"] and "instance-scheduler-manual-start" not in result["resources"]["rule"]


def test_a_schedule_with_state_absent_goes_even_when_not_exclusive(aws):
    world = deployed(aws)
    writes = ["lambda:UpdateFunctionCode"] + ["events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission"] * 2
    result, start = converge(aws, world, [{"name": "office", "state": "absent"}], writes, exclusive=False)
    assert result["deleted"] == ["instance-scheduler-office-start", "instance-scheduler-office-stop"]
    assert sorted(world.rules) == RULES[:2]
    # Seoul leaves the package, New York (a schedule not listed, kept) stays
    assert zip_names(aws.sent("lambda:UpdateFunctionCode", start)[0]["ZipFile"]) == ["index.py", "zoneinfo/America/New_York"]


def test_state_absent_deletes_rules_function_and_our_log_group(aws):
    world = deployed(aws)
    world.rules["instance-scheduler-manual-start"] = foreign_rule("instance-scheduler-manual-start")
    writes = ["events:RemoveTargets", "events:DeleteRule"] * 4 + ["lambda:DeleteFunction", "logs:DeleteLogGroup"]
    result, start = converge(aws, world, [], writes, state="absent")
    assert result["deleted"] == RULES
    assert [params["Name"] for params in aws.sent("events:DeleteRule", start)] == RULES
    assert "lambda:RemovePermission" not in aws.writes(start)  # the function's policy goes with the function
    assert world.function is None and world.log_group is None
    assert list(world.rules) == ["instance-scheduler-manual-start"]
    assert result["resources"].get("permission", {}) == {} and result["resources"].get("function", {}) == {}


def test_a_log_group_not_ours_is_neither_updated_nor_deleted(aws):
    world = World()
    world.log_group = {"tags": {"team": "someone"}, "retention": 7}  # Lambda or a person made it
    writes = ["lambda:CreateFunction"] + ["events:PutRule", "events:PutTargets", "lambda:AddPermission"] * 2
    converge(aws, world, [OFFICE], writes, tags={"team": "ops"})
    assert world.log_group == {"tags": {"team": "someone"}, "retention": 7}
    writes = ["events:RemoveTargets", "events:DeleteRule"] * 2 + ["lambda:DeleteFunction"]
    converge(aws, world, [], writes, state="absent")
    assert world.log_group == {"tags": {"team": "someone"}, "retention": 7}


def test_state_absent_leaves_a_function_not_ours(aws):
    world = deployed(aws)
    world.function["Tags"] = {"team": "someone"}
    writes = ["events:RemoveTargets", "events:DeleteRule"] * 4 + ["logs:DeleteLogGroup"]
    converge(aws, world, [], writes, state="absent")
    assert world.function is not None


# ---- exclusive false: other schedules and their zones stay ----


def test_not_exclusive_keeps_other_rules_and_their_zones(aws):
    world = deployed(aws)
    result, _start = converge(aws, world, [with_changes(OFFICE, stop="19:00")], ["events:PutRule", "events:PutTargets"], exclusive=False)
    assert result["changes"] == ["update rule instance-scheduler-office-stop"]  # the code keeps New York's zone
    assert sorted(result["resources"]["rule"]) == RULES
    assert sorted(world.statements) == RULES


def test_not_exclusive_adds_a_schedule_and_its_zone_to_the_package(aws):
    world = deployed(aws)
    berlin = {"name": "berlin", "start": "08:00", "timezone": "Europe/Berlin"}
    writes = ["lambda:UpdateFunctionCode", "events:PutRule", "events:PutTargets", "lambda:AddPermission"]
    _result, start = converge(aws, world, [berlin], writes, exclusive=False)
    names = zip_names(aws.sent("lambda:UpdateFunctionCode", start)[0]["ZipFile"])
    assert names == ["index.py", "zoneinfo/America/New_York", "zoneinfo/Asia/Seoul", "zoneinfo/Europe/Berlin"]
    same_zone = {"name": "seoul2", "stop": "20:00", "timezone": "Asia/Seoul"}
    converge(aws, world, [same_zone], ["events:PutRule", "events:PutTargets", "lambda:AddPermission"], exclusive=False)
    assert len(world.rules) == 6 and aws.writes(start).count("lambda:UpdateFunctionCode") == 1


# ---- names taken by resources that are not ours ----


def test_a_function_not_ours_stops_the_run_before_any_write(aws):
    world = World()
    someone_elses = {"FunctionName": GROUP, "Runtime": "python3.12", "Role": SETTINGS["invoker_role_arn"], "Handler": "app.main", "Code": {"ZipFile": b"zip"}}
    world.apply([("lambda", "CreateFunction", dict(someone_elses, Tags={"team": "x"}))])
    world.stub_read(aws)  # GetPolicy is not read: the function is not ours
    made = backend(aws)
    with pytest.raises(PlanError, match="a Lambda function named instance-scheduler exists and was not created by awsops.ssm") as error:
        made.plan(made.read(), schedules(OFFICE), exclusive=True, state="present")
    assert "awsops:ssm:managed-by=awsops.ssm" in str(error.value)
    world.stub_read(aws)
    with pytest.raises(Failed, match="not created by awsops.ssm"):
        run(FakeModule(aws), backend(aws), schedules(OFFICE), True, "present")
    assert aws.writes() == []


def test_a_rule_of_the_same_name_without_the_marker_stops_the_run_before_any_write(aws):
    world = World()
    world.rules["instance-scheduler-office-stop"] = foreign_rule("instance-scheduler-office-stop")
    world.stub_read(aws)  # no ListTargetsByRule for a rule that is not ours
    with pytest.raises(Failed, match="instance-scheduler-office-stop exist and were not created by awsops.ssm") as error:
        run(FakeModule(aws), backend(aws), schedules(OFFICE), True, "present")
    assert "Managed by awsops.ssm" in str(error.value)
    assert aws.writes() == []


def test_a_rule_of_another_group_with_our_prefix_is_not_ours(aws):
    """instance-scheduler-x's rule office-start lists under instance-scheduler- but belongs to the other function."""
    world = deployed(aws)
    name = "instance-scheduler-x-office-start"
    world.rules[name] = dict(foreign_rule(name), Description="Managed by awsops.ssm: function instance-scheduler-x, schedule office start")
    world.stub_read(aws)
    made = backend(aws)
    inventory = made.read()
    assert name in inventory.foreign_rules and name not in inventory.rules
    assert made.plan(inventory, schedules(OFFICE, NYC), exclusive=True, state="present") == []


# ---- input and errors ----


def test_a_dotted_schedule_name_is_refused_naming_the_schedule():
    listed = schedules({"name": "a.b", "start": "08:00"}, {"name": "fine_name-1", "start": "08:00"})
    problems = lb.LambdaBackend.input_problems(listed, SETTINGS)
    assert len(problems) == 1
    assert problems[0].startswith('schedules[0].name: "a.b" has a dot')
    assert "letters, digits, - or _" in problems[0]
    assert lb.LambdaBackend.input_problems(schedules({"name": "office", "start": "08:00"}), SETTINGS) == []


def test_create_function_waits_for_a_new_role_then_succeeds(aws, no_sleep):
    request = dict(backend(aws).function_request(), Code={"ZipFile": b"zip"})
    aws.error("lambda:CreateFunction", "InvalidParameterValueException", ROLE_NOT_READY)
    aws.error("lambda:CreateFunction", "InvalidParameterValueException", ROLE_NOT_READY)
    aws.expect("lambda:CreateFunction", params=request)
    assert lb.create_function(aws.clients["lambda"], **request)["FunctionArn"] == FUNCTION_ARN
    assert no_sleep == list(aws_retries.CONSISTENCY_DELAYS[:2])
    assert aws.writes() == ["lambda:CreateFunction"] * 3


def test_create_function_gives_up_when_the_role_never_becomes_usable(aws, fake_time):
    request = dict(backend(aws).function_request(), Code={"ZipFile": b"zip"})
    # 1 + 2 + 4 + 8 + 8 + 8 + 8 = 39 seconds of waiting; one more 8 would pass CONSISTENCY_SECONDS (45).
    waits = [1, 2, 4, 8, 8, 8, 8]
    for _attempt in range(len(waits) + 1):
        aws.error("lambda:CreateFunction", "InvalidParameterValueException", ROLE_NOT_READY)
    with pytest.raises(AnsibleAWSError, match="Failed to create the function.*cannot be assumed"):
        lb.create_function(aws.clients["lambda"], **request)
    assert fake_time.sleeps == waits and sum(waits) <= aws_retries.CONSISTENCY_SECONDS


@pytest.mark.parametrize(
    "code, message",
    [
        ("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes"),
        ("AccessDeniedException", "User is not authorized to perform: lambda:CreateFunction"),
        ("ResourceConflictException", "Function already exist: instance-scheduler"),
    ],
)
def test_create_function_fails_at_once_on_other_errors(aws, no_sleep, code, message):
    request = dict(backend(aws).function_request(), Code={"ZipFile": b"zip"})
    aws.error("lambda:CreateFunction", code, message)
    with pytest.raises(AnsibleAWSError, match="Failed to create the function"):
        lb.create_function(aws.clients["lambda"], **request)
    assert no_sleep == []
    assert aws.writes() == ["lambda:CreateFunction"]


def test_the_role_retry_also_runs_in_a_first_apply(aws, no_sleep):
    world = World()
    world.stub_read(aws)
    aws.expect("logs:CreateLogGroup")
    aws.expect("logs:PutRetentionPolicy")
    aws.error("lambda:CreateFunction", "InvalidParameterValueException", ROLE_NOT_READY)
    aws.expect_writes(["lambda:CreateFunction"] + ["events:PutRule", "events:PutTargets", "lambda:AddPermission"] * 2)
    result = run(FakeModule(aws), backend(aws), schedules(OFFICE), True, "present")
    assert result["created"] == ["instance-scheduler-office-start", "instance-scheduler-office-stop"]
    assert no_sleep == [aws_retries.CONSISTENCY_DELAYS[0]]


def test_role_not_ready_recognises_only_role_errors():
    def error(code, message):
        return ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")

    assert lb.role_not_ready(error("InvalidParameterValueException", ROLE_NOT_READY))
    assert not lb.role_not_ready(error("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes"))
    assert not lb.role_not_ready(error("AccessDeniedException", "role"))


def test_a_target_events_refuses_fails_the_run(aws):
    """PutTargets answers HTTP 200 with FailedEntryCount when it refuses a target: that must not pass as done."""
    world = World()
    world.stub_read(aws)
    aws.expect_writes(["logs:CreateLogGroup", "logs:PutRetentionPolicy", "lambda:CreateFunction", "events:PutRule"])
    refused = {"TargetId": "instance-scheduler", "ErrorCode": "ConcurrentModificationException", "ErrorMessage": "Rule was modified"}
    aws.expect("events:PutTargets", {"FailedEntryCount": 1, "FailedEntries": [refused]})
    made = backend(aws)
    inventory = made.read()
    changes = made.plan(inventory, schedules(with_changes(OFFICE, stop=None)), exclusive=True, state="present")
    with pytest.raises(AnsibleAWSError, match="Rule was modified"):
        made.apply(inventory, changes)
    assert "lambda:AddPermission" not in aws.writes()


def test_missing_resources_read_as_none_and_other_errors_fail(aws):
    aws.error("lambda:GetFunction", "ResourceNotFoundException", "Function not found", 404)
    assert lb.get_function(aws.clients["lambda"], GROUP) is None
    aws.error("lambda:GetFunction", "AccessDeniedException", "not authorized")
    with pytest.raises(AnsibleAWSError, match="Failed to get the function"):
        lb.get_function(aws.clients["lambda"], GROUP)
    aws.error("events:DeleteRule", "ResourceNotFoundException", "Rule does not exist")
    assert lb.delete_call(aws.clients["events"], "delete_rule", Name="instance-scheduler-office-start") is False


# ---- the function's state (Lambda's State and LastUpdateStatus; moto's functions are always Active, so the Stubber) ----

FAILED_REASON = "The role defined for the function cannot be assumed by Lambda."


def first_apply_until_the_function(aws, world):
    world.stub_read(aws)
    aws.expect("logs:CreateLogGroup")
    aws.expect("logs:PutRetentionPolicy")
    aws.expect("lambda:CreateFunction")


def test_a_function_that_becomes_failed_fails_the_run_with_its_reason(aws, no_sleep):
    world = World()
    first_apply_until_the_function(aws, world)
    pending = {"Configuration": {"FunctionName": GROUP, "State": "Pending", "StateReasonCode": "Creating"}}
    failed = {"Configuration": {"FunctionName": GROUP, "State": "Failed", "StateReasonCode": "InvalidConfiguration", "StateReason": FAILED_REASON}}
    aws.expect("lambda:GetFunction", pending, {"FunctionName": GROUP})
    aws.expect("lambda:GetFunction", failed, {"FunctionName": GROUP})
    with pytest.raises(AnsibleAWSError) as raised:
        run(FakeModule(aws), backend(aws), schedules(OFFICE), True, "present")
    assert str(raised.value.message) == "the Lambda function instance-scheduler is Failed (InvalidConfiguration): " + FAILED_REASON
    assert aws.writes()[-1] == "lambda:CreateFunction"  # no rule points at a function that cannot run
    assert no_sleep == [lb.FUNCTION_WAIT["Delay"]]


def test_the_wait_for_an_active_function_is_bounded(aws, no_sleep):
    world = World()
    first_apply_until_the_function(aws, world)
    for _attempt in range(lb.FUNCTION_WAIT["MaxAttempts"]):
        aws.expect("lambda:GetFunction", {"Configuration": {"FunctionName": GROUP, "State": "Pending"}}, {"FunctionName": GROUP})
    with pytest.raises(AnsibleAWSError, match="the Lambda function instance-scheduler is not ready after 60 seconds .State Pending"):
        run(FakeModule(aws), backend(aws), schedules(OFFICE), True, "present")
    assert len(no_sleep) == lb.FUNCTION_WAIT["MaxAttempts"] - 1 and sum(no_sleep) <= 60


def test_a_failed_update_fails_the_run_with_its_reason(aws, no_sleep):
    world = deployed(aws)
    world.stub_read(aws)
    aws.expect("lambda:UpdateFunctionConfiguration")
    failed = copy.deepcopy(world.function)
    failed["Configuration"].update(LastUpdateStatus="Failed", LastUpdateStatusReasonCode="EniLimitExceeded", LastUpdateStatusReason="ENI limit reached")
    aws.expect("lambda:GetFunction", failed, {"FunctionName": GROUP})
    with pytest.raises(AnsibleAWSError, match=r"the last update of the Lambda function instance-scheduler Failed \(EniLimitExceeded\): ENI limit reached"):
        run(FakeModule(aws), backend(aws, invoker_role_arn="arn:aws:iam::123456789012:role/New"), schedules(OFFICE, NYC), True, "present")


def test_a_rerun_that_finds_the_function_failed_makes_it_again_with_its_permissions(aws):
    world = deployed(aws)
    world.function["Configuration"].update(State="Failed", StateReasonCode="InvalidConfiguration", StateReason=FAILED_REASON)
    writes = ["lambda:DeleteFunction", "lambda:CreateFunction"] + ["lambda:AddPermission"] * 4
    result, start = converge(aws, world, [OFFICE, NYC], writes)
    assert result["changes"] == ["delete function instance-scheduler", "create function instance-scheduler"] + [
        "create permission %s" % name for name in RULES
    ]
    assert world.function["Configuration"]["State"] == "Active" and sorted(world.statements) == RULES
    assert result["resources"]["function"][GROUP]["state"] == "Active"
    assert "events:PutRule" not in aws.writes(start)  # the rules stay: the new function has the same ARN


def test_a_rerun_that_finds_the_last_update_failed_sends_configuration_and_code_again(aws):
    world = deployed(aws)
    world.function["Configuration"].update(LastUpdateStatus="Failed", LastUpdateStatusReason="ENI limit reached")
    result, start = converge(aws, world, [OFFICE, NYC], ["lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode"])
    assert result["changes"] == ["update function instance-scheduler"]
    assert aws.sent("lambda:UpdateFunctionConfiguration", start)[0] == backend(aws).function_request()


def test_the_info_module_reports_the_functions_state(aws):
    world = deployed(aws)
    world.function["Configuration"].update(State="Failed", StateReason=FAILED_REASON)
    world.stub_read(aws)
    made = backend(aws)
    status = made.status(made.read())
    assert status == {
        "function": {
            "name": GROUP,
            "state": "Failed",
            "state_reason": FAILED_REASON,
            "last_update_status": "Successful",
            "last_update_status_reason": None,
            "ok": False,
        }
    }
    assert lb.LambdaBackend.status(made, lb.LambdaInventory()) == {"function": None}
