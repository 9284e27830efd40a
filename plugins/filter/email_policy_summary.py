# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_summary
short_description: What an email_policy run prints, and the failures it ends with
version_added: 0.2.0
author: mailops maintainers
description:
  - The role C(mailops.ovh_hosting.email_policy) prints this after M(mailops.ovh_hosting.email), then fails naming
    the failures, if any. It says what P(mailops.ovh_hosting.email_policy_results#filter) says, in lines.
  - Every text is made safe for a terminal, as P(mailops.ovh_hosting.terminal_safe#filter) does (OVH's messages
    are untrusted).
options:
  _input:
    description: The output of P(mailops.ovh_hosting.email_policy_judge#filter) (JSON text, or the list it holds).
    type: raw
    required: true
  applied:
    description: The registered result of M(mailops.ovh_hosting.email) with O(mailops.ovh_hosting.email#module:hostings),
      or null when it did not run.
    type: dict
  check_mode:
    description: Whether the run is in check mode (the counts say "would change").
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Say what changed and why
  ansible.builtin.debug:
    msg: "{{ (judged | mailops.ovh_hosting.email_policy_summary(applied, check_mode=ansible_check_mode)).lines }}"
"""

RETURN = r"""
_value:
  description: The lines to print and the failures.
  type: dict
  contains:
    lines:
      description: "One line per hosting with something to say (C(service_name: why; why)), then the fleet's
        counts: changed (or would change), guard triggered, failed."
      type: list
      elements: str
    hostings:
      description: How many hostings the run covered.
      type: int
    failures:
      description: Each failure in one line, naming the hosting, the call, the status and OVH's query id.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_summary(judged, applied=None, check_mode=False):
    try:
        return email_policy.summary(judged, applied, check_mode=bool(check_mode))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("email_policy_summary: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_summary": email_policy_summary}
