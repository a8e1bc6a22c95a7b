# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Moto servers for whole-playbook runs, with IAM auth on demand.

ConfiguredMotoServer(workdir, env={...}) starts such a server with extra
environment, for example INITIAL_NO_AUTH_ACTION_COUNT=0, with which moto
checks every request's credentials against its IAM (unknown access keys are
refused with InvalidClientTokenId / AuthFailure) as AWS does.

Run as ``python -m awsops_harness.moto_variants -H 127.0.0.1 -p PORT``.
"""

import os
import subprocess
import sys
import time
import urllib.request

from .moto_server import MotoServer

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConfiguredMotoServer(MotoServer):
    """A MotoServer with extra environment (env)."""

    def __init__(self, workdir, port=None, env=None):
        super().__init__(workdir, port)
        self.env = dict(env or {})

    def start(self, timeout=60):
        env = dict(os.environ)
        env.update(
            MOTO_IAM_LOAD_MANAGED_POLICIES="true",
            MOTO_ENABLE_RECORDING="true",
            MOTO_RECORDER_FILEPATH=self.recording,
            PYTHONPATH=os.pathsep.join(filter(None, [TESTS_DIR, os.environ.get("PYTHONPATH")])),
        )
        env.update(self.env)
        with open(self.log, "ab") as log:
            self._process = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, "-m", "awsops_harness.moto_variants", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                # python -m puts the working directory first on sys.path: use one without stray modules.
                cwd=TESTS_DIR,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("moto server exited; see %s" % self.log)
            try:
                self._post("/moto-api/recorder/reset-recording")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto server did not answer on %s within %ss" % (self.url, timeout))

    def check_credentials(self, after=0):
        """With INITIAL_NO_AUTH_ACTION_COUNT set: let the next `after` requests through unchecked, then check all."""
        request = urllib.request.Request(
            self.url + "/moto-api/reset-auth", data=str(after).encode(), method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def main():
    from moto.server import main as moto_main  # pylint: disable=import-outside-toplevel

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
