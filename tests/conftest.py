# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Makes the collection importable as ansible_collections.awsops.ssm in tests.

tools/setup.sh lays out build/collections/ansible_collections with amazon.aws
and a link named awsops/ssm to this repository (for a matrix entry:
build/matrix/<name>/collections, which make passes as AWSOPS_TEST_COLLECTIONS).
"""

import os
import sys

from awsops_harness.ansible_run import COLLECTIONS_PATH

if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "amazon", "aws")):
    raise RuntimeError("%s is missing: run `make setup` (or `make setup-matrix`) first" % COLLECTIONS_PATH)
if COLLECTIONS_PATH not in sys.path:
    sys.path.insert(0, COLLECTIONS_PATH)
