# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fixture site served by `php -S` with `sendmail_path` set to `ovhsim sendmail` for one simulated hosting, so a
script's mail() reaches that hosting's mail flow as on OVHcloud; and the diagnose playbook run against both."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from support.collection import REPO
from support.playbooks import PLAYBOOKS, Ansible

FIXTURES = REPO / "tests" / "fixtures" / "diagnose"
PHP = shutil.which("php")
OVHSIM = Path(sys.executable).with_name("ovhsim")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """tests/fixtures/diagnose/<fixture_name> copied to tmp_path/www and served on a free loopback port; its mail()
    goes to the hosting service_name (or sendmail_service, to break the path)."""

    def __init__(self, sim, tmp_path: Path, fixture_name: str, service_name: str, sendmail_service: str | None = None):
        self.sim = sim
        self.workdir = tmp_path
        self.service_name = service_name
        self.docroot = tmp_path / "www"
        shutil.copytree(FIXTURES / fixture_name, self.docroot)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        sendmail = f"{OVHSIM} sendmail --service {sendmail_service or service_name} --url {sim.admin_url} -t -i"
        self.log = (tmp_path / "php-server.log").open("w")
        self.server = subprocess.Popen(
            [PHP, "-S", f"127.0.0.1:{self.port}", "-t", str(self.docroot), "-d", "sendmail_path=" + sendmail],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"php -S did not listen on {self.port}")

    def post(self, path: str, body: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, response.read().decode()

    def files(self) -> set[str]:
        return {str(path.relative_to(self.docroot)) for path in self.docroot.rglob("*")}

    def test_scripts(self) -> set[str]:
        return {name for name in self.files() if name.startswith("mailops-test-")}

    def hosting(self) -> dict:
        return self.sim.admin("GET", f"/_sim/hostings/{self.service_name}")

    def diagnose(self, *args: str, **extra_vars):
        """Run playbooks/diagnose.yml on this site; returns (run, verdict read from the JSON file or None)."""
        verdict_file = self.workdir / "verdict.json"
        verdict_file.unlink(missing_ok=True)
        variables = {"hosting": self.service_name, "docroot": str(self.docroot), "site_url": self.url,
                     "verdict_file": str(verdict_file), "email_diagnose_test_send_poll": 1, **extra_vars}
        ansible = Ansible(self.workdir, dict(self.sim.credentials, endpoint=self.sim.url))
        run = ansible.playbook(PLAYBOOKS / "diagnose.yml", *args, extra_vars=variables)
        verdict = json.loads(verdict_file.read_text()) if verdict_file.exists() else None
        return run, verdict

    def stop(self):
        self.server.terminate()
        self.server.wait(timeout=10)
        self.log.close()
