# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_policy_settings
short_description: The email_policy settings of every hosting of a play, read from their host vars at once
version_added: 0.2.0
author: mailops maintainers
description:
  - The first step of the role C(mailops.ovh_hosting.email_policy), which runs once for all the play's hostings.
  - Each hosting's C(email_policy_*) variables come from its host vars (inventory host_vars and group_vars, facts,
    extra vars). A value the play gives the role (play vars, role vars, include params) applies to every hosting,
    as Ansible's precedence has it; the role's documented default applies to the others.
  - Each bad value fails, naming the hosting and the variable; no API call is made before.
  - Each entry carries C(current), the hosting's C(ovh_email) facts from the P(mailops.ovh_hosting.hostings#inventory)
    inventory when they were read at most O(facts_max_age) seconds ago (C(ovh_email_read_at)), else null.
options:
  _input:
    description: The hostings, inventory host names (or service names, comma-separated or a list).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  context:
    description: The role's variables as the role's context resolves them, by name.
    type: dict
    required: true
  first:
    description: The host the role runs on (its C(inventory_hostname)), whose own values O(context) shows.
    type: str
    required: true
  forced_state:
    description: A state for every hosting, whatever its variables say (the block, unblock and purge playbooks).
    type: str
    choices: [unblocked, blocked, purged]
  facts_max_age:
    description: Seconds after which the inventory's facts are read again.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Settings of the play's hostings
  ansible.builtin.set_fact:
    policy: >-
      {{ ansible_play_batch | mailops.ovh_hosting.email_policy_settings(hostvars, context, inventory_hostname) }}
  vars:
    context: "{{ dict(names | zip(query('ansible.builtin.vars', *names))) }}"
    names: "{{ query('ansible.builtin.varnames', '^email_policy_') }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - One entry per hosting, in the order given, as JSON text (P(mailops.ovh_hosting.email_policy_entries#filter)
      reads it); a fact of text costs Ansible nothing to hold, one of a thousand dicts seconds each time a task sets
      or reads it.
  type: str
  contains:
    host:
      description: The host name given.
      type: str
    service_name:
      description: The hosting's service name (C(email_policy_service_name), else C(ovh_service_name), else the host).
      type: str
    state:
      description: V(unblocked), V(blocked), V(purged) or V(unmanaged).
      type: str
    report_recipient:
      description: The address wanted, V("") to clear it, or null to leave it.
      type: str
    allow_force:
      description: Whether V(unblocked) may take the hosting from V(bounce) to V(force).
      type: bool
    guard_max_ratio:
      description: The guard's highest bounce ratio, or null when the guard is off.
      type: float
    guard_min_sent:
      description: Fewest mails sent today for the guard to judge.
      type: int
    guard_action:
      description: V(block) or V(report).
      type: str
    current:
      description: The inventory's fresh e-mail facts of the hosting, or null.
      type: dict
    read_first:
      description: The role reads this hosting's state itself (its guard needs the counters and it has no fresh facts).
      type: bool
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy


def email_policy_settings(targets, hostvars, context, first, forced_state=None,
                          facts_max_age=email_policy.DEFAULT_FACTS_MAX_AGE):
    try:
        return email_policy.as_text(email_policy.settings(targets, hostvars, context, first, forced_state=forced_state,
                                                          facts_max_age=int(facts_max_age)))
    except (email_policy.PolicyError, ValueError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"email_policy_settings": email_policy_settings}
