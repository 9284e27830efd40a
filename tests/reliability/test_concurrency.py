# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two enforce.yml runs at once with opposite wishes on the same hostings: neither crashes, every hosting ends in
one of the two wished states, no mail is lost; a request that meets another one pending (409) waits for it.

A run whose change the other undoes before reading it back waits for it until ``email_policy_wait_timeout``
and then fails saying what it saw: the runs here set it to 15 s."""

from __future__ import annotations

import collections
import re

from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import applied_actions, assert_ledger_holds, assert_no_traceback

QUEUED = 3
WAIT = 15


def test_opposite_runs_at_the_same_time(tmp_path):
    with running_simulator(action_delay=0) as sim:
        names = []
        for index in range(24):
            name = "shop-%d.cluster021.hosting.ovh.net" % index
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok" if index % 2 else "ko"})
            sim.admin("POST", "/_sim/send", {"service_name": name, "count": QUEUED})
            names.append(name)
        ansible = Ansible(tmp_path, dict(sim.credentials, endpoint=sim.url))
        wishes = {"blocked": ("ko", "bounce", "spam"), "unblocked": ("ok", "force")}
        # A change the other run undoes before this one reads it back is seen only as a wait that runs out.
        started = {wish: ansible.start(PLAYBOOKS / "enforce.yml", extra_vars={
            "hostings": names, "email_policy_state": wish, "email_policy_wait_timeout": WAIT, "ovh_timeout": 5})
            for wish in wishes}
        runs = {wish: Ansible.finish(process) for wish, process in started.items()}

        for wish, run in runs.items():
            assert_no_traceback(run.output)
            assert run.recap(), run
            for host in run.failed_hostings():  # a conflict, a refusal or an undone change, named with its cause
                cause = r"(.*failed \(HTTP (409|403)|timed out after %d s waiting)" % WAIT
                assert re.search(r"hosting %s: %s" % (re.escape(host), cause), run.policy_lines()[host]), run
        states = {name: sim.admin("GET", "/_sim/hostings/%s" % name)["state"] for name in names}
        print("opposite runs: failed hosts %s, changed %s, end states %s" % (
            {wish: len(run.failed_hostings()) for wish, run in runs.items()},
            {wish: run.hostings_changed() for wish, run in runs.items()}, dict(collections.Counter(states.values()))))
        assert set(states.values()) <= {"ok", "ko"}, states
        # Each run asks at most once per hosting.
        assert max(applied_actions(sim.admin("GET", "/_sim/requests")).values()) <= 2
        ledger = assert_ledger_holds(sim)
        for name in names:  # a hosting that ends sending has sent its queue; one blocked may have, or not
            counts = ledger["hostings"][name]
            assert counts["queued"] == 0 if states[name] == "ok" else counts["queued"] in (0, QUEUED), (name, counts)


def test_a_request_meeting_one_pending_waits_for_it(tmp_path):
    """Another client's BLOCK is pending: block.yml's own BLOCK meets a 409, waits for that request to take
    effect, and succeeds without sending it twice."""
    with running_simulator(action_delay=3) as sim:
        name = "shop-1.cluster021.hosting.ovh.net"
        sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok"})
        sim.client().post("/hosting/web/%s/email/request" % name, action="BLOCK")  # another client, pending 3 s
        ansible = Ansible(tmp_path, dict(sim.credentials, endpoint=sim.url))
        run = ansible.playbook(PLAYBOOKS / "block.yml", extra_vars={"hostings": name})
        assert run.rc == 0, run
        assert_no_traceback(run.output)
        assert sim.admin("GET", "/_sim/hostings/%s" % name)["state"] == "ko"
        assert applied_actions(sim.admin("GET", "/_sim/requests")) == {name: 1}
