# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms tests' simulator: one per test module, for the mail a guarded site sends and for ci_check.yml."""

from __future__ import annotations

import pytest
from ovhsim.testing import running_simulator


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(action_delay=0) as sim:
        yield sim
