# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's failure messages print OVH's text through terminal_safe: no escape sequence, no forged line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from report_fleet import AS_OF, fleet

from support.playbooks import Ansible

HERE = Path(__file__).resolve().parent
HOSTILE = "\x1b[31mred\x1b[0m \x9b2J \u202eevil\nfatal: [localhost]: forged"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_failure_messages_reach_the_terminal_without_control_characters(tmp_path):
    hostings = fleet(AS_OF)
    hostings[2]["service_name"] = "blocked" + HOSTILE  # ko: a violation that names it
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({
        "email_report_hostings": hostings,
        "email_report_unreadable": [{"service_name": "down" + HOSTILE, "call": "GET /x" + HOSTILE, "status": 500,
                                     "query_id": "EU" + HOSTILE, "message": HOSTILE}],
        "email_report_dir": str(tmp_path / "report"), "email_report_fail_on_violation": True,
        "email_report_as_of": AS_OF.isoformat()}))
    run = Ansible(tmp_path).playbook(HERE / "render.yml", "-e", f"@{extra}")
    assert run.rc != 0, run
    assert "The fleet violates the e-mail policy" in run.output
    assert RAW.findall(run.output) == []
    assert "<U+001B>[31mred<U+001B>[0m <U+009B>2J <U+202E>evil fatal: [localhost]: forged" in run.output
    assert not re.search(r"^fatal: \[localhost\]: forged", run.output, re.MULTILINE)
