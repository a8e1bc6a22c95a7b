# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""site --check --diff on an empty target; a target whose credentials fail, beside one that works."""

from awsops_harness.aws_resources import snapshot
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

# What the run must announce, each in the diff of the task that would create it.
WOULD_CREATE = {
    "Create the session KMS key": ['"key_state": "Enabled"', '"rotation": true'],
    "Create the session log group": [
        '"name": "/aws/ssm/sessions"', '"retention_days": 365', '"kms_key_arn": "arn:aws:kms:eu-west-1:000000000000:key/check-mode"'],
    "Create the instance role and profile": ['"role_name": "SSMSessionInstanceRole"', '"name": "SSMSessionInstanceRole"', "log-group:/aws/ssm/sessions"],
    "Set the Session Manager preferences": ['"cloudwatch_log_group_name": "/aws/ssm/sessions"'],
    "Create the automation and invoker roles": ['"role_name": "SSMSchedulerAutomationRole"', '"role_name": "SSMSchedulerInvokerRole"'],
    "Create or update the schedules": ['"office-hours-start"', '"office-hours-stop"', '"schedule_expression": "cron(0 9 ? * MON-FRI *)"'],
}


def role_task(run, task_name):
    """The result of a role's task (named "ROLE : task_name" in the run)."""
    found = [task for task in run.tasks if task.task == task_name or task.task.endswith(" : " + task_name)]
    assert len(found) == 1, "%s: %s" % (task_name, [task.task for task in run.tasks])
    return found[0]


def task_output(output, task_name):
    """The part of the output between TASK [... : task_name] and the next TASK."""
    marker = " : %s] " % task_name
    start = output.index(marker)
    end = output.find("\nTASK [", start)
    return output[start:end if end != -1 else None]


def test_check_diff_on_an_empty_target_predicts_and_writes_nothing(ansible, moto, aws):
    empty = snapshot(aws, ["eu-west-1"])
    run = ansible.run_playbook("awsops.ssm.site", inventory=inventory(fresh=target(moto, "eu-west-1")), check=True, diff=True)

    assert run.returncode == 0, run.summary()
    assert run.calls, "the check run read nothing"
    assert run.writes == [], run.summary()
    assert snapshot(aws, ["eu-west-1"]) == empty
    for task_name, shown in WOULD_CREATE.items():
        assert role_task(run, task_name).changed, task_name
        text = task_output(run.output, task_name)
        assert "--- before" in text and "+++ after" in text, text
        for fragment in shown:
            assert fragment in text, "%s: %s not in\n%s" % (task_name, fragment, text)
    assert recap(run.output)["fresh"]["failed"] == 0


def test_a_target_with_bad_credentials_fails_alone(ansible, moto, aws, auth_moto):
    """The bad target's endpoint checks credentials as AWS does and knows no key "testing".

    moto accepts any credentials by default; the second endpoint runs with
    INITIAL_NO_AUTH_ACTION_COUNT=0, so it refuses the shared environment
    credentials (InvalidClientTokenId) exactly as an account that does not
    know them would, while the good target's endpoint accepts them.
    """
    hosts = inventory(good=target(moto, "us-east-1"), bad=target(auth_moto, "eu-west-1"))
    run = ansible.run_playbook("awsops.ssm.site", inventory=hosts)

    assert run.returncode == 2, run.summary()
    counts = recap(run.output)
    assert counts["bad"]["failed"] == 1, counts
    assert counts["good"]["failed"] == 0 and counts["good"]["changed"] > 0, counts
    assert "InvalidClientTokenId" in run.output or "AuthFailure" in run.output, run.output[-3000:]
    assert [task.host for task in run.failed_tasks] == ["bad"]

    # The good target converged completely: a rerun of it alone changes nothing.
    state = snapshot(aws, ["us-east-1"])
    assert state["iam"]["roles"] == ["SSMSchedulerAutomationRole", "SSMSchedulerInvokerRole", "SSMSessionInstanceRole"]
    assert state["us-east-1"]["schedules"] == ["instance-scheduler/office-hours-start", "instance-scheduler/office-hours-stop"]
    assert state["us-east-1"]["log_groups"] == ["/aws/ssm/sessions"]
    again = ansible.run_playbook("awsops.ssm.site", inventory=hosts, args=["--limit", "good"])
    assert again.returncode == 0 and again.writes == [] and again.changed_tasks == [], again.summary()
