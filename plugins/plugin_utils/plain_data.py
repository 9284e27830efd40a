# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain copies of the data a filter is handed.

ansible-core 2.19 hands a filter its variables as lazy containers: every read of a value goes through the templar
again. A filter that reads a fleet's facts several times (the report reads each hosting's bounces and volumes in
more than one pass) pays that on every read; one plain copy at the start pays it once per value.
"""

from __future__ import annotations

from collections.abc import Mapping


def plain_copy(value):
    """``value`` with every mapping and list in it copied into a plain ``dict`` or ``list``."""
    if isinstance(value, Mapping):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_copy(item) for item in value]
    return value
