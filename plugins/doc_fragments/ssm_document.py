# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options of the modules that manage an SSM document the collection owns (ssm_change_calendar, ssm_automation_runbook).
    DOCUMENTATION = r"""
options:
  tags:
    description:
      - Tags of the document. C(awsops:ssm:*) and C(aws:*) keys are reserved.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags of the document that are not in O(tags) (never C(awsops:ssm:managed-by)).
    type: bool
    default: true
notes:
  - The document is created tagged C(awsops:ssm:managed-by=awsops.ssm). A document of that name without the tag is never changed or
    deleted; a present run fails naming it, an absent run keeps it and says so (RV(kept)).
  - A change writes a new version of the document and makes it the default version.
"""
