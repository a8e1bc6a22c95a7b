# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""make bench: the cost of `ansible-playbook awsops.ssm.site` beside a plain amazon.aws playbook.

Starts two moto servers of its own (the test harness's MotoServer, every
request recorded), one per system, and measures, for both systems, for N schedules (BENCH_SIZES,
default 1,10,100) and a Session Manager target of 50 tagged instances:

  check_empty   `--check` on an empty account (state reset before each repetition)
  converge      first converge from an empty account (state reset before each repetition)
  noop          the same run again (nothing to change)
  check_after   `--check` after the converge

For each: wall time and CPU time (its own and its children's: the modules) of ansible-playbook (median of BENCH_REPEAT runs, default
3; the two systems' repetitions alternate, so both see the same load of the
machine), module invocations, AWS calls by operation and by task, write calls,
changed per task and in total (counting rules in tools/bench/costs.py).
Prints both systems side by side with the ratio collection / baseline and
the targets of GitHub issue 6 with PASS/FAIL, and writes
build/bench/results.json. Exits 1 when a playbook run fails, not when a
target is missed (timings depend on the machine).

The system "process" is the collection with its module runner off
(AWSOPS_SSM_IN_WORKER=false: every module a new Python), so the run also
prints the module runner's table: collection (modules in a fork of the
worker) beside process.

Every run also reports the CPU time of the ansible-playbook process tree (not
wall time) and the peak memory of that tree (sum of RSS, and of PSS), see
process_tree.py.

Options (or their environment variables):

  --latency [MS]   BENCH_LATENCY_MS  every request goes through the harness's fault proxy,
                   which delays it by MS milliseconds (50 when --latency is given alone), as a
                   round trip to AWS costs; the targets of GitHub issue 13 are checked with it
  --targets K      BENCH_TARGETS     two more cases: the full default site (session key and
                   log group, one schedule) on 1 target and on K targets (K regions of one
                   account, ansible-playbook -f K), converge then no-op, with the CPU per target,
                   and ansible-core alone (one ansible.builtin.command task on K hosts, -f K) as
                   the floor of the process tree's memory

