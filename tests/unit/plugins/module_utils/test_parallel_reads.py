# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bounded pool of independent reads: same results in the same order, never more than the bound at a time."""

import threading
import time

import pytest

from ansible_collections.awsops.ssm.plugins.module_utils import parallel_reads


class Probe:
    """A read that takes a while and records how many run at the same time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.calls = []

    def __call__(self, item):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.calls.append(item)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        return item * 10


def test_results_keep_the_order_of_the_items_and_every_item_is_read_once():
    probe = Probe()
    assert parallel_reads.read_all(probe, range(40), workers=8) == [item * 10 for item in range(40)]
    assert sorted(probe.calls) == list(range(40))
    assert 1 < probe.most <= 8


def test_one_worker_reads_one_after_the_other_in_order():
    probe = Probe()
    assert parallel_reads.read_all(probe, [3, 1, 2], workers=1) == [30, 10, 20]
    assert probe.calls == [3, 1, 2] and probe.most == 1


def test_the_first_failure_in_the_order_of_the_items_is_raised():
    def read(item):
        if item in (2, 5):
            raise ValueError("item %d" % item)
        return item

    with pytest.raises(ValueError, match="item 2"):
        parallel_reads.read_all(read, range(8), workers=4)


def test_read_together_and_the_bound_from_the_environment():
    assert parallel_reads.read_together(lambda: "a", lambda: "b", workers=2) == ["a", "b"]
    assert parallel_reads.workers_from_environment({}) == 8
    assert parallel_reads.workers_from_environment({"AWSOPS_SSM_READ_WORKERS": "3"}) == 3
    assert parallel_reads.workers_from_environment({"AWSOPS_SSM_READ_WORKERS": "0"}) == 8
    assert parallel_reads.workers_from_environment({"AWSOPS_SSM_READ_WORKERS": "many"}) == 8
