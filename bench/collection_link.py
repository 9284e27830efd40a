# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benches' private collections path, so that no bench needs a setup step such as `make collection-link`."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def collections_root(workdir: Path) -> str:
    """A private ansible_collections/mailops/ovh_hosting -> this checkout under ``workdir``; returns the folder to
    put on ANSIBLE_COLLECTIONS_PATH or sys.path."""
    link = workdir / "collections" / "ansible_collections" / "mailops" / "ovh_hosting"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO)
    return str(workdir / "collections")
