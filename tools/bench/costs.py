# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What one converge costs: module invocations, AWS calls per task, resources managed.

Shared by the benchmark (tools/bench/run.py) and the converge-cost test
(tests/integration/test_converge_cost.py).

Module invocations. Every task that runs a module costs a module run; a
loop costs one per item. An amazon.aws module runs as a fresh Python process
on the controller (which imports boto3 again); this collection's modules run
in Ansible's worker process when the target is the controller
(plugins/plugin_utils/in_worker.py), so theirs cost no new process.
Counted from the per-task results of the harness callback: a task counts
once, a loop once per item, except
  - tasks and items that were skipped by their ``when`` (no process);
  - actions that run inside ansible-playbook itself and start no module
    (CONTROLLER_ACTIONS: assert, debug, set_fact, include_*, validate_argument_spec, ...).
A module that does not support check mode still starts in ``--check`` and
then reports "skipped" ("does not support check mode"): that counts.

AWS calls per task. The callback plugin awsops_bench_marks (this directory)
sends one marker request to the local endpoint at the start of each task;
the endpoint records it in order with the AWS calls, so each call belongs to
the last task marked before it (tasks of one host run one after the other).

Resources managed. Counted on the account after a converge from an empty
account (so everything there was made by the run), one per CloudFormation
resource the system would be written as: IAM role, inline role policy
(AWS::IAM::RolePolicy), instance profile, KMS key, KMS alias, CloudWatch
log group, S3 bucket, SSM document (Session Manager preferences), Scheduler
schedule group and schedule, EventBridge rule, Lambda function, Lambda
permission (policy statement), and each instance profile association of an
EC2 instance. Not counted: managed-policy attachments, tags, a rule's
target, a log group's retention (properties of the resources above),
AWS-owned things (managed policies, aws/ key aliases, the default schedule
group), and the EC2 instances themselves (the benchmark creates them).
"""

import json
from collections import Counter
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from awsops_harness.aws_calls import operation_of

MARK_PATH = "/moto-api/lib.js"
MARK_PARAMETER = "awsops-bench-task"
BEFORE_FIRST_TASK = "(before the first task)"

CONTROLLER_ACTIONS = frozenset(
    (
        "add_host",
        "assert",
        "debug",
        "fail",
        "group_by",
        "import_playbook",
        "import_role",
        "import_tasks",
        "include_role",
        "include_tasks",
        "include_vars",
        "meta",
        "pause",
        "set_fact",
        "set_stats",
        "validate_argument_spec",
    )
)


def _short_action(action):
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if action.startswith(prefix):
            return action[len(prefix):]
    return action


def _items(task):
    items = task.result.get("results")
    return items if isinstance(items, list) else None


def _started(result, status=None):
    """Whether a (task or item) result came from a module process."""
    skipped = status == "skipped" or result.get("skipped") or "skip_reason" in result or "false_condition" in result
    if not skipped:
        return True
    return "does not support check mode" in str(result.get("msg", ""))


def invocations(task):
    """Module processes one task result stands for."""
    if _short_action(task.action) in CONTROLLER_ACTIONS:
        return 0
    items = _items(task)
    if items is not None:
        return sum(1 for item in items if isinstance(item, dict) and _started(item))
    return 1 if _started(task.result, task.status) else 0


def changed_count(task):
    """Changes one task result reports: 0/1, or the number of changed items of a loop."""
    items = _items(task)
    if items is not None:
        return sum(1 for item in items if isinstance(item, dict) and item.get("changed"))
    return 1 if task.changed else 0


def _unique_names(tasks):
    seen = Counter()
    names = []
    for task in tasks:
        seen[task.task] += 1
        names.append(task.task if seen[task.task] == 1 else "%s #%d" % (task.task, seen[task.task]))
    return names


def per_task(tasks, measure):
    """{task name: measure(task)} in run order, for the tasks where it is not 0."""
    table = {}
    for name, task in zip(_unique_names(tasks), tasks):
        value = measure(task)
        if value:
            table[name] = value
    return table


def calls_by_task(recording_text):
    """{task name: Counter of "service:Operation"} from a recording with task markers, in run order."""
    table = {}
    current = BEFORE_FIRST_TASK
    for line in recording_text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        url = urlsplit(entry.get("url", ""))
        if url.path == MARK_PATH:
            names = parse_qs(url.query).get(MARK_PARAMETER)
            if names:
                current = names[0]
            continue
        call = operation_of(entry)
        if call is not None:
            table.setdefault(current, Counter())[str(call)] += 1
    return table


def seconds_by_task(times_text, launched, finished):
    """{task: seconds} from the task start times the callback plugin wrote, with start-up and exit of ansible-playbook."""
    marks = [json.loads(line) for line in times_text.splitlines() if line.strip()]
    table = {}
    if not marks:
        return table
    table["(ansible-playbook start-up)"] = round(marks[0]["time"] - launched, 3)
    for mark, following in zip(marks, marks[1:]):
        if mark["task"] is not None:
            table[mark["task"]] = round(table.get(mark["task"], 0.0) + following["time"] - mark["time"], 3)
    table["(ansible-playbook exit)"] = round(finished - marks[-1]["time"], 3)
    return table


def read_recording(path):
    try:
        with open(path, encoding="utf-8") as recording:
            return recording.read()
    except FileNotFoundError:
        return ""


def _pages(client, operation, key, **params):
    paginator = client.get_paginator(operation)
    for page in paginator.paginate(**params):
        yield from page.get(key, [])


def count_resources(client, region):
    """{kind: count} of the resources in the account and region (see the module docstring).

    client(service, region) returns a boto3 client on the local endpoint.
    """
    counts = Counter()
    iam = client("iam", region)
    for role in _pages(iam, "list_roles", "Roles"):
        counts["iam role"] += 1
        counts["iam inline role policy"] += len(list(_pages(iam, "list_role_policies", "PolicyNames", RoleName=role["RoleName"])))
    counts["iam instance profile"] += len(list(_pages(iam, "list_instance_profiles", "InstanceProfiles")))

    kms = client("kms", region)
    for key in _pages(kms, "list_keys", "Keys"):
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER" and metadata.get("KeyState") != "PendingDeletion":
            counts["kms key"] += 1
    counts["kms alias"] += sum(1 for alias in _pages(kms, "list_aliases", "Aliases") if not alias["AliasName"].startswith("alias/aws/"))

    logs = client("logs", region)
    counts["log group"] += len(list(_pages(logs, "describe_log_groups", "logGroups")))

    s3 = client("s3", region)
    counts["s3 bucket"] += len(s3.list_buckets().get("Buckets", []))

    ssm = client("ssm", region)
    counts["ssm document"] += len(list(_pages(ssm, "list_documents", "DocumentIdentifiers", Filters=[{"Key": "Owner", "Values": ["Self"]}])))

    scheduler = client("scheduler", region)
    for group in _pages(scheduler, "list_schedule_groups", "ScheduleGroups"):
        if group["Name"] != "default":
            counts["schedule group"] += 1
        counts["schedule"] += len(list(_pages(scheduler, "list_schedules", "Schedules", GroupName=group["Name"])))

    events = client("events", region)
    counts["eventbridge rule"] += len(list(_pages(events, "list_rules", "Rules")))

    lambda_ = client("lambda", region)
    for function in _pages(lambda_, "list_functions", "Functions"):
        counts["lambda function"] += 1
        try:
            policy = json.loads(lambda_.get_policy(FunctionName=function["FunctionName"])["Policy"])
        except lambda_.exceptions.ResourceNotFoundException:
            continue
        counts["lambda permission"] += len(policy.get("Statement", []))

    ec2 = client("ec2", region)
    associations = _pages(ec2, "describe_iam_instance_profile_associations", "IamInstanceProfileAssociations")
    counts["instance profile association"] += sum(1 for association in associations if association.get("State") in ("associating", "associated"))
    return dict((kind, number) for kind, number in sorted(counts.items()) if number)


def summarize(run, recording_text=None):
    """The figures of one PlaybookRun: invocations, calls by operation and task, writes, changes."""
    by_operation = Counter(str(call) for call in run.calls)
    writes = Counter(str(call) for call in run.writes)
    summary = {
        "returncode": run.returncode,
        "module_invocations": sum(invocations(task) for task in run.tasks),
        "api_calls": len(run.calls),
        "write_calls": len(run.writes),
        "calls_by_operation": dict(sorted(by_operation.items())),
        "writes_by_operation": dict(sorted(writes.items())),
        "changed_total": sum(changed_count(task) for task in run.tasks),
        "changed_by_task": per_task(run.tasks, changed_count),
        "invocations_by_task": per_task(run.tasks, invocations),
    }
    if recording_text is not None:
        summary["calls_by_task"] = dict((task, dict(sorted(ops.items()))) for task, ops in calls_by_task(recording_text).items())
    return summary


def prediction_mismatch(check_summary, real_summary):
    """{task: (predicted, made)} where a check run's changed count differs from the real run's."""
    predicted, made = check_summary["changed_by_task"], real_summary["changed_by_task"]
    tasks = sorted(set(predicted) | set(made))
    return dict((task, (predicted.get(task, 0), made.get(task, 0))) for task in tasks if predicted.get(task, 0) != made.get(task, 0))
