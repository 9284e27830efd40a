# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's rate limit holds across the worker threads of a fleet read, as the simulator saw the requests.

The simulator logs each request with the time it came in (``received``, to the millisecond; not the time it was
answered, since answers queue behind one another), so the checks count the signed requests (the limited ones) in
every one-second window that starts at one. At a spacing of 1/R, R + 1 fit in such a window as soon as the times
jitter by a millisecond; the tolerance of 2 more is for requests sent later than their slot on a busy machine.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from fleet_support import signed

TOLERANCE = 2
BOUND = 20 + 1 + TOLERANCE  # at rate_limit 20


def busiest_second(entries):
    """The most requests received within one second of one another: [t, t + 1) for each request's time t."""
    times = sorted(entry["received"] for entry in entries)
    return max(bisect.bisect_left(times, start + 1) - index for index, start in enumerate(times))


def test_rate_limit_holds_across_threads(fleet):
    names = fleet.seed(60)
    mark = fleet.log_mark()

    listing = fleet.inventory(fleet.config(concurrency=8, rate_limit=20))

    entries = fleet.since(mark)
    assert len(signed(entries)) == 1 + len(names)
    assert sorted(listing["_meta"]["hostvars"]) == names
    assert busiest_second(signed(entries)) <= BOUND
    times = [entry["received"] for entry in signed(entries)]
    assert max(times) - min(times) >= 3.0 - 0.1  # 60 intervals of 1/20 s between 61 requests, minus jitter


def test_without_a_limit_the_same_read_bursts(fleet):
    """The control of the test above: the check does see a burst when nothing paces the threads."""
    fleet.seed(60)
    mark = fleet.log_mark()

    fleet.inventory(fleet.config(concurrency=8))

    assert busiest_second(signed(fleet.since(mark))) > BOUND


def test_a_429_holds_back_every_thread(fleet):
    """A 429 with Retry-After: 2 on one hosting pauses all workers, not only the one that got it."""
    names = fleet.seed(24)
    throttled = names[2]
    fleet.sim.admin("POST", "/_sim/faults", {"rules": [
        {"route": "/hosting/web/%s/email" % throttled, "rate_429": 1.0, "retry_after": 2},
    ]})
    mark = fleet.log_mark()

    # 10 requests a second over 4 threads: without a shared pause the others would go on at that pace.
    concurrency = 4
    # retries 0: not even a 429 is sent again, so the throttled hosting ends unknown after one.
    listing = fleet.inventory(fleet.config(concurrency=concurrency, rate_limit=10, retries=0))

    entries = signed(fleet.since(mark))
    refused = [entry for entry in entries if entry["status"] == 429]
    assert [entry["path"] for entry in refused] == ["/hosting/web/%s/email" % throttled]
    # The second after the one of the first 429 lies wholly within its 2 s Retry-After. Only the other threads'
    # requests whose slot was reserved before the 429 came back may fall in it (at most one per thread, within
    # 0.3 s); without a shared pause the others would go on at 10 a second.
    next_second = (datetime.fromisoformat(refused[0]["time"]) + timedelta(seconds=1)).isoformat()
    held = [entry for entry in entries if entry["time"] == next_second]
    assert len(held) <= concurrency - 1, held
    # and the read resumed after the pause, for every other hosting
    assert sum(1 for entry in entries if entry["status"] == 200) == 1 + len(names) - 1
    assert listing["email_unknown"]["hosts"] == [throttled]
