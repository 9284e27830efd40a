# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet read four ways, against the bound that latency, concurrency and the rate limit allow; then acted on.

Seeds N hostings in ``ovhsim serve`` (its own process) with a latency of L ms on every signed call, then measures
in one run:

  (a) ``email_info`` for the whole fleet in one task (one process, ``concurrency`` threads);
  (b) the ``hostings`` inventory plugin's gathering (``ansible-inventory --list``);
  (c) a play over that inventory with ``email_info`` per host (``--forks``), inventory from the cache;
  (d) a plain sequential loop over the ``ovh`` client, what one would write by hand.

For each: the signed calls the simulator logged, calls per hosting, the time, and the time as a ratio to the
bound max(calls x L / concurrency, calls / rate_limit). Then how much faster (a) is than (d).

Phases (e) to (h) act on a fleet with the shipped playbooks (bench/fleet_act.py says how): enforce on a compliant
fleet against the inventory's gathering, block.yml on 50, the play per hosting as the peer, report.yml; each
against its bound or peer, printed as a ratio.

    python bench/fleet.py --phases efgh --hostings 1000 --latency-ms 20 --rate-limit 20

    python bench/fleet.py [--hostings 1000] [--latency-ms 25] [--concurrency 20] [--forks 20] [--rate-limit R]

Each time is the best of ``--repeat`` runs (3; (c) runs once), since other work on the machine only adds time.
Times: (a) and (c) from inside the play (the task alone, including its module start-up, which is also
measured apart); (b) the plugin's parse in this process, as ``ansible-inventory --flush-cache`` runs it; (d) in
this process. A benchmark, not a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import fleet_act
import ovh.client
import yaml
from sim_runs import ansible_env, query_number
from ovhsim.testing import admin_call, serving_process

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def served_simulator():
    """``ovhsim serve`` on a free port; yields (endpoint, admin root URL)."""
    with serving_process() as (endpoint, _server):
        yield endpoint, endpoint[: -len("/1.0")]


