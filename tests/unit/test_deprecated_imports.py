# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""This collection's own code imports nothing that the installed ansible-core deprecates.

ansible-core 2.20 and 2.21 deprecate names such as ansible.module_utils._text's
to_text (removed in 2.24) when they are imported. Each `from ansible... import
name` of plugins/ is repeated in a fresh Python, module side (as a module
process imports it), and must record no deprecation. The deprecations users
see on 2.20 come from amazon.aws 10's module_utils (README, Performance).
make unit runs this on every ansible-core of the matrix.
"""

import ast
import json
import os
import subprocess
import sys

PLUGINS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "plugins")

PROBE = """
import importlib, json, sys
from ansible.module_utils.common import warnings
deprecated = []
for module_name, name in json.loads(sys.argv[1]):
    before = len(warnings.get_deprecation_messages())
    module = importlib.import_module(module_name)
    if name is not None:
        getattr(module, name)
    if len(warnings.get_deprecation_messages()) > before:
        deprecated.append([module_name, name])
print(json.dumps(deprecated))
"""


def ansible_imports():
    """(module, name or None) of every import of an ansible.* name in plugins/."""
    found = set()
    for folder, _dirs, files in os.walk(PLUGINS):
        for file_name in files:
            if not file_name.endswith(".py"):
                continue
            with open(os.path.join(folder, file_name), encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ansible":
                    found.update((node.module, alias.name) for alias in node.names)
                elif isinstance(node, ast.Import):
                    found.update((alias.name, None) for alias in node.names if alias.name.split(".")[0] == "ansible")
    return sorted(found, key=lambda pair: (pair[0], pair[1] or ""))


def test_no_import_of_the_collection_is_deprecated():
    imports = [pair for pair in ansible_imports() if ".module_utils" in pair[0]]  # module side: what a module process imports
    assert imports
    probe = subprocess.run([sys.executable, "-c", PROBE, json.dumps(imports)], capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == []


def test_the_probe_sees_a_deprecated_import():
    # The check above can fail: on an ansible-core that deprecates _text's names, importing one is caught.
    text_import = json.dumps([["ansible.module_utils._text", "to_text"]])
    probe = subprocess.run([sys.executable, "-c", PROBE, text_import], capture_output=True, text=True, check=True)
    import ansible.release  # pylint: disable=import-outside-toplevel

    deprecates_text = tuple(int(part) for part in ansible.release.__version__.split(".")[:2]) >= (2, 20)
    assert (json.loads(probe.stdout.strip().splitlines()[-1]) != []) == deprecates_text
