# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""32 threads, each with its own ``ovh`` client, on mixed routes at once: every answer is right, and the
ledger and counters add up afterwards."""
from __future__ import annotations

import threading

import ovh.exceptions

THREADS = 32
ROUNDS = 15


def test_32_threads_on_mixed_routes(sim):
    sim.admin("POST", "/_sim/seed", {"fleet": 16, "profile": "healthy", "seed": 11})
    names = sim.client().get("/hosting/web")
    for name in names:
        sim.admin("POST", "/_sim/hostings", {"service_name": name, "offer": "performance"})
    before = {name: sim.client().get(f"/hosting/web/{name}/email")["sent"] for name in names}
    failures, sends = [], [0] * THREADS
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        client = sim.client()
        name = names[index % len(names)]
        start.wait()
        try:
            for round_number in range(ROUNDS):
                assert client.get("/hosting/web") == names
                email = client.get(f"/hosting/web/{name}/email")
                assert email["state"] in ("ok", "ko", "force", "bounce")
                client.get(f"/hosting/web/{name}/email/bounces", limit=10)
                client.get(f"/hosting/web/{name}/email/volumes")
                client.put(f"/hosting/web/{name}/email", email=f"t{index}@example.com")
                sim.admin("POST", "/_sim/send", {"service_name": name, "count": 3})
                sends[index] += 3
                if index % 8 == 0 and round_number % 5 == 0:
                    try:
                        client.post(f"/hosting/web/{name}/email/request", action="BLOCK")
                    except ovh.exceptions.APIError as error:  # another thread got there first
                        assert error.response.status_code in (403, 409)
        except Exception as error:  # collected: an assertion in a thread would otherwise vanish
            failures.append(repr(error))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    ledger = sim.admin("GET", "/_sim/ledger")
    assert ledger["balanced"]
    assert sum(row["accepted"] for row in ledger["hostings"].values()) == sum(sends)
    client = sim.client()
    delivered = {name: ledger["hostings"][name]["delivered"] for name in names}
    assert all(client.get(f"/hosting/web/{n}/email")["sent"] == before[n] + delivered[n] for n in names)
    log = sim.admin("GET", "/_sim/requests")
    assert not [entry for entry in log if entry["status"] >= 500]
    assert len({entry["query_id"] for entry in log}) == len(log)
