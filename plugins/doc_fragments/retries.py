# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The one retry layer of every module of this collection (plugins/module_utils/aws_retries.py).
    DOCUMENTATION = r"""
options: {}
notes:
  - AWS calls are retried in one place, with botocore's standard retry conditions (throttling, HTTP 429 and 5xx,
    connection errors) and jittered exponential backoff, at most C(AWSOPS_SSM_RETRY_ATTEMPTS) attempts (default 10)
    and no attempt later than C(AWSOPS_SSM_RETRY_SECONDS) seconds (default 30) after the first; an attempt waits at
    most 5 seconds to connect and 20 for an answer. A call that keeps failing fails the task within 55 seconds with
    AWS's error code and message. Both are environment variables of the controller (C(ansible-playbook)'s
    environment). O(aws_config) overrides the client settings, for example C(read_timeout=60).
  - A create whose answer was lost and that the retry finds done (AWS answers that the resource already exists)
    reads the resource back and goes on when this collection made it.
"""
