# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_events source watching a simulated fleet: detection latency, calls per poll, the rate limit.

Starts ``ovhsim serve`` in its own process, seeds a healthy fleet, and runs the event source's ``main(queue, args)``
in this process with an asyncio queue, as ansible-rulebook runs it. Then, in one run:

  (1) detection: a bounce burst (``/_sim/send``: 100 mails, one recipient of 14 always bounces, 7 %, over the
      watch's 5 % and under the simulator's own 10 %) on each of ``--bursts`` hostings in turn, with the source
      polling every ``--interval`` s; the time from the burst to the ``bounce_ratio_over`` event on the queue, in
      seconds and in polls started after the burst, against the bound interval + one poll;
  (2) calls per poll, from the simulator's request log: each poll against N + 1 plus the bounce reads of the
      hostings whose bounce counter moved since the previous poll (the bursts' victims, one read each);
  (3) the rate limit of a watch of 1,000 hostings at ``interval: 60`` with ``rate_limit: 1``, scaled down in time:
      N' hostings at R' requests a second and an interval of 60 s / k, with k = (1000 / N') x (R' / 1), so that a
      poll (N + 1 calls at R a second, 1001 s at full scale) is as many intervals long as at full scale. The poll
      outlasts the interval, so the source polls again at once (and logs it); the busiest one-second window of the
      request log against R' + 1, and the period of a poll against (N' + 1) / R'.

    python bench/watch.py [--hostings 100] [--interval 1] [--bursts 5]
                          [--watch-hostings 200] [--watch-rate-limit 10] [--watch-polls 3]

About 2 minutes at its defaults. A benchmark, not a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import contextlib
import logging
import os
import random
import runpy
import statistics
import sys
import tempfile
import time
from pathlib import Path

from collection_link import collections_root
from ovhsim.testing import admin_call, serving_process

SOURCE = "ansible_collections/mailops/ovh_hosting/extensions/eda/plugins/event_source/email_events.py"
BOUNCING = "nobody@bounce.example.net"
RECIPIENTS = ["reader%d@example.org" % number for number in range(13)] + [BOUNCING]
BURST = 100
FULL_HOSTINGS, FULL_RATE, FULL_INTERVAL = 1000, 1.0, 60.0


class Simulator:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.admin_url = endpoint[: -len("/1.0")]
        self.credentials = self.admin("GET", "/_sim/credentials")

    def admin(self, method, path, body=None):
        return admin_call(self.admin_url, method, path, body, timeout=120)

    def log(self) -> list:
        return [entry for entry in self.admin("GET", "/_sim/requests") if entry["path"] != "/auth/time"]

    def source_args(self, **extra) -> dict:
        return dict({"endpoint": self.endpoint, "application_key": self.credentials["application_key"],
                     "application_secret": self.credentials["application_secret"],
                     "consumer_key": self.credentials["consumer_key"]}, **extra)


@contextlib.contextmanager
def simulator(hostings: int, seed: int):
    with serving_process("--fleet", str(hostings), "--profile", "healthy", "--seed", str(seed)) as (endpoint, _p):
        yield Simulator(endpoint)


def is_listing(entry) -> bool:
    return entry["method"] == "GET" and entry["path"].rstrip("/") == "/hosting/web"


def polls_of(log: list) -> list:
    """The log's signed calls cut into polls, each starting at its fleet listing, in the order answered."""
    polls = []
    for entry in sorted(log, key=lambda e: int(e["query_id"].rsplit(".", 1)[1])):
        if is_listing(entry):
            polls.append([])
        if polls:
            polls[-1].append(entry)
    return polls


def busiest_second(entries) -> int:
    times = sorted(entry["timestamp"] for entry in entries)
    return max((bisect.bisect_left(times, start + 1) - index for index, start in enumerate(times)), default=0)


