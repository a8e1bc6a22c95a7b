# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection builds, installs from its tarball, and documents every module."""

import glob
import json
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
AMAZON_AWS = os.path.join(REPO, "build", "collections")
MODULES = sorted(os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Builds the tarball and installs it, without dependencies, into an empty path."""
    out = tmp_path_factory.mktemp("dist")
    target = tmp_path_factory.mktemp("installed")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", REPO, "--output-path", str(out)], check=True, capture_output=True)
    tarballs = glob.glob(str(out / "awsops-ssm-*.tar.gz"))
    assert len(tarballs) == 1
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(target), tarballs[0]],
        check=True,
        capture_output=True,
    )
    return tarballs[0], target


def test_tarball_holds_the_collection_and_nothing_of_the_build(installed):
    tarball, _target = installed
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "MANIFEST.json" in names and "meta/runtime.yml" in names
    assert "plugins/modules/ssm_session_role.py" in names
    for unwanted in (".venv", "build", ".git", "tools", ".ci", "Makefile"):
        assert not any(name == unwanted or name.startswith(unwanted + "/") for name in names), unwanted


def test_installed_collection_is_listed(installed):
    _tarball, target = installed
    listing = subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "list", "awsops.ssm", "-p", str(target), "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(target)),
    )
    found = json.loads(listing.stdout)
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as galaxy:
        version = yaml.safe_load(galaxy)["version"]
    assert any(collections.get("awsops.ssm", {}).get("version") == version for collections in found.values())


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders_each_module(installed, module):
    _tarball, target = installed
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH="%s:%s" % (target, AMAZON_AWS))
    doc = subprocess.run(
        [os.path.join(BIN, "ansible-doc"), "--json", "awsops.ssm." + module], check=True, capture_output=True, text=True, env=env
    )
    rendered = json.loads(doc.stdout)["awsops.ssm." + module]
    assert rendered["doc"]["filename"].startswith(str(target))
    assert rendered["doc"]["options"] and rendered["examples"] and rendered["return"]
