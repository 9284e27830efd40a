# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state rules of a hosting's script e-mails: which action takes which state where, and what "done" looks like.

OVH states (``GET /hosting/web/{sn}/email``): ``ok`` and ``force`` send; ``ko``, ``bounce`` and ``spam`` hold
mails in a queue (72 h at most); ``purging`` is a purge in progress. Desired states (module option ``state``):

==========  ====================================  ==========================================
desired     action from                           no change from
==========  ====================================  ==========================================
blocked     BLOCK from ok, force                  ko, bounce, spam
unblocked   UNBLOCK from ko; from bounce only     ok, force
            with allow_force (gives force);
            refused from spam (purge first)
purged      PURGE from ko, bounce, spam           ok, force
==========  ====================================  ==========================================

``purging``: wait until it ends, then decide. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

SENDING_STATES = ("ok", "force")
HOLDING_STATES = ("ko", "bounce", "spam")
PURGING = "purging"
STATES = SENDING_STATES + HOLDING_STATES + (PURGING,)
DESIRED_STATES = ("unblocked", "blocked", "purged")
ACTIONS = ("BLOCK", "UNBLOCK", "PURGE")

# The states from which OVH accepts each action (the control panel offers it there).
_ACTION_SOURCES = {
    "BLOCK": SENDING_STATES,
    "UNBLOCK": ("ko", "bounce"),
    "PURGE": HOLDING_STATES,
}


class TransitionRefused(Exception):
    """The desired state can't be reached from the current one without a choice the user has not made."""


@dataclass(frozen=True)
class Plan:
    """What to do: ``action`` (None: nothing), and the OVH state expected once it has taken effect."""

    action: str | None
    current: str
    predicted: str

    @property
    def changes(self) -> bool:
        return self.action is not None


def is_sending(state: str) -> bool:
    return state in SENDING_STATES


def must_wait_first(state: str) -> bool:
    """A purge is in progress: nothing can be decided until it ends."""
    return state == PURGING


def satisfies(desired: str, state: str) -> bool:
    """True when the OVH ``state`` shows the ``desired`` state holds."""
    if desired == "blocked":
        return state in HOLDING_STATES
    if desired in ("unblocked", "purged"):
        return state in SENDING_STATES
    raise ValueError("unknown desired state %r, expected one of %s" % (desired, ", ".join(DESIRED_STATES)))


def plan(current: str, desired: str, allow_force: bool = False) -> Plan:
    """The action that takes ``current`` to ``desired``, or raise TransitionRefused saying why and what to do."""
    if desired not in DESIRED_STATES:
        raise ValueError("unknown desired state %r, expected one of %s" % (desired, ", ".join(DESIRED_STATES)))
    if must_wait_first(current):
        raise TransitionRefused("a purge is in progress (state 'purging'): wait for it to end before deciding")
    if current not in STATES:
        raise TransitionRefused(
            "unknown e-mail state %r (known: %s): refusing to act on it" % (current, ", ".join(STATES))
        )
    if satisfies(desired, current):
        return Plan(action=None, current=current, predicted=current)
    if desired == "blocked":
        return Plan(action="BLOCK", current=current, predicted="ko")
    if desired == "purged":
        return Plan(action="PURGE", current=current, predicted="ok")
    # desired == "unblocked", current in ko, bounce, spam
    if current == "spam":
        raise TransitionRefused(
            "the hosting is in state 'spam': OVH refuses UNBLOCK until the queue is purged; "
            "use state: purged (queued mails are deleted, sending resumes)"
        )
    if current == "bounce" and not allow_force:
        raise TransitionRefused(
            "the hosting is in state 'bounce' (too large a share of its mails bounced): use state: purged "
            "(queued mails are deleted, sending resumes), or set allow_force: true to UNBLOCK it into state "
            "'force' (queued mails are sent and the allowed bounce ratio is doubled)"
        )
    return Plan(action="UNBLOCK", current=current, predicted="force" if current == "bounce" else "ok")


def action_applies(action: str, state: str) -> bool:
    """True when OVH accepts ``action`` from ``state``."""
    return state in _ACTION_SOURCES[action]


def action_took_effect(action: str, state: str) -> bool:
    """True when ``state`` shows that ``action`` was applied (a purge in progress counts for PURGE)."""
    if action == "BLOCK":
        return state in HOLDING_STATES
    if action == "UNBLOCK":
        return state in SENDING_STATES
    if action == "PURGE":
        return state == PURGING or state in SENDING_STATES
    raise ValueError("unknown action %r, expected one of %s" % (action, ", ".join(ACTIONS)))
