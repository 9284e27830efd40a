# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo's script, demo/run.sh, on the fleet the Makefile seeds (40 hostings, mixed, seed 7): the guard blocks
the abused hosting, the report is written where it says, with the summary it prints."""

from __future__ import annotations

import json
import re
import subprocess

from ovhsim.testing import running_simulator
from support.collection import REPO
from support.playbooks import Ansible
from support.sim_checks import assert_no_traceback, clear_of_hour_boundary


def demo_env(sim, workdir):
    """The shared runner's environment (tests/support/playbooks.py) with the simulator's credentials, plus what
    tests/utils/with_simulator.sh exports for make demo. Forks at ansible's default, as make demo runs."""
    runner = Ansible(workdir, dict(sim.credentials, endpoint=sim.url), forks=5)
    return runner.env(DEMO_REPORT_DIR=str(workdir / "report"), OVHSIM_URL=sim.admin_url)


def test_the_demo_blocks_the_abused_hosting_and_writes_the_report(tmp_path):
    with running_simulator(fleet=40, profile="mixed", seed=7, action_delay=1) as sim:
        clear_of_hour_boundary(sim)  # its guard weighs the mails sent today
        completed = subprocess.run([str(REPO / "demo" / "run.sh")], cwd=tmp_path, env=demo_env(sim, tmp_path),
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
                                   check=False)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, output[-6000:]
        assert_no_traceback(output)

        abused = re.search(r"abused contact form on (\S+): 40 mails sent, 4 bounced", output).group(1)
        assert re.search(r"%s: guard: \d+ bounces today for \d+ mails sent today \([\d.]+%%, over 5\.0%%\): "
                         r"blocked; state: ok -> ko by BLOCK" % re.escape(abused), output), output[-6000:]
        assert sim.admin("GET", "/_sim/hostings/%s" % abused)["state"] == "ko"

        report_dir = tmp_path / "report"
        assert "==== Report: %s/index.html" % report_dir in output
        assert {path.name for path in report_dir.iterdir()} >= {"index.html", "report.md", "report.json", "junit.xml"}
        report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
        assert [entry["state"] for entry in report["hostings"] if entry["service_name"] == abused] == ["ko"]
        totals = report["totals"]
        assert "%d hostings: %d sending" % (totals["hostings"], totals["sending"]) in output
        assert totals["hostings"] == 40
