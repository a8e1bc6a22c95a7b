# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stand-in for get-pip.py that ansible-test runs to bootstrap pip in its venvs.

ansible-test downloads get-pip.py from a host that is not always reachable.
tools/setup.sh copies this file to ~/.ansible/test/cache/get_pip_<version>.py
beside the pip wheel downloaded from PyPI; ansible-test then runs it with pip
install arguments, as it would run the real script.
"""

import glob
import os
import sys
import tempfile
import zipfile

# Options that only get-pip.py itself understands.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    wheels = sorted(glob.glob(os.path.join(here, "pip-*-py3-none-any.whl")))
    if not wheels:
        sys.exit("get-pip shim: no pip wheel beside %s; run tools/setup.sh" % here)
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
