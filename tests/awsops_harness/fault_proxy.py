# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An HTTP proxy in front of the moto server that makes the network and AWS misbehave.

Point ``aws_endpoint_url`` at ``FaultProxy.url`` instead of the moto server:
every request goes through the real botocore stack of the modules (their
retry handler included) and reaches moto unless a fault says otherwise.
Faults (``Faults``; change them while the proxy runs):

* ``latency_ms``: a delay before every AWS request is forwarded, as a round
  trip to AWS costs (20-150 ms) where moto answers in about 4;
* ``throttle_share`` / ``server_error_share``: that share of AWS requests
  (drawn with a seeded random generator) is answered, without reaching moto,
  with AWS's throttling error or an HTTP 500, in the wire format of the
  service's protocol (json, rest-json, query, ec2, rest-xml), so botocore
  parses them as it parses AWS's;
* ``lose_first_write_replies``: the first time each distinct write request
  (same method, path and body) arrives, it is forwarded to moto, which
  carries it out, and then the connection is closed without a reply, as when
  an answer is lost on the way back (botocore sees ConnectionClosedError);
* ``persistent_error``: every AWS request of the named operations
  (``{"kms:CreateKey"}``, or None for all) is answered with that HTTP status
  (500 InternalFailure), for as long as it is set.

Each fault it injects is appended to ``injected`` as (operation, kind), so a
test can assert that the faults happened. Requests that are not AWS calls
(the moto API) pass untouched.
"""

import http.client
import http.server
import random
import sys
import threading
import time
from urllib.parse import urlsplit

from .aws_calls import operation_of
from .aws_calls import service_protocol

HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"))

# (HTTP status, error code) per protocol: what AWS answers when it throttles.
THROTTLE = {
    "json": (400, "ThrottlingException"),
    "rest-json": (429, "TooManyRequestsException"),
    "query": (400, "Throttling"),
    "ec2": (503, "RequestLimitExceeded"),
    "rest-xml": (503, "SlowDown"),
}
SERVER_ERROR = {
    "json": "InternalFailure",
    "rest-json": "InternalFailure",
    "query": "InternalFailure",
    "ec2": "InternalError",
    "rest-xml": "InternalError",
}


class Faults:
    """What the proxy does; every attribute may change while it runs."""

    def __init__(self, latency_ms=0, throttle_share=0.0, server_error_share=0.0, lose_first_write_replies=False, persistent_error=None, seed=0):
        self.latency_ms = latency_ms
        self.throttle_share = throttle_share
        self.server_error_share = server_error_share
        self.lose_first_write_replies = lose_first_write_replies
        # None, or {"operations": set of "service:Operation" or None for every one, "status": 500}
        self.persistent_error = persistent_error
        self.seed = seed


def error_reply(protocol, status, code, message):
    """(status, headers, body) of an AWS error in the service protocol's wire format."""
    request_id = "awsops-fault-proxy"
    if protocol == "json":
        body = '{"__type": "%s", "message": "%s"}' % (code, message)
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}, body.encode()
    if protocol == "rest-json":
        body = '{"message": "%s", "Message": "%s"}' % (message, message)
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}, body.encode()
    if protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>"
            % ("Receiver" if status >= 500 else "Sender", code, message, request_id)
        )
        return status, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "ec2":
        body = "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>" % (
            code,
            message,
            request_id,
        )
        return status, {"Content-Type": "text/xml"}, body.encode()
    body = "<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>" % (code, message, request_id)
    return status, {"Content-Type": "application/xml"}, body.encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "awsops-fault-proxy"
    # The reply goes out as headers, then body: with Nagle's algorithm the body waits for the client's delayed
    # ACK of the headers (about 40 ms), which would double a 50 ms latency.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        proxy = self.server.proxy
        body = self._body()
        entry = {"headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace"), "url": self.path, "method": self.command}
        try:
            call = operation_of(entry)
        except (LookupError, KeyError, ValueError):
            call = None
        if call is None:
            self._reply(*proxy.forward(self.command, self.path, self.headers, body))
            return
        fault = proxy.fault_for(call, self.command, self.path, body)
        if proxy.faults.latency_ms:
            time.sleep(proxy.faults.latency_ms / 1000.0)
        if fault in ("throttle", "server_error", "persistent_error"):
            protocol = service_protocol(call.service)
            if fault == "throttle":
                status, code = THROTTLE.get(protocol, THROTTLE["json"])
                message = "Rate exceeded (injected by the fault proxy)"
            else:
                status = (proxy.faults.persistent_error or {}).get("status", 500) if fault == "persistent_error" else 500
                code = SERVER_ERROR.get(protocol, "InternalFailure")
                message = "We encountered an internal error. Please try again. (injected by the fault proxy)"
            status, headers, reply = error_reply(protocol, status, code, message)
            self._reply(status, list(headers.items()), reply)
            return
        answer = proxy.forward(self.command, self.path, self.headers, body)
        if fault == "lose_reply":
            self.close_connection = True  # the request was carried out; its answer never arrives
            return
        self._reply(*answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that gave up on its request (a read timeout, then a retry) is not an error of the proxy."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class FaultProxy:
    """start(); url; faults (a Faults); injected; reset(); stop()."""

    def __init__(self, upstream_url, faults=None):
        self.upstream = urlsplit(upstream_url)
        self.faults = faults or Faults()
        self.injected = []
        self._lock = threading.Lock()
        self._random = random.Random(self.faults.seed)
        self._seen_writes = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def reset(self, faults=None):
        """New faults; forgets what was injected and which writes were seen."""
        with self._lock:
            self.faults = faults or Faults()
            self._random = random.Random(self.faults.seed)
            self._seen_writes = set()
            self.injected = []

    def injected_kinds(self, kind):
        return [operation for operation, injected in self.injected if injected == kind]

    def fault_for(self, call, method, path, body):
        """None, "throttle", "server_error", "persistent_error" or "lose_reply" for one AWS request."""
        faults = self.faults
        with self._lock:
            fault = None
            persistent = faults.persistent_error
            if persistent and (persistent.get("operations") is None or str(call) in persistent["operations"]):
                fault = "persistent_error"
            elif faults.throttle_share or faults.server_error_share:
                draw = self._random.random()
                if draw < faults.throttle_share:
                    fault = "throttle"
                elif draw < faults.throttle_share + faults.server_error_share:
                    fault = "server_error"
            if fault is None and faults.lose_first_write_replies and call.is_write:
                key = (method, path, body)
                if key not in self._seen_writes:
                    self._seen_writes.add(key)
                    fault = "lose_reply"
            if fault:
                self.injected.append((str(call), fault))
            return fault

    def forward(self, method, path, headers, body):
        """(status, [(header, value)], body) of the upstream's answer."""
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=120)
        try:
            forwarded = dict((name, value) for name, value in headers.items() if name.lower() not in HOP_BY_HOP and name.lower() != "expect")
            forwarded["Content-Length"] = str(len(body))
            connection.request(method, path, body=body, headers=forwarded)
            response = connection.getresponse()
            data = response.read()
            return response.status, [(name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP], data
        finally:
            connection.close()
