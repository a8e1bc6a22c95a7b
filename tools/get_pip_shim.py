# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stand-in for get-pip.py that ansible-test runs to bootstrap pip in its venvs.

ansible-test downloads get-pip.py from a host that is not always reachable.
tools/setup.sh copies this file to ~/.ansible/test/cache/get_pip_<version>.py
beside the pip wheel downloaded from PyPI; ansible-test then runs it with pip
install arguments, as it would run the real script. Each ansible-test version
bootstraps its own pip (2.19: 24.2, 2.20 and 2.21: 25.2), so the script installs
the wheel of the version in its own name.
"""

import glob
import os
import re
import sys
import tempfile
import zipfile

# Options that only get-pip.py itself understands.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    version = re.match(r"get_pip_(\d+(?:_\d+)*)\.py$", os.path.basename(__file__))
    pattern = "pip-%s-py3-none-any.whl" % (version.group(1).replace("_", ".") if version else "*")
    wheels = sorted(glob.glob(os.path.join(here, pattern)))
    if not wheels:
        sys.exit("get-pip shim: no %s beside %s; run tools/setup.sh" % (pattern, here))
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    with tempfile.TemporaryDirectory() as unpacked:
        # Run pip from an unpacked wheel (a zipped pip cannot read its CA bundle).
        with zipfile.ZipFile(wheels[-1]) as wheel:
            wheel.extractall(unpacked)
        sys.path.insert(0, unpacked)
        from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

        return pip_main(["install", "--upgrade", "--force-reinstall", "--find-links", here] + args)


if __name__ == "__main__":
    sys.exit(main())
