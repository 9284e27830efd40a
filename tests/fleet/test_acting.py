# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acting on a fleet in one task, counted by the simulator's request log: a compliant enforce costs the inventory's
read and nothing more; a change behind the inventory's back is handled by the read before the write; fifty hostings
blocked at once wait together."""

from __future__ import annotations

import collections
import json

import pytest
from fleet_support import Fleet, signed
from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS

POLICY = ["-e", "email_policy_state=unblocked", "-e", "email_policy_report_recipient=ops@example.com"]


def paths(entries):
    return collections.Counter((entry["method"], entry["path"]) for entry in signed(entries))


def test_a_compliant_enforce_costs_the_inventory_read_and_nothing_more(fleet):
    names = fleet.seed(25, profile="healthy")
    source = fleet.config()
    fleet.run("ansible-playbook", "-i", source, PLAYBOOKS / "enforce.yml", *POLICY)  # now it complies
    mark = fleet.log_mark()

    done = fleet.run("ansible-playbook", "-i", source, PLAYBOOKS / "enforce.yml", *POLICY)

    assert "0 of 25 hosting(s) changed" in done.stdout, done.stdout
    expected = collections.Counter({("GET", "/hosting/web"): 1})
    expected.update(("GET", "/hosting/web/%s/email" % name) for name in names)
    assert paths(fleet.since(mark)) == expected  # N + 1: the inventory's listing and one read each


def test_with_names_a_compliant_enforce_reads_each_hosting_once(fleet):
    names = fleet.seed(12, profile="healthy")
    hostings = ["-e", "hostings=" + ",".join(names)]
    fleet.run("ansible-playbook", PLAYBOOKS / "enforce.yml", *POLICY, *hostings)
    mark = fleet.log_mark()

    done = fleet.run("ansible-playbook", PLAYBOOKS / "enforce.yml", *POLICY, *hostings)

    assert "0 of 12 hosting(s) changed" in done.stdout, done.stdout
    assert paths(fleet.since(mark)) == collections.Counter(("GET", "/hosting/web/%s/email" % name) for name in names)


def test_a_hosting_changed_behind_the_inventorys_back_is_read_again_before_the_write(fleet):
    names = fleet.seed(6, profile="healthy")
    source = fleet.config()
    fleet.run("ansible-playbook", "-i", source, PLAYBOOKS / "enforce.yml", *POLICY)
    moved, blocked = names[0], names[1]
    fleet.sim.admin("POST", "/_sim/hostings", {"service_name": blocked, "state": "ko"})
    # The inventory reads the fleet, then another client changes two hostings before the play acts: an inventory
    # file holding that read (as fresh as the plugin's own) plays the part of the plugin's hosts.
    inventory = fleet.inventory(source)
    stale = fleet.workdir / "stale.yml"
    hostvars = inventory["_meta"]["hostvars"]
    stale.write_text("\n".join(
        ["all:", "  hosts:"] + ["    %s: {ovh_service_name: %s, ovh_email: %s, ovh_email_read_at: %s}" % (
            name, name, json.dumps(hostvars[name]["ovh_email"]), hostvars[name]["ovh_email_read_at"]) for name in names]))
    fleet.sim.admin("POST", "/_sim/hostings", {"service_name": blocked, "state": "ok"})  # unblocked behind its back
    fleet.sim.admin("POST", "/_sim/hostings", {"service_name": moved, "state": "ko"})  # blocked behind its back
    mark = fleet.log_mark()

    done = fleet.run("ansible-playbook", "-i", stale, PLAYBOOKS / "enforce.yml", *POLICY, env=fleet.env(
        ANSIBLE_INVENTORY_ENABLED="ansible.builtin.yaml"))

    calls = paths(fleet.since(mark))
    # The one the facts said blocked is read again, found sending, and left alone: no write on a stale view.
    assert calls == {("GET", "/hosting/web/%s/email" % blocked): 1}, calls
    assert "0 of 6 hosting(s) changed" in done.stdout, done.stdout
    # The one blocked since the read complied when read: the next run, with a fresh read, unblocks it.
    again = fleet.run("ansible-playbook", "-i", source, PLAYBOOKS / "enforce.yml", *POLICY)
    assert "1 of 6 hosting(s) changed" in again.stdout and fleet.states()[moved] == "ok", again.stdout


@pytest.fixture
def slow_actions(tmp_path):
    with running_simulator(action_delay=2) as sim:
        yield Fleet(sim, tmp_path)


def test_fifty_hostings_blocked_at_once_wait_together(slow_actions):
    fleet = slow_actions
    names = fleet.seed(60, profile="healthy")[:50]
    mark = fleet.log_mark()

    done = fleet.run("ansible-playbook", PLAYBOOKS / "block.yml", "-e", "hostings=" + ",".join(names))

    assert "50 of 50 hosting(s) changed" in done.stdout, done.stdout
    entries = signed(fleet.since(mark))
    states = fleet.states()
    assert {states[name] for name in names} == {"ko"}
    posts = [entry for entry in entries if entry["method"] == "POST"]
    assert sorted(entry["path"].split("/")[3] for entry in posts) == sorted(names)  # one request each
    last_read = {name: max(entry["timestamp"] for entry in entries
                           if entry["method"] == "GET" and entry["path"].split("/")[3] == name) for name in names}
    # Every request was sent before any hosting's wait ended: the waits ran together, not one after another.
    assert max(entry["timestamp"] for entry in posts) < min(last_read.values())
    reads = collections.Counter(entry["path"].split("/")[3] for entry in entries if entry["method"] == "GET")
    assert max(reads.values()) <= 3, reads  # the read that decides, then the polls of one shared wait
