# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a simulator per test on a free loopback port, with an in-memory database, and the real ``ovh``
client pointed at it."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ovhsim.clock import PARIS
from ovhsim.testing import running_simulator

NAME = "shop-1.cluster021.hosting.ovh.net"


@pytest.fixture
def sim():
    """A simulator whose actions apply at once (action_delay 0); tests that need the delay set it."""
    with running_simulator(action_delay=0) as running:
        yield running


@pytest.fixture
def client(sim):
    return sim.client()


@pytest.fixture
def hosting(sim):
    """Create a hosting: ``hosting(state="ko", offer="starter")`` -> its service name."""
    def create(name: str = NAME, **fields) -> str:
        sim.admin("POST", "/_sim/hostings", dict(service_name=name, **fields))
        return name

    return create


@pytest.fixture
def at_noon(sim):
    """The simulator's clock moved on to the next 12:00, Europe/Paris: a test that counts days by moving the
    clock whole days stays clear of midnight, whatever the real time while it runs."""
    now = datetime.fromtimestamp(sim.admin("GET", "/_sim/clock")["timestamp"], PARIS)
    noon = datetime.combine(now.date(), datetime.min.time().replace(hour=12), PARIS)
    if noon <= now:
        noon += timedelta(days=1)
    sim.admin("POST", "/_sim/clock/advance", {"seconds": (noon - now).total_seconds()})
