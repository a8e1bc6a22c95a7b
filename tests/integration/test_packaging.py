# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the built tarball ships, and that it works installed into an empty path.

The tarball leaves the development tree out (tests, molecule scenarios, tools,
Makefile): the test suite needs the checkout, so it is not shipped. What is
shipped is tested here from an install of the tarball next to amazon.aws
alone, never the checkout: its docs render, its playbooks run against a local
endpoint, and galaxy-importer (what Galaxy and Automation Hub run on an
upload) accepts it with no error and no warning and records the docs of every
module, filter and role.
"""

import glob
import json
import os
import subprocess
import sys
import tarfile

import pytest

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.collection_build import BIN
from awsops_harness.collection_build import amazon_aws_only
from awsops_harness.collection_build import build_tarball
from awsops_harness.collection_build import galaxy_version
from awsops_harness.collection_build import isolated_env
from awsops_harness.collection_build import plugin_names
from awsops_harness.collection_build import role_names
from awsops_harness.playbook_runs import inventory
from awsops_harness.playbook_runs import make_instances
from awsops_harness.playbook_runs import recap
from awsops_harness.playbook_runs import target

MODULES = plugin_names("modules")
# Modules that call AWS with the amazon.aws connection options; ssm_preflight reads the host's
# connection variables (aws_region, ...) instead, and builds those options for the others.
AWS_MODULES = [module for module in MODULES if module != "ssm_preflight"]
FILTERS = plugin_names("filter")
ROLES = role_names()
PLAYBOOKS = sorted(os.path.basename(path) for path in glob.glob(os.path.join(REPO_ROOT, "playbooks", "*.yml")))
# The development tree: none of it may be in the tarball.
DEVELOPMENT = (".venv", "build", "dist", ".git", "tools", ".ci", "Makefile", "tests", "extensions/molecule", "pytest.ini", "docs/sphinx")
DEVELOPMENT += (".ansible-lint", "examples")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    return build_tarball(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    """The tarball installed, without dependencies, into an empty path."""
    target_path = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(target_path), tarball],
        check=True,
        capture_output=True,
    )
    return str(target_path)


@pytest.fixture(scope="module")
def installed_env(installed, tmp_path_factory):
    """Environment that sees the installed copy and amazon.aws, and not the checkout."""
    deps = amazon_aws_only(tmp_path_factory.mktemp("deps"))
    return isolated_env(tmp_path_factory.mktemp("home"), [installed, deps])


def test_tarball_holds_the_collection_and_none_of_the_development_tree(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    for shipped in ("MANIFEST.json", "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "docs/docsite/extra-docs.yml"):
        assert shipped in names, shipped
    assert ["plugins/modules/%s.py" % module for module in MODULES] == sorted(name for name in names if name.startswith("plugins/modules/"))
    for unwanted in DEVELOPMENT:
        assert not any(name == unwanted or name.startswith(unwanted + "/") for name in names), unwanted
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_installed_collection_is_listed(installed, installed_env):
    listing = subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "list", "awsops.ssm", "-p", installed, "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        env=installed_env,
    )
    found = json.loads(listing.stdout)
    assert any(collections.get("awsops.ssm", {}).get("version") == galaxy_version() for collections in found.values())


def ansible_doc(plugin_type, name, env):
    doc = subprocess.run(
        [os.path.join(BIN, "ansible-doc"), "--json", "-t", plugin_type, "awsops.ssm." + name], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(doc.stdout)["awsops.ssm." + name]


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders_each_module_from_the_installed_copy(installed, installed_env, module):
    rendered = ansible_doc("module", module, installed_env)
    assert rendered["doc"]["filename"].startswith(installed)
    assert rendered["doc"]["options"] and rendered["examples"] and rendered["return"]
    # The connection options come from amazon.aws's fragments, as in every amazon.aws module.
    if module in AWS_MODULES:
        assert {"region", "profile", "endpoint_url", "access_key"} <= set(rendered["doc"]["options"])
    else:
        assert {"components", "connection_prefix"} <= set(rendered["doc"]["options"])


def test_ansible_doc_renders_the_filters_and_roles_from_the_installed_copy(installed_env):
    for name in FILTERS:
        rendered = ansible_doc("filter", name, installed_env)
        assert rendered["doc"]["description"] and rendered["examples"] and rendered["return"], name
    for name in ROLES:
        rendered = ansible_doc("role", name, installed_env)
        assert rendered["entry_points"]["main"]["options"], name


def test_installed_copy_runs_site_report_and_teardown(ansible, moto, aws, installed_env):
    """The playbooks, roles, modules and the Lambda function's code, all from the tarball (lambda backend)."""
    make_instances(aws, "us-east-1", [("web-1", "test")])
    hosts = inventory(seoul=target(moto, "us-east-1", instance_scheduler_backend="lambda"))
    env = dict((name, installed_env[name]) for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "ANSIBLE_HOME", "HOME"))
    runs = {}
    for step, playbook in (("site", "awsops.ssm.site"), ("again", "awsops.ssm.site"), ("report", "awsops.ssm.report"), ("teardown", "awsops.ssm.teardown")):
        runs[step] = ansible.run_playbook(playbook, inventory=hosts, env=env)
        assert runs[step].returncode == 0, runs[step].summary()
    assert recap(runs["site"].output)["seoul"]["changed"] > 0, runs["site"].summary()
    assert recap(runs["again"].output)["seoul"]["changed"] == 0 and runs["again"].writes == [], runs["again"].summary()
    assert "Office hours (lambda backend, function instance-scheduler): 1 schedule" in runs["report"].output, runs["report"].summary()
    assert aws("lambda").list_functions()["Functions"] == []