Environment: BENCH_SIZES=1,10 (0: none)  BENCH_REPEAT=1  BENCH_BACKEND=lambda|scheduler
(default lambda when the collection has it)  BENCH_SESSION_INSTANCES=50 (0 skips that target)
BENCH_SYSTEMS=collection,process,baseline (the default; any of them).
"""

import argparse

import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zipfile
from zoneinfo import ZoneInfo

import boto3
import yaml

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))
sys.path.insert(0, BENCH_DIR)

# pylint: disable=wrong-import-position
from awsops_harness.ansible_run import HARNESS_DIR  # noqa: E402
from awsops_harness.ansible_run import AnsibleRunner  # noqa: E402
from awsops_harness.ansible_run import PlaybookRun  # noqa: E402
from awsops_harness.ansible_run import TaskResult  # noqa: E402
from awsops_harness.aws_calls import parse_recording  # noqa: E402
from awsops_harness.fault_proxy import FaultProxy  # noqa: E402
from awsops_harness.fault_proxy import Faults  # noqa: E402
from awsops_harness.moto_server import MotoServer  # noqa: E402
from costs import count_resources  # noqa: E402
from costs import prediction_mismatch  # noqa: E402
from costs import read_recording  # noqa: E402
from costs import seconds_by_task  # noqa: E402
from costs import summarize  # noqa: E402
from process_tree import run_measured  # noqa: E402

REGION = "us-east-1"
# The regions of the --targets case (one account): K of these, in this order.
TARGET_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1",
)
DEFAULT_LATENCY_MS = 50
OUTPUT_DIR = os.path.join(REPO_ROOT, "build", "bench")
BASELINE_PLAYBOOK = os.path.join(BENCH_DIR, "baseline.yml")
SITE_PLAYBOOK = "awsops.ssm.site"
PHASES = (
    ("check_empty", "--check, empty account"),
    ("converge", "first converge"),
    ("noop", "no-op rerun"),
    ("check_after", "--check after converge"),
)
SYSTEMS = ("collection", "process", "baseline")
SYSTEM_ENV = {"process": {"AWSOPS_SSM_IN_WORKER": "false"}}  # the collection, every module as a new Python
ZONES = ("Asia/Seoul", "America/New_York")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
SESSION_TAG = {"Bench": "ssm"}
# A careful user converts local times to UTC once, by hand, for the date they write the rules
# (here standard time); rules in UTC then run an hour off in New York during daylight saving time.
CONVERSION_DATE = datetime.date(2025, 1, 15)


def env_list(name, default):
    value = os.environ.get(name, "").strip()
    return [int(part) for part in value.split(",") if part.strip() and int(part)] if value else list(default)


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# ---------------------------------------------------------------- the systems under test


def local_schedules(count):
    """N office-hours schedules with distinct names and tags, Asia/Seoul and America/New_York mixed."""
    schedules = []
    for index in range(count):
        name = "office-%03d" % (index + 1)
        schedules.append(
            {
                "name": name,
                "start": "%02d:%02d" % (7 + index % 3, 15 * (index % 4)),
                "stop": "%02d:%02d" % (18 + index % 3, 15 * ((index + 1) % 4)),
                "timezone": ZONES[index % len(ZONES)],
                "tag_value": name,
            }
        )
    return schedules


def utc_cron(local_time, zone):
    """cron() in UTC for a MON-FRI local time, the day of week shifted when UTC is another day."""
    hour, minute = (int(part) for part in local_time.split(":"))
    local = datetime.datetime.combine(CONVERSION_DATE, datetime.time(hour, minute), ZoneInfo(zone))
    utc = local.astimezone(datetime.timezone.utc)
    shift = (utc.date() - local.date()).days
    first, last = WEEKDAYS[(1 + shift) % 7], WEEKDAYS[(5 + shift) % 7]
    return "cron(%d %d ? * %s-%s *)" % (utc.minute, utc.hour, first, last)


def baseline_schedules(schedules):
    return [
        {
            "name": schedule["name"],
            "tag_key": "Schedule",
            "tag_value": schedule["tag_value"],
            "start_cron": utc_cron(schedule["start"], schedule["timezone"]),
            "stop_cron": utc_cron(schedule["stop"], schedule["timezone"]),
        }
        for schedule in schedules
    ]


def build_baseline_zip(path):
    """The baseline function's zip, byte-identical on every build (so reruns do not update code)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with open(os.path.join(BENCH_DIR, "baseline_lambda", "index.py"), "rb") as source:
            info = zipfile.ZipInfo("index.py", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read())
    with open(path, "wb") as output:
        output.write(buffer.getvalue())
    return path


def host(url, regions=(REGION,), **variables):
    """An inventory of one target per region (one account), each with the variables."""
    hosts = {}
    for index, region in enumerate(regions):
        values = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "aws_region": region, "aws_endpoint_url": url}
        values.update(variables)
        hosts["target" if len(regions) == 1 else "target-%02d" % (index + 1)] = values
    return {"all": {"hosts": hosts}}


# Our side: site with session_manager reduced to what the baseline builds for instances
# (role, profile, no KMS key, no session log group; the preferences document stays) and
# instance_scheduler with the N schedules.
def collection_site(url, schedules, backend, zip_path):
    del zip_path
    return SITE_PLAYBOOK, host(
        url,
        session_manager_kms_key="",
        session_manager_log_group="",
        instance_scheduler_backend=backend,
        instance_scheduler_schedules=schedules,
    )


def baseline_site(url, schedules, backend, zip_path):
    del backend
    return BASELINE_PLAYBOOK, host(url, baseline_zip_file=zip_path, baseline_schedules=baseline_schedules(schedules))


# The --targets case: the collection as users run it (session key, session log group, a
# selection of instances, one schedule), on each of K regions; the baseline with one schedule.
def collection_targets(regions):
    def setup(url, schedules, backend, zip_path):
        del zip_path
        return SITE_PLAYBOOK, host(url, regions, instance_scheduler_backend=backend, instance_scheduler_schedules=schedules,
                                   session_manager_target_tags=SESSION_TAG)

    return setup


def baseline_targets(regions):
    def setup(url, schedules, backend, zip_path):
        del backend
        return BASELINE_PLAYBOOK, host(url, regions, baseline_zip_file=zip_path, baseline_schedules=baseline_schedules(schedules))

    return setup


