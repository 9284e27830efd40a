# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write tests/integration/integration_config.yml from a running simulator's full-rights credentials.

ansible-test passes this file's variables to every integration target.
"""
from __future__ import annotations

import json
import sys
import urllib.request

import yaml


def main(admin_url: str, output: str) -> None:
    with urllib.request.urlopen(admin_url + "/_sim/credentials", timeout=10) as response:
        credentials = json.load(response)
    config = {
        "ovhsim_admin_url": admin_url,
        "ovh_endpoint": credentials["endpoint"],
        "ovh_application_key": credentials["application_key"],
        "ovh_application_secret": credentials["application_secret"],
        "ovh_consumer_key": credentials["consumer_key"],
    }
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("---\n# Written by the Makefile from the running simulator; not committed.\n")
        yaml.safe_dump(config, handle, default_flow_style=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
