# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throughput of the simulator: signed GET /hosting/web/{sn}/email through the real ``ovh`` client, at
concurrency 1 and 16 (one client per thread, as module_utils/fleet.py does), against the goal of 1,000 per second.
The server runs as ``ovhsim serve`` in its own process, as in CI; client and server share the machine's CPUs.

    python bench/simulator.py [--seconds 3] [--fleet 100]

Prints requests per second and the ratio to the goal, and the server's own CPU time per request (read from
/proc, so it holds on a loaded machine where the wall-clock rate does not): 1 / that is what one core of the
simulator can serve. A benchmark, not a test: it never fails on a number.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import threading
import time

import ovh.client
from ovhsim.testing import admin_call, serving_process

GOAL = 1000.0


@contextlib.contextmanager
def served_simulator(fleet: int):
    """``ovhsim serve`` on a free port; yields (endpoint, credentials, process id)."""
    with serving_process("--fleet", str(fleet)) as (endpoint, server):
        credentials = admin_call(endpoint[: -len("/1.0")], "GET", "/_sim/credentials")
        ovh.client.ENDPOINTS[endpoint] = endpoint
        yield endpoint, credentials, server.pid


def new_client(endpoint: str, credentials: dict) -> ovh.Client:
    return ovh.Client(endpoint=endpoint, application_key=credentials["application_key"],
                      application_secret=credentials["application_secret"],
                      consumer_key=credentials["consumer_key"])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(make_client, names: list[str], concurrency: int, seconds: float) -> tuple[int, float]:
    clients = [make_client() for _thread in range(concurrency)]
    for client in clients:
        client.get("/auth/time", _need_auth=False)
        client.get(f"/hosting/web/{names[0]}/email")  # warm up: time delta, connection
    counts = [0] * concurrency
    start_line = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        client = clients[index]
        start_line.wait()
        done = 0
        while time.perf_counter() < deadline[0]:
            client.get(f"/hosting/web/{names[done % len(names)]}/email")
            done += 1
        counts[index] = done

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--fleet", type=int, default=100)
    args = parser.parse_args()
    print(f"signed GET /email through ovh {importlib.metadata.version('ovh')} against ovhsim serve, "
          f"{args.fleet} hostings, {args.seconds:g} s per run, {os.cpu_count()} CPUs shared by client and server")
    with served_simulator(args.fleet) as (endpoint, credentials, pid):
        def make_client():
            return new_client(endpoint, credentials)

        names = make_client().get("/hosting/web")
        for concurrency in (1, 16):
            cpu_before = cpu_seconds(pid)
            count, elapsed = measure(make_client, names, concurrency, args.seconds)
            cpu_after = cpu_seconds(pid)
            rate = count / elapsed
            line = (f"concurrency {concurrency:>2}: {count:>6} requests in {elapsed:.2f} s = {rate:7.0f} req/s, "
                    f"{rate / GOAL:.2f}x the goal of {GOAL:.0f} req/s")
            if cpu_before is not None and cpu_after is not None and count:
                per_request = (cpu_after - cpu_before) / count
                capacity = 1 / per_request if per_request else float("inf")
                line += (f"; server CPU {per_request * 1e6:.0f} us/request = {capacity:.0f} req/s per core, "
                         f"{capacity / GOAL:.2f}x the goal")
            print(line)


if __name__ == "__main__":
    main()
