# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: probe
short_description: a test module that shows what it ran in (tests of the awsops.ssm module runner only)
description:
  - Each option makes the module do one thing a real module may do, so that a
    test can run it in a fork of the worker and as a process and compare.
options:
  item: {description: appended to a module-level list that is returned, type: int}
  want: {description: the state to predict (check mode) or report (diff), type: str}
  warn: {description: a warning, type: str}
  deprecate: {description: a deprecation, type: str}
  fail: {description: fail with this message, type: str}
  crash: {description: raise an unexpected exception with this message, type: str}
  secret: {description: a no_log value that crash_with_secret puts in an exception, type: str}
  crash_with_secret: {description: raise an exception whose message holds the secret, type: bool, default: false}
  die: {description: write this to stderr and end the process without a result, type: str}
  env_name: {description: the environment variable whose value is returned, type: str}
  show_code_cache: {description: return how many sources the module runner's compile cache holds (null in a module process), type: bool, default: false}
author: awsops.ssm contributors
"""

import logging
import os
import sys
import zipimport

from ansible.module_utils.basic import AnsibleModule

try:
    import botocore  # noqa: F401 pylint: disable=unused-import  # as every module of awsops.ssm imports it
except ImportError:
    pass  # another Python (the delegate_to test)

# Module-level state, as modules and module_utils keep it: each run must start from a fresh copy.
STATE = []
LOGGER = logging.getLogger("botocore")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            item=dict(type="int"),
            want=dict(type="str"),
            warn=dict(type="str"),
            deprecate=dict(type="str"),
            fail=dict(type="str"),
            crash=dict(type="str"),
            secret=dict(type="str", no_log=True),
            crash_with_secret=dict(type="bool", default=False),
            die=dict(type="str"),
            env_name=dict(type="str"),
            show_code_cache=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["item"] is not None:
        STATE.append(params["item"])
    LOGGER.addHandler(logging.NullHandler())  # as amazon.aws's debug_botocore_endpoint_logs adds one
    if params["warn"]:
        module.warn(params["warn"])
    if params["deprecate"]:
        # The probe belongs to awsops_test.probe, not to the collection under test.
        module.deprecate(params["deprecate"], version="99.0.0", collection_name="awsops_test.probe")  # pylint: disable=wrong-collection-deprecated
    if params["crash"]:
        raise ValueError(params["crash"])
    if params["crash_with_secret"]:
        raise RuntimeError("the token %s was refused" % params["secret"])
    if params["die"]:
        sys.stderr.write(params["die"] + "\n")
        sys.stderr.flush()
        os._exit(3)  # pylint: disable=protected-access
    if params["fail"]:
        module.fail_json(msg=params["fail"], state=list(STATE))
    result = dict(
        changed=params["want"] is not None,
        state=list(STATE),
        botocore_handlers=len(LOGGER.handlers),
        check_mode=module.check_mode,
        python=sys.executable,
        cwd=os.getcwd(),
        stdin_at_end=sys.stdin.read() == "",
        # Where the code of this module and of ansible's module_utils says it comes from (tracebacks show it).
        code_files=[main.__code__.co_filename, AnsibleModule.__init__.__code__.co_filename],
    )
    if params["show_code_cache"]:
        cache = getattr(zipimport._compile_source, "path", None)  # pylint: disable=protected-access
        result["code_cache"] = len(os.listdir(cache)) if cache else None
    if params["env_name"]:
        result["env_value"] = os.environ.get(params["env_name"])
    if params["want"] is not None and module._diff:  # pylint: disable=protected-access
        result["diff"] = dict(before="absent\n", after="%s\n" % params["want"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
