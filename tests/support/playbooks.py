# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook with the collection on its path, a clean environment and given OVH credentials; the outcome
of a run (return code, output, PLAY RECAP)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from support.collection import REPO, collections_root

PLAYBOOKS = REPO / "playbooks"
BIN = Path(sys.executable).parent


class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, command: list, returncode: int, stdout: str, stderr: str):
        self.command = command
        self.rc = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.output = stdout + stderr

    def recap(self) -> dict:
        """PLAY RECAP counters per host: {host: {ok, changed, failed, ...}}."""
        counts = {}
        for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", self.output, re.MULTILINE):
            counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
        return counts

    def changed(self) -> int:
        """Tasks changed, over all hosts (a role acting on a whole fleet in one task counts once)."""
        return sum(host["changed"] for host in self.recap().values())

    def hostings_changed(self) -> int:
        """Hostings changed (or that would change), as the email_policy role's summary counts them; -1 without it."""
        counts = re.findall(r"(\d+) of \d+\s+hosting\(s\) (?:would change|changed);", self.output)
        return int(counts[-1]) if counts else -1

    def policy_lines(self) -> dict:
        """What the email_policy role said of each hosting: {service name: "why" sentences}."""
        return dict(re.findall(r'^\s+"([A-Za-z0-9.-]+): (.*?)",?$', self.output, re.MULTILINE))

    def failed_hostings(self) -> set:
        """Hostings the email_policy role names as failed."""
        return {name for name, why in self.policy_lines().items() if re.search(r"(^|; )failed: ", why)}

    def failed_hosts(self) -> set:
        """Hosts the recap counts as failed or unreachable."""
        return {host for host, counts in self.recap().items() if counts.get("failed") or counts.get("unreachable")}

    def __repr__(self):
        return f"PlaybookRun(rc={self.rc})\n{self.output[-6000:]}"


class Ansible:
    """Runs ansible-playbook in ``workdir`` with the collection on its path and the OVH credentials given."""

    def __init__(self, workdir: Path, credentials: dict | None = None, forks: int = 8):
        self.workdir = Path(workdir)
        self.credentials = credentials
        self.forks = forks

    def env(self, **extra) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("OVH_", "ANSIBLE_"))}
        env.update({
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": collections_root(),
            "ANSIBLE_HOME": str(self.workdir / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_FORKS": str(self.forks),
        })
        if self.credentials:
            env.update({
                "OVH_ENDPOINT": self.credentials["endpoint"],
                "OVH_APPLICATION_KEY": self.credentials["application_key"],
                "OVH_APPLICATION_SECRET": self.credentials["application_secret"],
                "OVH_CONSUMER_KEY": self.credentials["consumer_key"],
            })
        env.update(extra)
        return env

    def command(self, playbook, *args: str, extra_vars: dict | None = None) -> list:
        command = [str(BIN / "ansible-playbook"), str(playbook), *map(str, args)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        return command

    def playbook(self, playbook, *args: str, extra_vars: dict | None = None, env: dict | None = None,
                 stdin=subprocess.DEVNULL, timeout: float = 240) -> PlaybookRun:
        command = self.command(playbook, *args, extra_vars=extra_vars)
        completed = subprocess.run(command, cwd=self.workdir, env=self.env(**(env or {})), stdin=stdin,
                                   capture_output=True, text=True, timeout=timeout, check=False)
        return PlaybookRun(command, completed.returncode, completed.stdout, completed.stderr)

    def start(self, playbook, *args: str, extra_vars: dict | None = None, env: dict | None = None):
        """Start a run in the background; ``finish(process)`` waits for it and returns the PlaybookRun."""
        command = self.command(playbook, *args, extra_vars=extra_vars)
        process = subprocess.Popen(command, cwd=self.workdir, env=self.env(**(env or {})), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.command = command
        return process

    @staticmethod
    def finish(process, timeout: float = 240) -> PlaybookRun:
        stdout, stderr = process.communicate(timeout=timeout)
        return PlaybookRun(process.command, process.returncode, stdout, stderr)
