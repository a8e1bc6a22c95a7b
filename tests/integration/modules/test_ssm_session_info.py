# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_session_info and ssm_default_host_management through Ansible, as far as the local endpoint goes.

moto implements neither DescribeInstanceInformation nor the SSM service
settings, so what these modules read from Systems Manager is tested with
Stubber (tests/unit/plugins/modules/test_ssm_session_info.py and
test_ssm_default_host_management.py). Here: the modules load and run in
Ansible, refuse bad input before any call, and an empty selection sends none.
"""


def test_an_empty_selection_sends_no_request(ansible):
    result, run = ansible.run_module("awsops.ssm.ssm_session_info", {"target_tags": {}}, check=True)
    assert not result.failed and not result.changed, run.summary()
    assert result.result["lines"] == ["Session Manager reachability (instance profile SSMSessionInstanceRole): 0 of 0 instances reachable"]
    assert run.calls == []


def test_bad_input_is_refused_before_any_request(ansible):
    result, run = ansible.run_module("awsops.ssm.ssm_session_info", {"target_tags": {"Env": 1}, "instance_ids": ["i-1"], "access": "default_host_management"})
    assert result.failed
    assert result.result["problems"] == [
        'target_tags: the value 1 of the tag "Env" is not a text; expected a text or a list of texts (quote numbers and booleans)',
        'instance_ids: "i-1" is not an instance id; expected i- followed by 8-17 hexadecimal digits (i-0123456789abcdef0)',
    ]
    unknown, run_unknown = ansible.run_module("awsops.ssm.ssm_session_info", {"target_tags": {"Env": "dev"}, "access": "profiles"})
    assert unknown.failed and "value of access must be one of: instance_profile, default_host_management" in unknown.result["msg"]
    assert run.calls == [] and run_unknown.calls == []


def test_dhmc_refuses_bad_input_before_any_request(ansible):
    result, run = ansible.run_module("awsops.ssm.ssm_default_host_management", {"role_name": "bad name", "tags": {"aws:x": "1"}})
    assert result.failed
    assert result.result["problems"] == [
        'role_name: "bad name" is not an IAM role name; expected 1-64 letters, digits and + = , . @ _ -',
        'tags: "aws:x" is not usable as a tag key; expected 1-128 letters, digits, spaces and _ . : / = - @, not starting with aws:',
    ]
    assert run.calls == []
