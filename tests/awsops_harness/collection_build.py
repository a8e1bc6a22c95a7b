# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection as users get it: the built tarball, a git snapshot, amazon.aws beside it.

Tests of what is shipped install these into empty paths, with a HOME and
ANSIBLE_HOME of their own, so that neither the checkout (linked from
build/collections) nor a copy in ~/.ansible/collections can stand in for them.
"""

import glob
import os
import subprocess
import sys

import yaml

from .ansible_run import REPO_ROOT

BIN = os.path.dirname(sys.executable)
AMAZON_AWS = os.path.join(REPO_ROOT, "build", "collections", "ansible_collections", "amazon")


def plugin_names(plugin_type):
    """The plugins of a type (modules, filter, ...) in the checkout."""
    return sorted(os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(REPO_ROOT, "plugins", plugin_type, "*.py")))


def role_names():
    """The roles in the checkout that document their options (meta/argument_specs.yml)."""
    specs = glob.glob(os.path.join(REPO_ROOT, "roles", "*", "meta", "argument_specs.yml"))
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(path))) for path in specs)


def galaxy_version():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as galaxy:
        return yaml.safe_load(galaxy)["version"]


def build_tarball(out_dir, source=REPO_ROOT):
    """ansible-galaxy collection build of source into out_dir; returns the tarball's path."""
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", str(source), "--output-path", str(out_dir)], check=True, capture_output=True)
    tarballs = glob.glob(os.path.join(str(out_dir), "awsops-ssm-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


def amazon_aws_only(path):
    """Makes path a collections path holding amazon.aws and nothing else; returns it."""
    os.makedirs(os.path.join(str(path), "ansible_collections"), exist_ok=True)
    os.symlink(AMAZON_AWS, os.path.join(str(path), "ansible_collections", "amazon"))
    return str(path)


def isolated_env(home, collections_paths):
    """The environment of an Ansible command that sees only collections_paths and writes only under home."""
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "ANSIBLE_HOME": os.path.join(str(home), ".ansible"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(str(home), ".ansible", "tmp"),
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(str(path) for path in collections_paths),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_NOCOLOR": "true",
        }
    )
    return env


def git_snapshot(path):
    """A git repository at path holding the files git knows in the checkout (tracked and new), committed and tagged v<version>."""
    os.makedirs(str(path))
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT, check=True, capture_output=True).stdout
    existing = b"\0".join(name for name in files.split(b"\0") if name and os.path.exists(os.path.join(REPO_ROOT, name.decode())))
    archive = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], cwd=REPO_ROOT, input=existing, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-xf", "-", "-C", str(path)], input=archive, check=True)
    identity = ["-c", "user.name=awsops.ssm tests", "-c", "user.email=tests@awsops.invalid"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], identity + ["commit", "-q", "-m", "snapshot"], ["tag", "v" + galaxy_version()]):
        subprocess.run(["git"] + command, cwd=str(path), check=True, capture_output=True)
    return str(path)


def galaxy_install(requirements, collections_path, env, cwd=None):
    """ansible-galaxy collection install -r requirements --offline (in cwd): dependencies must already be in collections_path."""
    return subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-r", str(requirements), "-p", str(collections_path)],
        env=env,
        cwd=None if cwd is None else str(cwd),
        capture_output=True,
        text=True,
        check=False,
    )
