# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plain `ansible-lint` on a fresh checkout passes, as an editor or pre-commit runs it.

`make lint` runs ansible-lint offline with build/collections on the
collections path. A fresh checkout has neither: ansible-lint (online, as
.ansible-lint leaves it) installs requirements.yml (amazon.aws) from Galaxy
into the checkout's .ansible/ and installs the checkout itself as
awsops.ssm. Galaxy cannot be reached from here, so a local server
(awsops_harness.fake_galaxy) serves the amazon.aws the tests use; that is
the only difference from a developer's machine. HOME is an empty folder, so
nothing installed on this machine can stand in for what the checkout lacks.
"""

import os
import subprocess
import sys

from awsops_harness.ansible_run import COLLECTIONS_PATH
from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.fake_galaxy import FakeGalaxy


def fresh_checkout(destination):
    """The files git knows (tracked and new, not ignored), copied as a clone would have them."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    names = [name for name in listing.decode().split("\0") if name and os.path.exists(os.path.join(REPO_ROOT, name))]
    packed = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], input="\0".join(names).encode(), cwd=REPO_ROOT, capture_output=True, check=True)
    destination.mkdir()
    subprocess.run(["tar", "-xf", "-"], input=packed.stdout, cwd=destination, check=True)
    subprocess.run(["git", "init", "-q", "."], cwd=destination, check=True)
    return destination


def test_plain_ansible_lint_passes_on_a_fresh_checkout(tmp_path):
    checkout = fresh_checkout(tmp_path / "awsops.ssm")
    home = tmp_path / "home"
    home.mkdir()
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("ANSIBLE_"))
    with FakeGalaxy(os.path.join(COLLECTIONS_PATH, "ansible_collections", "amazon", "aws"), tmp_path) as galaxy:
        env.update(HOME=str(home), ANSIBLE_GALAXY_SERVER=galaxy.url, NO_COLOR="1")
        lint = os.path.join(os.path.dirname(sys.executable), "ansible-lint")
        run = subprocess.run([lint], cwd=checkout, env=env, capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    assert "Profile 'production' was required, and it passed" in output, output[-3000:]
    # amazon.aws came from "Galaxy", and the checkout was linted as the collection awsops.ssm.
    assert any(path.startswith("/download/") for path in galaxy.requests), galaxy.requests
    assert (checkout / ".ansible" / "collections" / "ansible_collections" / "amazon" / "aws" / "MANIFEST.json").exists()
    assert (checkout / ".ansible" / "collections" / "ansible_collections" / "awsops" / "ssm" / "MANIFEST.json").exists()
    assert list(home.iterdir()) == [] or all(entry.name in (".ansible", ".cache") for entry in home.iterdir())
