# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plays against the simulator: over the plugin's hosts (not the implicit localhost), and the call count of a
fleet read in one task."""

from __future__ import annotations

import collections
import re

import yaml
from fleet_support import signed

PER_HOST_PLAY = [{
    "name": "Read each stopped hosting from its own host",
    "hosts": "email_stopped",
    "gather_facts": False,
    "tasks": [
        {"name": "Read this hosting", "mailops.ovh_hosting.email_info": {"service_name": "{{ ovh_service_name }}"},
         "register": "read"},
        {"name": "The module saw what the inventory saw", "ansible.builtin.assert": {"that": [
            "read.hostings | length == 1",
            "read.hostings[0].service_name == inventory_hostname",
            "read.hostings[0].state == ovh_email.state",
            "read.hostings[0].sending == ovh_email.sending",
        ]}},
    ],
}]


def fleet_read_play(**options):
    return [{
        "name": "Read the whole fleet in one task",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "Read every hosting", "mailops.ovh_hosting.email_info": dict({"concurrency": 8}, **options),
             "register": "fleet"},
            {"name": "Keep the answer", "ansible.builtin.copy": {
                "content": "{{ fleet.hostings | to_json }}", "dest": "{{ playbook_dir }}/fleet.json", "mode": "0600"}},
        ],
    }]


def recap(output):
    return {match[0]: dict(re.findall(r"(\w+)=(\d+)", match[1]))
            for match in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.M)}


def test_a_play_over_plugin_hosts_runs_email_info_per_host(fleet):
    names = fleet.seed(14)
    states = fleet.states()
    stopped = sorted(name for name in names if states[name] not in ("ok", "force"))
    assert stopped, "the seeded fleet should have hostings that do not send"
    source = fleet.config(cache=True, cache_plugin="ansible.builtin.jsonfile",
                          cache_connection=str(fleet.workdir / "cache"))
    fleet.inventory(source)  # fills the cache: the play below reads only what its tasks read
    playbook = fleet.workdir / "per_host.yml"
    playbook.write_text(yaml.safe_dump(PER_HOST_PLAY, sort_keys=False))
    mark = fleet.log_mark()

    done = fleet.run("ansible-playbook", "-i", source, playbook, "--forks", "5")

    results = recap(done.stdout)
    assert sorted(results) == stopped
    for name in stopped:
        assert results[name]["ok"] == "2" and results[name]["failed"] == "0", done.stdout
    calls = collections.Counter(entry["path"] for entry in signed(fleet.since(mark)))
    assert calls == collections.Counter("/hosting/web/%s/email" % name for name in stopped)


def test_a_fleet_read_in_one_task_makes_n_plus_one_calls(fleet):
    names = fleet.seed(25)
    playbook = fleet.workdir / "fleet.yml"
    playbook.write_text(yaml.safe_dump(fleet_read_play(), sort_keys=False))
    mark = fleet.log_mark()

    fleet.run("ansible-playbook", "-i", "localhost,", "-c", "local", playbook)

    entries = fleet.since(mark)
    assert len(signed(entries)) == len(names) + 1
    assert [entry["path"] for entry in entries].count("/auth/time") == 1  # one per process, shared by threads
    read = yaml.safe_load((fleet.workdir / "fleet.json").read_text())
    assert sorted(hosting["service_name"] for hosting in read) == names


def test_bounces_and_volumes_cost_one_call_each_per_hosting(fleet):
    names = fleet.seed(10)
    playbook = fleet.workdir / "fleet.yml"
    playbook.write_text(yaml.safe_dump(fleet_read_play(bounces=5, volumes=True), sort_keys=False))
    mark = fleet.log_mark()

    fleet.run("ansible-playbook", "-i", "localhost,", "-c", "local", playbook)

    calls = collections.Counter(re.sub(r"/hosting/web/[^/]+", "/hosting/web/*", entry["path"])
                                for entry in signed(fleet.since(mark)))
    assert calls == {"/hosting/web": 1, "/hosting/web/*/email": len(names), "/hosting/web/*/email/bounces": len(names),
                     "/hosting/web/*/email/volumes": len(names)}
