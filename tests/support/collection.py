# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where this checkout is, and the folder that makes it the collection mailops.ovh_hosting."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def collections_root() -> str:
    """The folder holding ansible_collections/mailops/ovh_hosting -> this checkout: the Makefile's collection-link
    (same folder name), made here too when a test runs without the Makefile."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    digest = hashlib.md5(f"{REPO}\n".encode(), usedforsecurity=False).hexdigest()[:8]
    root = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / f"mailops-ovh_hosting-{digest}"
    link = root / "ansible_collections" / "mailops" / "ovh_hosting"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    return str(root)
