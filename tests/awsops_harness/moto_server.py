# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A moto server on 127.0.0.1 that records every request it receives."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

from .aws_calls import parse_recording

# moto's server with its gaps filled as AWS behaves (TEXT documents, one IAM error, an empty automation history): see moto_launcher.py.
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
# The public images moto offers in every region: the two the tests launch, instead of moto's
# hundred-odd per region that each reset builds again (with a snapshot each). Both are owned by amazon.
AMIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_amis.json")

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """Start with start(); reset() between tests; calls() reads the recording.

    env: extra environment of the server, for example INITIAL_NO_AUTH_ACTION_COUNT=0, with which moto
    checks every request's credentials against its IAM (unknown access keys are refused with
    InvalidClientTokenId / AuthFailure) as AWS does; see check_credentials().
    """

    def __init__(self, workdir, port=None, env=None):
        self.port = port or free_port()
        self.env = dict(env or {})
        self.url = "http://127.0.0.1:%d" % self.port
        self.recording = os.path.join(str(workdir), "moto-recording.jsonl")
        self.log = os.path.join(str(workdir), "moto-server.log")
        self._process = None

    def start(self, timeout=60):
        env = dict(os.environ)
        env.update(
            MOTO_IAM_LOAD_MANAGED_POLICIES="true",
            MOTO_ENABLE_RECORDING="true",
            MOTO_RECORDER_FILEPATH=self.recording,
            MOTO_AMIS_PATH=AMIS,
        )
        env.update(self.env)
        with open(self.log, "ab") as log:
            self._process = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, LAUNCHER, "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
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

    def stop(self):
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def check_credentials(self, after=0):
        """With INITIAL_NO_AUTH_ACTION_COUNT set: let the next `after` requests through unchecked, then check all."""
        request = urllib.request.Request(
            self.url + "/moto-api/reset-auth", data=str(after).encode(), method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def _post(self, path):
        request = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def reset(self):
        """Forget all AWS state and all recorded requests."""
        self._post("/moto-api/reset")
        self.reset_recording()

    def reset_recording(self):
        self._post("/moto-api/recorder/reset-recording")

    def calls(self):
        """The AWS calls recorded since the last reset_recording()."""
        if not os.path.exists(self.recording):
            return []
        with open(self.recording, encoding="utf-8") as recording:
            return parse_recording(recording.read())
