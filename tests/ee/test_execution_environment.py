# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment for AWX / Ansible Automation Platform carries the collection's runtime needs.

`ansible-builder create` writes the build context without a container engine; inside the build, the context's
own introspect script reads meta/execution-environment.yml of every installed collection. The test replays that
step on the collection as `ansible-galaxy collection build` packages it, so it checks what the image would get.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EE_DEFINITION = REPO / "docs" / "execution-environment.yml"


def run(*args: str, cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("ee")
    run(str(BIN / "ansible-builder"), "create", "-f", str(EE_DEFINITION), "-c", "context",
        "--output-filename", "Containerfile", cwd=workdir)
    return workdir / "context"


@pytest.fixture(scope="module")
def installed_collections(tmp_path_factory) -> Path:
    """The collection as a user gets it: built into a tarball (build_ignore applies), then installed."""
    workdir = tmp_path_factory.mktemp("collection")
    run(str(BIN / "ansible-galaxy"), "collection", "build", str(REPO), "--output-path", "dist", cwd=workdir)
    (tarball,) = (workdir / "dist").glob("mailops-ovh_hosting-*.tar.gz")
    run(str(BIN / "ansible-galaxy"), "collection", "install", "--force", str(tarball), "-p", "collections",
        cwd=workdir)  # --force: a copy already on the configured collections paths must not satisfy it
    return workdir / "collections"


def test_context_installs_this_collection_and_introspects_it(context):
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert {"name": "mailops.ovh_hosting"} in galaxy["collections"]
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-core==2.19.14" in containerfile
    assert "introspect.py introspect" in containerfile


def test_collection_metadata_names_the_ovh_client(context, installed_collections, tmp_path):
    meta = yaml.safe_load((installed_collections / "ansible_collections/mailops/ovh_hosting/meta"
                           / "execution-environment.yml").read_text())
    assert meta["dependencies"]["python"] == "meta/ee-requirements.txt"

    pip_file = tmp_path / "requirements.txt"
    run(sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect",
        "--write-pip", str(pip_file), str(installed_collections), cwd=tmp_path)
    requirements = [line.split("#")[0].strip() for line in pip_file.read_text().splitlines() if line.strip()]
    assert "ovh==1.2.0" in requirements
    # The development pins (root requirements.txt) must not leak into the image.
    assert not [r for r in requirements if r.split("==")[0] in {"pytest", "molecule", "ansible-lint"}]
