# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose tests: one simulator for the module, fixture sites served by `php -S` whose mail() goes to the
simulator through `ovhsim sendmail`, and ansible-playbook (the report tests' runner) aimed at both."""

from __future__ import annotations

import pytest
from ovhsim.testing import running_simulator

from diagnose_support import PHP, Site
from support.sim_checks import clear_of_hour_boundary


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(action_delay=0) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.admin("POST", "/_sim/reset")
    simulator.admin("POST", "/_sim/config", {"action_delay": 0})
    clear_of_hour_boundary(simulator)
    return simulator


@pytest.fixture
def site(sim, tmp_path):
    """site(fixture_name, service_name[, sendmail_service]): tests/fixtures/diagnose/<fixture_name> served by php -S."""
    if PHP is None:
        pytest.fail("php-cli is required (make system-deps installs it)")
    started = []

    def serve(fixture_name, service_name, sendmail_service=None):
        started.append(Site(sim, tmp_path, fixture_name, service_name, sendmail_service))
        return started[-1]

    yield serve
    for running in started:
        running.stop()
