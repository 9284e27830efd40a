# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll ``GET /hosting/web/{sn}/email`` until a predicate holds, as the control panel does (every 3 s)."""

from __future__ import annotations

import time


class WaitTimeout(Exception):
    """The predicate did not hold within the timeout; the message says what was seen."""

    def __init__(self, message, last_email=None):
        super().__init__(message)
        self.last_email = last_email


def wait_for_email(api, service_name, predicate, expected, timeout, interval, sleep=None, clock=None,
                   current=None) -> dict:
    """Read the e-mail object now, then every ``interval`` s, until ``predicate(email)`` holds; return it.

    ``expected`` describes the awaited state for the timeout message. ``current``, an object the caller has just
    read, stands for the first read. ``sleep`` and ``clock`` (monotonic) are injectable for tests.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    seen = []
    reads = 0
    while True:
        email = current if current is not None else api.get_email(service_name)
        current = None
        reads += 1
        state = email.get("state")
        if not seen or seen[-1] != state:
            seen.append(state)
        if predicate(email):
            return email
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout("hosting %s: %s" % (service_name, timeout_message(timeout, expected, reads, seen)),
                              last_email=email)
        sleep(min(interval, remaining))


def timeout_message(timeout, expected, reads, seen) -> str:
    """What a wait that ran out saw: how long, what for, and the states read."""
    return "timed out after %s s waiting for the e-mail state to become %s; seen in %d reads: %s" % (
        _seconds(timeout), expected, reads, " -> ".join(str(state) for state in seen))


def _seconds(value):
    return int(value) if float(value).is_integer() else value
