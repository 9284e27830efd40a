# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service names that could reach another API path (``/``, ``..``, ``?``, ``#``, spaces, non-ASCII, encoded
forms, control characters) are refused before any request: the simulator's request log stays empty, through the
client, through each module, and through a playbook."""

from __future__ import annotations

import pytest
from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import assert_no_traceback

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError

REAL = "shop-1.cluster021.hosting.ovh.net"
HOSTILE = [
    "shop-1.cluster021.hosting.ovh.net/email",
    "../../auth/currentCredential",
    "shop-1.cluster021.hosting.ovh.net/../blog-2.cluster022.hosting.ovh.net",
    "..",
    "shop-1..hosting.ovh.net",
    "shop-1.cluster021.hosting.ovh.net?limit=100",
    "shop-1.cluster021.hosting.ovh.net#fragment",
    "shop 1.cluster021.hosting.ovh.net",
    " shop-1.cluster021.hosting.ovh.net",
    "shöp.cluster021.hosting.ovh.net",
    "shop-1.cluster021.hosting.ovh.net\u2044email",  # fraction slash, looks like "/"
    "%2e%2e%2fauth",
    "shop-1.cluster021.hosting.ovh.net%2Femail",
    "shop-1.cluster021.hosting.ovh.net\r\nX-Injected: 1",
    "shop-1.cluster021.hosting.ovh.net\x00",
    "shop-1.cluster021.hosting.ovh.net\n",  # a regex "$" matches before it
    "SHOP-1.CLUSTER021.HOSTING.OVH.NET",
    "",
    "a" * 300,
]


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(action_delay=0) as sim:
        sim.admin("POST", "/_sim/hostings", {"service_name": REAL})
        yield sim


def requests_after(sim, action):
    before = len(sim.admin("GET", "/_sim/requests"))
    action()
    return sim.admin("GET", "/_sim/requests")[before:]


def test_the_simulator_logs_what_reaches_it(simulator):
    """The control: a valid name does reach the simulator, so an empty log below means nothing was sent."""
    api = HostingApi(**dict(simulator.credentials, endpoint=simulator.url))
    log = requests_after(simulator, lambda: api.get_email(REAL))
    assert [(entry["method"], entry["path"]) for entry in log if entry["path"] != "/auth/time"] == [
        ("GET", "/hosting/web/%s/email" % REAL)]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_the_client_sends_nothing_for_a_hostile_name(simulator, name):
    api = HostingApi(**dict(simulator.credentials, endpoint=simulator.url))
    calls = [lambda: api.get_email(name), lambda: api.get_hosting(name), lambda: api.get_volumes(name),
             lambda: api.get_bounces(name, 10), lambda: api.set_report_recipient(name, "ops@example.com"),
             lambda: api.request_action(name, "BLOCK")]
    for call in calls:
        def refused():
            with pytest.raises(HostingApiError, match="hosting service name"):
                call()
        assert requests_after(simulator, refused) == []


def test_playbooks_send_nothing_for_hostile_names(simulator, tmp_path):
    ansible = Ansible(tmp_path, dict(simulator.credentials, endpoint=simulator.url))
    # Control characters cannot pass through -e, and the playbooks trim spaces around names (a trimmed name is
    # the real hosting's); the client test above covers those.
    names = [name for name in HOSTILE if name.isprintable() and name and name == name.strip()]
    before = len(simulator.admin("GET", "/_sim/requests"))
    runs = [
        ansible.playbook(PLAYBOOKS / "report.yml", extra_vars={"hostings": names,
                                                               "email_report_dir": str(tmp_path / "report")}),
        ansible.playbook(PLAYBOOKS / "block.yml", extra_vars={"hostings": names}),
        ansible.playbook(PLAYBOOKS / "enforce.yml", extra_vars={
            "hostings": names, "email_policy_state": "blocked", "email_policy_report_recipient": "ops@example.com"}),
    ]
    for run in runs:
        assert run.rc != 0, run
        assert_no_traceback(run.output)
        assert "is not a hosting service name" in run.output, run
    log = simulator.admin("GET", "/_sim/requests")[before:]
    assert [(entry["method"], entry["path"]) for entry in log if entry["path"] != "/auth/time"] == []
    assert simulator.admin("GET", "/_sim/hostings/%s" % REAL)["state"] == "ok"
