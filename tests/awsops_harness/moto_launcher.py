# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Starts moto's server with two of its gaps filled as AWS behaves (test harness only).

moto 5.2.5 accepts the document type ChangeCalendar but only the formats
JSON and YAML, and parses every content as one of them; AWS stores a Change
Calendar as TEXT (its iCalendar content). This launcher patches exactly
that before moto's server starts, in the server's own process, and nothing
else:

* ``moto.ssm.models._validate_document_format`` also accepts ``TEXT``;
* ``moto.ssm.models.Document`` built with TEXT keeps the content as it is
  (no JSON/YAML parsing) and reads as TEXT.

And one IAM answer: ``RemoveRoleFromInstanceProfile`` for a role the profile
no longer holds (two regions of one account tearing down at once, each the
last to leave) crashes moto 5.2.5 with HTTP 500 (``list.remove(x): x not in
list``); AWS answers ``NoSuchEntity``, which the collection's deletions
tolerate. The patched call raises moto's own NoSuchEntity there.

The collection's code is not patched: every request it sends is the one AWS
gets. Run as ``python moto_launcher.py -H 127.0.0.1 -p PORT`` (the
arguments of ``python -m moto.server``).
"""

import sys

from moto.server import main as moto_server_main
from moto.iam import exceptions as iam_exceptions
from moto.iam import models as iam_models
from moto.ssm import models as ssm_models

TEXT_FORMAT = "TEXT"
# What moto needs to build a Document; the TEXT content replaces it right after.
_STUB_CONTENT = '{"schemaVersion": "1.0"}'

_validate_document_format = ssm_models._validate_document_format
_document_init = ssm_models.Document.__init__


def validate_document_format(document_format):
    if document_format != TEXT_FORMAT:
        _validate_document_format(document_format)


def document_init(self, *args, **kwargs):
    names = ("account_id", "name", "version_name", "content", "document_type", "document_format", "requires", "attachments", "target_type")
    values = dict(zip(names, args))
    values.update(kwargs)
    if values.get("document_format") != TEXT_FORMAT:
        _document_init(self, **values)
        return
    content = values["content"]
    _document_init(self, **dict(values, content=_STUB_CONTENT, document_format="JSON"))
    self.content = content
    self.document_format = TEXT_FORMAT
    self.schema_version = None
    self.description = None


def remove_role_from_instance_profile(self, profile_name, role_name):
    profile = self.get_instance_profile(profile_name)
    role = self.get_role(role_name)
    if role not in profile.roles:
        raise iam_exceptions.NotFoundException("Role %s is not in instance profile %s." % (role_name, profile_name))
    profile.roles.remove(role)


def patch_moto():
    ssm_models._validate_document_format = validate_document_format
    ssm_models.Document.__init__ = document_init
    iam_models.IAMBackend.remove_role_from_instance_profile = remove_role_from_instance_profile


if __name__ == "__main__":
    patch_moto()
    moto_server_main(sys.argv[1:])