def collection_session(url, schedules, backend, zip_path):
    del schedules, backend, zip_path
    return SITE_PLAYBOOK, host(
        url,
        awsops_ssm_components=["session_manager"],
        session_manager_kms_key="",
        session_manager_log_group="",
        session_manager_target_tags=SESSION_TAG,
    )


def baseline_session(url, schedules, backend, zip_path):
    del schedules, backend
    filters = dict(("tag:%s" % key, value) for key, value in SESSION_TAG.items())
    filters["instance-state-name"] = ["pending", "running", "stopping", "stopped"]
    return BASELINE_PLAYBOOK, host(url, baseline_zip_file=zip_path, baseline_components=["session_manager"], baseline_instance_filters=filters)


# ---------------------------------------------------------------- running


class RunFailed(Exception):
    """An ansible-playbook run returned non-zero."""


class Bench:
    """Runs playbooks against one local endpoint (one per system) and measures them."""

    def __init__(self, server, workdir, env=None, latency_ms=None):
        self.server = server
        self.workdir = workdir
        self.env = dict(env or {})
        self.runner = AnsibleRunner(server, workdir, region=REGION)
        self.count = 0
        # With a latency, the playbooks reach the endpoint through the fault proxy; the bench itself (state, counts) does not.
        self.proxy = FaultProxy(server.url, Faults(latency_ms=latency_ms)).start() if latency_ms else None
        self.endpoint = self.proxy.url if self.proxy else server.url

    def stop(self):
        if self.proxy:
            self.proxy.stop()

    def client(self, service, region=REGION):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )

    def run(self, playbook, inventory, check=False, forks=None):
        """One ansible-playbook run: (process figures (wall, CPU, memory), PlaybookRun, raw recording, seconds by task)."""
        self.count += 1
        inventory_path = os.path.join(self.workdir, "inventory-%d.yml" % self.count)
        with open(inventory_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(inventory, handle, sort_keys=False)
        results_file = os.path.join(self.workdir, "results-%d.jsonl" % self.count)
        times_file = os.path.join(self.workdir, "times-%d.jsonl" % self.count)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory_path, playbook]
        if check:
            command.append("--check")
        if forks:
            command += ["-f", str(forks)]
        env = self.runner.environment()
        env.update(
            {
                "AWSOPS_RESULTS_FILE": results_file,
                "ANSIBLE_CALLBACK_PLUGINS": os.pathsep.join((os.path.join(HARNESS_DIR, "callback_plugins"), os.path.join(BENCH_DIR, "callback_plugins"))),
                "ANSIBLE_CALLBACKS_ENABLED": "awsops_results,awsops_bench_marks",
                "AWSOPS_BENCH_MARK_URL": self.server.url,
                "AWSOPS_BENCH_TIMES_FILE": times_file,
            }
        )
        env.update(self.env)
        self.server.reset_recording()
        launched = time.time()
        completed, figures = run_measured(command, env=env, cwd=self.workdir)
        finished = time.time()
        tasks = []
        if os.path.exists(results_file):
            with open(results_file, encoding="utf-8") as results:
                tasks = [TaskResult(**json.loads(line)) for line in results if line.strip()]
        recording = read_recording(self.server.recording)
        run = PlaybookRun(returncode=completed.returncode, output=completed.stdout + completed.stderr, tasks=tasks, calls=parse_recording(recording))
        return figures, run, recording, seconds_by_task(read_recording(times_file), launched, finished)

    def fresh_account(self, instances):
        """Empties the endpoint; creates the tagged instances of a Session Manager target."""
        self.server.reset()
        if instances:
            ec2 = self.client("ec2")
            image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            ec2.run_instances(
                ImageId=image,
                InstanceType="t3.micro",
                MinCount=instances,
                MaxCount=instances,
                TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in SESSION_TAG.items()]}],
            )
            self.server.reset_recording()

    def calibrate(self):
        """Fixed costs on this machine: ansible-playbook start, one module process, one API round trip."""
        self.fresh_account(0)
        inventory = host(self.endpoint)
        empty = [{"name": "Start only", "hosts": "all", "gather_facts": False, "tasks": [{"name": "Nothing", "ansible.builtin.debug": {"msg": "x"}}]}]
        modules = [
            {
                "name": "Ten module processes",
                "hosts": "all",
                "gather_facts": False,
                "module_defaults": {"group/amazon.aws.aws": {"region": REGION, "endpoint_url": self.endpoint}},
                "tasks": [{"name": "Read the caller", "amazon.aws.aws_caller_info": {}, "loop": list(range(10))}],
            }
        ]
        paths = []
        for name, plays in (("calibrate-empty.yml", empty), ("calibrate-modules.yml", modules)):
            path = os.path.join(self.workdir, name)
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(plays, handle, sort_keys=False)
            paths.append(path)
        start = statistics.median(self.run(paths[0], inventory)[0]["wall_seconds"] for _repetition in range(3))
        ten = [self.run(paths[1], inventory) for _repetition in range(3)]
        calls_each = len(ten[-1][1].calls) / 10.0
        sts = boto3.client(
            "sts", region_name=REGION, endpoint_url=self.endpoint, aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token="testing"
        )
        sts.get_caller_identity()
        began = time.perf_counter()
        for _call in range(50):
            sts.get_caller_identity()
        round_trip = (time.perf_counter() - began) / 50
        per_module = (statistics.median(run[0]["wall_seconds"] for run in ten) - start) / 10.0
        return {
            "ansible_playbook_start_seconds": round(start, 3),
            "module_invocation_seconds": round(per_module - calls_each * round_trip, 3),
            "api_round_trip_seconds": round(round_trip, 4),
            "note": "module_invocation_seconds: per item of a 10-item loop of amazon.aws.aws_caller_info, minus its %d calls" % calls_each,
        }

    def once(self, playbook, inventory, check, reset, instances, forks=None):
        """One repetition: (wall seconds, cost summary); RunFailed when the playbook fails."""
        if reset:
            self.fresh_account(instances)
        figures, run, recording, seconds = self.run(playbook, inventory, check=check, forks=forks)
        if run.returncode != 0:
            raise RunFailed("%s%s failed (rc=%s):\n%s" % (playbook, " --check" if check else "", run.returncode, run.output[-5000:]))
        summary = summarize(run, recording)
        summary["seconds_by_task"] = seconds
        summary.update((key, value) for key, value in figures.items() if key != "wall_seconds")
        targets = len(inventory["all"]["hosts"])
        summary["targets"] = targets
        summary["cpu_seconds_per_target"] = round(summary["cpu_seconds"] / targets, 2)
        return figures["wall_seconds"], summary


