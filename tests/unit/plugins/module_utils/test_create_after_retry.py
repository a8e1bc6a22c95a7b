# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every create tolerates its own retry: the "already exists" branch of each create path.

The scenario, for each create: the first attempt reached AWS, which carried it
out, and its answer was lost (the connection closed); botocore sent the
request again and AWS answered that the thing already exists. What botocore
then raises is a ClientError with AWS's conflict code and
ResponseMetadata.RetryAttempts 1 - test_aws_retries.py shows it on the wire
(WireStub: ConnectionClosedError after the write, then the conflict body).
Here botocore's Stubber gives each create path exactly that error, then the
answers to the reads that follow, checking every request against the model:
the path reads the thing back and goes on when it is ours (or what the create
asked for), reconciles what differs, and fails with AWS's error when it is not.
"""

import copy
import json

import boto3
import botocore.endpoint
import botocore.exceptions
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_lambda as lb
from ansible_collections.awsops.ssm.plugins.module_utils import schedule_backend_scheduler as sb
from ansible_collections.awsops.ssm.plugins.module_utils import session_key
from ansible_collections.awsops.ssm.plugins.module_utils.iam_policies import session_key_policy
from ansible_collections.awsops.ssm.plugins.module_utils.office_hours import validate_schedules
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backend_common import Change
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import build_preferences_content
from ansible_collections.awsops.ssm.plugins.module_utils.session_preferences import serialize_content
from ansible_collections.awsops.ssm.plugins.modules import ssm_profile_attachment
from ansible_collections.awsops.ssm.plugins.modules import ssm_session_log_bucket
from ansible_collections.awsops.ssm.plugins.modules import ssm_session_log_group
from ansible_collections.awsops.ssm.plugins.modules import ssm_session_preferences

from awsops_harness.wire_stub import WireStub

REGION = "us-east-1"
ACCOUNT = "123456789012"
RETRIED = {"RetryAttempts": 1}  # what botocore reports on the answer to its retry
OURS = {"awsops:ssm:managed-by": "awsops.ssm"}
KEY_ID = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OTHER_KEY_ID = "11111111-2222-3333-4444-555555555555"
ALIAS = "alias/ssm-sessions"
GROUP = "instance-scheduler"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:instance-scheduler"
LOG_GROUP = "/aws/lambda/instance-scheduler"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/instance-scheduler"
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


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, clients, check_mode=False):
        self.clients = clients
        self.check_mode = check_mode
        self._diff = False

    def client(self, service, **_options):
        return self.clients[service]

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])


@pytest.fixture
def stubbed():
    """stubbed("kms") -> (client, stubber); every stubber must have answered all it was given."""
    made = []

    def make(service):
        client = boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        stubber = Stubber(client)
        stubber.activate()
        made.append(stubber)
        return client, stubber

    yield make
    for stubber in made:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def key_metadata(key_id, state="Enabled"):
    return {"KeyId": key_id, "Arn": "arn:aws:kms:us-east-1:123456789012:key/" + key_id, "KeyState": state, "KeyManager": "CUSTOMER"}


# ---- kms:CreateAlias (AlreadyExistsException) ----


def test_create_alias_already_existing_for_this_key_is_its_own_retry(stubbed):
    kms, stubber = stubbed("kms")
    stubber.add_client_error("create_alias", "AlreadyExistsException", "An alias with the name %s already exists" % ALIAS, response_meta=RETRIED,
                             expected_params={"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(KEY_ID)}, {"KeyId": ALIAS})
    session_key.create_alias(kms, ALIAS, KEY_ID, created_here=True, deletion_window_days=7)


def test_create_alias_taken_by_another_key_fails_and_retires_the_key_this_run_made(stubbed):
    kms, stubber = stubbed("kms")
    stubber.add_client_error("create_alias", "AlreadyExistsException", "already exists", response_meta=RETRIED)
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(OTHER_KEY_ID)}, {"KeyId": ALIAS})
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(OTHER_KEY_ID)}, {"KeyId": ALIAS})
    stubber.add_response("schedule_key_deletion", {"KeyId": KEY_ID}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})
    with pytest.raises(AnsibleAWSError, match="was created meanwhile for the key .*%s.*scheduled for deletion" % OTHER_KEY_ID):
        session_key.create_alias(kms, ALIAS, KEY_ID, created_here=True, deletion_window_days=7)


# ---- kms:CreateKey (no name: the run's marker finds the key a lost answer made) ----


def test_create_key_whose_answer_was_lost_is_found_by_the_runs_marker_not_created_again(stubbed, fake_time):
    kms, stubber = stubbed("kms")
    request = session_key.create_request("d", session_key_policy("aws", REGION, ACCOUNT), {}, ALIAS, token="run-1")
    # The retry layer does not resend CreateKey after a server error (it may have made the key): one attempt.
    stubber.add_client_error("create_key", "KMSInternalException", "internal error", http_status_code=500, expected_params=request)
    stubber.add_response("list_keys", {"Keys": [{"KeyId": "old"}, {"KeyId": KEY_ID}], "Truncated": False}, {})
    stubber.add_response("list_resource_tags", {"Tags": [{"TagKey": session_key.CREATE_TOKEN_TAG, "TagValue": "run-1"}], "Truncated": False}, {"KeyId": KEY_ID})
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(KEY_ID)}, {"KeyId": KEY_ID})
    assert session_key.create_key(kms, request, known_key_ids={"old"})["KeyId"] == KEY_ID
    assert fake_time.sleeps == []


def test_create_key_sent_again_when_the_lost_attempt_made_nothing(stubbed, fake_time):
    kms, stubber = stubbed("kms")
    request = session_key.create_request("d", session_key_policy("aws", REGION, ACCOUNT), {}, ALIAS, token="run-1")
    stubber.add_client_error("create_key", "KMSInternalException", "internal error", http_status_code=500)
    stubber.add_response("list_keys", {"Keys": [{"KeyId": "old"}], "Truncated": False}, {})
    stubber.add_response("create_key", {"KeyMetadata": key_metadata(KEY_ID)}, request)
    assert session_key.create_key(kms, request, known_key_ids={"old"})["KeyId"] == KEY_ID
    assert len(fake_time.sleeps) == 1


def test_a_key_no_alias_names_is_adopted_instead_of_creating_another():
    policy = session_key_policy("aws", REGION, ACCOUNT)
    tags = dict(OURS, **{session_key.ALIAS_TAG: ALIAS})
    newest = session_key.KeyState(dict(key_metadata(KEY_ID), Description="d", CreationDate="2026-11-02"), tags, policy, True)
    older = session_key.KeyState(dict(key_metadata(OTHER_KEY_ID), Description="d", CreationDate="2026-11-01"), tags)
    steps = session_key.plan_adoption([newest, older], ALIAS, "d", policy, {}, True, 7)
    assert steps == [
        ("create_alias", {"AliasName": ALIAS, "TargetKeyId": KEY_ID}),
        ("schedule_key_deletion", {"KeyId": OTHER_KEY_ID, "PendingWindowInDays": 7}),
    ]


def test_find_unaliased_keys_reads_only_the_keys_no_alias_names(stubbed):
    kms, stubber = stubbed("kms")
    tags = [{"TagKey": "awsops:ssm:managed-by", "TagValue": "awsops.ssm"}, {"TagKey": session_key.ALIAS_TAG, "TagValue": ALIAS}]
    stubber.add_response("list_keys", {"Keys": [{"KeyId": "aliased"}, {"KeyId": KEY_ID}, {"KeyId": "someone"}, {"KeyId": "pending"}], "Truncated": False}, {})
    stubber.add_response("list_aliases", {"Aliases": [{"AliasName": "alias/x", "TargetKeyId": "aliased"}], "Truncated": False}, {})
    stubber.add_response("list_resource_tags", {"Tags": tags, "Truncated": False}, {"KeyId": KEY_ID})
    stubber.add_response("list_resource_tags", {"Tags": [], "Truncated": False}, {"KeyId": "someone"})
    stubber.add_response("list_resource_tags", {"Tags": tags, "Truncated": False}, {"KeyId": "pending"})
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(KEY_ID)}, {"KeyId": KEY_ID})
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata("pending", "PendingDeletion")}, {"KeyId": "pending"})
    stubber.add_response("get_key_policy", {"Policy": "{}"}, {"KeyId": KEY_ID, "PolicyName": "default"})
    stubber.add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": KEY_ID})
    found, seen = session_key.find_unaliased_keys(kms, ALIAS)
    assert [state.key_id for state in found] == [KEY_ID] and seen == {"aliased", KEY_ID, "someone", "pending"}


def test_absent_schedules_the_deletion_of_every_key_of_ours_for_the_alias():
    aliased = session_key.KeyState(key_metadata(KEY_ID), dict(OURS))
    unaliased = session_key.KeyState(key_metadata(OTHER_KEY_ID), dict(OURS))
    assert session_key.plan_absent(aliased, ALIAS, 7, [unaliased]) == [
        ("delete_alias", {"AliasName": ALIAS}),
        ("schedule_key_deletion", {"KeyId": KEY_ID, "PendingWindowInDays": 7}),
        ("schedule_key_deletion", {"KeyId": OTHER_KEY_ID, "PendingWindowInDays": 7}),
    ]


def test_a_deletion_whose_answer_was_lost_is_done(stubbed):
    kms, stubber = stubbed("kms")
    stubber.add_client_error("schedule_key_deletion", "KMSInvalidStateException", "is pending deletion", response_meta=RETRIED)
    stubber.add_response("describe_key", {"KeyMetadata": key_metadata(KEY_ID, "PendingDeletion")}, {"KeyId": KEY_ID})
    stubber.add_client_error("delete_alias", "NotFoundException", "Alias does not exist", response_meta=RETRIED)
    session_key.apply_steps(kms, [("schedule_key_deletion", {"KeyId": KEY_ID, "PendingWindowInDays": 7}), ("delete_alias", {"AliasName": ALIAS})])


# ---- ssm:CreateDocument (DocumentAlreadyExists) ----


def test_create_document_already_existing_goes_on_with_the_document_read_back(stubbed):
    ssm, stubber = stubbed("ssm")
    desired = build_preferences_content({"idle_session_timeout": 30})
    message = "Document with same name SSM-SessionManagerRunShell already exists"
    stubber.add_client_error("create_document", "DocumentAlreadyExists", message, response_meta=RETRIED)
    document = {"Name": "SSM-SessionManagerRunShell", "DocumentVersion": "1", "Content": serialize_content(desired), "DocumentType": "Session",
                "DocumentFormat": "JSON", "Status": "Active"}
    stubber.add_response("get_document", document, {"Name": "SSM-SessionManagerRunShell", "DocumentFormat": "JSON"})
    changed, version, content = ssm_session_preferences.ensure_present(FakeModule({}), ssm, None, None, desired)
    assert (changed, version, content) == (True, "1", desired)


# ---- ec2:AssociateIamInstanceProfile (IncorrectState) ----

INSTANCE = "i-00000000000000001"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/SSMSessionInstanceRole"


def association(profile_arn):
    return {"AssociationId": "iip-assoc-1", "InstanceId": INSTANCE, "IamInstanceProfile": {"Arn": profile_arn, "Id": "AIPA1"}, "State": "associated"}


def test_associate_already_associated_with_this_profile_is_its_own_retry(stubbed):
    ec2, stubber = stubbed("ec2")
    stubber.add_client_error("associate_iam_instance_profile", "IncorrectState", "There is an existing association for instance %s" % INSTANCE,
                             response_meta=RETRIED)
    filters = [{"Name": "instance-id", "Values": [INSTANCE]}, {"Name": "state", "Values": ["associating", "associated"]}]
    stubber.add_response("describe_iam_instance_profile_associations", {"IamInstanceProfileAssociations": [association(PROFILE_ARN)]}, {"Filters": filters})
    ssm_profile_attachment.attach(ec2, {"Name": "SSMSessionInstanceRole"}, "SSMSessionInstanceRole", INSTANCE)


def test_associate_finding_another_profile_fails_with_the_aws_error(stubbed):
    ec2, stubber = stubbed("ec2")
    stubber.add_client_error("associate_iam_instance_profile", "IncorrectState", "There is an existing association", response_meta=RETRIED)
    other = "arn:aws:iam::123456789012:instance-profile/Legacy"
    stubber.add_response("describe_iam_instance_profile_associations", {"IamInstanceProfileAssociations": [association(other)]})
    with pytest.raises(AnsibleAWSError, match="Failed to associate the instance profile") as raised:
        ssm_profile_attachment.attach(ec2, {"Name": "SSMSessionInstanceRole"}, "SSMSessionInstanceRole", INSTANCE)
    assert raised.value.exception.response["Error"]["Code"] == "IncorrectState"


# ---- scheduler:CreateSchedule and CreateScheduleGroup (ConflictException) ----


def scheduler_request(client, **changes):
    office = validate_schedules([{"name": "office", "start": "09:00", "stop": "18:00"}], {"timezone": "Asia/Seoul"}, option="schedules")[0]
    made = sb.SchedulerBackend(FakeModule({"scheduler": client}), dict(SETTINGS, invoker_role_arn="arn:aws:iam::123456789012:role/SSMSchedulerInvokerRole"))
    request = made.request(office, "start")
    request.update(changes)
    return request


def test_create_schedule_already_existing_and_ours_is_left_as_the_create_made_it(stubbed):
    scheduler, stubber = stubbed("scheduler")
    request = scheduler_request(scheduler)
    stubber.add_client_error("create_schedule", "ConflictException", "Schedule office-start already exists.", 409, response_meta=RETRIED)
    stubber.add_response("get_schedule", dict(request, Arn="arn:aws:scheduler:us-east-1:123456789012:schedule/instance-scheduler/office-start"),
                         {"GroupName": GROUP, "Name": "office-start"})
    sb.create_schedule(scheduler, request)


def test_create_schedule_already_existing_and_ours_but_different_is_updated(stubbed):
    scheduler, stubber = stubbed("scheduler")
    request = scheduler_request(scheduler)
    stubber.add_client_error("create_schedule", "ConflictException", "already exists", 409, response_meta=RETRIED)
    stubber.add_response("get_schedule", dict(request, ScheduleExpression="cron(0 8 ? * MON-FRI *)"))
    stubber.add_response("update_schedule", {"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/instance-scheduler/office-start"}, request)
    sb.create_schedule(scheduler, request)


def test_create_schedule_finding_someone_elses_fails(stubbed):
    scheduler, stubber = stubbed("scheduler")
    request = scheduler_request(scheduler)
    stubber.add_client_error("create_schedule", "ConflictException", "already exists", 409, response_meta=RETRIED)
    stubber.add_response("get_schedule", dict(request, Description="made by hand"))
    with pytest.raises(AnsibleAWSError, match="Failed to write the schedule"):
        sb.create_schedule(scheduler, request)


def test_create_schedule_group_already_existing_returns_its_arn(stubbed):
    scheduler, stubber = stubbed("scheduler")
    arn = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/instance-scheduler"
    stubber.add_client_error("create_schedule_group", "ConflictException", "already exists", 409, response_meta=RETRIED)
    stubber.add_response("get_schedule_group", {"Arn": arn, "Name": GROUP, "State": "ACTIVE"}, {"Name": GROUP})
    assert sb.create_schedule_group(scheduler, {"Name": GROUP, "Tags": [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]}) == arn


# ---- the lambda backend: logs:CreateLogGroup, lambda:CreateFunction, lambda:AddPermission ----


@pytest.fixture
def lambda_backend(stubbed):
    clients, stubbers = {}, {}
    for service in ("logs", "lambda", "events"):
        clients[service], stubbers[service] = stubbed(service)
    return lb.LambdaBackend(FakeModule(clients), dict(SETTINGS)), stubbers


def test_create_log_group_already_existing_and_ours_gets_its_retention(lambda_backend):
    made, stubbers = lambda_backend
    stubbers["logs"].add_client_error("create_log_group", "ResourceAlreadyExistsException", "The specified log group already exists", response_meta=RETRIED)
    listed = {"logGroups": [{"logGroupName": LOG_GROUP, "arn": LOG_GROUP_ARN + ":*"}]}
    stubbers["logs"].add_response("describe_log_groups", listed, {"logGroupNamePrefix": LOG_GROUP})
    stubbers["logs"].add_response("list_tags_for_resource", {"tags": dict(OURS)}, {"resourceArn": LOG_GROUP_ARN})
    stubbers["logs"].add_response("put_retention_policy", {}, {"logGroupName": LOG_GROUP, "retentionInDays": 90})
    made._apply_log_group(None, Change("create", "log_group", LOG_GROUP, None, {}, {"tags": dict(OURS)}))


def test_create_log_group_made_meanwhile_by_someone_else_is_used_as_it_is(lambda_backend):
    made, stubbers = lambda_backend
    stubbers["logs"].add_client_error("create_log_group", "ResourceAlreadyExistsException", "already exists", response_meta=RETRIED)
    stubbers["logs"].add_response("describe_log_groups", {"logGroups": [{"logGroupName": LOG_GROUP, "arn": LOG_GROUP_ARN + ":*", "retentionInDays": 7}]})
    stubbers["logs"].add_response("list_tags_for_resource", {"tags": {}})
    made._apply_log_group(None, Change("create", "log_group", LOG_GROUP, None, {}, {"tags": dict(OURS)}))  # no PutRetentionPolicy


def function_answer(made, zip_bytes, **configuration):
    request = made.function_request()
    answer = dict(request, FunctionArn=FUNCTION_ARN, CodeSha256=lb.build_package([]).code_sha256 if zip_bytes is None else zip_bytes,
                  State="Active", LastUpdateStatus="Successful")
    answer.update(configuration)
    return {"Configuration": answer, "Tags": dict(OURS)}


def function_create_change(made):
    package = lb.build_package([])
    request = made.function_request()
    after = lb.function_view(dict(request, CodeSha256=package.code_sha256), dict(OURS))
    return Change("create", "function", GROUP, None, after, {"function": request, "zip": package.zip_bytes, "tags": dict(OURS)})


def test_create_function_already_existing_and_ours_is_waited_for_and_left_as_made(lambda_backend):
    made, stubbers = lambda_backend
    stubbers["lambda"].add_client_error("create_function", "ResourceConflictException", "Function already exist: instance-scheduler", 409,
                                        response_meta=RETRIED)
    existing = function_answer(made, None)
    stubbers["lambda"].add_response("get_function", copy.deepcopy(existing), {"FunctionName": GROUP})
    stubbers["lambda"].add_response("get_function", copy.deepcopy(existing), {"FunctionName": GROUP})  # function_active_v2
    made._create_function(function_create_change(made))


def test_create_function_already_existing_and_ours_but_different_is_updated(lambda_backend, fake_time):
    made, stubbers = lambda_backend
    stubbers["lambda"].add_client_error("create_function", "ResourceConflictException", "Function already exist: instance-scheduler", 409,
                                        response_meta=RETRIED)
    existing = function_answer(made, None, Timeout=3)
    stubbers["lambda"].add_response("get_function", copy.deepcopy(existing))
    stubbers["lambda"].add_response("get_function", copy.deepcopy(existing))  # function_active_v2
    stubbers["lambda"].add_response("update_function_configuration", {}, made.function_request())
    stubbers["lambda"].add_response("get_function", copy.deepcopy(existing))  # function_updated_v2
    made._create_function(function_create_change(made))


def test_create_function_finding_someone_elses_fails(lambda_backend):
    made, stubbers = lambda_backend
    stubbers["lambda"].add_client_error("create_function", "ResourceConflictException", "Function already exist: instance-scheduler", 409,
                                        response_meta=RETRIED)
    stubbers["lambda"].add_response("get_function", dict(function_answer(made, None), Tags={"team": "x"}))
    with pytest.raises(AnsibleAWSError, match="Failed to create the function"):
        made._create_function(function_create_change(made))


def test_add_permission_already_existing_for_this_rule_is_its_own_retry(lambda_backend):
    made, stubbers = lambda_backend
    name = "instance-scheduler-office-start"
    source = "arn:aws:events:us-east-1:123456789012:rule/" + name
    stubbers["lambda"].add_client_error("add_permission", "ResourceConflictException",
                                        "The statement id (%s) provided already exists. Please provide a new statement id" % name, 409, response_meta=RETRIED)
    statement = {"Sid": name, "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                 "Resource": FUNCTION_ARN, "Condition": {"ArnLike": {"AWS:SourceArn": source}}}
    stubbers["lambda"].add_response("get_policy", {"Policy": json.dumps({"Statement": [statement]})}, {"FunctionName": GROUP})
    after = {"sid": name, "principal": "events.amazonaws.com", "action": "lambda:InvokeFunction", "source_arn": source}
    made._apply_permission(None, Change("create", "permission", name, None, after, {"replace": False}))


def test_an_update_in_progress_is_waited_for_not_taken_for_a_conflict(lambda_backend, fake_time):
    made, stubbers = lambda_backend
    stubbers["lambda"].add_client_error("add_permission", "ResourceConflictException",
                                        "The operation cannot be performed at this time. An update is in progress for resource: " + FUNCTION_ARN, 409)
    expected = {"FunctionName": GROUP, "StatementId": "s", "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com", "SourceArn": ANY}
    stubbers["lambda"].add_response("add_permission", {"Statement": "{}"}, expected)
    after = {"sid": "s", "principal": "events.amazonaws.com", "action": "lambda:InvokeFunction", "source_arn": "arn:aws:events:us-east-1:123456789012:rule/s"}
    made._apply_permission(None, Change("create", "permission", "s", None, after, {"replace": False}))
    assert fake_time.sleeps == [1]


# ---- the session log destinations, through our own modules: logs:CreateLogGroup, s3:CreateBucket ----


SESSION_LOG_GROUP = "/aws/ssm/sessions"
SESSION_LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/ssm/sessions"
SESSION_BUCKET = "example-session-logs"


def session_log_group_params(**changes):
    params = dict(name=SESSION_LOG_GROUP, state="present", retention_days=365, kms_key_arn=None, tags={"Team": "a"}, purge_tags=True, adopt=False)
    params.update(changes)
    return params


def answer_session_log_group(stubber, tags, retention=None):
    group = {"logGroupName": SESSION_LOG_GROUP, "arn": SESSION_LOG_GROUP_ARN + ":*", "logGroupArn": SESSION_LOG_GROUP_ARN}
    if retention:
        group["retentionInDays"] = retention
    stubber.add_response("describe_log_groups", {"logGroups": [group]}, {"logGroupNamePrefix": SESSION_LOG_GROUP})
    stubber.add_response("list_tags_for_resource", {"tags": tags}, {"resourceArn": SESSION_LOG_GROUP_ARN})


def test_session_log_group_already_existing_after_retry_gets_its_retention(stubbed):
    logs, stubber = stubbed("logs")
    stubber.add_response("describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": SESSION_LOG_GROUP})
    stubber.add_client_error("create_log_group", "ResourceAlreadyExistsException", "The specified log group already exists", response_meta=RETRIED,
                             expected_params={"logGroupName": SESSION_LOG_GROUP, "tags": dict(OURS, Team="a")})
    answer_session_log_group(stubber, dict(OURS, Team="a"))  # the first attempt made it, with its tags; no retention yet
    stubber.add_response("put_retention_policy", {}, {"logGroupName": SESSION_LOG_GROUP, "retentionInDays": 365})
    answer_session_log_group(stubber, dict(OURS, Team="a"), retention=365)  # the result's view, with the ARN
    result = ssm_session_log_group.run(FakeModule({}), logs, session_log_group_params())
    assert result["changed"] and result["actions"] == ["create_log_group", "put_retention_policy"]
    assert result["log_group"]["retention_days"] == 365 and result["ours"]


def test_session_log_group_made_meanwhile_by_someone_else_fails_and_is_not_taken(stubbed):
    logs, stubber = stubbed("logs")
    stubber.add_response("describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": SESSION_LOG_GROUP})
    stubber.add_client_error("create_log_group", "ResourceAlreadyExistsException", "The specified log group already exists", response_meta=RETRIED)
    answer_session_log_group(stubber, {"Owner": "someone"})
    with pytest.raises(AnsibleAWSError, match="created meanwhile, not by awsops.ssm"):
        ssm_session_log_group.run(FakeModule({}), logs, session_log_group_params())


def test_session_log_group_on_the_wire_a_lost_reply_then_already_exists(monkeypatch):
    """Below botocore's retry loop: CreateLogGroup carried out and its reply lost, the retry answered 'already exists'."""
    waited = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", waited.append)
    monkeypatch.setattr(aws_retries, "monotonic", lambda: float(sum(waited)))
    settings = aws_retries.RetrySettings()
    logs = boto3.client("logs", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=aws_retries.client_config(settings))
    aws_retries.install(logs, settings)
    wire = WireStub(logs)
    group = {"logGroupName": SESSION_LOG_GROUP, "arn": SESSION_LOG_GROUP_ARN + ":*", "logGroupArn": SESSION_LOG_GROUP_ARN}
    wire.answer_json({"logGroups": []})
    wire.raise_error(botocore.exceptions.ConnectionClosedError(endpoint_url="https://logs.us-east-1.amazonaws.com/"))
    wire.answer_error(400, "ResourceAlreadyExistsException", "The specified log group already exists")
    wire.answer_json({"logGroups": [group]})
    wire.answer_json({"tags": dict(OURS, Team="a")})
    wire.answer_json({})
    wire.answer_json({"logGroups": [dict(group, retentionInDays=365)]})
    wire.answer_json({"tags": dict(OURS, Team="a")})
    result = ssm_session_log_group.run(FakeModule({}), logs, session_log_group_params())
    assert result["actions"] == ["create_log_group", "put_retention_policy"]
    assert wire.sent == ["DescribeLogGroups", "CreateLogGroup", "CreateLogGroup", "DescribeLogGroups", "ListTagsForResource",
                         "PutRetentionPolicy", "DescribeLogGroups", "ListTagsForResource"]
    assert len(waited) == 1  # one backoff, before the retry of the create


