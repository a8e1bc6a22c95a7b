# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compile each module_utils source of the module payloads once, not once per module run.

A module payload (AnsiballZ) carries ansible's module_utils and the
collections' code as source in a zip, and Python's zipimport compiles every
file of it on every module run: measured with py-spy, about four fifths of
the CPU of a module run forked by in_worker.py went to compiling the same
sources again. The forked child (see in_worker.py) asks this cache first:
the code object compiled from the very same bytes (a SHA-256 of the source,
under the Python's bytecode magic number and optimization level) is read
back with marshal, as Python reads a ``.pyc``, and given the file name the
payload has now; a source not seen yet is compiled as zipimport compiles it
and stored for the next module run. The cache lives in the user's private
cache of the module runner (module_cache.py: ``AWSOPS_SSM_MODULE_CACHE``,
``off`` to compile on every run), one directory per Python and optimization
level, so that a run on a timer compiles nothing it compiled before; an
entry is named by its source's hash, so an edited source is another entry.
When a directory holds more than MAX_ENTRIES, storing one more removes the
oldest half.

Only the compiling is cached: every module run still imports every module
afresh and runs its code, so nothing a module does reaches the next one.
A cache entry that cannot be read or written is compiled as usual.
"""

import _imp
import hashlib
import importlib.util
import marshal
import os
import sys
import types

from ansible_collections.awsops.ssm.plugins.plugin_utils.module_cache import subdirectory
from ansible_collections.awsops.ssm.plugins.plugin_utils.module_cache import write_atomically

DIRECTORY_NAME = "awsops_ssm_code"
MAX_ENTRIES = 4000


def directory(cache_root):
    """The cache directory of this Python under the cache root (module_cache.root), or None."""
    return subdirectory(cache_root, DIRECTORY_NAME, "%s-O%d" % (sys.implementation.cache_tag, sys.flags.optimize))


def prune(path):
    """A cache directory of more than MAX_ENTRIES loses its oldest entries (by modification time) down to half of it."""
    try:
        entries = [os.path.join(path, name) for name in os.listdir(path) if not name.startswith(".")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda entry: os.stat(entry).st_mtime_ns)
        for entry in entries[:len(entries) - MAX_ENTRIES // 2]:
            os.unlink(entry)
    except OSError:
        pass


def _fix_file_name(code, file_name):
    """code with file_name in it and in the code objects it holds, as importlib does for a .pyc."""
    fix = getattr(_imp, "_fix_co_filename", None)
    if fix is not None:
        fix(code, file_name)
        return code
    constants = tuple(_fix_file_name(value, file_name) if isinstance(value, types.CodeType) else value for value in code.co_consts)
    return code.replace(co_filename=file_name, co_consts=constants)


class CompiledSources:
    """compile(source) for zipimport's sources, through the files of one cache directory."""

    def __init__(self, path, compile_source):
        self.path = path
        self.compile_source = compile_source
        self.header = importlib.util.MAGIC_NUMBER
        self.pruned = False
        # zipimport compiles a module twice, once to find it (get_filename) and once to run it (get_code).
        self.last = (None, None, None)

    def _entry(self, source):
        return os.path.join(self.path, hashlib.sha256(source).hexdigest())

    def load(self, entry, file_name):
        try:
            with open(entry, "rb") as stored:
                data = stored.read()
        except OSError:
            return None
        if not data.startswith(self.header):
            return None
        try:
            code = marshal.loads(data[len(self.header):])
        except (EOFError, ValueError, TypeError):
            return None
        return _fix_file_name(code, file_name) if isinstance(code, types.CodeType) else None

    def store(self, entry, code):
        if not self.pruned:  # once per module run, at its first new entry
            self.pruned = True
            prune(self.path)
        try:
            write_atomically(entry, self.header + marshal.dumps(code))
        except (OSError, ValueError):
            pass

    def __call__(self, pathname, source):
        if not isinstance(source, bytes):
            return self.compile_source(pathname, source)
        entry = self._entry(source)
        if self.last[:2] == (entry, pathname):
            return self.last[2]
        code = self.load(entry, pathname)
        if code is None:
            code = self.compile_source(pathname, source)
            self.store(entry, code)
        self.last = (entry, pathname, code)
        return code


def install(path):
    """In a forked module run: zipimport compiles through the cache at path (nothing changes when path is None)."""
    import zipimport  # pylint: disable=import-outside-toplevel

    compile_source = getattr(zipimport, "_compile_source", None)
    if path is None or not callable(compile_source):
        return False  # a Python whose zipimport has no such step: its modules compile as usual
    zipimport._compile_source = CompiledSources(path, compile_source)  # pylint: disable=protected-access
    return True
