# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the inventory plugin the way Ansible does: through the collection loader, as mailops.ovh_hosting."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

REPO = Path(__file__).resolve().parents[4]


def collections_root() -> str:
    """The folder holding ansible_collections/mailops/ovh_hosting -> this checkout (the Makefile's collection-link)."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    digest = hashlib.md5(("%s\n" % REPO).encode(), usedforsecurity=False).hexdigest()[:8]
    return os.path.join(os.environ.get("TMPDIR") or tempfile.gettempdir(), "mailops-ovh_hosting-" + digest)


def _link_collection(root: str) -> None:
    link = Path(root, "ansible_collections", "mailops", "ovh_hosting")
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)


_link_collection(collections_root())
if not AnsibleCollectionConfig.collection_finder:
    init_plugin_loader([collections_root()])
