# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report and playbook tests: ansible-playbook runs (tests/support/playbooks.py) and where screenshots go."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.collection import REPO
from support.playbooks import Ansible

OUTPUT = REPO / "tests" / "output"


@pytest.fixture
def ansible(tmp_path) -> Ansible:
    """ansible-playbook without any OVH credentials (for runs that make no API call)."""
    return Ansible(tmp_path)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
