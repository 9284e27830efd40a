# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: forms_report_problems
short_description: What fails a run over the fleet forms report, one line each
version_added: 0.2.0
author: mailops maintainers
description:
  - The verdict of the report that P(mailops.ovh_hosting.forms_report#filter) judged - a line saying that the report
    holds no hosting; the hostings that failed (or left no result), each with the failed task and its message;
    and with O(fail_on_unprotected), each form that sends mail without protection, with the reason.
  - Empty when the run passes. Host names, paths and messages are made safe for a terminal, as
    P(mailops.ovh_hosting.terminal_safe#filter) does.
options:
  _input:
    description: The report, as P(mailops.ovh_hosting.forms_report#filter) returns it.
    type: dict
    required: true
  fail_on_unprotected:
    description: Whether a form that sends mail without protection fails the run.
    type: bool
    default: false
  folder:
    description: The report's folder, named in the lines.
    type: str
"""

EXAMPLES = r"""
- name: Fail on the forms report
  ansible.builtin.fail:
    msg: "{{ problems }}"
  vars:
    problems: "{{ forms | mailops.ovh_hosting.forms_report_problems(fail_on_unprotected=true) }}"
  when: problems | length > 0
"""

RETURN = r"""
_value:
  description: The lines; empty when the run passes.
  type: list
  elements: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.forms_report import problems
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.plain_data import plain_copy


def forms_report_problems(document, fail_on_unprotected=False, folder=None):
    if not isinstance(document, Mapping):
        raise AnsibleFilterError("forms_report_problems expects the report, as the forms_report filter returns it")
    try:
        return problems(plain_copy(document), fail_on_unprotected=boolean(fail_on_unprotected, strict=False),
                        folder=None if folder is None else str(folder))
    except (KeyError, TypeError) as error:
        raise AnsibleFilterError("forms_report_problems: not a forms report, it lacks %s" % error) from None


class FilterModule:
    def filters(self):
        return {"forms_report_problems": forms_report_problems}
