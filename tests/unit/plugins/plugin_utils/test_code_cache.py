# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The compile cache of forked module runs (plugins/plugin_utils/code_cache.py)."""

import os
import subprocess
import sys
import zipfile
import zipimport

import pytest

from ansible_collections.awsops.ssm.plugins.plugin_utils import code_cache

SOURCE = b"def inner():\n    return lambda: 1 / 0\n\nVALUE = 6 * 7\n"


class CountingCompile:
    """zipimport's compile step, counted."""

    def __init__(self):
        self.calls = []

    def __call__(self, pathname, source):
        self.calls.append(pathname)
        return compile(source, pathname, "exec", dont_inherit=True)


@pytest.fixture
def cache(tmp_path):
    return code_cache.directory(str(tmp_path))


def run(code):
    namespace = {}
    exec(code, namespace)  # pylint: disable=exec-used
    return namespace


def test_the_directory_is_private_to_the_user_and_names_the_python(tmp_path, cache):
    assert cache.startswith(str(tmp_path / code_cache.DIRECTORY_NAME))
    assert sys.implementation.cache_tag in os.path.basename(cache)
    assert os.stat(cache).st_mode & 0o077 == 0
    assert code_cache.directory(None) is None
    (tmp_path / "a-file").write_text("")
    assert code_cache.directory(str(tmp_path / "a-file")) is None  # cannot be made: modules compile as usual


def test_the_same_source_is_compiled_once_and_names_the_file_it_is_read_for(cache):
    counting = CountingCompile()
    first = code_cache.CompiledSources(cache, counting)("/tmp/a/payload.zip/x.py", SOURCE)
    # Another module run (a new child), another payload path, the same bytes: read back, not compiled.
    second = code_cache.CompiledSources(cache, counting)("/tmp/b/payload.zip/x.py", SOURCE)
    assert counting.calls == ["/tmp/a/payload.zip/x.py"]
    assert run(second)["VALUE"] == 42
    assert second.co_filename == "/tmp/b/payload.zip/x.py"
    # Code objects inside it (functions, lambdas) name it too: their tracebacks point at the payload that ran.
    inner = run(second)["inner"]
    assert inner.__code__.co_filename == "/tmp/b/payload.zip/x.py"
    with pytest.raises(ZeroDivisionError) as raised:
        inner()()
    assert raised.traceback[-1].path == "/tmp/b/payload.zip/x.py"
    assert first.co_filename == "/tmp/a/payload.zip/x.py"


def test_the_second_compile_of_a_module_in_the_same_run_is_the_first_code(cache):
    counting = CountingCompile()
    compiled = code_cache.CompiledSources(cache, counting)
    assert compiled("/p.zip/x.py", SOURCE) is compiled("/p.zip/x.py", SOURCE)  # find_spec, then exec_module
    assert counting.calls == ["/p.zip/x.py"]


def test_another_source_is_compiled(cache):
    counting = CountingCompile()
    compiled = code_cache.CompiledSources(cache, counting)
    compiled("/p.zip/x.py", SOURCE)
    assert run(compiled("/p.zip/x.py", SOURCE.replace(b"6 * 7", b"6 * 8")))["VALUE"] == 48
    assert len(counting.calls) == 2


@pytest.mark.parametrize("stored", [b"", b"not a magic number", None, "truncated"])
def test_an_entry_that_cannot_be_read_is_compiled_again(cache, stored):
    counting = CountingCompile()
    compiled = code_cache.CompiledSources(cache, counting)
    entry = compiled._entry(SOURCE)  # pylint: disable=protected-access
    compiled("/p.zip/x.py", SOURCE)
    with open(entry, "rb") as handle:
        whole = handle.read()
    if stored is None:
        stored = whole[: len(compiled.header)] + b"\xff\x00garbage"
    elif stored == "truncated":
        stored = whole[: len(whole) // 2]
    with open(entry, "wb") as handle:
        handle.write(stored)
    again = code_cache.CompiledSources(cache, counting)("/p.zip/x.py", SOURCE)
    assert run(again)["VALUE"] == 42 and len(counting.calls) == 2
    with open(entry, "rb") as handle:
        assert handle.read() == whole  # written whole again


def test_a_cache_that_cannot_be_written_still_compiles(tmp_path):
    counting = CountingCompile()
    compiled = code_cache.CompiledSources(str(tmp_path / "gone"), counting)
    assert run(compiled("/p.zip/x.py", SOURCE))["VALUE"] == 42
    assert run(code_cache.CompiledSources(str(tmp_path / "gone"), counting)("/p.zip/x.py", SOURCE))["VALUE"] == 42
    assert len(counting.calls) == 2
    assert not (tmp_path / "gone").exists()


def test_text_sources_are_compiled_as_zipimport_would():
    counting = CountingCompile()
    assert run(code_cache.CompiledSources("/nonexistent", counting)("/p.zip/x.py", SOURCE.decode()))["VALUE"] == 42
    assert counting.calls == ["/p.zip/x.py"]


def test_without_a_directory_nothing_is_installed(monkeypatch):
    original = zipimport._compile_source  # pylint: disable=protected-access
    assert code_cache.install(None) is False
    assert zipimport._compile_source is original  # pylint: disable=protected-access


def test_imports_from_a_zip_go_through_the_cache_in_a_new_python(tmp_path, cache):
    """As in a forked module run: installed, then modules imported from a zip; a second Python compiles nothing."""
    archive = tmp_path / "payload.zip"
    with zipfile.ZipFile(archive, "w") as payload:
        payload.writestr("cached_pkg/__init__.py", "")
        payload.writestr("cached_pkg/value.py", SOURCE)
    script = (
        "import sys, zipimport\n"
        "from ansible_collections.awsops.ssm.plugins.plugin_utils import code_cache\n"
        "assert code_cache.install(sys.argv[1])\n"
        "compiled = zipimport._compile_source\n"
        "calls = []\n"
        "original = compiled.compile_source\n"
        "compiled.compile_source = lambda path, source: calls.append(path) or original(path, source)\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from cached_pkg import value\n"
        "print(value.VALUE, value.inner.__code__.co_filename.endswith('payload.zip/cached_pkg/value.py'), len(calls))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    first = subprocess.run([sys.executable, "-c", script, cache, str(archive)], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", script, cache, str(archive)], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["42", "True", "2"]  # the package and the module, compiled once each
    assert second.stdout.split() == ["42", "True", "0"]


def test_a_full_directory_loses_its_oldest_half_when_one_more_is_stored(cache, monkeypatch):
    monkeypatch.setattr(code_cache, "MAX_ENTRIES", 10)
    for number in range(12):
        entry = os.path.join(cache, "%02d" % number)
        with open(entry, "w", encoding="utf-8") as stored:
            stored.write("x")
        os.utime(entry, ns=(number * 10**9, number * 10**9))
    compiled = code_cache.CompiledSources(cache, CountingCompile())
    compiled("/p.zip/x.py", SOURCE)
    left = sorted(os.listdir(cache))
    assert "00" not in left and "11" in left and len(left) == 10 // 2 + 1, left
