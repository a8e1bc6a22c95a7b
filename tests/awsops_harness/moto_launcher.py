# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Starts moto's server with SSM documents in DocumentFormat TEXT allowed (test harness only).

moto 5.2.5 accepts the document type ChangeCalendar but only the formats
JSON and YAML, and parses every content as one of them; AWS stores a Change
Calendar as TEXT (its iCalendar content). This launcher patches exactly
that before moto's server starts, in the server's own process, and nothing
else:

* ``moto.ssm.models._validate_document_format`` also accepts ``TEXT``;
* ``moto.ssm.models.Document`` built with TEXT keeps the content as it is
  (no JSON/YAML parsing) and reads as TEXT.

The collection's code is not patched: every request it sends is the one AWS
gets. Run as ``python moto_launcher.py -H 127.0.0.1 -p PORT`` (the
arguments of ``python -m moto.server``).
"""

import sys

from moto.server import main as moto_server_main
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


def patch_moto():
    ssm_models._validate_document_format = validate_document_format
    ssm_models.Document.__init__ = document_init


if __name__ == "__main__":
    patch_moto()
    moto_server_main(sys.argv[1:])
