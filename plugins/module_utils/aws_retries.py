# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One retry layer for every AWS call of this collection, bounded in attempts and in time.

Every client this collection makes comes from ``client()``, which replaces
botocore's own retry handler with ``BoundedRetry``, so a request is retried
in one place only (amazon.aws's ``AWSRetry`` on top of botocore's retries
made 36 attempts over 3 minutes 43 seconds of one failing CreateKey):

* **What is retried**: botocore's standard retry conditions - throttling
  (error codes such as ``Throttling``, ``ThrottlingException``,
  ``RequestLimitExceeded``, and HTTP 429), transient errors (HTTP 500, 502,
  503, 504, ``RequestTimeout``), errors the service model marks retryable,
  and connection errors (no answer, connection reset, read timeout).
* **How**: botocore's standard backoff, truncated binary exponential with
  full jitter: before attempt i+1 a random wait of up to 2^(i-1) seconds for
  throttling, 0.05 x 2^(i-1) seconds otherwise, never more than 20 seconds,
  raised to ``x-amz-retry-after`` when AWS sends one.
* **How long**: at most ``AWSOPS_SSM_RETRY_ATTEMPTS`` attempts (default
  10), and no attempt begins later than ``AWSOPS_SSM_RETRY_SECONDS``
  seconds (default 30) after the first: a wait is cut short to fit. An
  attempt waits at most CONNECT_TIMEOUT seconds to connect and READ_TIMEOUT
  for an answer. So a call that keeps failing fails within
  30 + 5 + 20 = 55 seconds with AWS's error code and message (botocore
  adds "reached max retries: N").
* **Writes AWS cannot recognise when sent twice** (UNSAFE_TO_RESEND:
  ``kms:CreateKey`` has no name, so a resent request makes a second key):
  retried here only when the request certainly took no effect (throttled,
  or the connection was never made). Otherwise the caller looks for its
  effect before it sends again: ``send_once()``.