def test_galaxy_importer_accepts_the_tarball_and_records_every_doc(tarball, tmp_path):
    """galaxy-importer, configured by tests/galaxy-importer.cfg, with amazon.aws on its Python path.

    The importer installs no dependencies: it runs ansible-doc and ansible-lint
    with ANSIBLE_COLLECTIONS_PATH set to its own extraction directory, so the
    modules' amazon.aws doc fragments (and the playbooks' amazon.aws modules)
    resolve only through the collections that ansible-core finds on the Python
    path, as in an importer environment with the `ansible` package installed.
    Here that is amazon.aws alone (the checkout is not visible).
    """
    home = tmp_path / "home"
    deps = amazon_aws_only(tmp_path / "deps")
    env = dict(
        os.environ,
        GALAXY_IMPORTER_CONFIG=os.path.join(REPO_ROOT, "tests", "galaxy-importer.cfg"),
        GALAXY_IMPORTER_TMP_ROOT_DIR=str(tmp_path),
        GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=str(home / "tmp"),
        ANSIBLE_HOME=str(home),
        HOME=str(home),
        PYTHONPATH=deps,
        PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
    )
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    completed = subprocess.run(
        [sys.executable, "-m", "galaxy_importer.main", tarball], cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False, timeout=600
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode in (0, None), output[-6000:]
    assert "Importer processing completed successfully" in output, output[-6000:]
    problems = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback"))]
    assert problems == [], "\n".join(problems)

    with open(tmp_path / "importer_result.json", encoding="utf-8") as result_file:
        result = json.load(result_file)
    assert result["metadata"]["version"] == galaxy_version()
    docs = dict(((item["content_type"], item["content_name"]), item) for item in result["docs_blob"]["contents"])
    for module in MODULES:
        doc_strings = docs[("module", module)]["doc_strings"]
        assert doc_strings and doc_strings["doc"]["options"] and doc_strings["examples"] and doc_strings["return"], module
        assert ("endpoint_url" in [option["name"] for option in doc_strings["doc"]["options"]]) == (module in AWS_MODULES), module
    for name in FILTERS:
        assert docs[("filter", name)]["doc_strings"]["doc"]["description"], name
    for role in ROLES:
        assert docs[("role", role)]["readme_html"], role
    for playbook in PLAYBOOKS:
        assert ("playbook", playbook) in docs, playbook
    assert result["docs_blob"]["collection_readme"]["html"]
