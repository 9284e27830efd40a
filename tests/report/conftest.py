# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report and playbook tests: where screenshots go (ansible-playbook runs through tests/support/playbooks.py), and
the collection loaded the way Ansible does, so that report_render.py finds the role's filters by FQCN: installed
here, before any test module imports the collection."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

from support.collection import REPO, collections_root

if not AnsibleCollectionConfig.collection_finder:
    init_plugin_loader([collections_root()])

OUTPUT = REPO / "tests" / "output"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
