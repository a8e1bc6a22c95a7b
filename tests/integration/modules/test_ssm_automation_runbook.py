# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_automation_runbook against the local endpoint.

moto stores Automation documents (YAML) with versions, version names and
tags, but never runs them; what the runbook does is run by the test-only
interpreter in tests/integration/runbook/test_runbook_interpreter.py.
"""

import copy

import yaml

from awsops_harness.runbook_checks import check_runbook
from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

from ansible_collections.awsops.ssm.plugins.module_utils import instance_runbook as ir

MODULE = "awsops.ssm.ssm_automation_runbook"
NAME = "instance-scheduler-StartStopInstance"


def stored(ssm, version=None):
    request = {"Name": NAME, "DocumentFormat": "YAML"}
    if version:
        request["DocumentVersion"] = version
    answer = ssm.get_document(**request)
    return answer, yaml.safe_load(answer["Content"])


def test_integration_sequence(ansible, aws):
    ssm = aws("ssm")

    def check_state(step, result):
        if step.name == "create":
            answer, content = stored(ssm)
            assert content == ir.runbook_content() and check_runbook(content) == []
            assert answer["DocumentType"] == "Automation" and answer["VersionName"] == ir.version_name()
            assert result.result["document"]["document_version"] == "1" and result.result["document"]["revision"] == ir.REVISION
            tags = ssm.list_tags_for_resource(ResourceType="Document", ResourceId=NAME)["TagList"]
            assert tags == [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}]
        if step.name == "delete":
            assert NAME not in [document["Name"] for document in ssm.list_documents()["DocumentIdentifiers"]]

    run_sequence(ansible, MODULE, standard_steps({"name": NAME}, {"name": NAME, "tags": {"team": "ops"}}, {"name": NAME, "state": "absent"}),
                 after_step=check_state)


def test_a_changed_runbook_becomes_the_default_version(ansible, aws):
    ssm = aws("ssm")
    older = copy.deepcopy(ir.runbook_content())
    older["description"] = "An earlier revision."
    ssm.create_document(Name=NAME, Content=ir.serialize(older), DocumentType="Automation", DocumentFormat="YAML", VersionName="r0-older",
                        Tags=[{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}])
    check, run = ansible.run_module(MODULE, {"name": NAME}, check=True)
    assert check.changed and run.writes == [] and check.result["document"]["document_version"] is None
    assert check.result["diff"]["before"] != check.result["diff"]["after"]
    result, run = ansible.run_module(MODULE, {"name": NAME})
    assert result.changed and [str(call) for call in run.writes] == ["ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion"], run.summary()
    answer, content = stored(ssm)
    assert answer["DocumentVersion"] == "2" and content == ir.runbook_content() and answer["VersionName"] == ir.version_name()
    again, run = ansible.run_module(MODULE, {"name": NAME})
    assert not again.changed and run.writes == []


def test_a_document_the_collection_did_not_create_is_left_alone(ansible, aws):
    ssm = aws("ssm")
    ssm.create_document(Name=NAME, Content=ir.serialize(ir.runbook_content()), DocumentType="Automation", DocumentFormat="YAML")
    result, run = ansible.run_module(MODULE, {"name": NAME})
    assert result.failed and "was not created by awsops.ssm" in result.result["msg"] and run.writes == []
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and result.result["kept"] and run.writes == []


def test_a_reserved_name_fails_before_any_call(ansible):
    result, run = ansible.run_module(MODULE, {"name": "aws-StartStopInstance", "tags": {"awsops:ssm:x": "y"}})
    assert result.failed and run.calls == []
    assert 'name: "aws-StartStopInstance" is not usable as an SSM document name' in result.result["msg"]
    assert 'tags: "awsops:ssm:x" starts with awsops:ssm:, which awsops.ssm keeps for its own tags' in result.result["msg"]
