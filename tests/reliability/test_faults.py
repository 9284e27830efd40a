# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""enforce.yml and report.yml over 120 hostings while the simulator answers about 30% of the calls with 5xx
(JSON and nginx HTML pages), resets connections, delays answers past the client's timeout, applies PUT/POST and
then answers 5xx, and throttles with bursts of 429 + Retry-After.

A run converges, or fails naming each hosting it left undone; the next run (faults off) changes exactly those
and nothing else. No mail is lost, and no hosting gets an action applied twice.
"""

from __future__ import annotations

import collections
import json
import re
import threading

import pytest
from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import (applied_actions, assert_ledger_holds, assert_no_traceback, faults_seen,
                                write_inventory)

FLEET = 100
OPS = "ops@example.com"
QUEUED = 4  # mails each blocked hosting holds
# What each group starts in, and what enforce.yml wishes for it.
GROUPS = {"to_block": ("ok", "blocked"), "to_unblock": ("ko", "unblocked"), "to_purge": ("spam", "purged")}
# The client's settings for these runs: a short timeout so that latency spikes exceed it, one retry more than
# the default because a third of the calls fail (a call then fails 6 times in a row about once in 300).
CLIENT = {"ovh_timeout": 1, "ovh_retries": 5, "ovh_rate_limit": 50}

# First matching rule decides. About 30% of the calls answer 5xx on every route; the rest of the faults on top.
FAULTS = {"seed": 7, "rules": [
    {"route": "/hosting/web/*/email/request", "method": "POST", "error_rate": 0.15, "error_status": 503,
     "apply_then_fail_rate": 0.15, "reset_rate": 0.05},
    {"route": "/hosting/web/*/email", "method": "PUT", "error_rate": 0.15, "error_status": 502, "html_errors": True,
     "apply_then_fail_rate": 0.15, "jitter_ms": 1200},
    {"route": "/hosting/web/*/email", "method": "GET", "error_rate": 0.25, "error_status": 502, "html_errors": True,
     "reset_rate": 0.05, "jitter_ms": 1100},
    {"method": "GET", "error_rate": 0.3, "error_status": 500, "reset_rate": 0.03, "jitter_ms": 1100},
]}
BURST = {"rate_429": 0.8, "retry_after": 1}


class Bursts(threading.Thread):
    """Every ``period`` s, ``length`` s during which most calls are answered 429 with Retry-After."""

    def __init__(self, sim, period=6.0, length=1.5):
        super().__init__(daemon=True)
        self.sim, self.period, self.length = sim, period, length
        self.stopped = threading.Event()
        self.count = 0

    def run(self):
        while not self.stopped.wait(self.period - self.length):
            burst = {"seed": FAULTS["seed"] + self.count, "rules": [dict(BURST, route="/hosting/web/*")]}
            self.sim.admin("POST", "/_sim/faults", burst)
            self.count += 1
            self.stopped.wait(self.length)
            self.sim.admin("POST", "/_sim/faults", FAULTS)

    def stop(self):
        self.stopped.set()
        self.join()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    with running_simulator(action_delay=0) as sim:
        groups = {}
        for index in range(FLEET):
            group = list(GROUPS)[index % len(GROUPS)]
            start, wished = GROUPS[group]
            name = "shop-%d.cluster0%d.hosting.ovh.net" % (index, 21 + index % 4)
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": start})
            sim.admin("POST", "/_sim/send", {"service_name": name, "count": QUEUED})
            if start == "spam":
                sim.admin("POST", "/_sim/flag-spam", {"service_name": name})
            groups.setdefault(group, ([], {"email_policy_state": wished}))[0].append(name)
        inventory = write_inventory(workdir / "fleet.yml", groups, email_policy_report_recipient=OPS)
        yield sim, Ansible(workdir, dict(sim.credentials, endpoint=sim.url), forks=20), inventory, groups


def undone(run, names):
    """The hostings a failed run names as failed, each with its own failure message."""
    failed = run.failed_hostings()
    for host in failed:
        assert re.search(r"failed: hosting %s" % re.escape(host), run.policy_lines()[host]), run
        assert "hosting %s" % host in run.output.split("hosting(s) failed:")[-1], run
    assert failed <= set(names)
    return failed


def test_enforce_under_faults_converges_or_names_what_is_left(scenario):
    sim, ansible, inventory, groups = scenario
    names = [name for hosts, _vars in groups.values() for name in hosts]
    sim.admin("POST", "/_sim/faults", FAULTS)
    bursts = Bursts(sim)
    bursts.start()
    try:
        first = ansible.playbook(PLAYBOOKS / "enforce.yml", "-i", inventory, extra_vars=CLIENT, timeout=400)
    finally:
        bursts.stop()
    log = sim.admin("GET", "/_sim/requests")
    sim.admin("DELETE", "/_sim/faults")
    assert_no_traceback(first.output)
    seen = faults_seen(log)
    assert seen["error"] > 100 and seen["apply_then_fail"] > 10 and seen["429"] > 5 and seen["reset"] > 3, seen
    assert sum(1 for entry in log if entry["fault"] is None and entry["status"] >= 500) == 0
    left = undone(first, names) if first.rc else set()
    assert first.rc == 0 or left, first
    assert FLEET - len(left) <= first.hostings_changed() <= FLEET, first
    print("enforce under faults: %d requests, faults %s, 429 bursts %d, hostings left undone %d"
          % (len(log), dict(seen), bursts.count, len(left)))
    causes = [re.search(r"failed \(([^)]*)\)", first.policy_lines()[host]).group(1) for host in left]
    print("enforce under faults: causes of the hostings left undone %s" % dict(collections.Counter(causes)))

    # The next run changes what the first left undone, if anything, and nothing else.
    mark = len(sim.admin("GET", "/_sim/requests"))
    second = ansible.playbook(PLAYBOOKS / "enforce.yml", "-i", inventory, extra_vars=CLIENT)
    assert second.rc == 0, second
    assert_no_traceback(second.output)
    assert set(second.policy_lines()) <= left, second
    written = {entry["path"].split("/")[3] for entry in sim.admin("GET", "/_sim/requests")[mark:]
               if entry["method"] != "GET"}
    assert written <= left, written

    client = sim.client()
    for group, (hosts, _vars) in groups.items():
        expected = {"to_block": "ko", "to_unblock": "ok", "to_purge": "ok"}[group]
        for name in hosts:
            email = client.get("/hosting/web/%s/email" % name)
            assert (email["state"], email["email"]) == (expected, OPS), (name, email)
    # One applied request per hosting, although some answered 5xx after applying or timed out.
    actions = applied_actions(sim.admin("GET", "/_sim/requests"))
    assert actions == {name: 1 for name in names}, {n: c for n, c in actions.items() if c != 1}
    ledger = assert_ledger_holds(sim, purge_allowed=set(groups["to_purge"][0]))
    for name in groups["to_unblock"][0]:
        assert ledger["hostings"][name]["delivered"] == QUEUED  # the queue went out on UNBLOCK
    for name in groups["to_purge"][0]:
        assert ledger["hostings"][name]["purged"] == QUEUED


def test_report_under_faults_covers_the_fleet_or_names_what_it_could_not_read(scenario):
    sim, ansible, inventory, groups = scenario
    names = sorted(name for hosts, _vars in groups.values() for name in hosts)
    report_dir = ansible.workdir / "report"
    # One email_info task reads the fleet; its threads mostly wait out back-offs, so many of them.
    options = dict(CLIENT, email_report_dir=str(report_dir), email_report_concurrency=24)
    sim.admin("POST", "/_sim/faults", FAULTS)
    mark = len(sim.admin("GET", "/_sim/requests"))
    bursts = Bursts(sim)
    bursts.start()
    try:
        faulted = ansible.playbook(PLAYBOOKS / "report.yml", "-i", inventory, extra_vars=options)
    finally:
        bursts.stop()
        sim.admin("DELETE", "/_sim/faults")
    assert_no_traceback(faulted.output)
    log = sim.admin("GET", "/_sim/requests")[mark:]
    assert faults_seen(log)["error"] > 50, faults_seen(log)
    assert [entry for entry in log if entry["method"] != "GET"] == []
    print("report under faults: %d requests, faults %s, rc %d" % (len(log), dict(faults_seen(log)), faulted.rc))
    if faulted.rc == 0:
        report = json.loads((report_dir / "report.json").read_text())
        assert sorted(entry["service_name"] for entry in report["hostings"]) == names
    else:
        found = re.search(r"(\d+) of %d hostings could not be read: (.*)" % FLEET, faulted.output)
        assert found, faulted
        unread = set(re.findall(r"hosting (\S+): GET", found.group(2)))
        assert len(unread) == int(found.group(1)) and unread <= set(names), faulted
        print("report under faults: hostings named as unread %d" % len(unread))

    clean = ansible.playbook(PLAYBOOKS / "report.yml", "-i", inventory, extra_vars=options)
    assert clean.rc == 0, clean
    report = json.loads((report_dir / "report.json").read_text())
    assert sorted(entry["service_name"] for entry in report["hostings"]) == names


@pytest.mark.parametrize("fault", [
    {"apply_then_fail_rate": 1.0, "error_status": 503},  # every request applied, then answered 503
    {"latency_ms": 1500},  # every request answered after the client's 1 s timeout (and applied then)
], ids=["applied-then-503", "answered-after-timeout"])
def test_an_ambiguous_request_pending_on_the_server_is_not_applied_twice(tmp_path, fault):
    """With the change still pending when the client reads the state again (action_delay 1 s), the client sends the
    request again and takes the refusal for the sign of its first one: one request applied per hosting."""
    with running_simulator(action_delay=1) as sim:
        names = ["shop-%d.cluster021.hosting.ovh.net" % index for index in range(6)]
        for name in names:
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok"})
        sim.admin("POST", "/_sim/faults", dict(fault, route="/hosting/web/*/email/request", method="POST"))
        ansible = Ansible(tmp_path, dict(sim.credentials, endpoint=sim.url))
        run = ansible.playbook(PLAYBOOKS / "block.yml", extra_vars=dict(CLIENT, hostings=names))
        assert run.rc == 0 and run.hostings_changed() == len(names), run
        log = sim.admin("GET", "/_sim/requests")
        # Sent again after the ambiguous failure, and refused: 409 while the first is pending, 403 once it
        # applied (its answer then went to a client that had timed out).
        resent = [entry for entry in log if entry["method"] == "POST" and not entry["applied"]]
        assert resent and {entry["status"] for entry in resent} <= {403, 409}, resent
        assert applied_actions(log) == {name: 1 for name in names}
        assert {sim.admin("GET", "/_sim/hostings/%s" % name)["state"] for name in names} == {"ko"}
