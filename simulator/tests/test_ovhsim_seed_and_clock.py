# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seeded fleet, and the clock's calendar helpers."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest

from ovhsim.clock import PARIS, iso, next_midnight, parse_duration
from ovhsim.testing import running_simulator

NAME = re.compile(r"^[a-z]+-\d+\.cluster\d{3}\.hosting\.ovh\.net$")


def test_mixed_fleet_is_realistic():
    with running_simulator(fleet=120, seed=8, action_delay=600) as sim:
        client = sim.client()
        names = client.get("/hosting/web")
        assert len(names) == 120 and all(NAME.match(name) for name in names)
        emails = {name: client.get(f"/hosting/web/{name}/email") for name in names}
        states = Counter(email["state"] for email in emails.values())
        assert states["ok"] > 60
        assert {"ko", "bounce", "spam", "force", "purging"} <= set(states)
        offers = Counter(client.get(f"/hosting/web/{name}")["offer"] for name in names)
        assert set(offers) == {"START", "PERSO", "PRO", "PERFORMANCE_1"}
        busy = [name for name in names if emails[name]["sent"] > 1000]
        volumes = client.get(f"/hosting/web/{busy[0]}/email/volumes")
        assert len(volumes) == 31
        assert any(client.get(f"/hosting/web/{name}/email/bounces", limit=5) for name in busy)
        assert any(email["email"] for email in emails.values())
        assert any(email["email"] is None for email in emails.values())
        ledger = sim.admin("GET", "/_sim/ledger")
        assert ledger["balanced"]
        queued = {name: row["queued"] for name, row in ledger["hostings"].items() if row["queued"]}
        assert {emails[name]["state"] for name in queued} <= {"ko", "bounce", "spam", "purging"}
        assert len(queued) == sum(states[s] for s in ("ko", "bounce", "spam", "purging"))


def test_healthy_fleet_sends_everywhere():
    with running_simulator(fleet=40, profile="healthy") as sim:
        client = sim.client()
        assert {client.get(f"/hosting/web/{name}/email")["state"] for name in client.get("/hosting/web")} == {"ok"}


def test_same_seed_same_fleet_and_seeding_again_adds_new_names():
    with running_simulator(fleet=10, seed=4) as one, running_simulator(fleet=10, seed=4) as two:
        names = one.client().get("/hosting/web")
        assert names == two.client().get("/hosting/web")
        assert [one.client().get(f"/hosting/web/{n}/email") for n in names] == \
            [two.client().get(f"/hosting/web/{n}/email") for n in names]
        more = one.admin("POST", "/_sim/seed", {"fleet": 5})["service_names"]
        assert len(more) == 5 and not set(more) & set(names)


def test_same_seed_same_names_and_states_at_any_time_of_day():
    with running_simulator() as morning, running_simulator() as evening:
        evening.admin("POST", "/_sim/clock/advance", {"seconds": 13 * 3600 + 17 * 60})
        fleets = []
        for sim in (morning, evening):
            names = sim.admin("POST", "/_sim/seed", {"fleet": 12, "seed": 4})["service_names"]
            fleets.append([(name, sim.client().get(f"/hosting/web/{name}/email")["state"]) for name in names])
        assert fleets[0] == fleets[1]


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("15m", 900), ("24h", 86400), ("3d", 259200),
                                           ("1h30m", 5400), ("0.5h", 1800)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "2x", "-1h", "1h 2q"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_dates_carry_the_paris_offset():
    assert iso(datetime(2026, 1, 15, 9, 0, tzinfo=PARIS).timestamp()) == "2026-01-15T09:00:00+01:00"
    assert iso(datetime(2026, 7, 15, 9, 0, tzinfo=PARIS).timestamp()) == "2026-07-15T09:00:00+02:00"


def test_midnight_on_daylight_saving_days():
    before_spring = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS).timestamp()
    spring_midnight = next_midnight(before_spring)
    assert iso(spring_midnight) == "2026-03-29T00:00:00+01:00"
    assert next_midnight(spring_midnight) - spring_midnight == 23 * 3600
    autumn = datetime(2026, 10, 25, 0, 0, tzinfo=PARIS).timestamp()
    assert next_midnight(autumn) - autumn == 25 * 3600
