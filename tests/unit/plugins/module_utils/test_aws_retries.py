# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one retry layer: what it retries, how long, and what it never resends.

The clients are real botocore clients with BoundedRetry installed; WireStub
answers their HTTP requests below botocore's retry loop (with AWS's error
bodies for each protocol), so botocore parses every answer and consults the
handler exactly as it does against AWS. fake_time advances the handler's
clock by the waits it asks for, so the bounds run without waiting.
"""

import boto3
import botocore.config
import botocore.endpoint
import botocore.exceptions
import pytest

from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries
from ansible_collections.awsops.ssm.plugins.module_utils import parallel_reads

from awsops_harness.wire_stub import WireStub

LOST_REPLY = botocore.exceptions.ConnectionClosedError(endpoint_url="https://kms.us-east-1.amazonaws.com/")
NO_CONNECTION = botocore.exceptions.EndpointConnectionError(endpoint_url="https://kms.us-east-1.amazonaws.com/")


def client(service, settings=None):
    settings = settings or aws_retries.RetrySettings()
    made = boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=aws_retries.client_config(settings),
    )
    aws_retries.install(made, settings)
    return made


@pytest.fixture
def sleeps(monkeypatch):
    """botocore sleeps between attempts (endpoint.time.sleep); the handler's clock follows the sleeps."""
    waited = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", waited.append)
    monkeypatch.setattr(aws_retries, "monotonic", lambda: float(sum(waited)))
    return waited


def test_throttling_is_retried_with_jittered_backoff_then_succeeds(sleeps):
    kms = client("kms")
    wire = WireStub(kms)
    for _attempt in range(3):
        wire.answer_error(400, "ThrottlingException", "Rate exceeded")
    wire.answer_json({"Keys": [], "Truncated": False})
    answer = kms.list_keys()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 3
    assert wire.sent == ["ListKeys"] * 4
    # throttling: up to 1, 2, 4 seconds (full jitter: any amount below)
    assert len(sleeps) == 3 and all(0 <= wait <= 2 ** index for index, wait in enumerate(sleeps))


def test_a_persistent_server_error_fails_within_the_bound_with_the_aws_code_and_message(sleeps):
    kms = client("kms")  # the defaults: 10 attempts, 30 seconds
    wire = WireStub(kms)
    for _attempt in range(10):
        wire.answer_error(500, "KMSInternalException", "We encountered an internal error")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        kms.describe_key(KeyId="alias/ssm-sessions")
    assert raised.value.response["Error"] == {"Code": "KMSInternalException", "Message": "We encountered an internal error"}
    assert "(reached max retries: 9)" in str(raised.value)
    assert len(wire.sent) == aws_retries.DEFAULT_ATTEMPTS
    assert sum(sleeps) <= aws_retries.DEFAULT_SECONDS
    # at most 30 s of waits, plus the last attempt's connect and read timeouts: under a minute
    assert aws_retries.DEFAULT_SECONDS + aws_retries.CONNECT_TIMEOUT + aws_retries.READ_TIMEOUT < 60


def test_the_time_budget_ends_the_retries_before_the_attempts_do(sleeps):
    kms = client("kms", aws_retries.RetrySettings(attempts=50, seconds=10))
    wire = WireStub(kms)
    for _attempt in range(50):
        wire.answer_error(400, "ThrottlingException", "Rate exceeded")
    with pytest.raises(botocore.exceptions.ClientError, match="ThrottlingException"):
        kms.list_keys()
    assert sum(sleeps) <= 10
    assert len(wire.sent) < 50
    wire.answers = []


def test_connection_errors_are_retried(sleeps):
    logs = client("logs")
    wire = WireStub(logs)
    wire.raise_error(LOST_REPLY)
    wire.answer_json({"logGroups": []})
    assert logs.describe_log_groups()["logGroups"] == []
    assert wire.sent == ["DescribeLogGroups", "DescribeLogGroups"]


