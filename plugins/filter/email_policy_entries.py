# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_entries
short_description: The entries of an email_policy working list, as a list
version_added: 0.2.0
author: mailops maintainers
description:
  - The steps of the role C(mailops.ovh_hosting.email_policy) hand their working list on as JSON text, which
    ansible-core 2.19 and later hold at no cost. Older releases turn a template's JSON text back into a list.
    This filter takes either form, so that the role reads its lists the same way on every release it supports
    (C(from_json) fails on the list).
options:
  _input:
    description: The output of P(mailops.ovh_hosting.email_policy_settings#filter) or
      P(mailops.ovh_hosting.email_policy_judge#filter) (JSON text, or the list it holds).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: The requests to make
  ansible.builtin.debug:
    msg: "{{ judged | mailops.ovh_hosting.email_policy_entries | map(attribute='request') | select | list }}"
"""

RETURN = r"""
_value:
  description: The entries, one dict per hosting, in the order of the input.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_entries(entries):
    try:
        return email_policy.from_text(entries)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("email_policy_entries: not a working list of email_policy: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_entries": email_policy_entries}
