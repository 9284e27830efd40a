# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator is killed in the middle of an enforce.yml run and started again on the same SQLite database:
the run recovers (its retries outlast the outage) or fails naming each hosting left undone; the next run
converges, nothing is lost, and no hosting gets an action applied twice (its tasks, kept in the database, say
so, while the request log starts afresh with each process)."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from ovhsim.testing import admin_call

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import applied_actions, assert_ledger_holds, assert_no_traceback, write_inventory

FLEET = 30
QUEUED = 3
CLIENT = {"ovh_timeout": 2, "ovh_retries": 6}


class Served:
    """``ovhsim serve`` in a process of its own, on a fixed port and database, that can be killed and restarted."""

    def __init__(self, db, port):
        self.db, self.port = db, port
        self.url = "http://127.0.0.1:%d" % port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ovhsim", "serve", "--port", str(self.port), "--db", str(self.db),
             "--action-delay", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        assert "listening on" in line, line + self.process.stdout.read()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def admin(self, method, path, body=None):
        return admin_call(self.url, method, path, body)


@pytest.fixture
def served(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Served(tmp_path / "ovhsim.db", port)
    server.start()
    yield server
    server.stop()


def test_a_restart_in_the_middle_of_a_run(served, tmp_path):
    to_block, to_unblock = [], []
    for index in range(FLEET):
        name = "shop-%d.cluster021.hosting.ovh.net" % index
        blocked = index % 2 == 0
        served.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ko" if blocked else "ok"})
        served.admin("POST", "/_sim/send", {"service_name": name, "count": QUEUED})
        (to_unblock if blocked else to_block).append(name)
    inventory = write_inventory(tmp_path / "fleet.yml", {
        "to_block": (to_block, {"email_policy_state": "blocked"}),
        "to_unblock": (to_unblock, {"email_policy_state": "unblocked"}),
    }, email_policy_report_recipient="ops@example.com")
    credentials = dict(served.admin("GET", "/_sim/credentials"), endpoint=served.url + "/1.0")
    ansible = Ansible(tmp_path, credentials)

    running = ansible.start(PLAYBOOKS / "enforce.yml", "-i", inventory, extra_vars=CLIENT)
    deadline = time.monotonic() + 120
    while sum(applied_actions(served.admin("GET", "/_sim/requests")).values()) < 6:
        assert running.poll() is None and time.monotonic() < deadline, "the run ended before the restart"
        time.sleep(0.2)
    before_kill = served.admin("GET", "/_sim/requests")
    served.kill()
    time.sleep(1.5)  # an outage the clients see as refused connections
    served.start()
    first = Ansible.finish(running)

    assert_no_traceback(first.output)
    left = first.failed_hostings()
    for host in left:
        assert re.search(r"hosting %s: .*failed \(no HTTP answer\): connection error" % re.escape(host),
                         first.policy_lines()[host]), first
    assert first.rc == 0 or left, first
    print("restart: %d requests before the kill, hostings left undone %d" % (len(before_kill), len(left)))
    assert len(before_kill) > 0 and served.admin("GET", "/_sim/requests") != before_kill

    second = ansible.playbook(PLAYBOOKS / "enforce.yml", "-i", inventory, extra_vars=CLIENT)
    assert second.rc == 0, second
    assert set(second.policy_lines()) <= left, second  # only the hostings left undone had anything to do
    if left:
        second = ansible.playbook(PLAYBOOKS / "enforce.yml", "-i", inventory, extra_vars=CLIENT)
    assert second.rc == 0 and second.hostings_changed() == 0, second

    for name in to_block + to_unblock:
        record = served.admin("GET", "/_sim/hostings/%s" % name)
        assert record["state"] == ("ko" if name in to_block else "ok"), record
        assert record["email"] == "ops@example.com"
        assert record["tasks"] == 1, record  # one request applied, across both server processes
    ledger = assert_ledger_holds(served)
    for name in to_unblock:
        assert ledger["hostings"][name]["delivered"] == QUEUED
