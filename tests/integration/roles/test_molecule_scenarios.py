# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' molecule scenarios: converge, idempotence (no write call), verify.

Each runs with a HOME of its own, which must stay empty: the scenarios test the
checkout through build/collections and write only under build/ (molecule's
prerun would otherwise install a copy of the collection into
~/.ansible/collections, where a stale copy shadows the checkout).
"""

import glob
import os

import pytest

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.molecule_run import MOLECULE_ANSIBLE_HOME
from awsops_harness.molecule_run import molecule
from awsops_harness.molecule_run import molecule_env

SCENARIOS = sorted(os.path.basename(os.path.dirname(path)) for path in glob.glob(os.path.join(REPO_ROOT, "extensions", "molecule", "*", "molecule.yml")))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(moto, tmp_path, scenario):
    home = tmp_path / "home"
    home.mkdir()
    env = molecule_env(moto, home)
    molecule("reset", scenario, env)
    try:
        for stage in ("prepare", "converge"):
            returncode, output = molecule(stage, scenario, env)
            assert returncode == 0, "%s failed:\n%s" % (stage, output[-8000:])
        moto.reset_recording()
        returncode, output = molecule("idempotence", scenario, env)
        assert returncode == 0, "idempotence failed:\n%s" % output[-8000:]
        writes = [str(call) for call in moto.calls() if call.is_write]
        assert writes == [], "the idempotence run sent write calls: %s" % writes
        returncode, output = molecule("verify", scenario, env)
        assert returncode == 0, "verify failed:\n%s" % output[-8000:]
    finally:
        molecule("reset", scenario, env)
    written = sorted(os.path.relpath(os.path.join(root, name), str(home)) for root, dirs, files in os.walk(str(home)) for name in dirs + files)
    assert written == [], "the scenario wrote into HOME (~/.ansible/collections and the like): %s" % written
    # No copy of the collection anywhere (molecule's prerun installs one into ANSIBLE_HOME's collections).
    assert not os.path.exists(os.path.join(MOLECULE_ANSIBLE_HOME, "collections", "ansible_collections", "awsops"))
