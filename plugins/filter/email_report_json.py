# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_report_json
short_description: The text of report.json, from the fleet report
version_added: 0.2.0
author: mailops maintainers
description:
  - Writes the document of P(mailops.ovh_hosting.email_report#filter) as the role C(mailops.ovh_hosting.email_report)
    writes C(report.json) - keys sorted, an indent of two spaces, characters beyond ASCII as C(\u) escapes.
  - The same text as C(ansible.builtin.to_nice_json) with an indent of 2 gives, made in one pass over the
    document; at a thousand hostings that is seconds less.
options:
  _input:
    description: The report, as P(mailops.ovh_hosting.email_report#filter) returns it.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the report's JSON
  ansible.builtin.copy:
    content: "{{ report | mailops.ovh_hosting.email_report_json }}"
    dest: report/report.json
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The JSON text.
  type: str
"""

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.plain_data import plain_copy


def email_report_json(document):
    """The filter: a plain copy of what Ansible hands it (read once), written."""
    if not isinstance(document, Mapping):
        raise AnsibleFilterError("email_report_json expects the report, as the email_report filter returns it")
    return report_json_text(plain_copy(document))


def report_json_text(document):
    """report.json's text of a plain report document (plugin_utils/report_files.py renders with it)."""
    return json.dumps(document, sort_keys=True, indent=2)


class FilterModule:
    def filters(self):
        return {"email_report_json": email_report_json}
