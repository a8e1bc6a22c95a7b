# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-core's built payload of each module of the collection, kept from one run to the next.

ansible-core builds a module's payload (AnsiballZ) once per run: it parses
the module and every module_util it imports, walking their ASTs to find the
next imports (``recursive_finder``), zips them, and keeps the result for the
rest of the run in ``DEFAULT_LOCAL_TMP/ansiballz_cache``, a directory removed
when the run ends. That walk costs about 0.3 CPU seconds per module and run,
the same work on every run of an unchanged collection.

The module runner (in_worker.py) keeps ansible-core's cache file of each of
its modules in the user's cache (module_cache.py), under the ansible-core
version, with the list of the files the payload holds and each file's size
and modification time where it was found (ansible-core's own package, or a
collection's directory as the collection loader finds it now). Before the
next run builds that module, the kept file is put back where ansible-core
looks for it, if every listed file is still where it was, with the same size
and time (what Python's own bytecode cache checks); ansible-core then reads
it as if it had built it earlier in the run. A changed, moved or missing
file, an ansible-core upgrade, a collection found in another place: the
payload is built again, as without this cache, and kept anew.

Only ansible-core's own cache is filled; what runs, and how, is
ansible-core's. Anything that cannot be read or written is skipped.
"""

import base64
import importlib.util
import io
import json
import os
import pickle
import zipfile

import ansible
from ansible.release import __version__ as ansible_version

from ansible_collections.awsops.ssm.plugins.plugin_utils.module_cache import subdirectory
from ansible_collections.awsops.ssm.plugins.plugin_utils.module_cache import write_atomically

SOURCES_SUFFIX = ".sources"
ANSIBLE_DIRECTORY = os.path.dirname(os.path.abspath(ansible.__file__))


def _collection_directory(namespace, name, found):
    key = (namespace, name)
    if key not in found:
        try:
            spec = importlib.util.find_spec("ansible_collections.%s.%s" % key)
        except (ImportError, ValueError):
            spec = None
        locations = list(getattr(spec, "submodule_search_locations", None) or []) if spec else []
        found[key] = locations[0] if locations else None
    return found[key]


def source_of(member, found):
    """The file a payload member comes from, as found now: ansible's package or a collection's directory; None if neither."""
    parts = member.split("/")
    if parts[0] == "ansible" and len(parts) > 1:
        return os.path.join(ANSIBLE_DIRECTORY, *parts[1:])
    if parts[0] == "ansible_collections" and len(parts) > 3:
        directory = _collection_directory(parts[1], parts[2], found)
        return os.path.join(directory, *parts[3:]) if directory else None
    return None


def _stat(path):
    try:
        status = os.stat(path)
    except OSError:
        return [-1, 0]
    return [status.st_size, status.st_mtime_ns]


def sources(members, found=None):
    """[[member, its file or None, size, mtime_ns]] of the members (size -1 for a file that is not there)."""
    found = {} if found is None else found
    listed = []
    for member in members:
        path = source_of(member, found)
        listed.append([member, path] + (_stat(path) if path else [-1, 0]))
    return listed


def unchanged(listed, found=None):
    """Whether every member still comes from the same file, of the same size and time."""
    found = {} if found is None else found
    for member, path, size, mtime in listed:
        if source_of(member, found) != path or (path and _stat(path) != [size, mtime]):
            return False
    return True


def _payload_members(cache_file):
    with open(cache_file, "rb") as cached:
        cached_module = pickle.load(cached)  # ansible-core's own cache format (module_common._CachedModule)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(cached_module.zip_data))) as payload:
        return payload.namelist()


def _names(directory, prefix):
    try:
        return [name for name in os.listdir(directory) if name.startswith(prefix)]
    except OSError:
        return []


class Payloads:
    """The kept payloads of one module (its ansible-core cache file names start with prefix)."""

    def __init__(self, store, run_directory, prefix):
        self.store = store
        self.run_directory = run_directory
        self.prefix = prefix

    def seed(self):
        """Puts back every kept payload of the module the run has not built yet; returns the names the run had or got."""
        present = set(name for name in _names(self.run_directory, self.prefix) if _is_payload(name))
        for name in _names(self.store, self.prefix):
            if not _is_payload(name) or name in present:
                continue
            try:
                with open(os.path.join(self.store, name + SOURCES_SUFFIX), encoding="utf-8") as listed:
                    if not unchanged(json.load(listed)):
                        continue
                with open(os.path.join(self.store, name), "rb") as kept:
                    data = kept.read()
                os.makedirs(self.run_directory, exist_ok=True)
                write_atomically(os.path.join(self.run_directory, name), data)
            except (OSError, ValueError, TypeError):
                continue
            present.add(name)
        return present

    def keep(self, present):
        """Keeps the payloads of the module that the run built (not in present), with the list of their sources."""
        for name in _names(self.run_directory, self.prefix):
            if not _is_payload(name) or name in present:
                continue
            built = os.path.join(self.run_directory, name)
            try:
                listed = sources(_payload_members(built))
                with open(built, "rb") as cached:
                    data = cached.read()
                write_atomically(os.path.join(self.store, name), data)
                write_atomically(os.path.join(self.store, name + SOURCES_SUFFIX), json.dumps(listed).encode("utf-8"))
            except (OSError, ValueError, TypeError, AttributeError, EOFError, ImportError, pickle.UnpicklingError, zipfile.BadZipFile):
                continue


def _is_payload(name):
    return not (name.endswith(SOURCES_SUFFIX) or name.endswith(".lock") or name.endswith("-part") or name.startswith("."))


def for_module(cache_root, local_tmp, module_fqn):
    """The Payloads of the module named module_fqn (ansible_collections.NS.NAME.plugins.modules.M), or None when not kept."""
    store = subdirectory(cache_root, "payloads", "ansible-core-%s" % ansible_version)
    if store is None or not local_tmp:
        return None
    return Payloads(store, os.path.join(local_tmp, "ansiballz_cache"), module_fqn + "-")
