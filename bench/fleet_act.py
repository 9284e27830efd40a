# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acting on a fleet: phases (e) to (h) of bench/fleet.py, each the shipped playbook as a user runs it.

Each fleet size gets its own ``ovhsim serve`` (its own process), seeded with healthy hostings, L ms of latency on
every signed call, and made compliant first (one enforce run, not timed):

  (e) ``enforce.yml`` over the ``hostings`` inventory on the compliant fleet, against the inventory's gathering
      (``ansible-inventory --list``) of the same fleet, both at N and at 10 hostings: what grows with the fleet
      is the time at N minus the time at 10, and the fixed start-up of a playbook is measured apart;
  (f) ``block.yml`` on 50 hostings by name, against max(the read, calls x L / concurrency) plus one action delay,
      its start-up (the same playbook over no hosting) taken off;
  (g) the peer: yesterday's way, a play per hosting (``mailops.ovh_hosting.email`` per host, ``--forks``), at
      ``--peer-hostings``, against (e) at that size;
  (h) ``report.yml`` at N, against the fleet read it makes (``email_info`` with bounces and volumes, one task).

Calls are the signed requests the simulator logged. The rate-limit check runs (e) at ``--rate-limit`` and
counts the most requests the simulator received in any one second of the run.
"""
from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import yaml
from sim_runs import ansible_env, query_number
from ovhsim.testing import admin_call, serving_process

REPO = Path(__file__).resolve().parents[1]
PLAYBOOKS = REPO / "playbooks"
RECIPIENT = "mail-errors@example.com"
POLICY = ["-e", "email_policy_state=unblocked", "-e", f"email_policy_report_recipient={RECIPIENT}"]


class ActingFleet:
    """One simulator of ``size`` compliant hostings, and the playbooks aimed at it."""

    def __init__(self, args, size: int, endpoint: str, workdir: Path, bin_dir: Path):
        self.args, self.size, self.endpoint, self.workdir, self.bin = args, size, endpoint, workdir, bin_dir
        self.admin_url = endpoint[: -len("/1.0")]
        workdir.mkdir(parents=True, exist_ok=True)
        credentials = self.admin("GET", "/_sim/credentials")
        self.env = ansible_env(workdir, bin_dir, endpoint, credentials)
        self.admin("POST", "/_sim/seed", {"fleet": size, "profile": "healthy", "seed": args.seed})
        self.names = sorted(hosting["service_name"] for hosting in self.admin("GET", "/_sim/hostings"))
        self.admin("POST", "/_sim/faults", {"latency_ms": args.latency_ms})
        self.inventory = self.write_inventory()
        self.enforce()  # compliant from now on

    def admin(self, method, path, body=None):
        return admin_call(self.admin_url, method, path, body, timeout=300)

    def write_inventory(self, rate_limit=None) -> Path:
        config = {"plugin": "mailops.ovh_hosting.hostings", "concurrency": self.args.concurrency}
        if rate_limit:
            config["rate_limit"] = rate_limit
        path = self.workdir / ("limited" if rate_limit else "fleet") / "bench.ovh_hostings.yml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(config))
        return path

    def timed(self, *command) -> tuple[float, int, list]:
        """Seconds, signed calls and the simulator's log entries of one command."""
        mark = max(map(query_number, self.admin("GET", "/_sim/requests")), default=0)
        began = time.perf_counter()
        done = subprocess.run([str(self.bin / command[0])] + [str(part) for part in command[1:]], cwd=self.workdir,
                              env=self.env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"{command} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
        # By query id, not position: the log keeps only its latest entries, logged as answers complete.
        entries = [entry for entry in self.admin("GET", "/_sim/requests")
                   if query_number(entry) > mark and entry["path"] != "/auth/time"]
        return seconds, len(entries), entries

    def best(self, *command) -> tuple[float, int, list]:
        """The best of ``--repeat`` runs: other work on the machine only ever adds time."""
        runs = [self.timed(*command) for dummy in range(self.args.repeat)]
        return min(runs, key=lambda run: run[0])

    def gather_command(self):
        return ("ansible-inventory", "-i", self.inventory, "--list")

    def enforce_command(self):
        return ("ansible-playbook", "-i", self.inventory, PLAYBOOKS / "enforce.yml", *POLICY)

    def enforce(self):
        return self.best(*self.enforce_command())

    def gather_and_enforce(self):
        """The best of ``--repeat`` runs of each, taken in turn: when the machine's speed drifts (other work, a
        shared host's slower spells), both are measured in the same spells."""
        runs = [(self.timed(*self.gather_command()), self.timed(*self.enforce_command()))
                for dummy in range(self.args.repeat)]
        return (min((gather for gather, dummy in runs), key=lambda run: run[0]),
                min((enforce for dummy, enforce in runs), key=lambda run: run[0]))

    def per_host_peer(self):
        """Yesterday's way: one module run per hosting, ``--forks`` at a time."""
        play = [{"name": "A play per hosting", "hosts": "all", "gather_facts": False, "tasks": [
            {"name": "Apply the policy to this hosting", "mailops.ovh_hosting.email": {
                "service_name": "{{ ovh_service_name }}", "state": "unblocked", "report_recipient": RECIPIENT}}]}]
        path = self.workdir / "per_host.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        return self.timed("ansible-playbook", "-i", self.inventory, "--forks", self.args.forks, path)

    def block(self, names):
        """block.yml on ``names``, then unblocked again (not timed) so that the next run blocks again."""
        run = self.timed("ansible-playbook", PLAYBOOKS / "block.yml", "-e", "hostings=" + ",".join(names))
        self.timed("ansible-playbook", PLAYBOOKS / "unblock.yml", "-e", "hostings=" + ",".join(names))
        return run

    def block_startup(self):
        return self.best("ansible-playbook", PLAYBOOKS / "block.yml", "-e", "hostings=,")

    def report(self):
        # The same concurrency as the read it is weighed against (the role's default is 8).
        return self.timed("ansible-playbook", "-i", self.inventory, PLAYBOOKS / "report.yml",
                          "-e", "email_report_dir=%s" % (self.workdir / "report"),
                          "-e", "email_report_concurrency=%d" % self.args.concurrency)

    def report_and_read(self):
        """The best of ``--repeat`` runs of the report's read alone and of report.yml, taken in turn."""
        runs = [(self.report_read(), self.report()) for dummy in range(self.args.repeat)]
        return (min((read for read, dummy in runs), key=lambda run: run[0]),
                min((report for dummy, report in runs), key=lambda run: run[0]))

    def report_read(self):
        """The read report.yml makes, alone in one task of its own playbook."""
        play = [{"name": "The report's read", "hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "Read the fleet as the report does", "mailops.ovh_hosting.email_info": {
                "service_names": self.names, "bounces": 100, "volumes": True,
                "concurrency": self.args.concurrency}}]}]
        path = self.workdir / "report_read.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        return self.timed("ansible-playbook", "-i", "localhost,", "-c", "local", path)


