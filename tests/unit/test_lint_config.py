# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-lint passes on a fresh checkout: .ansible-lint mocks exactly the amazon.aws modules the YAML files use."""

import os
import re
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = re.compile(r"\bamazon\.aws\.([a-z0-9_]+)\b")


def used_amazon_aws_modules():
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.yml", "*.yaml"]
    files = subprocess.run(listing, cwd=ROOT, capture_output=True, text=True, check=True)
    used = set()
    for name in files.stdout.split():
        if name.startswith(("changelogs/", "tests/")) or not os.path.exists(os.path.join(ROOT, name)):
            continue
        with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
            used.update("amazon.aws.%s" % module for module in MODULE.findall(handle.read()) if module != "aws")  # aws: the action group
    return used


def test_the_mocked_modules_are_the_ones_used():
    with open(os.path.join(ROOT, ".ansible-lint"), encoding="utf-8") as handle:
        mocked = set(yaml.safe_load(handle)["mock_modules"])
    assert mocked == used_amazon_aws_modules()
