# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""For every test suite under tests/: the shared helpers importable as ``support``, and the collection importable
as ansible_collections.mailops.ovh_hosting."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support.collection import collections_root  # noqa: E402  pylint: disable=wrong-import-position

if collections_root() not in sys.path:
    sys.path.insert(0, collections_root())
