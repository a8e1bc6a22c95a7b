# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs a molecule scenario of extensions/molecule against the local endpoint.

Stages run one by one (prepare, converge, idempotence, verify, and cleanup)
so that the recording of the idempotence stage alone can be checked for
write calls. Molecule keeps its state under ANSIBLE_HOME, here in
build/molecule like everything the scenarios' Ansible writes
(extensions/molecule/config.yml), and HOME is a directory of the test's own,
so that the test can check nothing was written there.
"""

import os
import subprocess
import sys

from .ansible_run import COLLECTIONS_PATH
from .ansible_run import REPO_ROOT


MOLECULE_ANSIBLE_HOME = os.path.join(REPO_ROOT, "build", "molecule", "ansible")


def molecule_env(moto, home):
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "ANSIBLE_HOME": MOLECULE_ANSIBLE_HOME,
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
            "ANSIBLE_NOCOLOR": "true",
            "NO_COLOR": "1",
            "AWSOPS_TEST_ENDPOINT": moto.url,
            "AWSOPS_TEST_PYTHON": sys.executable,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        }
    )
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_URL"):
        env.pop(name, None)
    return env


def molecule(stage, scenario, env):
    """Runs one molecule stage; returns (returncode, output)."""
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "molecule"), stage, "-s", scenario],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr
