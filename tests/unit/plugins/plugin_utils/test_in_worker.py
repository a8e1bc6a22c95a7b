# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which interpreter counts as the Python that runs Ansible, and which commands the module runner takes over."""

import os
import shlex
import sys

import pytest

from ansible_collections.awsops.ssm.plugins.plugin_utils.in_worker import parse_module_command
from ansible_collections.awsops.ssm.plugins.plugin_utils.in_worker import same_python


def test_the_running_python_is_the_same():
    assert same_python(sys.executable)


def test_a_link_to_it_elsewhere_is_not(tmp_path):
    # Another directory is another environment (a venv's python links to the base Python's file).
    link = tmp_path / "python3"
    os.symlink(os.path.realpath(sys.executable), link)
    assert not same_python(str(link))


def test_missing_or_empty_interpreters_are_not():
    assert not same_python("")
    assert not same_python(None)
    assert not same_python("/nonexistent/bin/python3")


PYTHON = sys.executable


@pytest.fixture
def payload(tmp_path):
    path = tmp_path / "AnsiballZ_probe.py"
    path.write_bytes(b"#!" + PYTHON.encode() + b"\n_ANSIBALLZ_WRAPPER = True\n")
    return str(path)


def test_the_command_ansible_core_builds_for_a_payload_file_is_recognised(payload):
    command = parse_module_command("/bin/sh -c '%s %s && sleep 0'" % (PYTHON, payload), None)
    assert (command.interpreter, command.script_path, command.environment) == (PYTHON, payload, {})
    assert command.script.startswith(b"#!")


def test_pipelining_sends_the_payload_on_stdin():
    command = parse_module_command("/bin/sh -c '%s && sleep 0'" % PYTHON, b"#!python\n")
    assert command.script_path is None and command.script == b"#!python\n"


def test_the_environment_of_the_command_is_kept_with_its_quoting(payload):
    inner = "A=%s B=plain %s %s && sleep 0" % (shlex.quote("it's $HOME & more"), PYTHON, payload)
    command = parse_module_command("/bin/sh -c %s" % shlex.quote(inner), None)
    assert command.environment == {"A": "it's $HOME & more", "B": "plain"}


@pytest.mark.parametrize(
    "inner",
    [
        "/usr/bin/python3 {payload} && sleep 0",  # another Python
        "{python} {payload} extra && sleep 0",  # more arguments (an old-style module's args file)
        "{python} {payload}; rm -rf / && sleep 0",  # an operator the shell would run
        "A=$HOME {python} {payload} && sleep 0",  # an expansion the shell would make
        "sudo -u nobody {python} {payload} && sleep 0",  # become
        "{python} /nonexistent/AnsiballZ_x.py && sleep 0",
    ],
)
def test_anything_else_runs_as_usual(payload, inner):
    cmd = "/bin/sh -c %s" % shlex.quote(inner.format(python=PYTHON, payload=payload))
    assert parse_module_command(cmd, None) is None


def test_a_shell_line_with_unquoted_words_is_not_taken_apart():
    assert parse_module_command("/bin/sh -c %s && echo x" % shlex.quote("%s" % PYTHON), b"#!x\n") is None
