# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RateLimiter: requests per second shared by every thread of a process, and a shared pause after a 429."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Fixed spacing between requests (``1 / rate`` seconds), shared by every thread that holds it.

    Each caller reserves the next free slot under a lock and sleeps outside it, so N threads together never exceed
    ``rate`` requests per second; one that wakes late, right after another went, takes a new slot rather than
    going with it. ``pause(seconds)`` (after a 429) pushes the next slot for everyone, so the whole
    client slows down, not only the thread that was told to. ``rate=None`` means no limit (pauses still apply).
    The clock is monotonic; clock and sleep are injectable for tests.
    """

    def __init__(self, rate=None, clock=None, sleep=None):
        if rate is not None and rate <= 0:
            raise ValueError("rate_limit must be a positive number of requests per second, got %r" % (rate,))
        self.rate = rate
        self._interval = 1.0 / rate if rate else 0.0
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._lock = threading.Lock()
        self._next_slot = None
        self._last_release = None
        self._pauses = 0  # how many pauses were asked for: a caller that slept through a new one must wait it out

    def acquire(self) -> float:
        """Wait for this caller's slot; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                slot = now if self._next_slot is None else max(now, self._next_slot)
                self._next_slot = slot + self._interval
                pauses_seen = self._pauses
            delay = slot - now
            if delay > 0:
                self._sleep(delay)
                waited += delay
            with self._lock:
                now = self._clock()
                # Threads that a loaded machine wakes late, together, would go in a burst: a caller more than
                # half a slot late, just after another went, takes a new slot.
                crowded = (now - slot > self._interval / 2 and self._last_release is not None
                           and now - self._last_release < self._interval)
                if self._pauses == pauses_seen and not crowded:
                    self._last_release = now
                    return waited
            # A 429 paused the client while this caller slept toward a slot reserved before it, or it woke too
            # late: that slot is void, take a new one.

    def pause(self, seconds: float) -> None:
        """No request from any thread before ``seconds`` from now (the server asked to slow down)."""
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            if self._next_slot is None or self._next_slot < until:
                self._next_slot = until
            self._pauses += 1
