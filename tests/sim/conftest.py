# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection importable as ansible_collections.mailops.ovh_hosting (as `make collection-link` does)."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def _collection_root() -> Path:
    digest = hashlib.md5((str(_REPO) + "\n").encode()).hexdigest()[:8]
    root = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / ("mailops-ovh_hosting-" + digest)
    link = root / "ansible_collections" / "mailops" / "ovh_hosting"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(_REPO)
    return root


if str(_collection_root()) not in sys.path:
    sys.path.insert(0, str(_collection_root()))
