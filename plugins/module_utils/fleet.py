# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrent per-hosting gathering.

One HostingApi per worker thread (a ``requests.Session`` is not documented as thread-safe), all sharing the
process's rate limiter and server clock offset: N hostings cost N per-hosting calls plus one ``GET /auth/time``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .errors import HostingApiError


OUTAGE_AFTER = 5


@dataclass
class Outcome:
    """What ``fetch`` gave for one hosting: ``value``, or the ``error`` it raised."""

    service_name: str
    value: Any = None
    error: HostingApiError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def concurrency_problem(concurrency) -> str | None:
    """Why ``concurrency`` is no number of hostings to read at a time, or None."""
    if concurrency < 1:
        return "concurrency must be 1 or more, got %r" % (concurrency,)
    return None


def failure_message(errors, total, verb="could not be read") -> str:
    """What a fleet task fails with: how many of the ``total`` hostings failed, and each failure; the hostings
    not tried because of an outage are one clause, not one line each."""
    tried = [str(error) for error in errors if not isinstance(error, NotTried)]
    untried = [error for error in errors if isinstance(error, NotTried)]
    text = "%d of %d hostings %s" % (len(errors), total, verb)
    if tried:
        text += ": " + "; ".join(tried)
    if untried:
        text += "%s%s" % ("; " if tried else ": ", untried[0].outage_summary(len(untried)))
    return text


class NotTried(HostingApiError):
    """A hosting left out of a fleet task because the API was unreachable for every hosting before it."""

    def __init__(self, service_name, outage):
        super().__init__("not tried: %s" % outage.describe(), service_name=service_name)
        self.outage = outage

    def outage_summary(self, count) -> str:
        return "%s; %d hosting(s) were not tried" % (self.outage.describe(), count)


class OutageBreaker:
    """Stops a fleet task early when the endpoint refuses or times out for every hosting in a row.

    After ``threshold`` hostings in a row failed without any HTTP answer (connection refused, timeout, reset),
    the remaining hostings are not tried: each would cost the client's full retries, minutes over a fleet, for
    the same outage. Any answer, even an error, resets the count.
    """

    def __init__(self, threshold):
        self.threshold = threshold
        self._lock = threading.Lock()
        self._in_a_row = 0
        self.last_error = None

    @property
    def tripped(self) -> bool:
        return self._in_a_row >= self.threshold

    def record(self, error):
        with self._lock:
            if error is not None and error.status is None and error.ambiguous:
                self._in_a_row += 1
                self.last_error = error
            else:
                self._in_a_row = 0

    def describe(self) -> str:
        return "the API is unreachable (%s), %d hostings in a row failed with no answer" % (
            self.last_error.message, self._in_a_row)


def gather(api, service_names, fetch, concurrency=8) -> list:
    """``fetch(client, service_name)`` for every name, ``concurrency`` at a time; Outcomes in the input order.

    A HostingApiError from one hosting is kept in its Outcome and does not stop the others; any other exception
    is a bug and propagates. When the API does not answer at all for OUTAGE_AFTER hostings in a row (or
    ``concurrency``, if more), the rest get a NotTried error without a call.
    """
    problem = concurrency_problem(concurrency)
    if problem:
        raise ValueError(problem)
    names = list(service_names)
    if not names:
        return []
    local = threading.local()
    # Enough failures in a row that every worker has seen the outage, and never fewer than a few.
    breaker = OutageBreaker(max(OUTAGE_AFTER, concurrency))

    def one(name):
        if breaker.tripped:
            return Outcome(name, error=NotTried(name, breaker))
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = api.for_thread()
        try:
            outcome = Outcome(name, value=fetch(client, name))
        except HostingApiError as error:
            outcome = Outcome(name, error=error)
        breaker.record(outcome.error)
        return outcome

    if concurrency == 1 or len(names) == 1:
        local.client = api  # no other thread: the caller's client (and session) will do
        return [one(name) for name in names]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(names)), thread_name_prefix="ovh-hosting") as pool:
        return list(pool.map(one, names))
