# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability scenarios: the playbooks against a simulator that injects faults, restarts, or has two runs
competing; afterwards the ledger and the request log are checked (tests/support)."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support.playbooks import collections_root  # noqa: E402  (needs tests/ on the path, above)

if collections_root() not in sys.path:
    sys.path.insert(0, collections_root())
