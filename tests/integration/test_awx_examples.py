# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""examples/awx: the collection from git or a tarball URL, the execution environment, the survey.

What AWX does on a project sync (ansible-galaxy collection install -r
collections/requirements.yml) and what ansible-builder does in an image
build are run here offline: the git server is a local repository reached by a
file:// URL, the tarball URL is a file:// URL, and amazon.aws (which AWX and
the image build take from Galaxy or Automation Hub) is already in the target
path, so --offline finds it there. No container is built: the test runs the
build context's own introspection script, which is what the image build runs
to collect the Python and system requirements of the installed collections.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.collection_build import BIN
from awsops_harness.collection_build import amazon_aws_only
from awsops_harness.collection_build import build_tarball
from awsops_harness.collection_build import galaxy_install
from awsops_harness.collection_build import galaxy_version
from awsops_harness.collection_build import git_snapshot
from awsops_harness.collection_build import isolated_env

AWX = os.path.join(REPO_ROOT, "examples", "awx")


def load_yaml(*path):
    with open(os.path.join(*path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_variables():
    names = set()
    for role in os.listdir(os.path.join(REPO_ROOT, "roles")):
        specs = load_yaml(REPO_ROOT, "roles", role, "meta", "argument_specs.yml")["argument_specs"]
        for entry_point in specs.values():
            names.update(entry_point.get("options", {}))
    return names


@pytest.fixture
def sandbox(tmp_path):
    """An empty collections path that already holds amazon.aws, and an environment that sees only it."""
    share = amazon_aws_only(tmp_path / "share")
    return share, isolated_env(tmp_path / "home", [share])


def installed_manifest(share):
    return load_yaml(share, "ansible_collections", "awsops", "ssm", "MANIFEST.json")["collection_info"]


def install_with_source(requirements, url, tmp_path, sandbox):
    """Installs requirements (the example's) with its one collection's name replaced by url; returns the install path."""
    requirements["collections"][0]["name"] = url
    local = tmp_path / "requirements.yml"
    local.write_text(yaml.safe_dump(requirements), encoding="utf-8")
    share, env = sandbox
    completed = galaxy_install(local, share, env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert installed_manifest(share)["version"] == galaxy_version()
    return os.path.join(share, "ansible_collections", "awsops", "ssm")


def test_project_requirements_install_the_collection_from_git(tmp_path, sandbox):
    """collections/requirements.yml: type git, a tag; ansible-galaxy builds the clone as `make build` does."""
    requirements = load_yaml(AWX, "collections", "requirements.yml")
    (entry,) = requirements["collections"]
    assert entry["type"] == "git" and entry["name"].endswith("/awsops.ssm.git"), entry
    assert entry["version"] == "v" + galaxy_version(), "the example names the tag of the current version"

    repo = git_snapshot(tmp_path / "git" / "awsops.ssm")
    installed = install_with_source(requirements, "file://" + repo, tmp_path, sandbox)
    assert os.path.isfile(os.path.join(installed, "playbooks", "site.yml"))
    assert not os.path.exists(os.path.join(installed, "tests")), "the git install builds with galaxy.yml's build_ignore"


def test_project_requirements_variant_installs_the_collection_from_a_tarball_url(tmp_path, sandbox):
    requirements = load_yaml(AWX, "collections", "requirements-tarball.yml")
    (entry,) = requirements["collections"]
    assert entry["type"] == "url" and entry["name"].endswith("/awsops-ssm-%s.tar.gz" % galaxy_version()), entry

    installed = install_with_source(requirements, "file://" + build_tarball(tmp_path / "dist"), tmp_path, sandbox)
    assert os.path.isfile(os.path.join(installed, "playbooks", "site.yml"))


def test_execution_environment_builds_from_the_local_tarball(tmp_path, sandbox):
    """ansible-builder create, then the image build's galaxy stage and introspection, without a container."""
    # The example's layout: examples/awx/execution-environment.yml takes ../../dist/awsops-ssm-VERSION.tar.gz.
    shutil.copytree(AWX, tmp_path / "examples" / "awx")
    build_tarball(tmp_path / "dist")
    context = tmp_path / "context"
    completed = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "create", "-f", "examples/awx/execution-environment.yml", "--context", str(context)],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build = context / "_build"
    assert (build / "collections" / ("awsops-ssm-%s.tar.gz" % galaxy_version())).is_file()
    containerfile = [name for name in ("Containerfile", "Dockerfile") if (context / name).is_file()]
    assert containerfile, os.listdir(context)
    steps = (context / containerfile[0]).read_text(encoding="utf-8")
    assert "COPY _build /build" in steps and "ansible-galaxy collection install" in steps and "introspect.py introspect" in steps

    # The galaxy stage: in /build (the context's _build), install requirements.yml.
    share, env = sandbox
    completed = galaxy_install("requirements.yml", share, env, cwd=build)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert installed_manifest(share)["version"] == galaxy_version()

    # The builder stage: the context's introspection of what the galaxy stage installed.
    introspection = subprocess.run(
        [sys.executable, str(build / "scripts" / "introspect.py"), "introspect", "--sanitize", share],
        capture_output=True,
        text=True,
        check=True,
    )
    found = yaml.safe_load(introspection.stdout)
    ours = {}
    for kind in ("python", "system"):
        ours[kind] = [line.split("#")[0].strip() for line in found.get(kind) or [] if line.endswith("from collection awsops.ssm")]
    # Exactly the collection's requirements.txt (boto3, botocore, tzdata, holidays, icalendar), from the installed copy.
    with open(os.path.join(REPO_ROOT, "requirements.txt"), encoding="utf-8") as requirements:
        wanted = sorted(line.strip() for line in requirements if line.strip() and not line.startswith("#"))
    assert {"boto3>=1.34.0", "botocore>=1.34.0", "tzdata", "holidays>=0.60", "icalendar>=6.1.0"} <= set(wanted)
    assert sorted(ours["python"]) == wanted, found
    # bindep.txt lists no package: the image's own Python runs Ansible and the modules need no system tool.
    assert ours["system"] == [], found


def test_execution_environment_dependencies_of_the_collection_exist():
    meta = load_yaml(REPO_ROOT, "meta", "execution-environment.yml")
    assert meta["version"] == 3
    for kind in ("python", "system"):
        assert os.path.isfile(os.path.join(REPO_ROOT, meta["dependencies"][kind])), kind
    with open(os.path.join(REPO_ROOT, "bindep.txt"), encoding="utf-8") as bindep:
        assert [line for line in bindep if line.strip() and not line.startswith("#")] == []


def test_survey_leaves_every_role_variable_to_the_inventory_unless_answered():
    """A survey answer is an extra variable and overrides every target's inventory; an unanswered one must not exist."""
    with open(os.path.join(AWX, "survey-site.json"), encoding="utf-8") as handle:
        survey = json.load(handle)
    questions = dict((question["variable"], question) for question in survey["spec"])
    assert "instance_scheduler_backend" in questions
    backend = questions["instance_scheduler_backend"]
    assert "default" not in backend and backend["required"] is False, backend
    assert backend["choices"] == ["scheduler", "lambda"]
    for name, question in questions.items():
        assert question["type"] in ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"), name
        if name in role_variables():
            assert "default" not in question and question["required"] is False, name
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question["choices"], name
            for value in str(question.get("default", "")).split("\n"):
                assert value == "" or value in question["choices"], name
