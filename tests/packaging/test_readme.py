# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README as a new user follows it, its commands read from README.md itself so that the two cannot drift.

One bash session, as in one terminal: a HOME of its own (so ~/.venvs, ~/.ansible/collections and the inventory
cache start empty), no OVH_*, ANSIBLE_*, OVHSIM_* or PYTHON* variable, a PATH with only the system and the
Python interpreter, nothing of the checkout's .venv. "Installing" runs in a copy of the checkout (the files git
would commit), everything else in an empty folder outside it.

The only changes to the README's commands: the simulator's port 8080 and PHP's port 8000 become free ports
(OVHSIM_URL names the first, as `ovhsim`'s own default would), the `mail_scripts_audit` example's site folder is a
fixture site, and the module examples run as the tasks of a play on one host of the example inventory.
"""
from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
SHOP = "shop-42.cluster021.hosting.ovh.net"
AUDITED_SITE = "/home/shop/www"  # the mail_scripts_audit example's path


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def blocks(title: str, language: str) -> list[str]:
    found = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", section(title), re.MULTILINE | re.DOTALL)
             if lang == language]
    assert found, f"README.md's '{title}' has no ```{language} block"
    return found


def commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment lines left out."""
    return [command for command in re.sub(r"\\\n", " ", block).splitlines()
            if command.strip() and not command.lstrip().startswith("#")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Shell:
    """One bash process fed command by command: `cd`, `. activate`, `eval` and `&` last as in a terminal."""

    def __init__(self, cwd: Path, env: dict, ports: dict):
        self.ports = ports
        self.marker = "__rc_" + secrets.token_hex(8)
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            ["bash", "--noprofile", "--norc"], cwd=cwd, env=env, text=True, start_new_session=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, command: str, timeout: float = 300) -> tuple[int, str]:
        for readme_port, port in self.ports.items():
            command = re.sub(rf"\b{readme_port}\b", str(port), command)
        # Braces keep the current shell (exports, activate, jobs); /dev/null keeps the next commands from
        # being read as the input of this one.
        self.process.stdin.write(f"{{ {command}\n}} </dev/null\nprintf '\\n{self.marker} %d\\n' $?\n")
        self.process.stdin.flush()
        output = []
        started = time.monotonic()
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"`{command}` still running after {timeout} s:\n{''.join(output)[-4000:]}")
            if line is None:
                pytest.fail(f"the shell ended during `{command}`:\n{''.join(output)[-4000:]}")
            if line.startswith(self.marker):
                # Each command and its time, in the captured output pytest shows with a failure.
                print(f"{time.monotonic() - started:6.1f} s  {command}")
                return int(line.split()[1]), "".join(output)
            output.append(line)

    def ok(self, command: str, timeout: float = 300) -> str:
        rc, output = self.run(command, timeout)
        assert rc == 0, f"`{command}` exited {rc}:\n{output[-6000:]}"
        return output

    def value(self, expression: str) -> str:
        return self.ok(f'printf "%s" {expression}').strip()

    def close(self):
        """End the session's process group: the shell, and what the README started in the background (the
        simulator, php -S)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.process.wait(30)


@pytest.fixture
def shell(tmp_path):
    """A new user's terminal, and a copy of the checkout to install from."""
    checkout = tmp_path / "checkout"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OVH_", "ANSIBLE_", "OVHSIM_", "PYTHON", "VIRTUAL_ENV", "XDG_"))}
    # The interpreter running the tests, outside its virtualenv: the README's `python3`.
    python_bin = Path(getattr(sys, "_base_executable", sys.executable)).parent
    ports = {8080: free_port(), 8000: free_port()}
    env.update(HOME=str(home), PATH=f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
               OVHSIM_URL=f"http://127.0.0.1:{ports[8080]}",
               # The user's pip cache, so that a fresh venv costs seconds, not downloads.
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")))
    session = Shell(checkout, env, ports)
    session.checkout, session.home, session.user = checkout, home, tmp_path / "user"
    yield session
    session.close()
    shutil.rmtree(home / ".venvs", ignore_errors=True)  # 100 MB a run; pytest keeps the last three tmp_paths


def playbook(command: str) -> str | None:
    """NAME for `ansible-playbook ... mailops.ovh_hosting.NAME ...`."""
    match = re.search(r"^ansible-playbook\b.*?\bmailops\.ovh_hosting\.(\w+)", command)
    return match.group(1) if match else None


def test_readme_install_path_and_examples(shell):
    # Installing: a venv with what the README installs, the tarball and the wheel that `make dist` builds.
    for command in commands(blocks("Installing", "sh")[0]):
        shell.ok(command)
    venv_bin = shell.value('"$VIRTUAL_ENV/bin"')
    assert venv_bin.startswith(str(shell.home))
    for tool in ("ansible-playbook", "ansible-galaxy", "ovhsim"):
        assert shell.value(f'"$(type -P {tool})"') == f"{venv_bin}/{tool}", tool
    wheel = next((shell.checkout / "dist").glob("ovhsim-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    shipped = {path.relative_to(shell.checkout / "simulator").as_posix()
               for path in (shell.checkout / "simulator" / "ovhsim").rglob("*") if path.is_file()}
    assert shipped <= packaged, f"the wheel lacks {sorted(shipped - packaged)}"
    assert not any(name.startswith("tests/") for name in packaged)

    # Against the simulator, from an empty folder outside the checkout.
    shell.user.mkdir()
    shell.ok(f"cd {shell.user}")
    simulator = commands(blocks("Against the simulator", "sh")[0])
    assert not any("playbooks/" in command for command in simulator), "the README runs a playbook by path"
    for command in simulator:
        output = shell.ok(command)
    fleet = sum(int(n) for n in re.findall(r"^ovhsim serve .*--fleet (\d+)", "\n".join(simulator), re.MULTILINE))
    fleet += sum(command.startswith("ovhsim hosting ") for command in simulator)
    assert "failed=0" in output and (shell.user / "report" / "index.html").is_file()
    secret = shell.value('"$OVH_APPLICATION_SECRET"')
    assert len(secret) >= 16

    # The playbooks, each as the README writes it, in its order.
    ran = []
    for command in commands(blocks("Playbooks", "sh")[0]):
        name = playbook(command)
        ran.append(name or command.split()[0])
        if name == "ci_check":
            # A gate on a seeded fleet with blocked and spam hostings: it fails, naming them, after writing junit.xml.
            rc, output = shell.run(command)
            assert rc == 2 and "The fleet violates the e-mail policy" in output, output[-4000:]
            junit = ET.parse(shell.user / "report" / "junit.xml").getroot()
            assert int(junit.get("tests")) == fleet and int(junit.get("failures")) > 0
        elif name == "diagnose":
            # The README's word on ANSIBLE_DEBUG=1: secrets from the environment stay out of even the debug log.
            output = shell.ok("ANSIBLE_DEBUG=1 " + command)
            assert f"{SHOP}: ok (Enabled): sends" in output
            assert re.search(r"^ *\d+ \d+\.\d+: ", output, re.MULTILINE), "no debug log"
            assert secret not in output and shell.value('"$OVH_CONSUMER_KEY"') not in output
        else:
            output = shell.ok(command)
        if name == "block":
            assert f"{SHOP}: state: ok -> ko by BLOCK (wanted blocked)" in output and '+    "state": "ko"' in output
            assert json.loads(shell.ok(f"ovhsim hosting {SHOP} --show"))["state"] == "ok", "--check changed it"
        elif name == "enforce":
            assert f"{fleet} of {fleet} hosting(s) changed" in output
        elif name == "report":
            report = json.loads((shell.user / "report" / "report.json").read_text())
            assert "failed=0" in output and report["hostings"]
            assert all(entry["sending"] for entry in report["hostings"]), "--limit email_sending"
        elif name is None:
            assert command.startswith("cp ") and "/docs/examples/fleet.ovh_hostings.yml" in command
            assert (shell.user / "fleet.ovh_hostings.yml").read_text() == \
                (REPO / "docs" / "examples" / "fleet.ovh_hostings.yml").read_text()
    assert ran[0] == "cp" and set(ran) >= {"block", "enforce", "ci_check", "report", "diagnose"}, ran

    # The test mail through php -S and ovhsim sendmail.
    for command in commands(blocks("Against the simulator", "sh")[1]):
        output = shell.ok(command)
    assert "Test mail to you@example.org: counted (sentToday rose by 1)" in output, output[-4000:]
    assert not list((shell.user / "www").iterdir()), "the test script was left in the docroot"

    # The module examples, as the tasks of a play on one host of the example inventory.
    site = shell.user / "site"
    shutil.copytree(REPO / "tests" / "fixtures" / "docroots" / "contact_form", site)
    tasks = blocks("Examples", "yaml")[0]
    assert AUDITED_SITE in tasks
    (shell.user / "examples.yml").write_text(
        f"- name: The README's examples\n  hosts: {SHOP}\n  gather_facts: false\n  tasks:\n"
        + "".join(f"    {line}\n" if line else "\n" for line in tasks.replace(AUDITED_SITE, str(site)).splitlines()))
    output = shell.ok("ansible-playbook -i fleet.ovh_hostings.yml examples.yml")
    assert re.search(rf"^{re.escape(SHOP)}\s+: ok=6\s+changed=2\s+unreachable=0\s+failed=0", output, re.MULTILINE), \
        output[-4000:]
    shop_42, shop_43 = (json.loads(shell.ok(f"ovhsim hosting {name} --show"))
                        for name in (SHOP, SHOP.replace("shop-42", "shop-43")))
    assert (shop_42["state"], shop_42["email"]) == ("ko", "mail-errors@example.com")
    assert (shop_43["state"], shop_43["email"]) == ("ko", "shop-team@example.com")