class Bench:
    def __init__(self, args, endpoint: str, admin_url: str, workdir: Path):
        self.args = args
        self.endpoint = endpoint
        self.admin_url = admin_url
        self.workdir = workdir
        self.credentials = self.admin("GET", "/_sim/credentials")
        self.env = ansible_env(workdir, BIN, endpoint, self.credentials)

    def admin(self, method, path, body=None):
        return admin_call(self.admin_url, method, path, body, timeout=300)

    def mark(self) -> int:
        log = self.admin("GET", "/_sim/requests")
        # the highest query id, not the last entry: entries are logged as answers complete, out of order
        return max(map(query_number, log), default=0)

    def signed_calls_since(self, mark: int) -> int:
        entries = [entry for entry in self.admin("GET", "/_sim/requests")
                   if query_number(entry) > mark and entry["path"] != "/auth/time"]
        repeated = [(path, count) for path, count in collections.Counter(e["path"] for e in entries).items()
                    if count > 1 and path != "/hosting/web"]
        failed = [(entry["path"], entry["status"]) for entry in entries if entry["status"] != 200]
        if repeated or failed:  # a retry: say why a count is above N + 1
            print(f"note: paths requested more than once {repeated[:5]}, failed answers {failed[:5]}",
                  file=sys.stderr)
        return len(entries)

    def run(self, *command) -> float:
        began = time.perf_counter()
        done = subprocess.run([str(BIN / command[0])] + [str(c) for c in command[1:]], cwd=self.workdir,
                              env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return elapsed

    def playbook(self, name: str, play: dict) -> Path:
        path = self.workdir / name
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        return path

    # The four ways

    def fleet_task(self, **extra) -> float:
        options = dict({"concurrency": self.args.concurrency}, **extra)
        if self.args.rate_limit:
            options["rate_limit"] = self.args.rate_limit
        expect = len(extra["service_names"]) if "service_names" in extra else self.args.hostings
        playbook = self.playbook("fleet_task.yml", timed_play("localhost", {"mailops.ovh_hosting.email_info": options},
                                                              expect=expect))
        self.run("ansible-playbook", "-i", "localhost,", "-c", "local", playbook)
        return read_timing(self.workdir)

    def fleet_task_startup(self) -> float:
        """The same task over no hostings: module start-up (Python, imports), no API call."""
        return self.fleet_task(service_names=[])

    def inventory_config(self) -> Path:
        config = {
            "plugin": "mailops.ovh_hosting.hostings",
            "concurrency": self.args.concurrency,
            "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile",
            "cache_connection": str(self.workdir / "inventory-cache"),
            "cache_timeout": 86400,
        }
        if self.args.rate_limit:
            config["rate_limit"] = self.args.rate_limit
        path = self.workdir / "bench.ovh_hostings.yml"
        path.write_text(yaml.safe_dump(config))
        return path

    def inventory_gathering(self) -> float:
        """The plugin's parse, timed in this process as ansible-inventory runs it; fills the cache for (c)."""
        os.environ.update(self.env)  # before ansible reads its configuration
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins.loader import init_plugin_loader
        from ansible.utils.collection_loader import AnsibleCollectionConfig

        if not AnsibleCollectionConfig.collection_finder:
            init_plugin_loader()
        config = str(self.inventory_config())
        began = time.perf_counter()
        inventory = InventoryManager(loader=DataLoader(), sources=[config], cache=False)  # as --flush-cache
        elapsed = time.perf_counter() - began
        if len(inventory.hosts) != self.args.hostings:
            raise SystemExit(f"the inventory has {len(inventory.hosts)} hosts, expected {self.args.hostings}")
        return elapsed

    def play_over_inventory(self) -> float:
        task = {"mailops.ovh_hosting.email_info": {"service_name": "{{ ovh_service_name }}"}}
        playbook = self.playbook("per_host.yml", timed_play("all", task, expect=1))
        self.run("ansible-playbook", "-i", self.inventory_config(), "--forks", self.args.forks, playbook)
        return read_timing(self.workdir)

    def sequential_loop(self) -> float:
        ovh.client.ENDPOINTS[self.endpoint] = self.endpoint
        client = ovh.Client(endpoint=self.endpoint, application_key=self.credentials["application_key"],
                            application_secret=self.credentials["application_secret"],
                            consumer_key=self.credentials["consumer_key"])
        began = time.perf_counter()
        states = {name: client.get(f"/hosting/web/{quote(name, safe='')}/email")["state"]
                  for name in client.get("/hosting/web")}
        elapsed = time.perf_counter() - began
        assert len(states) == self.args.hostings
        return elapsed


def timed_play(hosts: str, task: dict, expect: int) -> dict:
    """The task between two timestamps taken once, on the first host; the play checks it read something."""
    return {
        "name": "Timed fleet read",
        "hosts": hosts,
        "gather_facts": False,
        "tasks": [
            {"name": "Start", "ansible.builtin.set_fact": {"bench_start": "{{ now().timestamp() }}"},
             "run_once": True},
            dict({"name": "Read", "register": "read"}, **task),
            {"name": "End", "ansible.builtin.copy": {
                "content": "{{ {'seconds': now().timestamp() - (bench_start | float)} | to_json }}",
                "dest": "{{ playbook_dir }}/timing.json", "mode": "0600"}, "run_once": True},
            {"name": "Check", "ansible.builtin.assert": {
                "that": [f"read.hostings | length == {expect}"], "quiet": True}},
        ],
    }


def read_timing(workdir: Path) -> float:
    return json.loads((workdir / "timing.json").read_text())["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostings", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=20, help="threads of (a) and (b)")
    parser.add_argument("--forks", type=int, default=20, help="Ansible forks of (c)")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second, client side")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phases", default="abcdefgh", help="which of a to h to run (default: all)")
    parser.add_argument("--peer-hostings", type=int, default=100, help="fleet size of (g), the play per hosting")
    parser.add_argument("--action-delay", type=float, default=2.0, help="seconds before an action shows, in (f)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a), (b), (d); the best counts (c runs once)")
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    print(f"{args.hostings} hostings, latency {args.latency_ms:g} ms, concurrency {args.concurrency}, "
          f"forks {args.forks}, rate limit {args.rate_limit or 'none'}, best of {args.repeat}; ovh {importlib.metadata.version('ovh')}, "
          f"ansible-core {importlib.metadata.version('ansible-core')}, {os.cpu_count()} CPUs shared with ovhsim, "
          f"load average {os.getloadavg()[0]:.1f}")
    acting_rows, acting_lines = [], []
    if set("efgh") & set(args.phases):
        with tempfile.TemporaryDirectory(prefix="bench-act-") as tmp:
            acting_rows, acting_lines = fleet_act.run_phases(args, Path(tmp), BIN)
    if not set("abcd") & set(args.phases):
        print_acting(acting_rows, acting_lines)
        return
    with served_simulator() as (endpoint, admin_url), tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        bench = Bench(args, endpoint, admin_url, Path(tmp))
        bench.admin("POST", "/_sim/seed", {"fleet": args.hostings, "profile": "mixed", "seed": args.seed})
        bench.admin("POST", "/_sim/faults", {"latency_ms": args.latency_ms})  # every signed route; not /auth/time

        rows = []

        def measure(label, concurrency, run, limited=True, repeat=args.repeat):
            """The best of ``repeat`` runs: other work on the machine only ever adds time."""
            seconds, calls = [], set()
            for dummy in range(repeat):
                mark = bench.mark()
                seconds.append(run())
                calls.add(bench.signed_calls_since(mark))
            if len(calls) > 1:
                print(f"warning: {label} made {sorted(calls)} calls in its {repeat} runs", file=sys.stderr)
            seconds, calls = min(seconds), max(calls)
            rate_bound = calls / args.rate_limit if args.rate_limit and limited else 0.0
            bound = max(calls * latency / concurrency, rate_bound)
            rows.append((label, calls, seconds, bound))
            return seconds

        times = {}
        if "a" in args.phases:
            times["a"] = measure("(a) email_info, whole fleet in one task", args.concurrency, bench.fleet_task)
            times["a0"] = min(bench.fleet_task_startup() for dummy in range(args.repeat))
        if "b" in args.phases:
            times["b"] = measure("(b) inventory plugin gathering", args.concurrency, bench.inventory_gathering)
        if "c" in args.phases:
            if "b" not in args.phases:
                bench.inventory_gathering()  # the play reads its inventory from this cache
            times["c"] = measure(f"(c) play over the inventory, forks {args.forks}", args.forks,
                                 bench.play_over_inventory, repeat=1)  # minutes per run at N = 1,000
        if "d" in args.phases:
            # a hand-written loop has no rate limit: its bound is the latency alone
            times["d"] = measure("(d) sequential loop over the ovh client", 1, bench.sequential_loop, limited=False)

    print(f"{'':44} {'calls':>6} {'per hosting':>11} {'time s':>8} {'bound s':>8} {'time/bound':>10}")
    for label, calls, seconds, bound in rows:
        print(f"{label:44} {calls:>6} {calls / args.hostings:>11.3f} {seconds:>8.2f} {bound:>8.2f} "
              f"{seconds / bound:>10.2f}")
    if "a" in times:
        bound = next(row[3] for row in rows if row[0].startswith("(a)"))
        print(f"(a) includes {times['a0']:.2f} s of module start-up (the same task over no hostings); without it "
              f"{times['a'] - times['a0']:.2f} s, {(times['a'] - times['a0']) / bound:.2f}x the bound")
    for phase in ("a", "c"):
        if phase in times and "d" in times:
            print(f"({phase}) is {times['d'] / times[phase]:.1f}x as fast as (d)")
    print_acting(acting_rows, acting_lines)


def print_acting(rows, lines):
    if rows:
        print(f"{'':52} {'calls':>6} {'per hosting':>11} {'time s':>8} {'vs s':>8} {'ratio':>6}")
    for label, calls, hostings, seconds, bound in rows:
        print(f"{label:52} {calls:>6} {calls / hostings:>11.3f} {seconds:>8.2f} {bound:>8.2f} {seconds / bound:>6.2f}")
    for line in lines:
        print(line)
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine skews every time above)")


if __name__ == "__main__":
    main()