def session_bucket_params(**changes):
    params = dict(name=SESSION_BUCKET, state="present", kms_key_arn="", tags={"Team": "a"}, purge_tags=True, adopt=False)
    params.update(changes)
    return params


def test_session_log_bucket_already_owned_by_you_after_retry_is_finished(stubbed):
    s3, stubber = stubbed("s3")
    module = FakeModule({})
    module.region = "eu-west-1"  # outside us-east-1 a CreateBucket of a bucket you own answers BucketAlreadyOwnedByYou
    stubber.add_client_error("get_bucket_location", "NoSuchBucket", "The specified bucket does not exist", 404)
    create = {"Bucket": SESSION_BUCKET, "ObjectOwnership": "BucketOwnerEnforced", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}
    stubber.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.",
                             409, response_meta=RETRIED, expected_params=create)
    # Read back: the first attempt made it, untagged and unconfigured (the run's next steps never came).
    stubber.add_response("get_bucket_location", {"LocationConstraint": "eu-west-1"}, {"Bucket": SESSION_BUCKET})
    stubber.add_client_error("get_bucket_tagging", "NoSuchTagSet", "The TagSet does not exist", 404)
    stubber.add_client_error("get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", "none", 404)
    stubber.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", "none", 404)
    stubber.add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
                         {"Bucket": SESSION_BUCKET})
    stubber.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none", 404)
    for operation in ("put_bucket_tagging", "put_public_access_block", "put_bucket_encryption", "put_bucket_policy"):
        stubber.add_response(operation, {}, dict(ANY_BUCKET_REQUEST[operation], Bucket=SESSION_BUCKET))
    result = ssm_session_log_bucket.run(module, s3, session_bucket_params())
    assert result["actions"] == ["create_bucket", "put_bucket_tagging", "put_public_access_block", "put_bucket_encryption", "put_bucket_policy"]
    assert result["ours"] and result["changed"]


def test_session_log_bucket_someone_else_tagged_meanwhile_is_not_taken(stubbed):
    s3, stubber = stubbed("s3")
    module = FakeModule({})
    module.region = "eu-west-1"
    stubber.add_client_error("get_bucket_location", "NoSuchBucket", "The specified bucket does not exist", 404)
    stubber.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", "you already own it", 409, response_meta=RETRIED)
    stubber.add_response("get_bucket_location", {"LocationConstraint": "eu-west-1"}, {"Bucket": SESSION_BUCKET})
    stubber.add_response("get_bucket_tagging", {"TagSet": [{"Key": "Owner", "Value": "someone"}]}, {"Bucket": SESSION_BUCKET})
    with pytest.raises(AnsibleAWSError, match="created meanwhile, not by awsops.ssm"):
        ssm_session_log_bucket.run(module, s3, session_bucket_params())


ANY_BUCKET_REQUEST = {
    "put_bucket_tagging": {"Tagging": {"TagSet": [{"Key": "Team", "Value": "a"}, {"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]}},
    "put_public_access_block": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                                                                   "RestrictPublicBuckets": True}},
    "put_bucket_encryption": {"ServerSideEncryptionConfiguration": ANY},
    "put_bucket_policy": {"Policy": ANY},
}
