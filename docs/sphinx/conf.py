# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sphinx configuration of the collection's docs site (`make docs`).

Based on what `antsibull-docs sphinx-init` writes, with one difference: the
build runs offline, so there is no intersphinx. antsibull-docs writes its pages
for the Ansible docsite, whose references to ansible-core's pages and to other
collections' plugins (amazon.aws) resolve there; here they become links to
those pages on docs.ansible.com. Every other reference must resolve inside this
site, or the build (sphinx-build -W) fails.
"""

from docutils import nodes

project = "awsops.ssm"
copyright = "Contributors to the awsops.ssm project"  # pylint: disable=redefined-builtin

title = "awsops.ssm"
html_short_title = "awsops.ssm"

extensions = ["sphinx_antsibull_ext"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
nitpicky = True

ANSIBLE_DOCSITE = "https://docs.ansible.com/projects/ansible/latest/"

# Labels of ansible-core's documentation that antsibull-docs' pages refer to.
ANSIBLE_CORE_LABELS = {
    "action_plugins": "plugins/action.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
    "common_return_values": "reference_appendices/common_return_values.html",
}

OWN_LABEL_PREFIX = "ansible_collections.awsops.ssm."


def docsite_url(label):
    """The docs.ansible.com page of a label from outside this collection, or None."""
    if label in ANSIBLE_CORE_LABELS:
        return ANSIBLE_DOCSITE + ANSIBLE_CORE_LABELS[label]
    if not label.startswith("ansible_collections.") or label.startswith(OWN_LABEL_PREFIX):
        return None
    # ansible_collections.NAMESPACE.NAME.PLUGIN_TYPE[__ANCHOR], as antsibull-docs names them
    page, _sep, anchor = label.partition("__")
    parts = page.split(".")
    if len(parts) != 4:
        return None
    url = ANSIBLE_DOCSITE + "collections/%s/%s/%s.html" % tuple(parts[1:])
    return url + ("#" + anchor if anchor else "")


def resolve_docsite_reference(app, env, node, contnode):  # pylint: disable=unused-argument
    if node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    url = docsite_url(node["reftarget"])
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("missing-reference", resolve_docsite_reference)
