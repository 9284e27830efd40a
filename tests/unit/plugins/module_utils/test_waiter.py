# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import WaitTimeout, wait_for_email


class ScriptedApi:
    def __init__(self, states):
        self.states = list(states)
        self.reads = 0

    def get_email(self, service_name):
        state = self.states[min(self.reads, len(self.states) - 1)]
        self.reads += 1
        return {"state": state}


def test_returns_as_soon_as_the_predicate_holds(fake_time):
    api = ScriptedApi(["ok", "ok", "ko"])
    email = wait_for_email(api, "a.example", lambda e: e["state"] == "ko", "ko", timeout=60, interval=3)
    assert email == {"state": "ko"} and api.reads == 3 and fake_time.sleeps == [3, 3]


def test_no_sleep_when_already_there(fake_time):
    api = ScriptedApi(["ko"])
    wait_for_email(api, "a.example", lambda e: e["state"] == "ko", "ko", timeout=60, interval=3)
    assert fake_time.sleeps == []


def test_timeout_says_what_was_seen(fake_time):
    api = ScriptedApi(["ok", "purging", "purging", "ok"])
    with pytest.raises(WaitTimeout) as timeout:
        wait_for_email(api, "a.example", lambda e: e["state"] == "ko", "blocked (ko)", timeout=10, interval=3)
    assert str(timeout.value) == ("hosting a.example: timed out after 10 s waiting for the e-mail state to become "
                                  "blocked (ko); seen in 5 reads: ok -> purging -> ok")
    assert fake_time.sleeps == [3, 3, 3, 1]  # the last sleep ends at the deadline, then one last read
    assert timeout.value.last_email == {"state": "ok"}


def test_injected_sleep_and_clock():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    api = ScriptedApi(["ok", "ok", "ok", "ko"])
    wait_for_email(api, "a.example", lambda e: e["state"] == "ko", "ko", timeout=100, interval=5, sleep=sleep,
                   clock=lambda: now[0])
    assert slept == [5, 5, 5]


def test_a_fresh_read_from_the_caller_counts_as_the_first(fake_time):
    api = ScriptedApi(["purging", "ok"])
    email = wait_for_email(api, "a.example", lambda e: e["state"] != "purging", "not purging", timeout=60, interval=3,
                           current={"state": "purging"})
    assert email == {"state": "ok"}
    assert api.reads == 2 and fake_time.sleeps == [3, 3]
