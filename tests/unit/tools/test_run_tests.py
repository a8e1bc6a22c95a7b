# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/run_tests.py: the lanes of make test, what stops them, and what the summary counts."""

import importlib.util
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SPEC = importlib.util.spec_from_file_location("run_tests", os.path.join(ROOT, "tools", "run_tests.py"))
run_tests = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(run_tests)


def count_line(output):
    return run_tests.pytest_counts(output)


def test_every_stage_of_every_entry_is_planned_once_and_sanity_has_its_own_lower_priority_lane():
    lanes = run_tests.plan(["core2.19", "core2.20", "core2.21"])
    (sanity, sanity_nice), (other, other_nice) = lanes
    assert [(target, matrix) for target, _count, matrix in sanity] == [("sanity", None), ("sanity", "core2.20"), ("sanity", "core2.21")]
    assert [(target, matrix) for target, _count, matrix in other] == [
        ("lint", None),
        ("unit", None),
        ("integration", None),
        ("unit", "core2.20"),
        ("smoke", "core2.20"),
        ("unit", "core2.21"),
        ("smoke", "core2.21"),
    ]
    assert sanity_nice > 0 and other_nice == 0


def fake_run(outcomes, log, delay=0.0):
    """A stand-in for run_stage: (returncode, output) per (target, matrix), the order of the calls in log."""

    def run(target, matrix, nice):
        log.append((target, matrix, nice))
        time.sleep(delay)
        returncode, passed, failed = outcomes.get((target, matrix), (0, 1, 0))
        return returncode, "===== %d passed, %d failed in 1s =====\n" % (passed, failed), delay

    return run


def lanes_of(*lanes):
    return [([(target, count_line, matrix) for target, matrix in stages], nice) for stages, nice in lanes]


def test_both_lanes_run_side_by_side_and_every_result_is_kept():
    log = []
    lanes = lanes_of(([("a", None), ("b", "m")], 10), ([("c", None)], 0))
    printed = []
    results, status = run_tests.run_lanes(lanes, run=fake_run({}, log, delay=0.05), report=lambda *args: printed.append(args[:2]))
    assert status == 0
    assert sorted(results) == sorted([("a", None), ("b", "m"), ("c", None)])
    assert all(passed == 1 and failed == 0 for passed, failed, _seconds in results.values())
    # The lanes overlapped: c started before a's lane had finished both of its stages.
    assert log.index(("c", None, 0)) < log.index(("b", "m", 10))
    assert sorted(printed) == sorted([("a", None), ("b", "m"), ("c", None)])


def test_after_a_failure_no_stage_starts_and_the_status_is_the_failed_stages():
    log = []
    lanes = lanes_of(([("a", None), ("b", None)], 0))
    results, status = run_tests.run_lanes(lanes, run=fake_run({("a", None): (2, 3, 1)}, log), report=lambda *args: None)
    assert status == 2
    assert [entry[0] for entry in log] == ["a"]
    assert results[("a", None)][:2] == (3, 1)


def test_a_stage_that_passes_no_test_fails_even_with_exit_status_0():
    lanes = lanes_of(([("a", None), ("b", None)], 0))
    results, status = run_tests.run_lanes(lanes, run=fake_run({("a", None): (0, 0, 0)}, []), report=lambda *args: None)
    assert status == 1
    assert ("b", None) not in results
