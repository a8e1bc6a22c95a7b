# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the test stages, stops at the first failure, prints counts.

Each stage is a make target; its output is printed whole when it ends and
scanned for the runner's own count line, so the summary says how many tests
of each kind ran and passed. STAGES run on the first entry of
tests/matrix/versions.txt (.venv); MATRIX_STAGES on every other entry (make
<stage> MATRIX=<name>), and the summary has a line per entry with its
ansible-core, Python and amazon.aws versions. The sanity stages run in a lane
of their own beside the others (see plan()); after a failure no new stage
starts. A stage that passes no test fails, and so does a run in which a stage
did not run.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = os.path.join(ROOT, "tests", "matrix", "versions.txt")


def sanity_counts(output):
    ran = len(re.findall(r"^Running sanity test [\"']", output, re.M))
    failed_match = re.search(r"^(?:FATAL|ERROR): The (\d+) sanity test\(s\) listed below", output, re.M)
    failed = int(failed_match.group(1)) if failed_match else 0
    return ran - failed, failed


def lint_counts(output):
    # "Passed: 0 failure(s), 0 warning(s) in 42 files processed of 50 encountered."
    passed = re.search(r"Passed: 0 failure\(s\), \d+ warning\(s\) (?:on|in) (\d+) files", output)
    if passed:
        return int(passed.group(1)), 0
    failed = re.search(r"Failed: (\d+) failure\(s\)", output)
    return 0, int(failed.group(1)) if failed else 1


def pytest_counts(output):
    summary = [line for line in output.splitlines() if re.search(r"=+ .*\d+ (passed|failed|error)", line)]
    if not summary:
        return 0, 0
    found = dict((word, int(n)) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary[-1]))
    return found.get("passed", 0), found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0)


# (make target, how to count its output): add a stage with one line here.
STAGES = (
    ("sanity", sanity_counts),
    ("lint", lint_counts),
    ("unit", pytest_counts),
    ("integration", pytest_counts),
)
# What runs on each further matrix entry, with MATRIX=<name>.
MATRIX_STAGES = (
    ("sanity", sanity_counts),
    ("unit", pytest_counts),
    ("smoke", pytest_counts),
)
# The sanity lane's niceness (see plan()).
SANITY_NICENESS = 10


def matrix_entries():
    """The names of tests/matrix/versions.txt, in order (the first is .venv)."""
    with open(VERSIONS, encoding="utf-8") as versions:
        return [line.split()[0] for line in versions if line.strip() and not line.startswith("#")]


def entry_versions(name, first):
    """'ansible-core 2.20.10, Python 3.12.1, amazon.aws 10.3.2' of a matrix entry."""
    venv = os.path.join(ROOT, ".venv") if first else os.path.join(ROOT, ".venv", "matrix", name)
    collections = os.path.join(ROOT, "build", "collections") if first else os.path.join(ROOT, "build", "matrix", name, "collections")
    probe = "import platform, ansible.release; print(ansible.release.__version__, platform.python_version())"
    try:
        core, python = subprocess.run(
            [os.path.join(venv, "bin", "python"), "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
        with open(os.path.join(collections, "ansible_collections", "amazon", "aws", "MANIFEST.json"), encoding="utf-8") as manifest:
            amazon_aws = json.load(manifest)["collection_info"]["version"]
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as error:
        return "%s (versions unknown: %s)" % (name, error)
    return "ansible-core %s, Python %s, amazon.aws %s" % (core, python, amazon_aws)


def run_stage(target, matrix=None, nice=0):
    """(exit status, output, seconds) of make <target> [MATRIX=matrix], its output kept, not streamed."""
    started = time.monotonic()
    command = (["nice", "-n", str(nice)] if nice else []) + ["make", "--no-print-directory", target] + (["MATRIX=%s" % matrix] if matrix else [])
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, check=False)
    return completed.returncode, completed.stdout, time.monotonic() - started


def entry_stages(entries):
    """(index, name, its MATRIX or None for the first entry, its stages) of each matrix entry."""
    for index, name in enumerate(entries):
        yield index, name, None if index == 0 else name, STAGES if index == 0 else MATRIX_STAGES


def stage_name(target, matrix):
    return "%s%s" % (target, " (%s)" % matrix if matrix else "")


def plan(entries):
    """The stages as two lanes, each [(target, count, matrix entry or None)], run side by side.

    ansible-test sanity runs one test at a time (one core of two), so every
    entry's sanity goes in a lane of its own, at a lower priority: it takes
    what the other lane leaves idle (lint and the unit tests use one core,
    integration and smoke both) and does not slow the timed tests down.
    """
    sanity, other = [], []
    for _index, _name, matrix, stages in entry_stages(entries):
        for target, count in stages:
            (sanity if target == "sanity" else other).append((target, count, matrix))
    return [(sanity, SANITY_NICENESS), (other, 0)]


def run_lanes(lanes, run=run_stage, report=None):
    """Runs the lanes side by side, each in order, until a stage fails (the running ones finish).

    Each stage's output is printed whole when it ends. Returns {(target, matrix): (passed, failed, seconds)}
    and the exit status (the first failed stage's, or 1 for one that passed no test).
    """
    report = report or print_stage
    results = {}
    failures = []
    lock = threading.Lock()

    def lane(stages, nice):
        for target, count, matrix in stages:
            with lock:
                if failures:
                    return
                print("--- %s started" % stage_name(target, matrix), flush=True)
            returncode, output, seconds = run(target, matrix, nice)
            passed, failed = count(output)
            if returncode and not failed:
                failed = 1
            with lock:
                report(target, matrix, output, seconds)
                results[(target, matrix)] = (passed, failed, seconds)
                if returncode or passed == 0:
                    failures.append(returncode or 1)
                    return

    threads = [threading.Thread(target=lane, args=lane_args) for lane_args in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures[0] if failures else 0


def print_stage(target, matrix, output, seconds):
    print("\n=== %s (%.0f s) ===" % (stage_name(target, matrix), seconds), flush=True)
    sys.stdout.write(output)
    sys.stdout.flush()


def main():
    started = time.monotonic()
    entries = matrix_entries()
    lanes = plan(entries)
    results, status = run_lanes(lanes)
    print("\n=== summary ===")
    for target, _count in STAGES:
        if (target, None) in results:
            passed, failed, seconds = results[(target, None)]
            print("%-12s %4d passed, %d failed  (%.0f s)" % (target + ":", passed, failed, seconds))
    print("matrix, one line per ansible-core:")
    everything = []
    for index, name, matrix, stages in entry_stages(entries):
        entry_results = [(target,) + results[(target, matrix)] for target, _count in stages if (target, matrix) in results]
        if not entry_results:
            continue
        everything.extend(entry_results)
        counts = ", ".join("%s %d" % (target, passed) for target, passed, _failed, _seconds in entry_results)
        print(
            "  %s: %s passed, %d failed  (%.0f s)"
            % (
                entry_versions(name, first=index == 0),
                counts,
                sum(r[2] for r in entry_results),
                sum(r[3] for r in entry_results),
            )
        )
    print("make test took %.0f s" % (time.monotonic() - started))
    print("total: %d passed, %d failed" % (sum(r[1] for r in everything), sum(r[2] for r in everything)))
    if status or len(results) < sum(len(stages) for stages, _nice in lanes):
        return status or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
