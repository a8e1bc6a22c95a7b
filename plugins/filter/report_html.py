# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: report_html
version_added: 0.1.0
short_description: The awsops.ssm report of one or more targets as one self-contained HTML page
description:
  - Renders C(playbooks/templates/report.html.j2) of this collection with Jinja2 from the data the text report uses, and returns the page.
  - Per target, each schedule's weekly grid as a heat map of the next seven days in its time zone (closed days marked with their reason),
    the next starts and stops, the hours saved, the last runs with failed runs and instances highlighted, which tagged instances are
    as the schedule wants them right now, and the instances with the Session Manager profile.
  - The page loads nothing - inline style, no script, font, image or external link - so it opens anywhere, also as an AWX artifact.
positional: _input
options:
  _input:
    description:
      - "One dict per target - C(name), C(account), C(region), and optionally C(schedules) (the result of
        M(awsops.ssm.ssm_automation_schedule_info), with C(last_runs) and C(right_now) when it ran with C(executions)),
        C(closed_days) (a list of C({date: YYYY-MM-DD, reason: ...}), the target's closed days ahead; a schedule's own
        C(closed_days_ahead) replaces it for that schedule) and C(session_manager) (C({profile: NAME, instances: [{instance_id, name, state}]}),
        or with the C(instances) of M(amazon.aws.ec2_instance_info) as they are, of which those with the profile are listed)."
    type: list
    elements: dict
    required: true
  generated:
    description:
      - The instant (ISO 8601 with offset) the report is of; the seven days of each grid start on its local date. Default now.
    type: str
author:
  - awsops.ssm maintainers (@awsops)
"""

EXAMPLES = r"""
- name: Write the HTML report
  ansible.builtin.copy:
    dest: /tmp/awsops-ssm-report.html
    mode: "0644"
    content: "{{ [{'name': inventory_hostname, 'account': caller.account, 'region': aws_region, 'schedules': office_hours}] | awsops.ssm.report_html }}"
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: The HTML page.
  type: str
"""

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.awsops.ssm.plugins.plugin_utils.report_html import render


def report_html(targets, generated=None):
    if not isinstance(targets, list) or not all(isinstance(target, dict) and target.get("name") for target in targets):
        raise AnsibleFilterError("report_html: expected a list of targets, each a dict with at least a name")
    moment = None
    if generated:
        try:
            moment = datetime.datetime.fromisoformat(str(generated).replace("Z", "+00:00"))
        except ValueError:
            raise AnsibleFilterError("report_html: generated %r is not an ISO 8601 time" % (generated,))
        if moment.tzinfo is None:
            raise AnsibleFilterError("report_html: generated %r needs a UTC offset" % (generated,))
    return render(targets, moment)


class FilterModule(object):
    """awsops.ssm.report_html."""

    def filters(self):
        return {"report_html": report_html}
