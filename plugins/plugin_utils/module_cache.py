# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the module runner keeps what outlives one ansible-playbook run: one private directory per user.

Users run ``site`` on a timer, and each run used to build every module's
payload (ansible-core's AnsiballZ: an AST walk of every module_util) and
compile its sources again, about 0.6 CPU seconds per module, eight modules
per target. payload_cache.py and code_cache.py keep both here between runs,
each entry checked against its sources before it is used.

The directory is ``AWSOPS_SSM_MODULE_CACHE`` when set (``off`` keeps
nothing between runs), else ``awsops_ssm_cache`` beside ansible-core's own
per-run directories (the parent of ``DEFAULT_LOCAL_TMP``: ``~/.ansible/tmp``
unless ``ANSIBLE_LOCAL_TEMP`` says otherwise). It is used only while it is a
directory of the user running ansible-playbook that no one else can read or
write (made so with mode 0700); otherwise modules are built and compiled as
ansible-core does, and nothing is kept.
"""

import os
import stat
import tempfile

SETTING = "AWSOPS_SSM_MODULE_CACHE"
DIRECTORY_NAME = "awsops_ssm_cache"
OFF = ("off", "false", "no", "0", "none")


def private_directory(path):
    """path, made with mode 0700 if missing, when it is a directory of this user closed to others; else None."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        return None
    return path


def root(local_tmp, environ=None):
    """The user's cache directory for ansible-playbook's local temporary directory local_tmp, or None."""
    environ = os.environ if environ is None else environ
    setting = environ.get(SETTING, "").strip()
    if setting.lower() in OFF:
        return None
    if setting:
        return private_directory(os.path.expanduser(setting))
    if not local_tmp:
        return None
    return private_directory(os.path.join(os.path.dirname(os.path.normpath(local_tmp)), DIRECTORY_NAME))


def subdirectory(cache_root, *names):
    """cache_root/names..., made if missing (mode 0700), or None without a cache root or when it cannot be made."""
    if not cache_root:
        return None
    path = os.path.join(cache_root, *names)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return path


def write_atomically(path, data):
    """Writes data to path whole or not at all, whatever other workers do meanwhile (a hidden temporary file, renamed)."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".")
    try:
        with os.fdopen(handle, "wb") as written:
            written.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
