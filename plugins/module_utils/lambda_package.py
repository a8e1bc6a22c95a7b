# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment package of the instance scheduler's Lambda function (lambda backend).

The zip holds index.py (the source of scheduler_lambda_handler) and the
TZif files of the gate time zones under zoneinfo/<key>, because Python on
Lambda's Amazon Linux 2023 runtimes may find no time zone database; the
function reads them through PYTHONTZPATH=/var/task/zoneinfo (see
LAMBDA_ENVIRONMENT).

The zip is deterministic, so comparing code_sha256 with the CodeSha256 that
Lambda reports tells whether the code must be updated: entries sorted, every
timestamp 1980-01-01 00:00:00, mode 0644, deflate at a fixed level. The same
handler, zones, time zone data and zlib give the same bytes.

LAMBDA_RUNTIME: python3.13, a Lambda-supported runtime on Amazon Linux 2023
(deprecation planned for 2029), present in botocore's Runtime enum.
"""

import base64
import hashlib
import importlib.resources
import inspect
import io
import os
import re
import zipfile
import zoneinfo

from ansible_collections.awsops.ssm.plugins.module_utils import scheduler_lambda_handler

LAMBDA_RUNTIME = "python3.13"
LAMBDA_HANDLER = "index.handler"
LAMBDA_TZ_DIR = "zoneinfo"
LAMBDA_ENVIRONMENT = {"PYTHONTZPATH": "/var/task/zoneinfo"}
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644
ZIP_LEVEL = 9

_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")


class LambdaPackage(object):
    """The zip bytes and the CodeSha256 Lambda will report for them."""

    def __init__(self, zip_bytes, zones):
        self.zip_bytes = zip_bytes
        self.zones = zones
        self.code_sha256 = code_sha256(zip_bytes)


def code_sha256(data):
    """Base64 of the SHA-256 of the zip, as Lambda's CodeSha256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def handler_source():
    """The handler module's source; inspect reads it through the loader, also from AnsiballZ's zip."""
    return inspect.getsource(scheduler_lambda_handler)


def tzif_bytes(key):
    """The TZif file of a zone: from the tzdata package, else from the system's zone directories."""
    if not isinstance(key, str) or not _ZONE_KEY.fullmatch(key) or ".." in key:
        raise ValueError("%r is not a time zone key" % (key,))
    try:
        resource = importlib.resources.files("tzdata").joinpath("zoneinfo", *key.split("/"))
        return resource.read_bytes()
    except (ImportError, OSError):
        pass  # no tzdata package, or a key it lacks: try the system's database
    for directory in zoneinfo.TZPATH:
        path = os.path.join(directory, *key.split("/"))
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    raise ValueError("no time zone data for %r: install the tzdata Python package" % key)


def _entry(name):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.external_attr = (0o100000 | ZIP_MODE) << 16  # a regular file, rw-r--r--
    info.create_system = 3  # Unix, so the mode above is honoured
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_package(zones):
    """LambdaPackage with index.py and the TZif files of zones (IANA keys)."""
    zones = sorted(set(zones))
    files = {"index.py": handler_source().encode("utf-8")}
    for key in zones:
        files["%s/%s" % (LAMBDA_TZ_DIR, key)] = tzif_bytes(key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            archive.writestr(_entry(name), files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
    return LambdaPackage(buffer.getvalue(), zones)
