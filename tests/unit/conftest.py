# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit-test defaults: independent reads one after the other.

botocore's Stubber answers from one queue per client, in order, and is not
made for threads; with AWSOPS_SSM_READ_WORKERS=1 the reads that run
concurrently in a real run (module_utils/parallel_reads.py) come in the
order the tests queue their answers. test_parallel_reads.py checks the pool
itself, and the integration tests run it against the local endpoint.
"""

import pytest


@pytest.fixture(autouse=True)
def sequential_reads(monkeypatch):
    monkeypatch.setenv("AWSOPS_SSM_READ_WORKERS", "1")


class FakeTime:
    """time.sleep recorded instead of slept, and the clock of aws_retries advanced by the sleeps."""

    def __init__(self):
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def monotonic(self):
        return float(sum(self.sleeps))


@pytest.fixture
def fake_time(monkeypatch):
    """Bounds of aws_retries run without waiting: fake_time.sleeps lists the waits they asked for."""
    from ansible_collections.awsops.ssm.plugins.module_utils import aws_retries  # pylint: disable=import-outside-toplevel

    fake = FakeTime()
    monkeypatch.setattr(aws_retries.time, "sleep", fake.sleep)
    monkeypatch.setattr(aws_retries, "monotonic", fake.monotonic)
    return fake