The module option ``aws_config`` of every module (amazon.aws's) overrides
the client settings below, for example ``{"read_timeout": 60}`` or
``{"retries": {"total_max_attempts": 3}}``.

Waiting for AWS's eventual consistency (a role that Lambda cannot assume yet,
an instance profile that EC2 does not know yet) is not a retry of a failure:
``resend_while()`` sends a write again while AWS answers that it is not
ready, for at most CONSISTENCY_SECONDS; a throttled or failing send is not
"not ready" and ends it.
"""

import os
import random
import time

from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import DEFAULT_WORKERS
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import MAX_WORKERS
from ansible_collections.awsops.ssm.plugins.module_utils.parallel_reads import WORKERS_VARIABLE

try:
    import botocore.config
    import botocore.exceptions
    from botocore.retries import standard
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

ATTEMPTS_VARIABLE = "AWSOPS_SSM_RETRY_ATTEMPTS"
SECONDS_VARIABLE = "AWSOPS_SSM_RETRY_SECONDS"
DEFAULT_ATTEMPTS = 10
DEFAULT_SECONDS = 30
ATTEMPTS_RANGE = (1, 50)
SECONDS_RANGE = (0, 600)
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
MAX_WAIT = 20
# Waits between resends of a write while AWS is not ready yet (eventual consistency), at most
# CONSISTENCY_SECONDS in all: IAM changes reach other services within seconds, rarely half a minute.
CONSISTENCY_DELAYS = (1, 2, 4, 8)
CONSISTENCY_SECONDS = 45

# By botocore service id (hyphenized), the operations a resend could apply twice.
UNSAFE_TO_RESEND = {"kms": frozenset(["CreateKey"])}

_STARTED = "awsops_ssm_first_attempt"


def monotonic():
    """The clock of every bound here (a test replaces it, with time.sleep, to run bounds without waiting)."""
    return time.monotonic()


class RetrySettings:
    """How often and how long one call is tried."""

    def __init__(self, attempts=DEFAULT_ATTEMPTS, seconds=DEFAULT_SECONDS):
        self.attempts = attempts
        self.seconds = seconds

    def __repr__(self):
        return "RetrySettings(attempts=%r, seconds=%r)" % (self.attempts, self.seconds)


def _number(environ, name, default, bounds, kind):
    text = environ.get(name, "").strip()
    if not text:
        return default, None
    low, high = bounds
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        return default, "%s: %r is not a %s from %s to %s" % (name, text, "whole number" if kind is int else "number of seconds", low, high)
    return value, None


def settings_from_environment(environ=None):
    """(RetrySettings, problems) from AWSOPS_SSM_RETRY_ATTEMPTS and AWSOPS_SSM_RETRY_SECONDS (and AWSOPS_SSM_READ_WORKERS checked)."""
    environ = os.environ if environ is None else environ
    attempts, attempts_problem = _number(environ, ATTEMPTS_VARIABLE, DEFAULT_ATTEMPTS, ATTEMPTS_RANGE, int)
    seconds, seconds_problem = _number(environ, SECONDS_VARIABLE, DEFAULT_SECONDS, SECONDS_RANGE, float)
    # Checked here so that a bad value fails the module when it makes its first client (parallel_reads falls back to its default).
    _workers, workers_problem = _number(environ, WORKERS_VARIABLE, DEFAULT_WORKERS, (1, MAX_WORKERS), int)
    return RetrySettings(attempts, seconds), [problem for problem in (attempts_problem, seconds_problem, workers_problem) if problem]


def client_config(settings):
    """The botocore Config of every client: the attempts (read back by install) and the timeouts."""
    return botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": settings.attempts},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        # One connection per thread of parallel_reads at its largest (botocore keeps 10): no read waits for a connection.
        max_pool_connections=MAX_WORKERS,
    )


def may_have_taken_effect(error_or_context):
    """Whether a failed request may still have been carried out by AWS.

    Throttled requests were not; neither were requests whose connection was
    never made (botocore's ConnectionError family: endpoint unreachable,
    connect timeout, proxy or TLS failure). A lost answer (connection closed,
    read timeout) or a server error (5xx) may have followed the work.
    """
    if isinstance(error_or_context, standard.RetryContext):
        context = error_or_context
    else:
        context = _context_of(error_or_context)
    if _THROTTLING.is_throttling_error_from_context(context):
        return False
    if context.caught_exception is not None:
        return isinstance(context.caught_exception, botocore.exceptions.HTTPClientError)
    return True


def _context_of(error):
    """A RetryContext for an exception raised by a call (for may_have_taken_effect)."""
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return standard.RetryContext(attempt_number=1, parsed_response=error.response, http_response=_Status(status))
    return standard.RetryContext(attempt_number=1, caught_exception=error)


class _Status:
    """The part of an HTTP response the throttling checks read."""

    def __init__(self, status_code):
        self.status_code = status_code
        self.headers = {}


def outcome_unknown(error):
    """Whether a call failed in a way that may hide a success: retryable, and possibly carried out."""
    if isinstance(error, botocore.exceptions.ClientError):
        context = _context_of(error)
        return _RETRYABLE.is_retryable(context) and may_have_taken_effect(context)
    return isinstance(error, botocore.exceptions.HTTPClientError)


try:
    _THROTTLING = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
    _RETRYABLE = standard.OrRetryChecker(
        [
            standard.TransientRetryableChecker(),
            standard.ThrottledRetryableChecker(),
            standard.ThrottlingStatusCodeChecker(),
            standard.ModeledRetryableChecker(),
        ]
    )
except NameError:
    _THROTTLING = _RETRYABLE = None  # no botocore: AnsibleAWSModule fails before any client


class BoundedRetry:
    """The needs-retry handler of one client (see the module docstring)."""

    def __init__(self, service_name, settings, clock=None, jitter=random.random):
        self.service_name = service_name
        self.settings = settings
        self._clock = clock
        self._adapter = standard.RetryEventAdapter()
        self._backoff = standard.ExponentialBackoff(max_backoff=MAX_WAIT, random=jitter, service_name=service_name, throttling_detector=_THROTTLING)
        self._unsafe = UNSAFE_TO_RESEND.get(service_name, frozenset())

    def now(self):
        return (self._clock or monotonic)()

    def note_start(self, context=None, **kwargs):
        """before-call: when the first attempt of this call began (the budget counts from it)."""
        if context is not None:
            context.setdefault(_STARTED, self.now())

    def needs_retry(self, request_dict=None, response=None, attempts=1, caught_exception=None, operation=None, **kwargs):
        """None: do not retry; a number: wait that many seconds, then send the request again."""
        request_context = (request_dict or {}).get("context", {})
        context = self._adapter.create_retry_context(
            request_dict={"context": request_context},
            response=response,
            attempts=attempts,
            caught_exception=caught_exception,
            operation=operation,
        )
        if not _RETRYABLE.is_retryable(context):
            return None
        if operation is not None and operation.name in self._unsafe and may_have_taken_effect(context):
            return None
        now = self.now()
        remaining = self.settings.seconds - (now - request_context.get(_STARTED, now))
        if attempts >= self.settings.attempts or remaining <= 0:
            self._mark_exhausted(context)
            return None
        return min(self._backoff.delay_amount(context), remaining)

    @staticmethod
    def _mark_exhausted(context):
        if context.parsed_response is not None:
            context.parsed_response.setdefault("ResponseMetadata", {})["MaxAttemptsReached"] = True


def install(connection, settings):
    """Replaces botocore's retry handler of a client by BoundedRetry; returns the handler."""
    service = connection.meta.service_model.service_id.hyphenize()
    configured = (connection.meta.config.retries or {}).get("total_max_attempts")
    if configured:
        settings = RetrySettings(int(configured), settings.seconds)
    handler = BoundedRetry(service, settings)
    unique_id = "retry-config-%s" % service
    connection.meta.events.unregister("needs-retry.%s" % service, unique_id=unique_id)
    connection.meta.events.register("needs-retry.%s" % service, handler.needs_retry, unique_id=unique_id)
    connection.meta.events.register("before-call.%s" % service, handler.note_start, unique_id="awsops-ssm-retry-start-%s" % service)
    return handler