def phase_result(walls, summaries):
    """The last repetition's figures with the median wall time of all."""
    result = dict(summaries[-1])
    result["wall_seconds"] = statistics.median(walls)
    result["wall_runs"] = walls
    result["repeatable"] = all(s["api_calls"] == summaries[0]["api_calls"] and s["changed_total"] == summaries[0]["changed_total"] for s in summaries)
    for key in ("cpu_seconds", "cpu_seconds_per_target", "peak_rss_mb", "peak_pss_mb"):
        values = [s[key] for s in summaries if s.get(key) is not None]
        result[key] = statistics.median(values) if values else None
    return result


def measure_case(benches, setups, instances, repeat, phases=None, forks=None):
    """Both systems, phase by phase, their repetitions interleaved (each on its own endpoint)
    so that both see the same load of the machine.

    Returns ({system: {"phases", "resources", "resource_count"}}, {system: failure message});
    a system whose run fails is dropped from the later phases."""
    results = dict((system, {"phases": {}}) for system in benches)
    failures = {}
    for phase, _title in PHASES:
        if phases and phase not in phases:
            continue
        check = phase.startswith("check")
        reset = phase in ("check_empty", "converge")
        runs = dict((system, ([], [])) for system in benches if system not in failures)
        # A converge that only prepares the no-op (a case without --check phases) runs once.
        for _repetition in range(1 if phases and phase == "converge" else repeat):
            for system, bench in benches.items():
                if system in failures:
                    continue
                playbook, inventory = setups[system]
                try:
                    wall, summary = bench.once(playbook, inventory, check, reset, instances, forks=forks)
                except RunFailed as error:
                    failures[system] = "%s: %s" % (phase, error)
                    continue
                runs[system][0].append(wall)
                runs[system][1].append(summary)
        for system, (walls, summaries) in runs.items():
            if system not in failures:
                results[system]["phases"][phase] = phase_result(walls, summaries)
        if phase == "converge":
            for system, bench in benches.items():
                if system not in failures:
                    regions = sorted(set(host["aws_region"] for host in setups[system][1]["all"]["hosts"].values()))
                    results[system]["resources"] = count_resources_in(bench.client, regions)
                    results[system]["resource_count"] = sum(results[system]["resources"].values())
    return dict((system, data) for system, data in results.items() if system not in failures), failures


