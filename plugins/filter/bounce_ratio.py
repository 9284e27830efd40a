# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: bounce_ratio
short_description: How much a hosting's scripts bounce, as the policy guard judges it
version_added: 0.1.0
author: mailops maintainers
description:
  - Divides the bounces dated since midnight, Europe/Paris time (and within O(hours) before O(now)), by the mails
    sent today (C(sent_today), which OVH resets at that midnight). Both figures cover the same window, so the ratio
    is not inflated early in the day by the bounces of yesterday evening.
  - A hosting that sent fewer than O(min_sent) mails today is not judged, its ratio is V(null).
  - Only the bounces present in the input count; M(mailops.ovh_hosting.email_info) returns at most 100, so on a
    hosting bouncing more than that the ratio is a lower bound.
options:
  _input:
    description: The facts of one hosting as M(mailops.ovh_hosting.email_info) returns them, with C(bounces).
    type: dict
    required: true
  min_sent:
    description: Fewest mails sent today for the hosting to be judged.
    type: int
    default: 0
  hours:
    description: Width of the bounce window, in hours before O(now).
    type: int
    default: 24
  now:
    description: End of the window, an ISO 8601 date; the current time when omitted.
    type: str
"""

EXAMPLES = r"""
- name: Block a hosting bouncing over 10 % of what it sent today
  mailops.ovh_hosting.email:
    service_name: "{{ hosting.service_name }}"
    state: blocked
  vars:
    guard: "{{ hosting | mailops.ovh_hosting.bounce_ratio(min_sent=20) }}"
  when: guard.judged and guard.ratio > 0.1
"""

RETURN = r"""
_value:
  description: The bounce figures of the hosting.
  type: dict
  contains:
    bounces:
      description: Bounces in the window (since midnight, Europe/Paris time).
      type: int
    sent:
      description: Mails sent today.
      type: int
    ratio:
      description: RV(_value.bounces) divided by RV(_value.sent), rounded to 4 decimals; V(null) when not judged.
      type: float
    judged:
      description: Whether the hosting sent enough mails today to be judged.
      type: bool
    window_hours:
      description: The O(hours) bound used.
      type: int
    window_start:
      description: Start of the window, midnight of O(now)'s day in Europe/Paris time, ISO 8601.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.bounce_window import (
    DEFAULT_WINDOW_HOURS,
    bounce_ratio as _bounce_ratio,
)


def bounce_ratio(hosting, min_sent=0, hours=DEFAULT_WINDOW_HOURS, now=None):
    if not isinstance(hosting, dict):
        raise AnsibleFilterError(f"bounce_ratio expects the facts of one hosting (a dict), got {type(hosting).__name__}")
    try:
        return _bounce_ratio(hosting, min_sent=min_sent, hours=hours, now=now)
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError(f"bounce_ratio: {hosting.get('service_name', 'hosting')}: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"bounce_ratio": bounce_ratio}
