# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""make docs: antsibull-docs' lint, then the docs site, with no warning and no broken reference."""

import glob
import os
import subprocess
import sys

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.collection_build import plugin_names
from awsops_harness.collection_build import role_names

DOCSITE = os.path.join(REPO_ROOT, "docs", "docsite", "rst")
SPHINX_CONF = os.path.join(REPO_ROOT, "docs", "sphinx")


def test_make_docs_lints_and_builds_every_page(tmp_path):
    env = dict((name, value) for name, value in os.environ.items() if name != "MAKEFLAGS")
    out = tmp_path / "docs"
    completed = subprocess.run(
        ["make", "--no-print-directory", "docs", "DOCS_DIR=%s" % out], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert "WARNING" not in output and "ERROR" not in output, output[-6000:]

    html = out / "html"
    pages = ["index"]
    pages += ["%s_module" % name for name in plugin_names("modules")]
    pages += ["%s_filter" % name for name in plugin_names("filter")]
    pages += ["%s_role" % name for name in role_names()]
    for path in glob.glob(os.path.join(DOCSITE, "**", "*.rst"), recursive=True):
        pages.append("docsite/" + os.path.splitext(os.path.relpath(path, DOCSITE))[0])
    for page in pages:
        assert (html / (page + ".html")).is_file(), page

    # The guides index lists every guide in the folder, with no entry anywhere else.
    guides_index = (html / "docsite" / "guides" / "index.html").read_text(encoding="utf-8")
    guides = sorted(os.path.splitext(name)[0] for name in os.listdir(os.path.join(DOCSITE, "guides")) if name.endswith(".rst") and name != "index.rst")
    assert guides
    for guide in guides:
        assert 'href="%s.html"' % guide in guides_index, guide
    index = (html / "index.html").read_text(encoding="utf-8")
    for page in ("docsite/playbooks.html", "docsite/inventory.html", "docsite/guides/index.html"):
        assert 'href="%s"' % page in index, page


def sphinx_build(source, out):
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "sphinx-build"), "-q", "-W", "-b", "html", "-c", SPHINX_CONF, str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_site_links_ansible_docsite_labels_and_fails_on_its_own_broken_ones(tmp_path):
    """Offline, labels of ansible-core's and other collections' pages become docs.ansible.com links; a missing label of ours fails the build."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "index.rst").write_text(
        "Index\n=====\n\n:ref:`kms_key <ansible_collections.amazon.aws.kms_key_module>`, :ref:`action plugins <action_plugins>`,\n"
        ":ref:`alias <ansible_collections.amazon.aws.kms_key_module__parameter-alias>`.\n",
        encoding="utf-8",
    )
    completed = sphinx_build(source, tmp_path / "good")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    page = (tmp_path / "good" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://docs.ansible.com/projects/ansible/latest/collections/amazon/aws/kms_key_module.html"' in page
    assert 'href="https://docs.ansible.com/projects/ansible/latest/collections/amazon/aws/kms_key_module.html#parameter-alias"' in page
    assert 'href="https://docs.ansible.com/projects/ansible/latest/plugins/action.html"' in page

    for broken in ("ansible_collections.awsops.ssm.ssm_no_such_module", "no_such_label"):
        (source / "index.rst").write_text("Index\n=====\n\n:ref:`broken <%s>`\n" % broken, encoding="utf-8")
        completed = sphinx_build(source, tmp_path / broken)
        assert completed.returncode != 0 and "undefined label" in completed.stderr, (broken, completed.stdout + completed.stderr)
