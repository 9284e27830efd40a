# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The policy a fleet report judges by: the email_report filter's and the email_report_files module's.
    DOCUMENTATION = r"""
options:
  allowed_states:
    description: E-mail states that are no violation.
    type: list
    elements: str
    default: [ok, force]
  max_bounce_ratio:
    description: Highest bounce ratio that is no violation, a number; V(null) to not judge ratios.
    type: raw
    default: 0.1
  min_sent:
    description: Fewest mails sent today for a hosting's bounce ratio to be judged.
    type: int
    default: 20
  require_recipient:
    description: Whether a hosting without a report recipient is a violation.
    type: bool
    default: false
  latest_bounces:
    description: How many of the newest bounces each hosting lists.
    type: int
    default: 5
  days:
    description: Days of sent-volume history per hosting, ending on the newest day of the fleet's history.
    type: int
    default: 30
  now:
    description: The time of the report, an ISO 8601 date; the current time when omitted.
    type: str
"""
