# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a simulator proves after a scenario: its ledger, the actions its request log shows as applied, and an
inventory of the hostings it holds for ansible-playbook."""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path
from urllib.parse import unquote

import yaml

_REQUEST = re.compile(r"^/hosting/web/([^/]+)/email/request$")
# What an unexpected Python error looks like in ansible-playbook's output, at any verbosity.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "MODULE FAILURE",
                     "An exception occurred during task execution")


def applied_actions(log: list) -> collections.Counter:
    """Per hosting, how many POST .../email/request the simulator applied (answered 2xx or applied-then-5xx)."""
    counts = collections.Counter()
    for entry in log:
        found = _REQUEST.match(entry["path"])
        if entry["method"] == "POST" and found and entry["applied"]:
            counts[unquote(found.group(1))] += 1
    return counts


def faults_seen(log: list) -> collections.Counter:
    """How many requests got each injected fault (reset, 429, error, apply_then_fail)."""
    return collections.Counter(entry["fault"] for entry in log if entry.get("fault"))


def assert_ledger_holds(sim, purge_allowed=()):
    """Every mail accepted is delivered, queued, purged or expired; none purged except where a purge was wished,
    none expired (the scenarios never move the clock 72 h)."""
    ledger = sim.admin("GET", "/_sim/ledger")
    assert ledger["balanced"], ledger
    lost = {name: counts for name, counts in ledger["hostings"].items()
            if counts["accepted"] != counts["delivered"] + counts["queued"] + counts["purged"] + counts["expired"]
            or counts["expired"] or (counts["purged"] and name not in purge_allowed)}
    assert not lost, "mails lost: %s" % lost
    return ledger


def assert_no_traceback(output: str):
    for marker in TRACEBACK_MARKERS:
        assert marker not in output, output[-6000:]


def write_inventory(path: Path, groups: dict, **common_vars) -> Path:
    """A YAML inventory: ``groups`` maps a group name to ``(service_names, group_vars)``; the hosts run their
    modules on the controller with this Python (which has ``ovh``)."""
    inventory = {"all": {
        "vars": dict({"ansible_connection": "local", "ansible_python_interpreter": sys.executable}, **common_vars),
        "children": {name: {"hosts": {host: None for host in hosts}, "vars": group_vars}
                     for name, (hosts, group_vars) in groups.items()},
    }}
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def clear_of_hour_boundary(sim, margin: float = 600) -> None:
    """Move the simulated clock just past the next hour when that is less than ``margin`` seconds away.

    Hourly quotas start afresh every hour, and sentToday at midnight in Paris, which is an hour boundary too (Paris
    is a whole number of hours from UTC): a test that sends mails and reads them back must not straddle one.
    """
    timestamp = sim.admin("GET", "/_sim/clock")["timestamp"]
    to_next_hour = 3600 - int(timestamp) % 3600
    if to_next_hour < margin:
        sim.admin("POST", "/_sim/clock/advance", {"seconds": to_next_hour + 5})
