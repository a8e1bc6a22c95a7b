# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names the AWS operation behind each request the moto server recorded.

The recorder stores raw HTTP requests. The service comes from the SigV4
credential scope; the operation from the protocol, as botocore's own service
model defines it: the X-Amz-Target header (json), the Action parameter
(query/ec2) or the method and URI template (rest-json/rest-xml).
"""

import base64
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import botocore.session

# An operation that only reads starts with one of these words.
READ_PREFIXES = ("Describe", "Get", "List", "Head", "Search", "Lookup", "BatchGet")

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str
    region: str

    @property
    def is_write(self):
        return not self.operation.startswith(READ_PREFIXES)

    def __str__(self):
        return "%s:%s" % (self.service, self.operation)


@lru_cache(maxsize=None)
def _session():
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _service_model(signing_name):
    session = _session()
    # Several models may sign alike (events and eventbridgev2): the one named so comes first.
    names = session.get_available_services()
    for name in sorted(names, key=lambda name: name != signing_name):
        model = session.get_service_model(name)
        if model.signing_name == signing_name:
            return model
    raise LookupError("no botocore service signs as %r" % signing_name)


@lru_cache(maxsize=None)
def service_protocol(service_name):
    """The wire protocol (json, rest-json, query, ec2, rest-xml) of a service, by its botocore name."""
    return _session().get_service_model(service_name).metadata["protocol"]


def _uri_pattern(request_uri):
    """A regex for a rest URI template such as /2015-03-31/functions/{FunctionName}/policy?Qualifier."""
    path, _separator, query = request_uri.partition("?")
    regex = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
    regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", regex)
    required_query = [part.split("=")[0] for part in query.split("&") if part]
    return re.compile("^" + regex + "$"), required_query


@lru_cache(maxsize=None)
def _rest_operations(signing_name):
    model = _service_model(signing_name)
    table = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        pattern, required_query = _uri_pattern(http["requestUri"])
        # Most specific first: longer templates and more required query keys.
        weight = (len(required_query), len(http["requestUri"]))
        table.append((weight, http["method"], pattern, required_query, name))
    table.sort(key=lambda row: row[0], reverse=True)
    return table


def _body(entry):
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return body


def operation_of(entry):
    """The AwsCall for one recorded request, or None for non-AWS requests."""
    headers = dict((key.lower(), value) for key, value in entry["headers"].items())
    scope = _SCOPE.search(headers.get("authorization", ""))
    if not scope:
        return None
    service, region = scope.group("service"), scope.group("region")
    model = _service_model(service)
    protocol = model.metadata["protocol"]
    if protocol == "json" or "x-amz-target" in headers:
        operation = headers["x-amz-target"].rsplit(".", 1)[-1]
    elif protocol in ("query", "ec2"):
        operation = parse_qs(_body(entry))["Action"][0]
    else:
        url = urlsplit(entry["url"])
        query_keys = set(parse_qs(url.query, keep_blank_values=True))
        operation = None
        for _weight, method, pattern, required_query, name in _rest_operations(service):
            if method == entry["method"] and pattern.match(url.path) and set(required_query) <= query_keys:
                operation = name
                break
        if operation is None:
            raise LookupError("no %s operation for %s %s" % (service, entry["method"], entry["url"]))
    return AwsCall(service=model.service_name, operation=operation, region=region)


def parse_recording(text):
    """All AWS calls in a moto recording (JSON lines), in order."""
    calls = []
    for line in text.splitlines():
        if line.strip():
            call = operation_of(json.loads(line))
            if call is not None:
                calls.append(call)
    return calls
