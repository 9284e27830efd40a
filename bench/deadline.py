# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the per-attempt deadline costs: the client's CPU per call with it and without it.

``HostingApi`` reads one hosting's e-mail ``--calls`` times in a row from ``ovhsim serve`` (its own process, so
this process's CPU time is the client's alone), once as shipped and once with the deadline taken out (no
``Deadline`` around the attempt, the session's stock adapters). Rounds alternate the two; the best of
``--repeat`` counts for each, since other work on the machine only adds time. Then the cost of one deadline
alone (start, hand over a socket, end), in this process.

    python bench/deadline.py [--calls 1000] [--repeat 5]

A benchmark, not a test: it prints figures and never fails on them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import tempfile
import time
import timeit
from pathlib import Path

from collection_link import collections_root
from ovhsim.testing import admin_call, serving_process


class NoDeadline:
    """Stands in for Deadline: nothing is watched, nothing expires."""

    expired = False

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


@contextlib.contextmanager
def without_deadline(client_module):
    saved = client_module.Deadline, client_module.watch_session
    client_module.Deadline, client_module.watch_session = NoDeadline, lambda session: None
    try:
        yield
    finally:
        client_module.Deadline, client_module.watch_session = saved


def cpu_per_call(client_module, endpoint, credentials, name, calls) -> float:
    api = client_module.HostingApi(endpoint=endpoint, timeout=30, retries=0, **credentials)
    api.get_email(name)  # clock sync and connection outside the measure
    started = time.process_time()
    for dummy in range(calls):
        api.get_email(name)
    return (time.process_time() - started) / calls


def one_deadline(deadline_module) -> float:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        def attempt():
            with deadline_module.Deadline(30) as deadline:
                deadline.watch(ours)
        return min(timeit.repeat(attempt, number=20000, repeat=5)) / 20000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deadline-") as workdir:
        sys.path.insert(0, collections_root(Path(workdir)))
        # pylint: disable=import-outside-toplevel  # importable once the collection is linked
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils import client as client_module
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils import deadline as deadline_module

        load = os.getloadavg()[0]
        with serving_process("--fleet", "1", "--seed", "1") as (endpoint, _server):
            sim = admin_call(endpoint[: -len("/1.0")], "GET", "/_sim/credentials")
            credentials = {key: sim[key] for key in ("application_key", "application_secret", "consumer_key")}
            name = client_module.HostingApi(endpoint=endpoint, **credentials).list_hostings()[0]
            runs = {"with": [], "without": []}
            for dummy in range(args.repeat):
                runs["with"].append(cpu_per_call(client_module, endpoint, credentials, name, args.calls))
                with without_deadline(client_module):
                    runs["without"].append(cpu_per_call(client_module, endpoint, credentials, name, args.calls))
        alone = one_deadline(deadline_module)
    best = {label: min(values) for label, values in runs.items()}
    print("%d calls, best of %d, load average %.1f at the start, %.1f at the end"
          % (args.calls, args.repeat, load, os.getloadavg()[0]))
    for label in ("without", "with"):
        print("client CPU per call %-7s the deadline  %.3f ms  (runs: %s)" % (
            label, best[label] * 1e3, " ".join("%.3f" % (value * 1e3) for value in runs[label])))
    print("with / without                          %.3f" % (best["with"] / best["without"]))
    print("one deadline alone (start, a socket, end) %.1f us, %.1f%% of a call"
          % (alone * 1e6, 100 * alone / best["without"]))


if __name__ == "__main__":
    main()