def count_resources_in(client, regions):
    """count_resources summed over regions, IAM (global) counted once."""
    total = {}
    for index, region in enumerate(regions):
        for kind, number in count_resources(client, region).items():
            if index == 0 or not kind.startswith("iam "):
                total[kind] = total.get(kind, 0) + number
    return total


# ---------------------------------------------------------------- targets and report


def ratio(ours, theirs):
    if not theirs:
        return None
    return round(float(ours) / float(theirs), 3)


def targets_for(case, ours, theirs, latency_ms=None, single_target=None):
    """(name, measured, limit, passed) of the issues' targets that apply to a case.

    single_target: the collection's results of the 1-target case, for the K-target case's ratio.
    """
    rows = []
    label = case["label"]
    if ours is None:
        return rows
    phases = ours["phases"]
    noop, converge = phases["noop"], phases["converge"]
    rows.append(("%s: no-op write calls" % label, noop["write_calls"], 0, noop["write_calls"] == 0))
    limit = 1.2 * ours["resource_count"]
    rows.append(("%s: no-op API calls <= 1.2 x %d resources" % (label, ours["resource_count"]), noop["api_calls"], round(limit, 1), noop["api_calls"] <= limit))
    if "check_empty" in phases:
        check_empty = phases["check_empty"]
        mismatch = prediction_mismatch(check_empty, converge)
        rows.append(("%s: --check on empty predicts every task's changes" % label, "%d task(s) differ" % len(mismatch), "0 differ", not mismatch))
        rows.append(("%s: --check on empty write calls" % label, check_empty["write_calls"], 0, check_empty["write_calls"] == 0))
    if case.get("targets", 0) > 1:
        targets = case["targets"]
        if single_target:
            one = single_target["phases"]["noop"]["wall_seconds"]
            rows.append(("%s: no-op wall / 1 target's (-f %d, %d cores)" % (label, targets, os.cpu_count() or 0), ratio(noop["wall_seconds"], one), 6,
                         bool(one) and noop["wall_seconds"] <= 6 * one))
        rows.append(("%s: no-op controller CPU seconds per target" % label, noop["cpu_seconds_per_target"], 2.2, noop["cpu_seconds_per_target"] <= 2.2))
        if noop.get("peak_rss_mb") is not None:
            rows.append(("%s: no-op peak RSS of the process tree, MB" % label, noop["peak_rss_mb"], 1024, noop["peak_rss_mb"] <= 1024))
        if noop.get("peak_pss_mb") is not None:
            # RSS counts each page the forked processes share once per process; PSS counts it once in all.
            rows.append(("%s: no-op peak PSS of the process tree, MB" % label, noop["peak_pss_mb"], 1024, noop["peak_pss_mb"] <= 1024))
    if latency_ms and case.get("n") == 100:
        rows.append(("%s: no-op wall seconds at %d ms per request" % (label, latency_ms), noop["wall_seconds"], 6, noop["wall_seconds"] <= 6))
    n = case.get("n")
    if theirs is not None and n in (1, 10):
        limit = {1: 0.5, 10: 0.25}[n]
        value = ratio(noop["wall_seconds"], theirs["phases"]["noop"]["wall_seconds"])
        rows.append(("%s: no-op wall time / baseline's" % label, value, limit, value is not None and value <= limit))
    if n == 100 and not latency_ms:
        rows.append(("%s: no-op wall seconds" % label, noop["wall_seconds"], 15, noop["wall_seconds"] <= 15))
        rows.append(("%s: first converge wall seconds" % label, converge["wall_seconds"], 30, converge["wall_seconds"] <= 30))
    return rows


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.2f" % value
    return str(value)


