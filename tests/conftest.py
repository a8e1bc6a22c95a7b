# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Makes the collection importable as ansible_collections.awsops.ssm in tests.

tools/setup.sh lays out build/collections/ansible_collections with amazon.aws
and a link named awsops/ssm to this repository.
"""

import os
import sys

COLLECTIONS_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "collections")
if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "amazon", "aws")):
    raise RuntimeError("build/collections is missing: run `make setup` first")
if COLLECTIONS_PATH not in sys.path:
    sys.path.insert(0, COLLECTIONS_PATH)
