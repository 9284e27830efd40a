# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_results
short_description: What an email_policy run did to each hosting, and why
version_added: 0.2.0
author: mailops maintainers
description:
  - The last step of the role C(mailops.ovh_hosting.email_policy), after
    P(mailops.ovh_hosting.email_policy_judge#filter) and M(mailops.ovh_hosting.email).
options:
  _input:
    description: The output of P(mailops.ovh_hosting.email_policy_judge#filter) (JSON text, or the list it holds).
    type: raw
    required: true
  applied:
    description: The registered result of M(mailops.ovh_hosting.email) with O(mailops.ovh_hosting.email#module:hostings),
      or null when it did not run.
    type: dict
"""

EXAMPLES = r"""
- name: Say what changed and why
  ansible.builtin.debug:
    msg: "{{ judged | mailops.ovh_hosting.email_policy_results(applied) | selectattr('why') | map(attribute='why') }}"
"""

RETURN = r"""
_value:
  description: One entry per hosting, in the order of the input.
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting.
      type: str
    changed:
      description: Whether it changed (in check mode, would change).
      type: bool
    failed:
      description: Whether reading or changing it failed.
      type: bool
    failure:
      description: Why it failed, in one line naming the call, the status and OVH's query id; null otherwise.
      type: str
    actions:
      description: The state change requests made (in check mode, that would be made).
      type: list
      elements: str
    state_before:
      description: The OVH state before.
      type: str
    state_after:
      description: The OVH state after.
      type: str
    report_recipient_before:
      description: The report recipient before.
      type: str
    report_recipient_after:
      description: The report recipient after.
      type: str
    guard:
      description: The guard's figures (C(bounces), C(sent), C(ratio), C(judged), C(triggered), C(max_ratio), C(action)).
      type: dict
    why:
      description: Sentences saying what was done and why; empty when nothing was.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_results(judged, applied=None):
    try:
        return email_policy.results(email_policy.from_text(judged), applied)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("email_policy_results: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_results": email_policy_results}
