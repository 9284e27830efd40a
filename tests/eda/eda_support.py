# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook running a rulebook of extensions/eda/ against a simulator, and the events it printed."""

from __future__ import annotations

import ast
import re
import subprocess
import time
from pathlib import Path

import yaml

from support.collection import REPO
from support.playbooks import BIN, Ansible

RULEBOOKS = REPO / "extensions" / "eda" / "rulebooks"


def events_printed(output: str) -> list:
    """The email_event of every event ansible-rulebook printed: --print-events shows each as a pretty-printed
    Python dict between an ``Event:`` line and a line of stars."""
    found = []
    for block in re.findall(r"^Event:\n(.*?)^\*{20,}$", output, re.MULTILINE | re.DOTALL):
        try:
            event = ast.literal_eval(block.strip())
        except (ValueError, SyntaxError):
            continue  # a Shutdown(...) notice, not an event
        if isinstance(event, dict) and "email_event" in event:
            found.append(event["email_event"])
    return found


class Rulebook:
    """``ansible-rulebook -r <rulebook>`` in the background, with the simulator's credentials."""

    def __init__(self, workdir: Path, credentials: dict, endpoint: str, rulebook: str, variables: dict):
        self.workdir = Path(workdir)
        self.runner = Ansible(self.workdir, dict(credentials, endpoint=endpoint))
        inventory = self.workdir / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": str(BIN / "python")}}}}))
        (self.workdir / "vars.yml").write_text(yaml.safe_dump(variables))
        self.log = self.workdir / "rulebook.log"
        self.command = [str(BIN / "ansible-rulebook"), "-i", str(inventory), "-r", str(RULEBOOKS / rulebook),
                        "-e", str(self.workdir / "vars.yml"), "--print-events", "--shutdown-delay", "5"]
        self.process = None

    def start(self):
        (self.workdir / "ansible-tmp").mkdir(exist_ok=True)
        # cwd: the collection's root, where the rulebook's notify playbook path resolves
        with open(self.log, "w", encoding="utf-8") as out:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                self.command, cwd=REPO, env=self.runner.env(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, text=True)
        return self

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def events(self) -> list:
        return events_printed(self.output())

    def wait_for(self, predicate, timeout: float, what: str, step: float = 0.25):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"ansible-rulebook exited {self.process.returncode} waiting for {what}:\n"
                                     + self.output()[-6000:])
            time.sleep(step)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}:\n" + self.output()[-6000:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def posts(log: list) -> list:
    """(method, service name) of every write call in the simulator's request log."""
    writes = []
    for entry in log:
        method, path = entry.get("method"), entry.get("path", "")
        match = re.match(r"^(?:/1\.0)?/hosting/web/([^/]+)/", path)
        if method in ("POST", "PUT", "DELETE") and match:
            writes.append((method, match.group(1), path))
    return writes
