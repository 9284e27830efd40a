# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision environment for AAP's EDA controller: `ansible-builder create` writes its build context (no
container engine needed), on the ansible-rulebook base image, with this collection and the ovh client."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DE_DEFINITION = REPO / "meta" / "decision-environment.yml"


def test_the_decision_environment_builds_a_context_with_rulebook_collection_and_client(tmp_path):
    done = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(DE_DEFINITION), "-c", "context",
                           "--output-filename", "Containerfile"], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    context = tmp_path / "context"
    assert "ansible-rulebook" in (context / "Containerfile").read_text().splitlines()[0]
    assert {"name": "mailops.ovh_hosting"} in yaml.safe_load(
        (context / "_build" / "requirements.yml").read_text())["collections"]
    assert "ovh==1.2.0" in (context / "_build" / "requirements.txt").read_text().split()
