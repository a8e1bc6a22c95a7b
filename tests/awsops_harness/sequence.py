# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The integration sequence every module goes through (amazon.aws CONTRIBUTING).

create (check), create, create again (check), create again, modify,
delete (check), delete, delete again: `changed` is asserted at every step,
and every check-mode and every no-op run must have sent no write call.
"""

from dataclasses import dataclass


@dataclass
class Step:
    name: str
    args: dict
    check: bool
    expect_changed: bool


def standard_steps(create_args, modify_args, delete_args):
    return [
        Step("create (check)", create_args, True, True),
        Step("create", create_args, False, True),
        Step("create again (check)", create_args, True, False),
        Step("create again", create_args, False, False),
        Step("modify", modify_args, False, True),
        Step("modify again", modify_args, False, False),
        Step("delete (check)", delete_args, True, True),
        Step("delete", delete_args, False, True),
        Step("delete again", delete_args, False, False),
    ]


def run_sequence(ansible, module, steps, after_step=None, region=None):
    """Runs the steps in order; after_step(step, result) may assert on AWS state."""
    results = {}
    for step in steps:
        result, run = ansible.run_module(module, step.args, check=step.check, region=region)
        assert not result.failed, "%s failed: %s" % (step.name, run.summary())
        assert result.changed == step.expect_changed, "%s: changed=%s, expected %s\n%s" % (step.name, result.changed, step.expect_changed, run.summary())
        if step.check or not step.expect_changed:
            assert run.writes == [], "%s sent write calls: %s" % (step.name, [str(call) for call in run.writes])
        else:
            assert run.writes, "%s changed but sent no write call" % step.name
        results[step.name] = (result, run)
        if after_step:
            after_step(step, result)
    return results
