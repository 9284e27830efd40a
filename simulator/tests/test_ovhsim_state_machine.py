# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state table of ovh-api.md, every cell, and the asynchrony of requests."""
from __future__ import annotations

import time

import ovh.exceptions
import pytest

# (state before, action) -> state after, or the ovh exception of the refusal
TABLE = {
    ("ok", "BLOCK"): "ko", ("ok", "UNBLOCK"): 403, ("ok", "PURGE"): 403,
    ("force", "BLOCK"): "ko", ("force", "UNBLOCK"): 403, ("force", "PURGE"): 403,
    ("ko", "BLOCK"): 403, ("ko", "UNBLOCK"): "ok", ("ko", "PURGE"): "ok",
    ("bounce", "BLOCK"): 403, ("bounce", "UNBLOCK"): "force", ("bounce", "PURGE"): "ok",
    ("spam", "BLOCK"): 403, ("spam", "UNBLOCK"): 403, ("spam", "PURGE"): "ok",
}


@pytest.mark.parametrize("before, action", sorted(TABLE))
def test_state_table(sim, client, hosting, before, action):
    name = hosting(state=before)
    expected = TABLE[before, action]
    if expected == 403:
        with pytest.raises(ovh.exceptions.APIError) as raised:
            client.post(f"/hosting/web/{name}/email/request", action=action)
        assert raised.value.response.status_code == 403
        assert raised.value.response.json()["class"] == "Client::Forbidden"
        assert client.get(f"/hosting/web/{name}/email")["state"] == before
    else:
        client.post(f"/hosting/web/{name}/email/request", action=action)
        assert client.get(f"/hosting/web/{name}/email")["state"] == expected


def test_unblock_from_spam_says_to_purge_first(client, hosting):
    name = hosting(state="spam")
    with pytest.raises(ovh.exceptions.APIError, match="purged"):
        client.post(f"/hosting/web/{name}/email/request", action="UNBLOCK")


@pytest.mark.parametrize("action, before, during, after", [
    ("BLOCK", "ok", "ok", "ko"), ("UNBLOCK", "ko", "ko", "ok"), ("PURGE", "spam", "purging", "ok"),
])
def test_the_change_comes_after_the_action_delay(sim, client, hosting, action, before, during, after):
    sim.admin("POST", "/_sim/config", {"action_delay": 120})
    name = hosting(state=before)
    client.post(f"/hosting/web/{name}/email/request", action=action)
    assert client.get(f"/hosting/web/{name}/email")["state"] == during
    assert sim.admin("GET", f"/_sim/hostings/{name}")["pending_action"]["action"] == action
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 90})  # real seconds also pass: a margin of 30
    assert client.get(f"/hosting/web/{name}/email")["state"] == during
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 30})
    assert client.get(f"/hosting/web/{name}/email")["state"] == after
    assert sim.admin("GET", f"/_sim/hostings/{name}")["pending_action"] is None


@pytest.mark.parametrize("second", ["BLOCK", "UNBLOCK", "PURGE"])
def test_a_request_while_another_is_pending_is_409(sim, client, hosting, second):
    sim.admin("POST", "/_sim/config", {"action_delay": 60})
    name = hosting(state="ko")
    client.post(f"/hosting/web/{name}/email/request", action="PURGE")
    with pytest.raises(ovh.exceptions.ResourceConflictError, match="in progress"):
        client.post(f"/hosting/web/{name}/email/request", action=second)


def test_pending_actions_fall_due_as_real_time_passes(sim, client, hosting):
    sim.admin("POST", "/_sim/config", {"action_delay": 0.2})
    name = hosting(state="ko")
    client.post(f"/hosting/web/{name}/email/request", action="PURGE")
    seen = [client.get(f"/hosting/web/{name}/email")["state"]]
    deadline = time.monotonic() + 10
    while seen[-1] != "ok" and time.monotonic() < deadline:
        time.sleep(0.05)
        seen.append(client.get(f"/hosting/web/{name}/email")["state"])
    assert seen[0] == "purging"
    assert seen[-1] == "ok"


def test_the_default_delay_lets_a_poller_see_purging(hosting):
    from ovhsim.testing import running_simulator

    with running_simulator() as sim:
        assert sim.admin("GET", "/_sim/config")["action_delay"] == 2
        client = sim.client()
        sim.admin("POST", "/_sim/hostings", {"service_name": "a.cluster021.hosting.ovh.net", "state": "spam"})
        client.post("/hosting/web/a.cluster021.hosting.ovh.net/email/request", action="PURGE")
        assert client.get("/hosting/web/a.cluster021.hosting.ovh.net/email")["state"] == "purging"


def test_task_follows_the_request(sim, client, hosting):
    sim.admin("POST", "/_sim/config", {"action_delay": 30})
    name = hosting(state="ko")
    client.post(f"/hosting/web/{name}/email/request", action="UNBLOCK")
    [task_id] = client.get(f"/hosting/web/{name}/tasks")
    assert client.get(f"/hosting/web/{name}/tasks/{task_id}")["status"] == "todo"
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 30})
    task = client.get(f"/hosting/web/{name}/tasks/{task_id}")
    assert task["status"] == "done"
    assert task["doneDate"] >= task["startDate"]


def test_flag_spam_cancels_a_pending_request(sim, client, hosting):
    sim.admin("POST", "/_sim/config", {"action_delay": 30})
    name = hosting()
    client.post(f"/hosting/web/{name}/email/request", action="BLOCK")
    sim.admin("POST", "/_sim/flag-spam", {"service_name": name})
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 60})
    assert client.get(f"/hosting/web/{name}/email")["state"] == "spam"
    assert client.get(f"/hosting/web/{name}/tasks", status="cancelled")


def test_admin_reads_see_changes_that_fell_due_in_real_time(sim, hosting):
    sim.admin("POST", "/_sim/config", {"action_delay": 0.1})
    name = hosting(state="ko")
    sim.client().post(f"/hosting/web/{name}/email/request", action="UNBLOCK")
    deadline = time.monotonic() + 10
    while sim.admin("GET", f"/_sim/hostings/{name}")["state"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim.admin("GET", f"/_sim/hostings/{name}")["pending_action"] is None
