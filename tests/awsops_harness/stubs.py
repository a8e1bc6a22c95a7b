# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore clients answered by Stubber, for what the local endpoint does not implement.

A stubbed client validates every request against botocore's service model
(types, required members, enums) before the Stubber answers it, and here also
against the model's patterns (botocore_models.assert_valid), which botocore
itself skips.
"""

from contextlib import contextmanager

import boto3
from botocore.stub import Stubber

from awsops_harness.botocore_models import assert_valid


@contextmanager
def stubbed(service, region="us-east-1"):
    """(client, stubber) of a real botocore client; every stubbed answer must have been used at the end."""
    client = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")

    def check_request(params, model, **_kwargs):
        assert_valid(service, model.name, params)

    # On the Stubber's own event and before it activates: the request is checked before the Stubber compares it.
    client.meta.events.register_first("before-parameter-build.*.*", check_request)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def record_sleeps(monkeypatch, time_module):
    """time.sleep of a module recorded instead of slept; returns the list of the sleeps."""
    sleeps = []
    monkeypatch.setattr(time_module, "sleep", sleeps.append)
    return sleeps
