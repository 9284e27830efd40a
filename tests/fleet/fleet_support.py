# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the fleet tests: a seeded simulator, its request log, and the Ansible commands run against it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from support.playbooks import BIN, Ansible


class Fleet:
    """A seeded simulator plus the commands that run against it."""

    def __init__(self, sim, workdir: Path):
        self.sim = sim
        self.workdir = workdir
        self.names: list[str] = []

    def seed(self, count: int, profile: str = "mixed", seed: int = 7) -> list[str]:
        self.sim.admin("POST", "/_sim/reset")
        seeded = self.sim.admin("POST", "/_sim/seed", {"fleet": count, "profile": profile, "seed": seed})
        self.names = sorted(seeded["service_names"])
        return self.names

    def states(self) -> dict:
        """The e-mail state of every hosting, as the API itself answers it."""
        client = self.sim.client()
        return {name: client.get("/hosting/web/%s/email" % name)["state"] for name in self.names}

    def log(self) -> list:
        return self.sim.admin("GET", "/_sim/requests")

    def log_mark(self) -> int:
        """A position in the request log: ``since(mark)`` gives what came after."""
        # the highest query id, not the last entry: entries are logged as answers complete, out of order
        return max(map(_query_number, self.log()), default=0)

    def since(self, mark: int) -> list:
        return [entry for entry in self.log() if _query_number(entry) > mark]

    def env(self, **extra) -> dict:
        """The shared runner's environment (tests/support/playbooks.py), with the inventory plugin enabled."""
        runner = Ansible(self.workdir, dict(self.sim.credentials, endpoint=self.sim.url))
        return runner.env(**dict({"ANSIBLE_INVENTORY_ENABLED": "mailops.ovh_hosting.hostings"}, **extra))

    def config(self, name: str = "fleet.ovh_hostings.yml", **options) -> Path:
        path = self.workdir / name
        path.write_text(yaml.safe_dump(dict({"plugin": "mailops.ovh_hosting.hostings"}, **options)))
        return path

    def run(self, *args, env=None, check=True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(BIN / args[0])] + [str(a) for a in args[1:]], cwd=self.workdir,
                              env=env or self.env(), capture_output=True, text=True, check=False, timeout=300)
        if check:
            assert done.returncode == 0, "%s failed:\n%s\n%s" % (args, done.stdout, done.stderr)
        return done

    def inventory(self, source, *args, env=None) -> dict:
        return _plain(json.loads(self.run("ansible-inventory", "-i", source, "--list", *args, env=env).stdout))


def _plain(data):
    """ansible-inventory marks values from inventory plugins as untrusted: {"__ansible_unsafe": value}."""
    if isinstance(data, dict):
        if list(data) == ["__ansible_unsafe"]:
            return data["__ansible_unsafe"]
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(value) for value in data]
    return data


def _query_number(entry) -> int:
    return int(entry["query_id"].rsplit(".", 1)[1])


def signed(entries) -> list:
    """The calls made with a consumer key (the unsigned /auth/time is one per client process)."""
    return [entry for entry in entries if entry["path"] != "/auth/time"]