class Watching:
    """The source's main() as a task of this loop, its events on a queue, its log records kept."""

    def __init__(self, source: dict, args: dict):
        self.queue = asyncio.Queue()
        self.records = []
        self.others = []  # the events waited past: (service name, kind)
        handler = logging.Handler()
        handler.emit = self.records.append
        logger = logging.getLogger("mailops.ovh_hosting.email_events")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        self.task = asyncio.create_task(source["main"](self.queue, args))

    async def event(self, service_name: str, kind: str, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = (await asyncio.wait_for(self.queue.get(), left))["email_event"]
            except asyncio.TimeoutError:
                return None
            if (event["service_name"], event["kind"]) == (service_name, kind):
                return event
            self.others.append((event["service_name"], event["kind"]))

    async def stop(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        while not self.queue.empty():  # events after the last one waited for
            event = self.queue.get_nowait()["email_event"]
            self.others.append((event["service_name"], event["kind"]))


async def until(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return False


async def detection(source, args):
    """(1) and (2)."""
    print(f"(1) detection: {args.hostings} hostings, interval {args.interval:g} s, concurrency {args.concurrency}, "
          f"no rate limit, {args.bursts} bursts of {BURST} mails (7 bounce)")
    with simulator(args.hostings, args.seed) as sim:
        hostings = sim.admin("GET", "/_sim/hostings")
        victims = [h["service_name"] for h in hostings if h["state"] == "ok" and h["sent_today"] <= 30
                   and h["hourly_quota"] - h["quota_used_this_hour"] >= BURST]
        random.Random(args.seed).shuffle(victims)
        victims = victims[: args.bursts]
        if len(victims) < args.bursts:
            print(f"note: only {len(victims)} hostings can take a burst in this fleet", file=sys.stderr)
        watching = Watching(source, sim.source_args(interval=args.interval, concurrency=args.concurrency))
        rng = random.Random(args.seed)
        results = []
        try:
            if not await until(lambda: sum(map(is_listing, sim.log())) >= 2, 60):
                raise SystemExit("the source made no second poll in 60 s")
            for victim in victims:
                await asyncio.sleep(rng.uniform(0, args.interval))  # a burst at any phase of the polls
                listings_before = sum(map(is_listing, sim.log()))
                burst = sim.admin("POST", "/_sim/send", {"service_name": victim, "count": BURST,
                                                         "recipients": RECIPIENTS, "bouncing": [BOUNCING]})
                sent_at = time.monotonic()
                state = sim.admin("GET", f"/_sim/hostings/{victim}")["state"]
                event = await watching.event(victim, "bounce_ratio_over", 10 * args.interval + 30)
                seconds = time.monotonic() - sent_at
                polls_after = sum(map(is_listing, sim.log())) - listings_before
                results.append((victim, burst["bounced"], state, event, seconds, polls_after))
            await asyncio.sleep(args.interval * 1.5)  # one more poll after the last event: nothing repeated
        finally:
            await watching.stop()
        log = sim.log()

    polls = polls_of(log)
    durations = [poll[-1]["timestamp"] - poll[0]["timestamp"] for poll in polls[1:]]  # a poll's listing to its last
    poll_time = statistics.median(durations)
    detected = [r for r in results if r[3] is not None]
    for victim, bounced, state, event, seconds, polls_after in results:
        if event is None:
            print(f"    {victim}: {bounced} bounced, state {state}: NO event within the timeout")
        elif args.verbose:
            print(f"    {victim}: {bounced} bounced, state {state}, ratio {event['current']['ratio']}: "
                  f"{seconds:.2f} s, {polls_after} poll(s) started after the burst")
    if detected:
        seconds = [r[4] for r in detected]
        counts = [r[5] for r in detected]
        bound = args.interval + poll_time
        print(f"    detected {len(detected)}/{len(results)}; latency s min {min(seconds):.2f} median "
              f"{statistics.median(seconds):.2f} max {max(seconds):.2f}; bound interval + one poll "
              f"{args.interval:g} + {poll_time:.2f} = {bound:.2f} s; max/bound {max(seconds) / bound:.2f}")
        print(f"    polls started after the burst before its event: {sorted(counts)} (0: the poll under way "
              f"read it)")
    others = collections.Counter(kind if name in {r[0] for r in results} else "on another hosting: " + kind
                                 for name, kind in watching.others)
    print(f"    other events: {dict(others) or 'none'}")

    # (2) each poll: N + 1, plus one bounce read per hosting whose counter moved since the previous poll
    victims_read = {r[0] for r in results}
    rows = []
    for number, poll in enumerate(polls):
        bounce_reads = [e["path"].split("/")[3] for e in poll if e["path"].endswith("/email/bounces")]
        expected = args.hostings + 1 + (len(bounce_reads) if number else 0)  # the baseline reads no bounces
        rows.append((len(poll), expected, bounce_reads))
    complete = rows[:-1]  # the last poll may have been cut short by the stop
    mismatched = [(i, got, want) for i, (got, want, _reads) in enumerate(complete) if got != want]
    all_reads = [name for row in complete for name in row[2]]
    failed = [(e["path"], e["status"]) for e in log if e["status"] != 200]
    print(f"(2) calls per poll: {len(complete)} complete polls, {sum(r[0] for r in complete)} signed calls; "
          f"quiet polls {sorted({r[0] for r in complete if not r[2]})} calls (N + 1 = {args.hostings + 1}), "
          f"polls after a burst {sorted({r[0] for r in complete if r[2]})} (N + 2 = {args.hostings + 2})")
    print(f"    polls off N + 1 + bounce reads: {len(mismatched)} {mismatched[:5]}; bounce reads "
          f"{len(all_reads)} for {len(results)} bursts, all on their victims: {set(all_reads) <= victims_read}, "
          f"one each: {len(all_reads) == len(set(all_reads))}; failed answers {len(failed)}")
    print(f"    poll time (listing to last answer) median {poll_time:.2f} s, max {max(durations):.2f} s")


@contextlib.contextmanager
def released_at():
    """The monotonic times at which the client's rate limiter let a request go, in this process: the simulator's
    timestamps add its own scheduling on a loaded machine."""
    from ansible_collections.mailops.ovh_hosting.plugins.module_utils import rate_limit  # importable once loaded
    times = []
    acquire = rate_limit.RateLimiter.acquire

    def recorded(self):
        waited = acquire(self)
        times.append(time.monotonic())
        return waited

    rate_limit.RateLimiter.acquire = recorded
    try:
        yield times
    finally:
        rate_limit.RateLimiter.acquire = acquire


async def rate_limited(source, args):
    """(3)."""
    hostings, rate = args.watch_hostings, args.watch_rate_limit
    scale = (FULL_HOSTINGS / hostings) * (rate / FULL_RATE)
    interval = FULL_INTERVAL / scale
    print(f"(3) rate limit: {FULL_HOSTINGS} hostings, interval {FULL_INTERVAL:g} s, rate_limit {FULL_RATE:g}, "
          f"scaled by k = {scale:g}: {hostings} hostings, interval {interval:g} s, rate_limit {rate:g}, "
          f"concurrency {args.concurrency}, {args.watch_polls} polls")
    with simulator(hostings, args.seed) as sim, released_at() as releases:
        watching = Watching(source, sim.source_args(interval=interval, rate_limit=rate,
                                                    concurrency=args.concurrency))
        began = time.monotonic()
        try:
            expected = args.watch_polls * (hostings + 1)
            if not await until(lambda: len(sim.log()) >= expected + 1, 3 * expected / rate + 60, step=0.5):
                print("note: the polls did not complete in time", file=sys.stderr)
        finally:
            await watching.stop()
        elapsed = time.monotonic() - began
        log = sim.log()
    polls = polls_of(log)[: args.watch_polls]
    entries = [entry for poll in polls for entry in poll]
    starts = [poll[0]["timestamp"] for poll in polls]
    periods = [b - a for a, b in zip(starts, starts[1:])]
    gaps = [b[0]["timestamp"] - a[-1]["timestamp"] for a, b in zip(polls, polls[1:])]
    period_bound = (hostings + 1) / rate
    at_once = [r for r in watching.records if "polling at once" in r.getMessage()]
    busiest = busiest_second(entries)
    print(f"    {len(entries)} signed calls in {len(polls)} polls ({[len(p) for p in polls]}), {elapsed:.1f} s")
    print(f"    busiest one-second window {busiest} requests; bound rate_limit + 1 = {rate + 1:g}; "
          f"{'holds' if busiest <= rate + 1 else 'OVER'}; mean rate {len(entries) / (entries[-1]['timestamp'] - entries[0]['timestamp']):.2f}/s")
    sent = busiest_second({"timestamp": at} for at in releases)
    print(f"    on the source's clock (the limiter's releases, {len(releases)}): busiest one-second window {sent}; "
          f"{'holds' if sent <= rate + 1 else 'OVER'}")
    if periods:
        print(f"    poll period s {', '.join(f'{p:.2f}' for p in periods)}; bound (N + 1) / R = {period_bound:.2f}; "
              f"max/bound {max(periods) / period_bound:.3f}; gap between polls max {max(gaps):.3f} s "
              f"(one slot 1/R = {1 / rate:.3f} s)")
    print(f"    the source logged 'polling at once' {len(at_once)} time(s)"
          + (f": \"{at_once[0].getMessage()}\"" if at_once else ""))
    if periods:
        # The measured period over its bound, applied to the full-scale bound: k x period would scale the + 1 too.
        full = max(periods) / period_bound * (FULL_HOSTINGS + 1) / FULL_RATE
        print(f"    at full scale: a poll every {full:.0f} s ({full / 60:.1f} min) instead of {FULL_INTERVAL:g} s")


async def run(args):
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = collections_root(Path(tmp))
        # loaded as ansible-rulebook loads it (runpy), through the link, so that it finds its collection
        source = runpy.run_path(os.path.join(root, SOURCE))
        if "1" in args.phases:
            await detection(source, args)
        if "3" in args.phases:
            await rate_limited(source, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostings", type=int, default=100, help="fleet of (1) and (2)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls in (1) and (2)")
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8, help="the source's concurrency (its default)")
    parser.add_argument("--watch-hostings", type=int, default=200, help="fleet of (3)")
    parser.add_argument("--watch-rate-limit", type=float, default=10.0, help="rate_limit of (3)")
    parser.add_argument("--watch-polls", type=int, default=3, help="polls of (3)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--phases", default="13", help="1 (with 2) and/or 3")
    parser.add_argument("--verbose", action="store_true", help="each burst's figures")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs shared with ovhsim, load average {os.getloadavg()[0]:.1f}")
    asyncio.run(run(args))
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine skews every time above)")


if __name__ == "__main__":
    main()
