# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the collection the way Ansible does, through its collection loader, as mailops.ovh_hosting: installed here,
before any test module imports the collection, since a part imported earlier would not be known to the loader."""

from __future__ import annotations

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

from support.collection import collections_root

if not AnsibleCollectionConfig.collection_finder:
    init_plugin_loader([collections_root()])
