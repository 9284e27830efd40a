#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller; this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: email_policy
short_description: Apply each hosting's e-mail policy, from its host vars, to all the hostings of a play in one task
version_added: 0.2.0
description:
  - The step of the role C(mailops.ovh_hosting.email_policy), usable alone. Runs once, on the controller, in
    Ansible's own process (no module is sent or started), for all the hostings named by O(hostings).
  - "Each hosting's policy comes from its C(email_policy_*) variables, read from its host vars (inventory host_vars
    and group_vars, facts, extra vars): C(email_policy_service_name) (else C(ovh_service_name), else the host
    name), C(email_policy_state) (V(unblocked), V(blocked), V(purged) or V(unmanaged), the default),
    C(email_policy_report_recipient) (an address, V(\"\") to clear it, null to leave it), C(email_policy_allow_force),
    and the guard's C(email_policy_guard_max_bounce_ratio), C(email_policy_guard_min_sent) (default 20) and
    C(email_policy_guard_action) (V(block), the default, or V(report)). A value the task's own context gives
    (play vars, role vars, include params) applies to every hosting. The role's documentation says each one."
  - Every value is checked before any call; a bad one fails the task naming the hosting and the variable.
  - "Decided from what was just read: a hosting whose C(ovh_email) facts from the
    P(mailops.ovh_hosting.hostings#inventory) inventory were read at most O(facts_max_age) seconds ago
    (C(ovh_email_read_at)) is decided from them, and costs no call when it complies. A hosting without fresh facts
    is read once. A hosting about to change is read again before any write and decided from that read, so a stale
    fact never causes a wrong action. A compliant fleet read by the inventory in this run costs no call at all."
  - The guard blocks (or reports) a hosting whose bounces since midnight (Europe/Paris) exceed a share of the mails
    it sent today; it wins over C(email_policy_state). It is weighed from the same read; only a hosting whose
    counters can reach the threshold costs one bounce read.
  - "Then the hostings to change are changed as M(mailops.ovh_hosting.email) does with its
    O(mailops.ovh_hosting.email#module:hostings): with the same rules and refusals (a V(spam) hosting needs a purge,
    V(bounce) needs C(email_policy_allow_force), a purge in progress is waited for), read, changed and waited for
    concurrently (O(concurrency)) under the one O(rate_limit) of the task."
  - Returns RV(hostings) (the hostings with something to say) and RV(summary); the role sets them as the facts
    C(email_policy_results) and C(email_policy_summary). A hosting that fails does not stop the others; the task
    fails at the end naming each one, unless O(continue_on_error).
  - A vaulted host var is used as its text and never shown in a message.
  - Runs in the controller's Python, which needs the C(ovh) library, and the credentials of its environment (as
    the inventory plugin does); the task's C(environment) keyword does not apply.
options:
  hostings:
    description:
      - The hostings, inventory host names or service names.
      - Null - the hosts of the play (C(ansible_play_batch)).
    type: list
    elements: str
  forced_state:
    description:
      - A state for every hosting, whatever its C(email_policy_state) says. The guard still wins.
    type: str
    choices: [unblocked, blocked, purged]
  facts_max_age:
    description:
      - Seconds after which the inventory's C(ovh_email) facts are too old to decide from, and the hosting is read.
    type: int
    default: 300
  wait_timeout:
    description:
      - Seconds to wait for the state changes to show in C(GET /email) before failing; all hostings wait together.
    type: int
    default: 900
  concurrency:
    description: How many hostings are read or changed at a time.
    type: int
    default: 8
  continue_on_error:
    description:
      - V(false) - the task fails at the end when a hosting could not be read or changed, naming each one.
      - V(true) - it does not fail for them; they are in its result (C(failed) and C(failure) in RV(hostings),
        and RV(summary.failures)), for a later task to say and fail on, as the role does.
      - Bad settings, and credentials OVH refuses, fail the task either way.
    type: bool
    default: false
extends_documentation_fragment:
  - mailops.ovh_hosting.auth
  - mailops.ovh_hosting.attributes
attributes:
  check_mode:
    support: full
    details: Reads what no fresh fact shows, predicts every hosting's result and request, and writes nothing.
  diff_mode:
    support: full
    details: One diff per hosting that changes (its OVH state and report recipient), headed by its service name;
      none for those that comply.
author:
  - mailops maintainers (@mailops)
seealso:
  - module: mailops.ovh_hosting.email
  - plugin: mailops.ovh_hosting.hostings
    plugin_type: inventory
"""

EXAMPLES = r"""
# group_vars/all.yml of a mailops.ovh_hosting.hostings inventory:
#   email_policy_state: unblocked
#   email_policy_report_recipient: mail-errors@example.com
#   email_policy_guard_max_bounce_ratio: 0.2
- name: Apply the policy of every hosting of the inventory, in one task, from localhost
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply each hosting's policy
      mailops.ovh_hosting.email_policy:
        hostings: "{{ groups['all'] }}"
        rate_limit: 1
      register: policy

    - name: Say what changed and why
      ansible.builtin.debug:
        msg: "{{ policy.summary.lines }}"

- name: Block two hostings, whatever their policy says
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Block them
      mailops.ovh_hosting.email_policy:
        hostings:
          - shop-1.cluster021.hosting.ovh.net
          - shop-2.cluster021.hosting.ovh.net
        forced_state: blocked
"""

RETURN = r"""
hostings:
  description:
    - One entry per hosting with something to say (changed, or would be in check mode; failed; or its guard
      triggered), in the order of O(hostings), saying what changed and why.
    - The hostings that comply are counted in RV(summary), not listed (an entry for each of a thousand hostings
      costs Ansible over half a second to carry).
  returned: success, and when some hostings failed
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
    changed:
      description: Whether a write was made (in check mode, would be).
      type: bool
    failed:
      description: Whether the hosting could not be read or changed.
      type: bool
    failure:
      description: Why it failed (hosting, call, status, OVH's message and query id), or null.
      type: str
    actions:
      description: The state change requests made, such as V(BLOCK).
      type: list
      elements: str
    state_before:
      description: The OVH state before, or null when unread.
      type: str
    state_after:
      description: The OVH state after (predicted in check mode).
      type: str
    report_recipient_before:
      description: The report recipient before.
      type: str
    report_recipient_after:
      description: The report recipient after.
      type: str
    guard:
      description:
        - The guard's figures, C(max_ratio) (null when it is off), C(action), C(judged), C(triggered), and, when
          judged, C(bounces), C(sent) and C(ratio) (with C(window_start) when the bounces were read, or
          C(ratio_at_most) when the counters alone showed it could not trigger).
      type: dict
    why:
      description: Sentences saying what was done and why, or would be in check mode (never empty here).
      type: list
      elements: str
summary:
  description: What to print, safe for a terminal (OVH's messages are untrusted).
  returned: success, and when some hostings failed
  type: dict
  contains:
    lines:
      description: One line per hosting with something to say, then the fleet's counts.
      type: list
      elements: str
    hostings:
      description: How many hostings were weighed, those that comply included.
      type: int
    failures:
      description: One line per hosting that failed.
      type: list
      elements: str
"""