def settings_or_fail(module):
    settings, problems = settings_from_environment()
    if problems:
        module.fail_json(msg="; ".join(problems))
    return settings


def client(module, service):
    """A boto3 client of the module's connection options, with this collection's one retry layer."""
    settings = settings_or_fail(module)
    connection = module.client(service, config=client_config(settings))
    install(connection, settings)
    return connection


def session_client(session, service, endpoint_url=None):
    """A client of a boto3 session (the controller's reads, no module), with the same retry layer.

    Raises ValueError naming the variable when the retry settings are not valid.
    """
    settings, problems = settings_from_environment()
    if problems:
        raise ValueError("; ".join(problems))
    connection = session.client(service, endpoint_url=endpoint_url, config=client_config(settings))
    install(connection, settings)
    return connection


def backoff_delay(attempt, jitter=random.random):
    """The wait before attempt+1 after a non-throttling failure, as botocore's standard backoff."""
    return jitter() * min(0.05 * 2 ** (attempt - 1), MAX_WAIT)


def send_once(send, find_effect, settings=None, clock=None, sleep=None):
    """A write of UNSAFE_TO_RESEND, sent again only after checking that the last one took no effect.

    send() makes the call (botocore retries it only when it certainly failed);
    when it fails in a way that may hide a success (outcome_unknown),
    find_effect() looks for what it made and returns it, or None. Bounded
    like every call: settings.attempts sends within settings.seconds.
    """
    settings = settings or settings_from_environment()[0]
    sleep = sleep or time.sleep
    clock = clock or monotonic
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            if not outcome_unknown(error):
                raise
            found = find_effect()
            if found is not None:
                return found
            delay = backoff_delay(attempt)
            if attempt >= settings.attempts or clock() - started + delay > settings.seconds:
                raise
            sleep(delay)


def resend_while(send, not_ready, seconds=CONSISTENCY_SECONDS, clock=None, sleep=None, delays=CONSISTENCY_DELAYS):
    """send(), sent again while it fails with an error for which not_ready(error) is true.

    For AWS's eventual consistency only (an IAM role or instance profile that
    another service does not see yet, a Lambda function still updating):
    waits of delays (the last one repeated), for at most seconds in all;
    then the last error is raised. Each send has its own retries (BoundedRetry).
    """
    sleep = sleep or time.sleep
    clock = clock or monotonic
    started = clock()
    attempt = 0
    while True:
        try:
            return send()
        except botocore.exceptions.ClientError as error:
            if not not_ready(error):
                raise
            delay = delays[min(attempt, len(delays) - 1)]
            attempt += 1
            if clock() - started + delay > seconds:
                raise
            sleep(delay)


def _client_error(error):
    """The botocore ClientError behind an error (an AnsibleAWSError wraps one as .exception), or None."""
    error = getattr(error, "exception", None) or error
    return error if isinstance(error, botocore.exceptions.ClientError) else None


def error_code(error):
    """The AWS error code of a ClientError (or of the one an AnsibleAWSError wraps), else None."""
    error = _client_error(error)
    return error.response.get("Error", {}).get("Code") if error is not None else None


def error_message(error):
    error = _client_error(error)
    return error.response.get("Error", {}).get("Message", "") if error is not None else ""


def has_code(*codes):
    """A predicate for resend_while: the error's code is one of codes."""
    return lambda error: error_code(error) in codes


def retry_attempts(error):
    """How many times botocore sent the failed call again before this answer (ResponseMetadata.RetryAttempts)."""
    error = _client_error(error)
    return (error.response.get("ResponseMetadata") or {}).get("RetryAttempts", 0) if error is not None else 0
