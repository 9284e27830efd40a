# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fleet benches share to run Ansible against a simulator: the environment, and the request log's order."""

from __future__ import annotations

import os
from pathlib import Path

from collection_link import collections_root


def ansible_env(workdir: Path, bin_dir: Path, endpoint: str, credentials: dict) -> dict:
    """The environment of ansible-playbook and ansible-inventory: this checkout as the collection, the hostings
    inventory plugin enabled, the simulator's full-rights key."""
    return dict(os.environ, **{
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_COLLECTIONS_PATH": collections_root(workdir),
        "ANSIBLE_HOME": str(workdir / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "ANSIBLE_INVENTORY_ENABLED": "mailops.ovh_hosting.hostings",
        "ANSIBLE_NOCOLOR": "1",
        "OVH_ENDPOINT": endpoint,
        "OVH_APPLICATION_KEY": credentials["application_key"],
        "OVH_APPLICATION_SECRET": credentials["application_secret"],
        "OVH_CONSUMER_KEY": credentials["consumer_key"],
    })


def query_number(entry) -> int:
    """The order of a request-log entry: entries are logged as answers complete, out of order, and the log keeps
    only the latest ones, so a position in it is marked by the highest query id, not by a length."""
    return int(entry["query_id"].rsplit(".", 1)[1])
