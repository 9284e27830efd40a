# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A restarted simulator on the same database file finds everything again."""
from __future__ import annotations

import pytest

from ovhsim.testing import running_simulator

NAME = "shop-1.cluster021.hosting.ovh.net"


def test_restart_keeps_fleet_keys_clock_queue_config_faults_and_outbox(tmp_path):
    db = str(tmp_path / "ovhsim.db")
    with running_simulator(db=db, fleet=8, seed=5) as sim:
        first = sim.credentials
        restricted = sim.restricted_credentials("GET /hosting/web")
        sim.admin("POST", "/_sim/hostings", {"service_name": NAME, "state": "ko", "email": "ops@example.com"})
        sim.admin("POST", "/_sim/send", {"service_name": NAME, "count": 9, "recipients": ["x@example.org"],
                                         "bouncing": ["x@example.org"]})
        sim.admin("POST", "/_sim/config", {"action_delay": 45, "bounce_threshold": 0.2})
        sim.admin("POST", "/_sim/faults", {"route": "/nothing", "error_rate": 0.5, "seed": 9})
        sim.admin("POST", "/_sim/clock/advance", {"seconds": 3600})
        sim.client().post(f"/hosting/web/{NAME}/email/request", action="UNBLOCK")
        before = {name: sim.client().get(f"/hosting/web/{name}/email") for name in sim.client().get("/hosting/web")}
        record = sim.admin("GET", f"/_sim/hostings/{NAME}")
        offset = sim.admin("GET", "/_sim/clock")["offset"]

    with running_simulator(db=db) as sim:
        assert sim.credentials["consumer_key"] == first["consumer_key"]
        assert sim.credentials["application_secret"] == first["application_secret"]
        assert sim.client(restricted).get("/hosting/web") == sorted(before)
        client = sim.client()
        assert {name: client.get(f"/hosting/web/{name}/email") for name in client.get("/hosting/web")} == before
        assert sim.admin("GET", f"/_sim/hostings/{NAME}") == record
        assert record["queue_size"] == 9 and record["pending_action"]["action"] == "UNBLOCK"
        assert sim.admin("GET", "/_sim/clock")["offset"] == pytest.approx(offset)
        assert sim.admin("GET", "/_sim/config")["action_delay"] == 45
        assert sim.admin("GET", "/_sim/faults")["rules"][0]["route"] == "/nothing"
        sim.admin("POST", "/_sim/clock/advance", {"seconds": 45})
        assert client.get(f"/hosting/web/{NAME}/email")["state"] == "ok"
        assert sim.admin("GET", "/_sim/ledger")["hostings"][NAME]["delivered"] == 9
        sim.admin("POST", "/_sim/clock/advance", {"seconds": 86400})
        outbox = sim.admin("GET", "/_sim/outbox")
        assert [m["to"] for m in outbox if m["service_name"] == NAME] == ["ops@example.com"]

    with running_simulator(db=db) as sim:
        assert sim.admin("GET", "/_sim/outbox") == outbox
        sim.admin("POST", "/_sim/reset")

    with running_simulator(db=db) as sim:
        assert sim.client().get("/hosting/web") == []
        assert sim.admin("GET", "/_sim/clock")["offset"] == 0
        assert sim.credentials["consumer_key"] == first["consumer_key"]


def test_memory_databases_share_nothing():
    with running_simulator(fleet=3) as one, running_simulator() as two:
        assert len(one.client().get("/hosting/web")) == 3
        assert two.client().get("/hosting/web") == []
        assert one.credentials["consumer_key"] != two.credentials["consumer_key"]


def test_one_database_file_serves_one_simulator_at_a_time(tmp_path):
    from ovhsim.app import Simulator
    from ovhsim.store import DatabaseInUse

    db = str(tmp_path / "shared.db")
    first = Simulator(db)
    with pytest.raises(DatabaseInUse, match="in use by another running ovhsim"):
        Simulator(db)
    first.close()
    second = Simulator(db)
    assert second.keys.default_consumer_key == first.keys.default_consumer_key
    second.close()
