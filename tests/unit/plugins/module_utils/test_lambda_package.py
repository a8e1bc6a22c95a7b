# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Lambda deployment package: deterministic, exactly the handler plus the zones' TZif files.

The local AWS emulator cannot run the function, so the last test runs the
zipped index.py in a separate Python, without site-packages (no tzdata, no
boto3, as on a bare Lambda runtime), with PYTHONTZPATH pointing at the
package's zoneinfo/ as the function's configuration does.
"""

import base64
import hashlib
import io
import os
import subprocess
import sys
import textwrap
import zipfile

import botocore.session
import pytest

from ansible_collections.awsops.ssm.plugins.module_utils import lambda_package
from ansible_collections.awsops.ssm.plugins.module_utils import scheduler_lambda_handler

ZONES = ["Asia/Seoul", "America/New_York", "UTC"]


def handler_file_source():
    with open(scheduler_lambda_handler.__file__.replace(".pyc", ".py"), encoding="utf-8") as handle:
        return handle.read()


def test_two_builds_are_byte_identical():
    first = lambda_package.build_package(ZONES)
    second = lambda_package.build_package(list(reversed(ZONES)) + ["UTC"])
    assert first.zip_bytes == second.zip_bytes
    assert first.code_sha256 == second.code_sha256
    assert first.code_sha256 == base64.b64encode(hashlib.sha256(first.zip_bytes).digest()).decode("ascii")


def test_other_zones_give_other_code():
    assert lambda_package.build_package(["Asia/Seoul"]).code_sha256 != lambda_package.build_package(["Europe/Berlin"]).code_sha256


def test_contents_are_the_handler_and_the_zones_only():
    package = lambda_package.build_package(ZONES)
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        names = archive.namelist()
        assert names == ["index.py", "zoneinfo/America/New_York", "zoneinfo/Asia/Seoul", "zoneinfo/UTC"]
        assert archive.read("index.py").decode("utf-8") == handler_file_source()
        for key in ZONES:
            data = archive.read("zoneinfo/" + key)
            assert data.startswith(b"TZif") and data == lambda_package.tzif_bytes(key)
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert (info.external_attr >> 16) & 0o777 == 0o644
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_runtime_and_handler_settings():
    runtimes = botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum
    assert lambda_package.LAMBDA_RUNTIME == "python3.13" and lambda_package.LAMBDA_RUNTIME in runtimes
    assert lambda_package.LAMBDA_HANDLER == "index.handler"
    assert lambda_package.LAMBDA_ENVIRONMENT == {"PYTHONTZPATH": "/var/task/zoneinfo"}


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/localtime", "Not/A_Zone", "", None])
def test_unknown_or_unsafe_zone_keys_are_refused(key):
    with pytest.raises(ValueError):
        lambda_package.tzif_bytes(key)


def test_the_zipped_handler_loads_its_zones_through_pythontzpath(tmp_path):
    with zipfile.ZipFile(io.BytesIO(lambda_package.build_package(["Asia/Seoul"]).zip_bytes)) as archive:
        archive.extractall(str(tmp_path))
    check = textwrap.dedent("""
        import datetime, sys, zoneinfo
        import index
        assert zoneinfo.TZPATH == (sys.argv[1],), zoneinfo.TZPATH
        assert index.boto3 is None  # -S: no site-packages, the guarded import holds
        seoul = zoneinfo.ZoneInfo("Asia/Seoul")
        assert datetime.datetime(2026, 7, 1, tzinfo=seoul).utcoffset() == datetime.timedelta(hours=9)
        try:
            zoneinfo.ZoneInfo("Europe/Berlin")
        except zoneinfo.ZoneInfoNotFoundError:
            pass
        else:
            raise AssertionError("Europe/Berlin was found outside the package")
        gate = {"timezone": "Asia/Seoul", "time": "07:30", "weekdays": ["MON"]}
        assert index.gate_refusal(gate, datetime.datetime(2026, 1, 4, 22, 30, tzinfo=datetime.timezone.utc)) is None
        print("ok")
    """)
    zone_dir = str(tmp_path / "zoneinfo")
    env = dict(os.environ, PYTHONTZPATH=zone_dir)
    env.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-S", "-c", check, zone_dir], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
