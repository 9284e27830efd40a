# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state rules of DESIGN.md, row by row."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_state import TransitionRefused, plan

# (current, desired, allow_force) -> (action, predicted state)
RULES = [
    ("ok", "blocked", False, "BLOCK", "ko"),
    ("force", "blocked", False, "BLOCK", "ko"),
    ("ko", "blocked", False, None, "ko"),
    ("bounce", "blocked", False, None, "bounce"),
    ("spam", "blocked", False, None, "spam"),
    ("ko", "unblocked", False, "UNBLOCK", "ok"),
    ("bounce", "unblocked", True, "UNBLOCK", "force"),
    ("ok", "unblocked", False, None, "ok"),
    ("force", "unblocked", False, None, "force"),
    ("ko", "purged", False, "PURGE", "ok"),
    ("bounce", "purged", False, "PURGE", "ok"),
    ("spam", "purged", False, "PURGE", "ok"),
    ("ok", "purged", False, None, "ok"),
    ("force", "purged", False, None, "force"),
]


@pytest.mark.parametrize("current, desired, allow_force, action, predicted", RULES)
def test_rules(current, desired, allow_force, action, predicted):
    result = plan(current, desired, allow_force)
    assert (result.action, result.predicted, result.changes) == (action, predicted, action is not None)
    assert email_state.satisfies(desired, predicted)
    if action:
        assert email_state.action_applies(action, current)
        assert email_state.action_took_effect(action, predicted)
        assert not email_state.action_took_effect(action, current)


def test_unblock_from_bounce_needs_allow_force():
    with pytest.raises(TransitionRefused) as refusal:
        plan("bounce", "unblocked")
    assert "use state: purged" in str(refusal.value) and "allow_force: true" in str(refusal.value)


@pytest.mark.parametrize("allow_force", [False, True])
def test_unblock_from_spam_requires_a_purge(allow_force):
    with pytest.raises(TransitionRefused, match="'spam': OVH refuses UNBLOCK until the queue is purged"):
        plan("spam", "unblocked", allow_force)


@pytest.mark.parametrize("desired", email_state.DESIRED_STATES)
def test_purging_must_be_waited_out(desired):
    assert email_state.must_wait_first("purging")
    with pytest.raises(TransitionRefused, match="wait for it to end"):
        plan("purging", desired)


def test_unknown_state_is_refused():
    with pytest.raises(TransitionRefused, match="unknown e-mail state 'frozen'"):
        plan("frozen", "blocked")


def test_unknown_desired_state_is_a_bug():
    with pytest.raises(ValueError):
        plan("ok", "paused")


def test_purging_counts_as_an_applied_purge_only():
    assert email_state.action_took_effect("PURGE", "purging")
    assert not email_state.action_took_effect("BLOCK", "purging")
    assert not email_state.action_took_effect("UNBLOCK", "purging")
