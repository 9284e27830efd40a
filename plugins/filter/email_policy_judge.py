# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_judge
short_description: Weigh the bounce guard and decide the request of every hosting of an email_policy run
version_added: 0.2.0
author: mailops maintainers
description:
  - A step of the role C(mailops.ovh_hosting.email_policy), after P(mailops.ovh_hosting.email_policy_settings#filter).
  - Takes each hosting's e-mail facts from the reads made (the latest one wins), else from the inventory's fresh
    facts; a hosting that could not be read carries its failure and gets no request.
  - "The guard: bounces since midnight (Europe/Paris) over the mails sent today, as
    P(mailops.ovh_hosting.bounce_ratio#filter) has it. A hosting whose counters cannot reach the threshold
    (C(bounced_total) over C(sent_today) at most the ratio) is judged without reading its bounces; the others get
    C(needs_bounces) until a read with bounces is given."
  - A triggered guard with action V(block) makes the wanted state V(blocked), whatever the settings say.
options:
  _input:
    description: The output of P(mailops.ovh_hosting.email_policy_settings#filter) (JSON text, or the list it holds).
    type: raw
    required: true
  reads:
    description: Results of M(mailops.ovh_hosting.email_info) (C(hostings), C(unreadable)), oldest first.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Decide every hosting from the batch read
  ansible.builtin.set_fact:
    judged: "{{ policy | mailops.ovh_hosting.email_policy_judge([batch_read, bounce_read]) }}"

- name: The requests to make
  ansible.builtin.debug:
    msg: "{{ judged | mailops.ovh_hosting.email_policy_entries | map(attribute='request') | select | list }}"
"""

RETURN = r"""
_value:
  description: The entries of the input, each with more keys, as JSON text
    (P(mailops.ovh_hosting.email_policy_entries#filter) reads it).
  type: str
  contains:
    facts:
      description: The e-mail facts the hosting is decided from, or null when it could not be read.
      type: dict
    failure:
      description: The failure fact of the read (as M(mailops.ovh_hosting.email_info)'s C(unreadable)), or null.
      type: dict
    guard:
      description: The guard's figures (C(bounces), C(sent), C(ratio), C(judged), C(triggered), C(max_ratio), C(action)).
      type: dict
    needs_bounces:
      description: The guard needs this hosting's bounces.
      type: bool
    request:
      description: The entry of M(mailops.ovh_hosting.email)'s O(mailops.ovh_hosting.email#module:hostings) for this
        hosting; null when nothing is managed, its facts show it compliant (as the module would judge them, so no
        module run is needed), or it could not be read.
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_judge(policy, reads=None):
    try:
        return email_policy.as_text(email_policy.judge(email_policy.from_text(policy),
                                                       [read for read in reads or [] if read]))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("email_policy_judge: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_judge": email_policy_judge}
