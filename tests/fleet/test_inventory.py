# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostings inventory plugin through ansible-inventory, against the simulator."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

from fleet_support import signed
from support.collection import REPO

DEMO = REPO / "playbooks" / "inventory" / "demo.ovh_hostings.yml"


def children(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def test_demo_graph_groups_every_hosting_by_its_state(fleet):
    names = fleet.seed(30)
    states = fleet.states()
    mark = fleet.log_mark()

    graph = fleet.run("ansible-inventory", "-i", DEMO, "--graph").stdout

    for state in set(states.values()):
        assert "@email_%s:" % state in graph
    assert "@email_sending:" in graph and "@email_stopped:" in graph
    for name in names:
        assert "|--%s" % name in graph
    calls = collections.Counter((entry["method"], entry["path"]) for entry in signed(fleet.since(mark)))
    assert calls[("GET", "/hosting/web")] == 1
    assert sum(calls.values()) == 1 + len(names)  # one listing, one GET .../email per hosting


def test_hosts_groups_and_hostvars_match_the_api(fleet):
    names = fleet.seed(24)
    states = fleet.states()

    listing = fleet.inventory(fleet.config(concurrency=6))

    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == names
    for name in names:
        assert hostvars[name]["ansible_connection"] == "local"
        # the Python that ran ansible-inventory (this venv's), which has the ovh client
        assert Path(hostvars[name]["ansible_python_interpreter"]).parent == Path(sys.executable).parent
        assert hostvars[name]["ovh_service_name"] == name
        assert hostvars[name]["ovh_email"]["service_name"] == name
        assert hostvars[name]["ovh_email"]["state"] == states[name]
        assert hostvars[name]["ovh_email"]["sending"] is (states[name] in ("ok", "force"))
    interpreter = hostvars[names[0]]["ansible_python_interpreter"]
    subprocess.run([interpreter, "-c", "import ovh"], check=True)
    for state in set(states.values()):
        assert children(listing, "email_%s" % state) == sorted(n for n in names if states[n] == state)
    assert children(listing, "email_sending") == sorted(n for n in names if states[n] in ("ok", "force"))
    assert children(listing, "email_stopped") == sorted(n for n in names if states[n] not in ("ok", "force"))


def test_pattern_and_without_email(fleet):
    names = fleet.seed(12)
    wanted = sorted(name for name in names if ".cluster0" in name)
    assert wanted and len(wanted) < len(names), "the seeded fleet should mix clusters"
    mark = fleet.log_mark()

    listing = fleet.inventory(fleet.config(pattern="*.cluster0*", with_email=False))

    assert sorted(listing["_meta"]["hostvars"]) == wanted
    assert [(e["method"], e["path"]) for e in signed(fleet.since(mark))] == [("GET", "/hosting/web")]
    assert not [group for group in listing if group.startswith("email_")]


def test_a_cache_hit_makes_no_call_and_stores_no_secret(fleet):
    fleet.seed(10)
    cache_dir = fleet.workdir / "cache"
    source = fleet.config(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                          cache_timeout=600)
    first = fleet.inventory(source)
    mark = fleet.log_mark()

    second = fleet.inventory(source)

    assert fleet.since(mark) == []
    assert second == first
    stored = "".join(path.read_text() for path in cache_dir.iterdir())
    for secret in fleet.sim.credentials.values():
        if secret != fleet.sim.url:
            assert secret not in stored
            assert secret not in str(first)

    fleet.inventory(source, "--flush-cache")
    assert len(signed(fleet.since(mark))) == 1 + 10


def test_constructed_groups_keyed_groups_and_compose(fleet):
    names = fleet.seed(16)
    source = fleet.config(
        compose={"ovh_quota_left": "ovh_email.max_per_day - ovh_email.sent_today"},
        groups={"bouncing": "ovh_email.bounced_total > 100"},
        keyed_groups=[{"key": "ovh_email.state", "prefix": "state"}],
    )
    listing = fleet.inventory(source)

    hostvars = listing["_meta"]["hostvars"]
    for name in names:
        email = hostvars[name]["ovh_email"]
        assert hostvars[name]["ovh_quota_left"] == email["max_per_day"] - email["sent_today"]
    assert children(listing, "bouncing") == sorted(n for n in names if hostvars[n]["ovh_email"]["bounced_total"] > 100)
    assert children(listing, "state_ok") == children(listing, "email_ok")


def test_with_details_each_hosting_says_how_its_files_are_reached_by_its_plan(fleet):
    """SSH for the Professional and Performance plans, FTP (with TLS) for the others, though the simulator lists an
    SSH address for every offer; group names as configured; no password in the listing or the cache."""
    names = fleet.seed(30)
    offers = {record["service_name"]: record["offer"] for record in fleet.sim.admin("GET", "/_sim/hostings")}
    assert {"PRO", "PERFORMANCE_1"} & set(offers.values()) and {"START", "PERSO"} & set(offers.values()), offers
    cache_dir = fleet.workdir / "cache"
    source = fleet.config(with_details=True, site_ftp_group="ftps_sites", cache=True,
                          cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir))

    listing = fleet.inventory(source)

    with_ssh = sorted(name for name in names if offers[name] in ("PRO", "PERFORMANCE_1"))
    assert children(listing, "site_ssh") == with_ssh
    assert children(listing, "ftps_sites") == sorted(set(names) - set(with_ssh))
    assert "site_ftp" not in listing
    client = fleet.sim.client()
    for name in names:
        service = client.get("/hosting/web/%s" % name)
        site = listing["_meta"]["hostvars"][name]["ovh_hosting"]["site"]
        way = "ssh" if name in with_ssh else "ftp"
        address = service["serviceManagementAccess"][way]
        assert site["access"] == way and (site["host"], site["port"]) == (address["url"], address["port"])
        assert site["user"] == service["primaryLogin"] and site["home"] == service["home"]
        assert site["url"] == "http://%s/" % service["defaultAttachedDomain"]
        assert (site["ssh"] is None) is (way == "ftp")
    stored = "".join(path.read_text() for path in cache_dir.iterdir())
    assert "password" not in stored.lower() and "password" not in str(listing).lower()
