# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""guard.yml under the real ansible-rulebook, its source polling `ovhsim serve` every second: a bounce burst is
blocked before the simulator's own threshold moves the hosting to bounce, once, and nothing else is touched; a
hosting flagged as spam gives one state_changed event and one report."""

from __future__ import annotations

import json
import re
import time

from eda_support import Rulebook, posts

BOUNCING = "nobody@bounce.example.net"
# One recipient of 14 always bounces: 7 % of the burst, over the guard's 5 %, under the simulator's 10 %.
RECIPIENTS = ["reader%d@example.org" % number for number in range(13)] + [BOUNCING]


def fleet_polls(sim):
    return sum(1 for entry in sim.admin("GET", "/_sim/requests")
               if entry["method"] == "GET" and entry["path"].rstrip("/") in ("/hosting/web", "/1.0/hosting/web"))


def polls_until_bounces_read(log, name):
    """How many polls started from the log's start up to the first read of ``name``'s bounces (1: the poll under
    way), or None."""
    started = 0
    for entry in log:
        path = entry["path"].replace("/1.0", "", 1) if entry["path"].startswith("/1.0") else entry["path"]
        if entry["method"] == "GET" and path.rstrip("/") == "/hosting/web":
            started += 1
        elif entry["method"] == "GET" and path.split("?")[0] == "/hosting/web/%s/email/bounces" % name:
            return max(started, 1)
    return None


def output_plays(output):
    """The plays that ansible-rulebook's playbook runs printed, in order; the block playbook's first play (the
    targets) aside."""
    plays = re.findall(r"^PLAY \[(.*?)\] \*", output, re.MULTILINE)
    return [play for play in plays if play != "Resolve the target hostings"]


def test_guard_blocks_a_bounce_burst_once_and_reports_a_spam_flag(simulator, tmp_path):
    hostings = simulator.admin("GET", "/_sim/hostings")
    assert len(hostings) == 20 and {h["state"] for h in hostings} == {"ok"}
    roomy = [h["service_name"] for h in hostings if h["hourly_quota"] - h["quota_used_this_hour"] >= 200]
    victim, flagged = roomy[0], roomy[1]
    reports = tmp_path / "reports"
    reports.mkdir()
    rulebook = Rulebook(tmp_path, simulator.credentials, simulator.url, "guard.yml", {
        "watch_interval": 1, "watch_rate_limit": 100, "watch_report_dir": str(reports)}).start()
    try:
        rulebook.wait_for(lambda: fleet_polls(simulator) >= 2, 45, "the baseline poll")
        mark = len(simulator.admin("GET", "/_sim/requests"))
        polls_before = fleet_polls(simulator)
        burst = simulator.admin("POST", "/_sim/send", {"service_name": victim, "count": 100,
                                                       "recipients": RECIPIENTS, "bouncing": [BOUNCING]})
        sent_at = time.monotonic()
        assert burst["delivered"] == 100 and burst["bounced"] == 7
        assert simulator.hosting(victim)["state"] == "ok"  # the simulator's own threshold did not trip
        rulebook.wait_for(lambda: simulator.hosting(victim)["state"] == "ko", 90, "the block of %s" % victim)
        blocked_after = time.monotonic() - sent_at
        polls_to_block = fleet_polls(simulator) - polls_before

        simulator.admin("POST", "/_sim/flag-spam", {"service_name": flagged})
        report = rulebook.wait_for(lambda: list(reports.glob(flagged + "-*.json")), 60, "the spam report")
        # The form goes on sending: the mails wait in the queue of the blocked hosting, and it never bounces.
        simulator.admin("POST", "/_sim/send", {"service_name": victim, "count": 50, "bounce_rate": 0.5})
        time.sleep(4)  # a few more polls: nothing is repeated
    finally:
        rulebook.stop()

    events = rulebook.events()
    kinds = [(e["service_name"], e["kind"]) for e in events]
    assert (victim, "bounce_ratio_over") in kinds, rulebook.output()[-4000:]
    assert {name for name, kind in kinds} <= {victim, flagged}, kinds  # the other 18 hostings gave no event
    conditions = [kind for kind in kinds if kind[1] != "state_changed"]
    assert len(conditions) == len(set(conditions)), kinds  # a condition that lasts is emitted once
    assert [e["current"] for e in events if e["service_name"] == flagged] == [{"state": "spam"}]
    assert [e["current"] for e in events if (e["service_name"], e["kind"]) == (victim, "state_changed")] == [
        {"state": "ko"}]

    log = simulator.admin("GET", "/_sim/requests")[mark:]
    detected_in = polls_until_bounces_read(log, victim)
    assert detected_in is not None and detected_in <= 2, detected_in  # the poll under way, or the next one
    writes = posts(log)
    assert [write[:2] for write in writes] == [("POST", victim)], writes  # one BLOCK, no other
    # One run of each playbook: the throttle holds a second block (send_spike after bounce_ratio_over) back.
    assert output_plays(rulebook.output()) == ["Block the script e-mails", "Report a hosting that OVH stopped"], (
        rulebook.output()[-4000:])
    states = {h["service_name"]: h["state"] for h in simulator.admin("GET", "/_sim/hostings")}
    assert states.pop(victim) == "ko" and states.pop(flagged) == "spam"
    assert set(states.values()) == {"ok"}
    saved = json.loads(report[0].read_text())
    assert saved["event"]["kind"] == "state_changed" and saved["hosting"]["state"] == "spam"
    assert len(list(reports.iterdir())) == 1
    output = rulebook.output()
    for secret in (simulator.credentials["application_secret"], simulator.credentials["consumer_key"]):
        assert secret not in output
    print("events %s; read in poll %d after the burst, blocked %.1f s after it, %d polls"
          % (kinds, detected_in, blocked_after, polls_to_block))


def test_guard_in_check_mode_runs_the_block_playbook_but_blocks_nothing(simulator, tmp_path):
    """ansible-rulebook's run_playbook has no --check: watch_check_mode reaches the block playbook as a variable."""
    hostings = simulator.admin("GET", "/_sim/hostings")
    victim = [h["service_name"] for h in hostings if h["hourly_quota"] - h["quota_used_this_hour"] >= 200][0]
    rulebook = Rulebook(tmp_path, simulator.credentials, simulator.url, "guard.yml", {
        "watch_interval": 1, "watch_rate_limit": 100, "watch_check_mode": True}).start()
    try:
        rulebook.wait_for(lambda: fleet_polls(simulator) >= 2, 45, "the baseline poll")
        mark = len(simulator.admin("GET", "/_sim/requests"))
        simulator.admin("POST", "/_sim/send", {"service_name": victim, "count": 100, "recipients": RECIPIENTS,
                                               "bouncing": [BOUNCING]})
        rulebook.wait_for(lambda: "PLAY RECAP" in rulebook.output(), 90, "the block playbook's run")
        time.sleep(3)  # a few more polls: a real BLOCK would show as ko
    finally:
        rulebook.stop()
    assert (victim, "bounce_ratio_over") in [(e["service_name"], e["kind"]) for e in rulebook.events()]
    assert "Block the script e-mails" in rulebook.output()
    assert posts(simulator.admin("GET", "/_sim/requests")[mark:]) == []
    assert simulator.hosting(victim)["state"] == "ok"
