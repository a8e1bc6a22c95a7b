# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the test stages in order, stops at the first failure, prints counts.

Each stage is a make target; its output streams through unchanged and is
scanned for the runner's own count line, so the summary says how many tests
of each kind ran and passed.
"""

import re
import subprocess
import sys
import time


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


STAGES = (
    ("sanity", sanity_counts),
    ("lint", lint_counts),
    ("unit", pytest_counts),
    ("integration", pytest_counts),
)


def run_stage(name):
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return process.wait(), "".join(lines), time.monotonic() - started


def main():
    results = []
    status = 0
    for name, count in STAGES:
        print("\n=== %s ===" % name, flush=True)
        returncode, output, seconds = run_stage(name)
        passed, failed = count(output)
        if returncode and not failed:
            failed = 1
        results.append((name, passed, failed, seconds))
        if returncode or passed == 0:
            status = returncode or 1
            break
    print("\n=== summary ===")
    for name, passed, failed, seconds in results:
        print("%-12s %4d passed, %d failed  (%.0f s)" % (name + ":", passed, failed, seconds))
    total_passed = sum(r[1] for r in results)
    total_failed = sum(r[2] for r in results)
    print("total: %d passed, %d failed" % (total_passed, total_failed))
    return status


if __name__ == "__main__":
    sys.exit(main())
