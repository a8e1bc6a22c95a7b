# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The agent installation examples are what they say, and the report's reason points at them."""

import os
import re

import yaml

from ansible_collections.awsops.ssm.plugins.module_utils.session_reachability import AGENT_GUIDE

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples", "ssm-agent")


def read(name):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as handle:
        return handle.read()


def test_the_reason_names_a_guide_that_exists_and_lists_every_example():
    path = AGENT_GUIDE.split(" ", 1)[0]
    assert path == "examples/ssm-agent/README.md"
    guide = read("README.md")
    examples = sorted(name for name in os.listdir(EXAMPLES) if name != "README.md")
    assert examples == ["rhel-rocky.cloud-config", "ubuntu-snap.cloud-config", "windows-user-data.ps1"]
    for name in examples:
        assert "(%s)" % name in guide, name


def test_cloud_configs_are_cloud_init_user_data():
    for name, needs in (("ubuntu-snap.cloud-config", "snap install amazon-ssm-agent --classic"), ("rhel-rocky.cloud-config", "amazon-ssm-agent.rpm")):
        text = read(name)
        assert text.startswith("#cloud-config\n"), name
        document = yaml.safe_load(text)
        assert list(document) == ["runcmd"], name
        assert needs in yaml.safe_dump(document, width=1000), name


def test_regional_downloads_use_an_imdsv2_token_and_the_region_of_the_instance():
    for name in ("rhel-rocky.cloud-config", "windows-user-data.ps1"):
        text = read(name)
        assert "latest/api/token" in text and "X-aws-ec2-metadata-token" in text, name
        assert re.search(r"amazon-ssm-\$\{?region\}?", text, re.IGNORECASE), name
    windows = read("windows-user-data.ps1")
    assert windows.startswith("<powershell>\n") and windows.rstrip().endswith("</powershell>")
    assert 'ArgumentList "/S"' in windows


def test_no_example_opens_a_port_or_uses_a_key():
    for name in ("rhel-rocky.cloud-config", "ubuntu-snap.cloud-config", "windows-user-data.ps1"):
        code = "\n".join(line for line in read(name).lower().splitlines() if not line.lstrip().startswith("#"))
        for word in ("authorized_keys", "ssh", "winrm", "firewall", "3389", " 22"):
            assert word not in code, (name, word)
