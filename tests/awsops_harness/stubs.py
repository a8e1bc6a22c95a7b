# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore clients answered by Stubber, for what the local endpoint does not implement.

A stubbed client still validates every request against botocore's service
model (types, required members, enums) before the Stubber answers it; the
tests add assert_valid (botocore_models) where patterns matter.
"""

from contextlib import contextmanager

import boto3
from botocore.stub import Stubber


@contextmanager
def stubbed(service, region="us-east-1"):
    """(client, stubber) of a real botocore client; every stubbed answer must have been used at the end."""
    client = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def record_sleeps(monkeypatch, time_module):
    """time.sleep of a module recorded instead of slept; returns the list of the sleeps."""
    sleeps = []
    monkeypatch.setattr(time_module, "sleep", sleeps.append)
    return sleeps
