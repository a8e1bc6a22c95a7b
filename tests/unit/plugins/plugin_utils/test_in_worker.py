# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which interpreter counts as the Python that runs Ansible."""

import os
import sys

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