METRICS = (
    ("wall s (median)", "wall_seconds"),
    ("CPU s, process tree", "cpu_seconds"),
    ("CPU s per target", "cpu_seconds_per_target"),
    ("peak RSS MB (sum)", "peak_rss_mb"),
    ("peak PSS MB", "peak_pss_mb"),
    ("module invocations", "module_invocations"),
    ("API calls", "api_calls"),
    ("write calls", "write_calls"),
    ("changed", "changed_total"),
)


def print_case(case, results):
    ours, theirs = results.get("collection"), results.get("baseline")
    print()
    print("== %s" % case["title"])
    counts = "resources managed: collection %s, baseline %s" % (
        ours["resource_count"] if ours else "-",
        theirs["resource_count"] if theirs else "-",
    )
    print("   %s" % counts)
    print("   %-24s %-19s %11s %11s %8s" % ("phase", "metric", "collection", "baseline", "ratio"))
    for phase, phase_title in PHASES:
        if phase not in (ours or theirs)["phases"]:
            continue
        for index, (metric_title, key) in enumerate(METRICS):
            a = ours["phases"][phase].get(key) if ours else None
            b = theirs["phases"][phase].get(key) if theirs and phase in theirs["phases"] else None
            quotient = ratio(a, b) if a is not None else None
            print("   %-24s %-19s %11s %11s %8s" % (phase_title if index == 0 else "", metric_title, fmt(a), fmt(b), fmt(quotient)))
    for system, data in (("collection", ours), ("baseline", theirs)):
        if not data or "check_empty" not in data["phases"]:
            continue
        mismatch = prediction_mismatch(data["phases"]["check_empty"], data["phases"]["converge"])
        if mismatch:
            print("   %s --check on empty mispredicts (predicted, made): %s" % (system, "; ".join("%s %s" % (task, pair) for task, pair in mismatch.items())))
    for system, data in (("collection", ours), ("baseline", theirs)):
        if not data:
            continue
        noop = data["phases"]["noop"]
        seconds = noop.get("seconds_by_task", {})
        print("   %s no-op, by task (seconds, calls: operations):" % system)
        for task, spent in seconds.items():
            operations = noop.get("calls_by_task", {}).get(task, {})
            detail = ", ".join("%s x%d" % (operation, number) for operation, number in operations.items())
            print("     %6.2f %4d  %s%s" % (spent, sum(operations.values()), task, (": " + detail) if detail else ""))


def markdown_table(report, left="collection", right="baseline", title="collection / baseline"):
    """A README table: per case and phase, system left / system right ("-" where the right one could not run)."""
    lines = [
        "| target | run | wall s: %s (ratio) | CPU s per target | peak RSS MB | module runs | API calls | write calls | changed |" % title,
        "|---|---|---|---|---|---|---|---|---|",
    ]
    titles = dict(PHASES)

    def pair(a, b, key):
        return "%s / %s" % (fmt(a.get(key)), fmt(b.get(key)) if b else "-")

    for record in report["cases"]:
        ours, theirs = record["systems"].get(left), record["systems"].get(right)
        if not ours:
            continue
        for phase, _title in PHASES:
            if phase not in ours["phases"]:
                continue
            a = ours["phases"][phase]
            b = (theirs or {}).get("phases", {}).get(phase)
            theirs_wall = ("%.1f" % b["wall_seconds"], fmt(ratio(a["wall_seconds"], b["wall_seconds"]))) if b else ("-", "-")
            wall = "%.1f / %s (%s)" % ((a["wall_seconds"],) + theirs_wall)
            cells = [record["case"], titles[phase], wall] + [
                pair(a, b, key) for key in ("cpu_seconds_per_target", "peak_rss_mb", "module_invocations", "api_calls", "write_calls", "changed_total")
            ]
            lines.append("| %s |" % " | ".join(cells))
    return "\n".join(lines) + "\n"


def runner_table(report):
    """The module runner's table: the collection with its modules in a fork of the worker / as processes."""
    return markdown_table(report, "collection", "process", "fork / process")


def environment_facts(backend, sizes, repeat):
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    versions = {}
    for package in ("ansible-core", "boto3", "botocore", "moto"):
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel

            versions[package] = version(package)
        except Exception:  # pylint: disable=broad-except
            versions[package] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": load,
        "versions": versions,
        "collection_backend": backend,
        "sizes": sizes,
        "repeat": repeat,
        "region": REGION,
    }


