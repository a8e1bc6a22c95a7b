# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the test stages in order, stops at the first failure, prints counts.

Each stage is a make target; its output streams through unchanged and is
scanned for the runner's own count line, so the summary says how many tests
of each kind ran and passed. STAGES run on the first entry of
tests/matrix/versions.txt (.venv); MATRIX_STAGES then run on every other
entry (make <stage> MATRIX=<name>), and the summary has a line per entry with
its ansible-core, Python and amazon.aws versions. A stage that passes no test
fails.
"""

import json
import os
import re
import subprocess
import sys
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


def run_stage(target, matrix=None):
    started = time.monotonic()
    command = ["make", "--no-print-directory", target] + (["MATRIX=%s" % matrix] if matrix else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return process.wait(), "".join(lines), time.monotonic() - started


def run_stages(stages, matrix=None):
    """Runs stages until one fails; returns [(target, passed, failed, seconds)] and the exit status."""
    results = []
    for target, count in stages:
        print("\n=== %s%s ===" % (target, " (%s)" % matrix if matrix else ""), flush=True)
        returncode, output, seconds = run_stage(target, matrix)
        passed, failed = count(output)
        if returncode and not failed:
            failed = 1
        results.append((target, passed, failed, seconds))
        if returncode or passed == 0:
            return results, returncode or 1
    return results, 0


def main():
    started = time.monotonic()
    entries = matrix_entries()
    results, status = run_stages(STAGES)
    matrix_results = [(entries[0], results)]
    for name in entries[1:]:
        if status:
            break
        entry_results, status = run_stages(MATRIX_STAGES, matrix=name)
        matrix_results.append((name, entry_results))
    print("\n=== summary ===")
    for target, passed, failed, seconds in results:
        print("%-12s %4d passed, %d failed  (%.0f s)" % (target + ":", passed, failed, seconds))
    print("matrix, one line per ansible-core:")
    for index, (name, entry_results) in enumerate(matrix_results):
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
    everything = [r for _name, entry_results in matrix_results for r in entry_results]
    print("make test took %.0f s" % (time.monotonic() - started))
    print("total: %d passed, %d failed" % (sum(r[1] for r in everything), sum(r[2] for r in everything)))
    return status


if __name__ == "__main__":
    sys.exit(main())