def test_a_lost_reply_to_a_create_comes_back_as_already_exists_with_its_retry_count(sleeps):
    """What every create path's "already exists" branch receives (the Stubber tests give them this ClientError)."""
    kms = client("kms")
    wire = WireStub(kms)
    wire.raise_error(LOST_REPLY)  # AWS made the alias; its answer is lost
    wire.answer_error(400, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:123456789012:alias/ssm-sessions already exists")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        kms.create_alias(AliasName="alias/ssm-sessions", TargetKeyId="0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9")
    assert aws_retries.error_code(raised.value) == "AlreadyExistsException"
    assert aws_retries.retry_attempts(raised.value) == 1
    assert wire.sent == ["CreateAlias", "CreateAlias"]


@pytest.mark.parametrize(
    "service, call, code",
    [
        ("scheduler", lambda c: c.get_schedule(Name="office-start", GroupName="g"), "ConflictException"),
        ("ec2", lambda c: c.describe_instances(), "IncorrectState"),
        ("iam", lambda c: c.get_role(RoleName="r"), "EntityAlreadyExists"),
    ],
)
def test_error_bodies_of_every_protocol_parse_to_their_code(sleeps, service, call, code):
    made = client(service)
    wire = WireStub(made)
    wire.answer_error(409 if service == "scheduler" else 400, code, "exists")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(made)
    assert aws_retries.error_code(raised.value) == code
    assert wire.sent and sleeps == []


def test_create_key_is_never_resent_when_it_may_have_worked(sleeps):
    kms = client("kms")
    wire = WireStub(kms)
    wire.raise_error(LOST_REPLY)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        kms.create_key(Description="x")
    assert wire.sent == ["CreateKey"]
    wire.answer_error(500, "KMSInternalException", "internal")
    with pytest.raises(botocore.exceptions.ClientError):
        kms.create_key(Description="x")
    assert wire.sent == ["CreateKey"] * 2


def test_create_key_is_resent_when_it_certainly_did_not_work(sleeps):
    kms = client("kms")
    wire = WireStub(kms)
    wire.answer_error(400, "ThrottlingException", "Rate exceeded")
    wire.raise_error(NO_CONNECTION)
    wire.answer_json({"KeyMetadata": {"KeyId": "k", "Arn": "arn:aws:kms:us-east-1:123456789012:key/k"}})
    assert kms.create_key(Description="x")["KeyMetadata"]["KeyId"] == "k"
    assert wire.sent == ["CreateKey"] * 3


def test_send_once_looks_for_the_effect_before_sending_again(fake_time):
    sent, found = [], [None, {"KeyId": "made-by-the-lost-attempt"}]

    def send():
        sent.append(1)
        raise LOST_REPLY

    assert aws_retries.send_once(send, lambda: found.pop(0)) == {"KeyId": "made-by-the-lost-attempt"}
    assert len(sent) == 2  # the first search found nothing: sent once more; the second found the key


def test_send_once_is_bounded(fake_time):
    sent = []

    def send():
        sent.append(1)
        raise LOST_REPLY

    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        aws_retries.send_once(send, lambda: None, aws_retries.RetrySettings(attempts=4, seconds=30))
    assert len(sent) == 4


def test_send_once_does_not_resend_a_plain_failure(fake_time):
    def send():
        raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "CreateKey")

    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        aws_retries.send_once(send, lambda: pytest.fail("no search after an error that took no effect"))


def test_what_may_have_taken_effect():
    def error(code, status):
        return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": status}}, "CreateKey")

    assert aws_retries.outcome_unknown(error("KMSInternalException", 500))
    assert aws_retries.outcome_unknown(LOST_REPLY)
    assert not aws_retries.outcome_unknown(error("ThrottlingException", 400))
    assert not aws_retries.outcome_unknown(error("AccessDeniedException", 400))
    assert not aws_retries.outcome_unknown(NO_CONNECTION)


def test_settings_from_the_environment():
    assert vars(aws_retries.settings_from_environment({})[0]) == {"attempts": 10, "seconds": 30}
    settings, problems = aws_retries.settings_from_environment({"AWSOPS_SSM_RETRY_ATTEMPTS": "3", "AWSOPS_SSM_RETRY_SECONDS": "2.5"})
    assert (settings.attempts, settings.seconds, problems) == (3, 2.5, [])
    bad = {"AWSOPS_SSM_RETRY_ATTEMPTS": "0", "AWSOPS_SSM_RETRY_SECONDS": "soon", "AWSOPS_SSM_READ_WORKERS": "99"}
    _settings, problems = aws_retries.settings_from_environment(bad)
    assert problems == [
        "AWSOPS_SSM_RETRY_ATTEMPTS: '0' is not a whole number from 1 to 50",
        "AWSOPS_SSM_RETRY_SECONDS: 'soon' is not a number of seconds from 0 to 600",
        "AWSOPS_SSM_READ_WORKERS: '99' is not a whole number from 1 to 32",
    ]


def test_aws_config_attempts_replace_the_default():
    settings = aws_retries.RetrySettings()
    made = boto3.client("kms", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t",
                        config=aws_retries.client_config(settings).merge(botocore.config.Config(retries={"total_max_attempts": 2})))
    assert aws_retries.install(made, settings).settings.attempts == 2


def test_resend_while_waits_only_for_what_is_not_ready(fake_time):
    answers = [botocore.exceptions.ClientError({"Error": {"Code": "NoSuchEntity", "Message": ""}}, "AttachRolePolicy"), "done"]

    def send():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert aws_retries.resend_while(send, aws_retries.has_code("NoSuchEntity")) == "done"
    assert fake_time.sleeps == [1]
    answers.append(botocore.exceptions.ClientError({"Error": {"Code": "Throttling", "Message": ""}}, "AttachRolePolicy"))
    with pytest.raises(botocore.exceptions.ClientError, match="Throttling"):
        aws_retries.resend_while(send, aws_retries.has_code("NoSuchEntity"))
    assert fake_time.sleeps == [1]  # a failure that is not "not ready" is not waited for


def test_every_client_has_a_connection_for_each_parallel_read():
    """botocore keeps 10 connections per client; AWSOPS_SSM_READ_WORKERS allows up to 32 reads at a time."""
    settings, _problems = aws_retries.settings_from_environment({})
    assert aws_retries.client_config(settings).max_pool_connections == parallel_reads.MAX_WORKERS
