# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built tarball is what users install: it holds the collection and not the tooling around it, and
ansible-doc renders every plugin from the installed copy."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = ["email", "email_info", "hosting_info", "mail_scripts_audit"]
FILTERS = ["bounce_ratio", "email_report", "volume_chart"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball from the checkout and install it into an empty collections path."""
    work = tmp_path_factory.mktemp("build")
    subprocess.run([BIN / "ansible-galaxy", "collection", "build", "--output-path", work, REPO],
                   check=True, capture_output=True, text=True)
    tarball = work / "mailops-ovh_hosting-0.1.0.tar.gz"
    collections = work / "collections"
    subprocess.run([BIN / "ansible-galaxy", "collection", "install", "--force", "-p", collections, tarball],
                   check=True, capture_output=True, text=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    return tarball, collections / "ansible_collections" / "mailops" / "ovh_hosting", env


def test_tarball_leaves_out_the_tooling(installed):
    tarball = installed[0]
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "galaxy.yml" not in names and "MANIFEST.json" in names
    for member in ("plugins/modules/email.py", "plugins/inventory/hostings.py", "meta/runtime.yml",
                   "roles/email_report/templates/index.html.j2", "playbooks/report.yml", "README.md",
                   "docs/examples/fleet.ovh_hostings.yml"):
        assert member in names
    for prefix in ("simulator/", "bench/", "demo/", "report/", "tests/output/", ".venv/", ".ansible/", ".ci/",
                   "dist/", "Makefile"):
        assert not any(name.startswith(prefix) for name in names), prefix


@pytest.mark.parametrize("plugin_type, names", [("module", MODULES), ("inventory", ["hostings"]),
                                                ("filter", FILTERS)])
def test_ansible_doc_renders_from_the_installed_copy(installed, plugin_type, names):
    path, env = installed[1:]
    for name in names:
        result = subprocess.run([BIN / "ansible-doc", "-t", plugin_type, f"mailops.ovh_hosting.{name}"],
                                env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert str(path) in result.stdout, f"{name} was not read from the installed collection"
        assert "EXAMPLES" in result.stdout and "[WARNING]" not in result.stderr


def test_action_group_lists_every_api_module(installed):
    path = installed[1]
    runtime = (path / "meta" / "runtime.yml").read_text(encoding="utf-8")
    for module in ("email", "email_info", "hosting_info"):
        assert f"- {module}\n" in runtime
