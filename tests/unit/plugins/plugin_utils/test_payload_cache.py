# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module runner's cache between runs: its directory (module_cache.py) and the kept payloads (payload_cache.py)."""

import base64
import io
import json
import os
import zipfile

import pytest

from ansible.executor.module_common import _CachedModule  # pylint: disable=no-name-in-module

from ansible_collections.awsops.ssm.plugins.plugin_utils import module_cache
from ansible_collections.awsops.ssm.plugins.plugin_utils import payload_cache

FQN = "ansible_collections.awsops.ssm.plugins.modules.ssm_session_key"
NAME = FQN + "-ZIP_DEFLATED-none"
MEMBERS = ("ansible/module_utils/basic.py", "ansible_collections/awsops/ssm/plugins/modules/ssm_session_key.py", "__main__.py")


def test_the_cache_is_beside_ansibles_run_directories_and_private(tmp_path):
    local_tmp = tmp_path / "ansible-tmp" / "ansible-local-123abc"
    local_tmp.mkdir(parents=True)
    root = module_cache.root(str(local_tmp), environ={})
    assert root == str(tmp_path / "ansible-tmp" / module_cache.DIRECTORY_NAME)
    assert os.stat(root).st_mode & 0o777 == 0o700


def test_the_setting_names_the_directory_or_turns_the_cache_off(tmp_path):
    assert module_cache.root("/unused", environ={module_cache.SETTING: str(tmp_path / "mine")}) == str(tmp_path / "mine")
    for off in ("off", "false", "no", "OFF"):
        assert module_cache.root(str(tmp_path), environ={module_cache.SETTING: off}) is None
    assert module_cache.root(None, environ={}) is None


def test_a_directory_others_may_write_or_a_file_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    assert module_cache.root("/unused", environ={module_cache.SETTING: str(shared)}) is None
    (tmp_path / "a-file").write_text("")
    assert module_cache.root("/unused", environ={module_cache.SETTING: str(tmp_path / "a-file")}) is None


def built_payload(directory, members=MEMBERS):
    """What ansible-core leaves in DEFAULT_LOCAL_TMP/ansiballz_cache after building a module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as payload:
        for member in members:
            payload.writestr(member, "# " + member)
    directory.mkdir(parents=True, exist_ok=True)
    _CachedModule(zip_data=base64.b64encode(buffer.getvalue()), metadata=None, source_mapping={}).dump(str(directory / NAME))
    return directory / NAME


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """A fake ansible package and collection directory that the payload's members come from."""
    ansible_dir = tmp_path / "ansible"
    collection = tmp_path / "collections" / "awsops" / "ssm"
    (ansible_dir / "module_utils").mkdir(parents=True)
    (collection / "plugins" / "modules").mkdir(parents=True)
    (ansible_dir / "module_utils" / "basic.py").write_text("basic")
    (collection / "plugins" / "modules" / "ssm_session_key.py").write_text("module")
    monkeypatch.setattr(payload_cache, "ANSIBLE_DIRECTORY", str(ansible_dir))
    monkeypatch.setattr(
        payload_cache, "_collection_directory", lambda namespace, name, found: str(collection) if (namespace, name) == ("awsops", "ssm") else None
    )
    return ansible_dir, collection


def payloads(tmp_path, run):
    return payload_cache.for_module(str(tmp_path / "cache"), str(tmp_path / run), FQN)


def test_a_built_payload_is_kept_with_its_sources_and_put_back_in_the_next_run(tmp_path, sources):
    ansible_dir, collection = sources
    first = payloads(tmp_path, "run1")
    assert first.seed() == set()  # nothing kept yet: ansible-core builds it
    built = built_payload(tmp_path / "run1" / "ansiballz_cache")
    first.keep(set())
    with open(os.path.join(first.store, NAME + payload_cache.SOURCES_SUFFIX), encoding="utf-8") as kept:
        entries = json.load(kept)
    assert [entry[:2] for entry in entries] == [
        ["ansible/module_utils/basic.py", str(ansible_dir / "module_utils" / "basic.py")],
        ["ansible_collections/awsops/ssm/plugins/modules/ssm_session_key.py", str(collection / "plugins" / "modules" / "ssm_session_key.py")],
        ["__main__.py", None],
    ]
    assert payload_cache.unchanged(entries)

    second = payloads(tmp_path, "run2")
    assert second.seed() == {NAME}
    assert (tmp_path / "run2" / "ansiballz_cache" / NAME).read_bytes() == built.read_bytes()
    # ansible-core reads it as its own.
    assert _CachedModule.load(str(tmp_path / "run2" / "ansiballz_cache" / NAME)).zip_data
    # Already in the run (built or put back by another worker): left as it is.
    assert payloads(tmp_path, "run2").seed() == {NAME}


@pytest.mark.parametrize("change", ["edited", "touched", "removed", "moved"])
def test_a_changed_moved_or_missing_source_means_the_payload_is_built_again(tmp_path, sources, monkeypatch, change):
    ansible_dir, collection = sources
    first = payloads(tmp_path, "run1")
    first.seed()
    built_payload(tmp_path / "run1" / "ansiballz_cache")
    first.keep(set())
    module = collection / "plugins" / "modules" / "ssm_session_key.py"
    if change == "edited":
        module.write_text("module, longer")
    elif change == "touched":
        os.utime(module, ns=(os.stat(module).st_mtime_ns + 10**9,) * 2)
    elif change == "removed":
        module.unlink()
    else:
        other = tmp_path / "elsewhere"
        (other / "plugins" / "modules").mkdir(parents=True)
        os.link(module, other / "plugins" / "modules" / "ssm_session_key.py")
        monkeypatch.setattr(payload_cache, "_collection_directory", lambda namespace, name, found: str(other))
    assert payloads(tmp_path, "run2").seed() == set()
    assert not (tmp_path / "run2" / "ansiballz_cache" / NAME).exists()


def test_the_payloads_of_another_module_and_ansible_cores_working_files_are_left_alone(tmp_path, sources):
    run = tmp_path / "run1" / "ansiballz_cache"
    run.mkdir(parents=True)
    (run / (NAME + ".lock")).write_text("")
    (run / "ansible_collections.awsops.ssm.plugins.modules.ssm_session_role-ZIP_DEFLATED-none").write_text("other")
    kept = payloads(tmp_path, "run1")
    kept.keep(set())
    assert os.listdir(kept.store) == []


def test_a_payload_ansible_core_did_not_write_whole_is_not_kept(tmp_path, sources):
    run = tmp_path / "run1" / "ansiballz_cache"
    run.mkdir(parents=True)
    (run / NAME).write_bytes(b"not a pickle")
    kept = payloads(tmp_path, "run1")
    kept.keep(set())
    assert os.listdir(kept.store) == []


def test_no_cache_root_keeps_nothing(tmp_path):
    assert payload_cache.for_module(None, str(tmp_path), FQN) is None
    assert payload_cache.for_module(str(tmp_path), None, FQN) is None


def test_members_are_found_where_the_collection_loader_finds_them_now():
    found = {}
    path = payload_cache.source_of("ansible_collections/awsops/ssm/plugins/plugin_utils/payload_cache.py", found)
    assert path == os.path.abspath(payload_cache.__file__) or os.path.samefile(path, payload_cache.__file__)
    assert payload_cache.source_of("ansible/module_utils/basic.py", found).startswith(payload_cache.ANSIBLE_DIRECTORY)
    assert payload_cache.source_of("ansible_collections/no_such/collection/x.py", found) is None
    assert payload_cache.source_of("__main__.py", found) is None
