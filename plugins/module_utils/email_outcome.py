# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What converging many hostings returns (email's O(hostings) form, and the email_policy action): one entry per
hosting, a diff per hosting that changed, and the failures, each naming its hosting."""

from __future__ import annotations

from .email_fields import email_facts
from .fleet import NotTried, failure_message


def diff_of(result) -> dict:
    def fields(email):
        return dict(state=email.get("state"), report_recipient=email.get("email") or None)
    return dict(before=fields(result.before), after=fields(result.after))


def hostings_outcome(results, with_diff=False) -> dict:
    """``changed``, ``hostings`` and (``with_diff``) ``diff``; when some failed, also ``msg``, ``failures`` and
    ``failed_hostings``. What was applied before a failure stays in its hosting's entry."""
    hostings, diffs = [], []
    for result in results:
        name = result.service_name
        hostings.append(dict(
            service_name=name, changed=result.changed, actions=result.actions, failed=not result.ok,
            met_pending=result.met_pending,
            before=email_facts(name, result.before) if result.before is not None else None,
            email=email_facts(name, result.after) if result.after is not None else None,
        ))
        if result.changed and result.before is not None and result.after is not None:
            diffs.append(dict(diff_of(result), before_header=name, after_header=name))
    outcome = dict(changed=any(result.changed for result in results), hostings=hostings)
    if with_diff:
        outcome["diff"] = diffs
    failed = [result for result in results if not result.ok]
    if failed:
        messages = [result.message() for result in failed]
        # An outage's hostings not tried are one clause of the message, not one line each.
        errors = [result.error if isinstance(result.error, NotTried) else message
                  for result, message in zip(failed, messages)]
        outcome.update(msg=failure_message(errors, len(results), verb="failed"), failures=messages,
                       failed_hostings=[result.failure() for result in failed])
    return outcome
