# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report and playbook tests: the collection importable as ansible_collections.mailops.ovh_hosting, and
ansible-playbook runs (see report_support)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from report_support import OUTPUT, Ansible, collections_root

if collections_root() not in sys.path:
    sys.path.insert(0, collections_root())


@pytest.fixture
def ansible(tmp_path) -> Ansible:
    """ansible-playbook without any OVH credentials (for runs that make no API call)."""
    return Ansible(tmp_path)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