def busiest_second(entries) -> int:
    """The most requests the simulator received within any one second (by arrival, not by answer)."""
    stamps = sorted(entry["received"] for entry in entries)
    most, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


@contextlib.contextmanager
def acting_fleet(args, size, workdir, bin_dir, action_delay=0.0):
    with serving_process("--action-delay", str(action_delay)) as (endpoint, _server):
        yield ActingFleet(args, size, endpoint, workdir / f"fleet-{size}-{action_delay:g}", bin_dir)


def run_phases(args, workdir: Path, bin_dir: Path) -> list:
    """Rows of (label, calls, hostings, seconds, bound) and the lines that judge them."""
    rows, lines = [], []
    latency = args.latency_ms / 1000
    sizes = {}
    if "e" in args.phases or "h" in args.phases:
        for size in sorted({10, args.hostings}):
            with acting_fleet(args, size, workdir, bin_dir) as fleet:
                (gather, gather_calls, _log), (enforce, enforce_calls, _log) = fleet.gather_and_enforce()
                sizes[size] = (gather, enforce)
                rows.append((f"(e) gather, inventory --list, N={size}", gather_calls, size, gather, gather))
                rows.append((f"(e) enforce.yml compliant, N={size}", enforce_calls, size, enforce, gather))
                if size == args.hostings:
                    if args.rate_limit:
                        limited = fleet.write_inventory(rate_limit=args.rate_limit)
                        dummy, dummy_calls, log = fleet.timed(
                            "ansible-playbook", "-i", limited, PLAYBOOKS / "enforce.yml", *POLICY,
                            "-e", f"ovh_rate_limit={args.rate_limit:g}")
                        lines.append(f"rate limit {args.rate_limit:g}/s over the whole enforce run: at most "
                                     f"{busiest_second(log)} requests in one second")
                    if "h" in args.phases:
                        (read, read_calls, _log), (report, report_calls, _log) = fleet.report_and_read()
                        rows.append((f"(h) the report's read alone, N={size}", read_calls, size, read, read))
                        rows.append((f"(h) report.yml, N={size}", report_calls, size, report, read))
        if "e" in args.phases and len(sizes) == 2:
            (gather_10, enforce_10), (gather_n, enforce_n) = sizes[10], sizes[args.hostings]
            grows = (enforce_n - enforce_10) / max(gather_n - gather_10, 1e-9)
            lines.append(f"(e) what grows with the fleet: enforce {enforce_n - enforce_10:.2f} s, gather "
                         f"{gather_n - gather_10:.2f} s, {grows:.2f}x (goal at most 1.2x); whole run "
                         f"{enforce_n - gather_n:+.2f} s over the gather (goal at most +3 s)")
    if "f" in args.phases:
        with acting_fleet(args, 60, workdir, bin_dir, action_delay=args.action_delay) as fleet:
            names = fleet.names[:50]
            startup = fleet.block_startup()[0]
            block, calls, _log = fleet.block(names)
            bound = max(calls * latency / args.concurrency, latency) + args.action_delay
            rows.append((f"(f) block.yml, 50 by name, less start-up {startup:.1f} s", calls, 50, block - startup,
                         bound))
    if "g" in args.phases:
        with acting_fleet(args, args.peer_hostings, workdir, bin_dir) as fleet:
            enforce, enforce_calls, _log = fleet.enforce()
            peer, peer_calls, _log = fleet.per_host_peer()
            rows.append((f"(g) enforce.yml compliant, N={args.peer_hostings}", enforce_calls, args.peer_hostings,
                         enforce, enforce))
            rows.append((f"(g) peer: a play per hosting, forks {args.forks}", peer_calls, args.peer_hostings, peer,
                         enforce))
            lines.append(f"(g) enforce.yml is {peer / enforce:.1f}x as fast as a play per hosting at "
                         f"N={args.peer_hostings}")
    return rows, lines
