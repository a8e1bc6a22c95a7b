# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Answers to a botocore client's HTTP requests, below its retry layer.

botocore's Stubber answers before the request is built, so botocore's retry
handler never runs under it. WireStub answers at ``before-send``, inside the
retry loop: an answer may be an exception (ConnectionClosedError after the
request was "carried out", as when a reply is lost) or an HTTP response in the
service's wire format, and botocore parses it and decides to retry exactly as
it does with AWS. Every request sent is recorded (operation name, in order).
"""

import json

from botocore.awsrequest import AWSResponse

from .fault_proxy import error_reply


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


class WireStub:
    """WireStub(client).answer(...) queues answers; sent lists the operations of the requests sent."""

    def __init__(self, client):
        self.client = client
        self.protocol = client.meta.service_model.metadata["protocol"]
        self.answers = []
        self.sent = []
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register("before-send.%s" % service, self._send)

    def answer_error(self, status, code, message="error"):
        self.answers.append(error_reply(self.protocol, status, code, message))

    def answer_json(self, body, status=200):
        content_type = "application/x-amz-json-1.1" if self.protocol == "json" else "application/json"
        self.answers.append((status, {"Content-Type": content_type, "x-amzn-RequestId": "wire-stub"}, json.dumps(body).encode()))

    def raise_error(self, error):
        self.answers.append(error)

    def _send(self, request, event_name="", **_kwargs):
        self.sent.append(event_name.rsplit(".", 1)[-1])
        if not self.answers:
            raise AssertionError("WireStub: no answer queued for request %d" % len(self.sent))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers, body = answer
        return AWSResponse(request.url, status, headers, _Raw(body))
