# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_entries
short_description: The entries of an email_policy working list that a step needs
version_added: 0.2.0
author: mailops maintainers
description:
  - The steps of the role C(mailops.ovh_hosting.email_policy) hand their working list on as JSON text, which
    ansible-core 2.19 and later hold at no cost. Older releases turn a template's JSON text back into a list.
    This filter takes either form, so that the role reads its lists the same way on every release it supports
    (C(from_json) fails on the list).
  - With O(where) and O(attribute) it picks, in Python, the few values a step needs (such as the names of the
    hostings to read). Ansible 2.19 takes seconds to template a list of a thousand dicts, a list of names nothing.
options:
  _input:
    description: The output of P(mailops.ovh_hosting.email_policy_settings#filter) or
      P(mailops.ovh_hosting.email_policy_judge#filter) (JSON text, or the list it holds).
    type: raw
    required: true
  attribute:
    description: The key of each entry to return instead of the entry.
    type: str
  where:
    description: Keep only the entries whose value at this key is true.
    type: str
"""

EXAMPLES = r"""
- name: The requests to make
  ansible.builtin.debug:
    msg: "{{ judged | mailops.ovh_hosting.email_policy_entries(attribute='request', where='request') }}"

- name: The hostings whose guard needs their bounces
  ansible.builtin.debug:
    msg: "{{ judged | mailops.ovh_hosting.email_policy_entries(attribute='service_name', where='needs_bounces') }}"
"""

RETURN = r"""
_value:
  description: The entries (or their O(attribute)) in the order of the input, one per hosting kept.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_entries(entries, attribute=None, where=None):
    try:
        return email_policy.pick(entries, attribute=attribute, where=where)
    except KeyError as exc:
        raise AnsibleFilterError("email_policy_entries: the entries have no key %s" % exc) from exc
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("email_policy_entries: not a working list of email_policy: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_entries": email_policy_entries}
