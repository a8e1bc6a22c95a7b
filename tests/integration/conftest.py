# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures: one moto server per test session, reset before every test (awsops_harness.fixtures)."""

from awsops_harness.fixtures import ansible  # noqa: F401 pylint: disable=unused-import
from awsops_harness.fixtures import aws  # noqa: F401 pylint: disable=unused-import
from awsops_harness.fixtures import moto  # noqa: F401 pylint: disable=unused-import
from awsops_harness.fixtures import moto_server  # noqa: F401 pylint: disable=unused-import
from awsops_harness.fixtures import module_cache  # noqa: F401 pylint: disable=unused-import
