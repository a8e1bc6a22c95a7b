# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's runbook document, checked for structure (awsops_harness.runbook_checks) and content stability.

No published schema of Automation content exists in a well-kept package,
so runbook_checks is a small checker of what AWS documents for the format
and the four actions the runbook uses; the tests below also show that it
finds each kind of mistake. Running the runbook: see
tests/integration/runbook/test_runbook_interpreter.py.
"""

import copy

import pytest

from awsops_harness.botocore_models import assert_valid
from awsops_harness.runbook_checks import USED_ACTIONS
from awsops_harness.runbook_checks import check_runbook

from ansible_collections.awsops.ssm.plugins.module_utils import instance_runbook as ir
from ansible_collections.awsops.ssm.plugins.module_utils import runbook_decision


def content():
    return copy.deepcopy(ir.runbook_content())


def step(document, name):
    return [item for item in document["mainSteps"] if item["name"] == name][0]


def test_the_runbook_is_well_formed():
    assert check_runbook(ir.runbook_content()) == []


def test_it_uses_exactly_the_interpreted_actions():
    assert sorted(set(item["action"] for item in ir.runbook_content()["mainSteps"])) == sorted(USED_ACTIONS)


def test_the_yaml_text_reads_back_as_the_same_content():
    text = ir.serialize(ir.runbook_content())
    assert ir.parse(text) == ir.runbook_content() and ir.same_content(text)
    assert "Script: |" in text  # the script is a literal block, readable in the console
    assert step(ir.parse(text), "decide")["inputs"]["Script"] == ir.script_source()


def test_the_script_is_the_decision_module():
    assert "def decide(events, context=None, ssm=None):" in ir.script_source()
    assert ir.script_source().startswith("# -*- coding: utf-8 -*-")
    assert "ansible_collections" not in ir.script_source().split('"""', 2)[2]  # imports nothing of the collection


def test_version_names_follow_the_content():
    changed = content()
    changed["description"] += " Changed."
    assert ir.version_name() == ir.version_name(ir.runbook_content()) and ir.version_name() != ir.version_name(changed)
    assert ir.version_name().startswith("r%d-" % ir.REVISION)
    assert_valid("ssm", "UpdateDocument", {"Name": "instance-scheduler-StartStopInstance", "Content": "x", "VersionName": ir.version_name()})


def test_a_request_for_the_runbook_is_valid_for_botocore():
    request = {
        "DocumentName": "instance-scheduler-StartStopInstance",
        "TargetParameterName": ir.TARGET_PARAMETER,
        "Targets": [{"Key": "tag:Schedule", "Values": ["office"]}],
        "MaxConcurrency": "10",
        "MaxErrors": "25%",
        "Parameters": ir.automation_parameters("start", ["instance-scheduler"], "arn:aws:iam::123456789012:role/SSMSchedulerAutomationRole",
                                               "<aws.scheduler.scheduled-time>", "skip_both", True),
    }
    assert_valid("ssm", "StartAutomationExecution", request)
    assert set(request["Parameters"]) | {"InstanceId"} == set(ir.runbook_content()["parameters"])


def test_pause_tags_and_decision_constants_agree():
    assert ir.PAUSE_TAGS == ("awsops:scheduler:pause", "awsops:scheduler:pause-until")
    assert ir.runbook_content()["parameters"]["OnClosedDays"]["allowedValues"] == list(runbook_decision.ON_CLOSED_DAYS)


ORPHAN = {"name": "orphan", "action": "aws:changeInstanceState", "isEnd": True, "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "running"}}


def broken(change):
    document = content()
    change(document)
    return check_runbook(document)


@pytest.mark.parametrize("change, expected", [
    (lambda d: step(d, "startInstance").update(action="aws:runCommand"), "step startInstance: action 'aws:runCommand' is not one of"),
    (lambda d: step(d, "stopInstance")["inputs"].pop("DesiredState"), "step stopInstance: aws:changeInstanceState needs the input DesiredState"),
    (lambda d: step(d, "readCalendar").update(nextStep="readCalender"), "step readCalendar: goes to 'readCalender', which is not a step"),
    (lambda d: step(d, "chooseAction")["inputs"]["Choices"][0].update(NextStep="begin"), "step chooseAction: choice goes to 'begin'"),
    (lambda d: step(d, "readCalendar")["outputs"][0].update(Selector="State"), "step readCalendar: output State: selector 'State' is not a JSONPath"),
    (lambda d: step(d, "readCalendar")["outputs"][0].update(Selector="$.Status"), "step readCalendar: output State: $.Status is not in the response"),
    (lambda d: step(d, "readPauseTags")["outputs"][0].update(Type="List"), "step readPauseTags: output {'Name': 'Tags', 'Selector': '$.Tags', 'Type': 'List'}"),
    (lambda d: d["parameters"]["Hibernate"].pop("type"), "parameter Hibernate: type must be one of"),
    (lambda d: d["parameters"]["Hibernate"].update(default="no"), "parameter Hibernate: default 'no' is not a Boolean"),
    (lambda d: d["parameters"].pop("AtTime"), "step readCalendar: {{ AtTime }} is not a parameter"),
    (lambda d: step(d, "decide")["inputs"]["InputPayload"].update(State="{{ readCalendar.Status }}"),
     "step decide: {{ readCalendar.Status }}: step readCalendar declares no output Status"),
    (lambda d: step(d, "readPauseTags")["inputs"].update(Filter=[]), "step readPauseTags: inputs are not valid for ec2:DescribeTags"),
    (lambda d: step(d, "decide")["inputs"].update(Handler="handler"), "step decide: Script defines no function handler(events, context)"),
    (lambda d: step(d, "decide")["inputs"].update(Runtime="python2.7"), "step decide: Runtime 'python2.7' is not one of"),
    (lambda d: step(d, "hibernateInstance").update(onFailure="step:fallback"), "step hibernateInstance: goes to 'fallback', which is not a step"),
    (lambda d: d["mainSteps"].insert(4, ORPHAN), "step orphan is never reached"),
    (lambda d: d.update(schemaVersion="2.2"), "schemaVersion must be 0.3"),
    (lambda d: d["outputs"].append("decide.Why"), "runbook output 'decide.Why' names no declared step output"),
])
def test_the_checker_finds_each_kind_of_mistake(change, expected):
    problems = broken(change)
    assert any(problem.startswith(expected) for problem in problems), problems