def available_backends():
    sys.path.insert(0, os.path.join(REPO_ROOT, "build", "collections"))
    try:
        from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS  # pylint: disable=import-outside-toplevel

        return set(BACKENDS)
    except ImportError:
        return {"scheduler"}


def arguments(argv=None):
    parser = argparse.ArgumentParser(description="make bench: site beside a plain amazon.aws playbook on a local endpoint")
    latency = os.environ.get("BENCH_LATENCY_MS", "").strip()
    parser.add_argument("--latency", type=int, nargs="?", const=DEFAULT_LATENCY_MS, default=int(latency) if latency else None, metavar="MS",
                        help="delay every request by MS milliseconds (%d when given alone)" % DEFAULT_LATENCY_MS)
    parser.add_argument("--targets", type=int, default=env_int("BENCH_TARGETS", 0), metavar="K",
                        help="also run the full site on 1 target and on K targets (K regions, -f K), at most %d" % len(TARGET_REGIONS))
    options = parser.parse_args(argv)
    if not 0 <= options.targets <= len(TARGET_REGIONS):
        parser.error("--targets: %d is not from 0 to %d" % (options.targets, len(TARGET_REGIONS)))
    if options.latency is not None and options.latency < 0:
        parser.error("--latency: %d is not a number of milliseconds" % options.latency)
    return options


def ansible_core_floor(workdir, targets):
    """What ansible-core itself costs on K hosts with -f K: one ansible.builtin.command task (a module process per host)."""
    inventory = {"all": {"hosts": dict(("host%d" % number, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable})
                                       for number in range(targets))}}
    plays = [{"name": "Floor", "hosts": "all", "gather_facts": False,
              "tasks": [{"name": "One module task", "ansible.builtin.command": "sleep 2", "changed_when": False}]}]
    paths = []
    for name, content in (("floor-inventory.yml", inventory), ("floor.yml", plays)):
        paths.append(os.path.join(workdir, name))
        with open(paths[-1], "w", encoding="utf-8") as handle:
            yaml.safe_dump(content, handle, sort_keys=False)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", paths[0], paths[1], "-f", str(targets)]
    _completed, figures = run_measured(command, env=dict(os.environ), cwd=workdir)
    return figures


def build_cases(sizes, instances, targets, backend):
    cases = [
        {
            "label": "site N=%d" % n,
            "title": "site, N = %d schedules (collection backend: %s)" % (n, backend),
            "n": n,
            "instances": 0,
            "systems": {"collection": collection_site, "process": collection_site, "baseline": baseline_site},
        }
        for n in sizes
        if n
    ]
    if instances:
        cases.append(
            {
                "label": "session manager, %d instances" % instances,
                "title": "Session Manager target: role, profile and attachment to %d tagged instances" % instances,
                "n": None,
                "instances": instances,
                "systems": {"collection": collection_session, "process": collection_session, "baseline": baseline_session},
            }
        )
    for count in sorted(set((1, targets))) if targets else ():
        regions = TARGET_REGIONS[:count]
        cases.append(
            {
                "label": "site, %d target%s" % (count, "" if count == 1 else "s"),
                "title": "the full site (session key and log group, one schedule, backend %s) on %d region(s) of one account, -f %d"
                % (backend, count, count),
                "n": 1,
                "targets": count,
                "instances": 0,
                "forks": count,
                "phases": ("converge", "noop"),
                "systems": {"collection": collection_targets(regions), "process": collection_targets(regions), "baseline": baseline_targets(regions)},
            }
        )
    return cases


