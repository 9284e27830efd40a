# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EDA tests: `ovhsim serve` in a process of its own, a fleet of 20, and ansible-rulebook against it."""

from __future__ import annotations

import pytest
from ovhsim.testing import admin_call, serving_process


class Served:
    def __init__(self, url):
        self.url = url  # the /1.0 endpoint
        self.admin_url = url[: -len("/1.0")]
        self.credentials = self.admin("GET", "/_sim/credentials")

    def admin(self, method, path, body=None):
        return admin_call(self.admin_url, method, path, body)

    def hosting(self, name):
        return self.admin("GET", "/_sim/hostings/%s" % name)


@pytest.fixture
def simulator():
    with serving_process("--fleet", "20", "--profile", "healthy", "--seed", "3", "--action-delay", "1") as (url, _process):
        yield Served(url)
