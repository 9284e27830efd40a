# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a wait for an e-mail state that ran out says (email_service.Converger does the waiting)."""

from __future__ import annotations


class WaitTimeout(Exception):
    """The predicate did not hold within the timeout; the message says what was seen."""

    def __init__(self, message, last_email=None):
        super().__init__(message)
        self.last_email = last_email


def timeout_message(timeout, expected, reads, seen) -> str:
    """What a wait that ran out saw: how long, what for, and the states read."""
    return "timed out after %s s waiting for the e-mail state to become %s; seen in %d reads: %s" % (
        _seconds(timeout), expected, reads, " -> ".join(str(state) for state in seen))


def _seconds(value):
    return int(value) if float(value).is_integer() else value


def wait_timeout_problem(wait_timeout) -> str | None:
    """Why ``wait_timeout`` is no number of seconds to wait, or None (email and the email_policy action)."""
    if wait_timeout < 0:
        return "wait_timeout must be 0 or more, got %d" % wait_timeout
    return None