def main(argv=None):
    options = arguments(argv)
    systems = [name.strip() for name in os.environ.get("BENCH_SYSTEMS", ",".join(SYSTEMS)).split(",") if name.strip()]
    if not systems or set(systems) - set(SYSTEMS):
        sys.exit("BENCH_SYSTEMS: a list of %s" % ", ".join(SYSTEMS))
    sizes = env_list("BENCH_SIZES", (1, 10, 100))
    repeat = max(1, env_int("BENCH_REPEAT", 3))
    instances = env_int("BENCH_SESSION_INSTANCES", 50)
    backends = available_backends()
    backend = os.environ.get("BENCH_BACKEND", "").strip() or ("lambda" if "lambda" in backends else "scheduler")
    if backend not in backends:
        sys.exit("BENCH_BACKEND: %s is not a backend of this collection (%s)" % (backend, ", ".join(sorted(backends))))

    os.makedirs(OUTPUT_DIR, exist_ok=True)
    workdir = os.path.join(OUTPUT_DIR, "work")
    subprocess.run(["rm", "-rf", workdir], check=True)
    os.makedirs(workdir)
    zip_path = build_baseline_zip(os.path.join(OUTPUT_DIR, "baseline-function.zip"))
    cases = build_cases(sizes, instances, options.targets, backend)

    report = {"environment": environment_facts(backend, sizes, repeat), "cases": [], "targets": []}
    report["environment"].update(latency_ms=options.latency, targets=options.targets)
    servers = {}
    benches = {}
    failures = []
    single_target = None
    began = time.monotonic()
    try:
        for system in systems:
            system_dir = os.path.join(workdir, system)
            os.makedirs(system_dir)
            servers[system] = MotoServer(system_dir).start()
            benches[system] = Bench(servers[system], system_dir, SYSTEM_ENV.get(system), latency_ms=options.latency)
        report["calibration"] = benches[systems[0]].calibrate()
        print("calibration: %s" % json.dumps(report["calibration"]), flush=True)
        if options.targets:
            report["ansible_core_floor"] = ansible_core_floor(workdir, options.targets)
            print("ansible-core alone, one module task on %d hosts (-f %d): %s" % (options.targets, options.targets, json.dumps(report["ansible_core_floor"])),
                  flush=True)
        for case in cases:
            schedules = local_schedules(case["n"] or 0)
            setups = dict((system, case["systems"][system](benches[system].endpoint, schedules, backend, zip_path)) for system in systems)
            print("-- %s: both systems, repetitions interleaved ..." % case["label"], flush=True)
            results, failed = measure_case(benches, setups, case["instances"], repeat, phases=case.get("phases"), forks=case.get("forks"))
            for system, message in failed.items():
                failures.append("%s, %s: %s" % (case["label"], system, message))
                print("   FAILED (%s): %s" % (system, message[:3000]), flush=True)
            record = {"case": case["label"], "n": case["n"], "targets": case.get("targets", 1), "instances": case["instances"], "systems": results}
            record["ratios"] = {}
            if "collection" in results and "baseline" in results:
                for phase in results["collection"]["phases"]:
                    ours, theirs = results["collection"]["phases"][phase], results["baseline"]["phases"].get(phase)
                    if theirs is None:
                        continue
                    record["ratios"][phase] = dict((key, ratio(ours.get(key), theirs.get(key)) if ours.get(key) is not None else None) for _t, key in METRICS)
                    record["ratios"][phase]["paired_wall"] = [ratio(a, b) for a, b in zip(ours["wall_runs"], theirs["wall_runs"])]
            report["cases"].append(record)
            if results:
                print_case(case, results)
            if case.get("targets") == 1:
                single_target = results.get("collection")
            rows = targets_for(case, results.get("collection"), results.get("baseline"), latency_ms=options.latency, single_target=single_target)
            for name, value, limit, passed in rows:
                report["targets"].append({"target": name, "measured": value, "limit": limit, "pass": passed})
    finally:
        for bench in benches.values():
            bench.stop()
        for server in servers.values():
            server.stop()
    report["environment"]["bench_seconds"] = round(time.monotonic() - began, 1)
    report["environment"]["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    report["failures"] = failures

    print()
    print("== targets (GitHub issues 6 and 13)%s" % (" at %d ms per request" % options.latency if options.latency else ""))
    for target in report["targets"]:
        print("   %-4s %-74s measured %-18s limit %s" % ("PASS" if target["pass"] else "FAIL", target["target"], fmt(target["measured"]), fmt(target["limit"])))
    with open(os.path.join(OUTPUT_DIR, "results.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown_table(report))
        handle.write("\nModule runner:\n\n" + runner_table(report))
    print()
    print("== module runner: modules in a fork of the worker / as processes")
    print(runner_table(report))
    results_path = os.path.join(OUTPUT_DIR, "results.json")
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, sort_keys=False)
    print()
    print("results: %s (%.0f s)" % (os.path.relpath(results_path, REPO_ROOT), report["environment"]["bench_seconds"]))
    if failures:
        print("%d run(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
