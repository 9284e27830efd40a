# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet tests: the real ansible-inventory / ansible-playbook against a simulator, counted by its request log."""

from __future__ import annotations

import pytest
from fleet_support import Fleet
from ovhsim.testing import running_simulator
from support.sim_checks import clear_of_hour_boundary


@pytest.fixture(scope="session")
def simulator():
    with running_simulator(action_delay=0) as sim:
        yield sim


@pytest.fixture
def fleet(simulator, tmp_path):
    simulator.admin("DELETE", "/_sim/faults")
    clear_of_hour_boundary(simulator)
    return Fleet(simulator, tmp_path)
