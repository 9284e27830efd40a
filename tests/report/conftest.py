# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report and playbook tests: where screenshots go (ansible-playbook runs through tests/support/playbooks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.collection import REPO

OUTPUT = REPO / "tests" / "output"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
