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


def failure_message(failures, total) -> str:
    """What a fleet read fails with: how many of the ``total`` hostings could not be read, and each failure."""
    return "%d of %d hostings could not be read: %s" % (len(failures), total, "; ".join(failures))


def gather(api, service_names, fetch, concurrency=8) -> list:
    """``fetch(client, service_name)`` for every name, ``concurrency`` at a time; Outcomes in the input order.

    A HostingApiError from one hosting is kept in its Outcome and does not stop the others; any other exception
    is a bug and propagates.
    """
    problem = concurrency_problem(concurrency)
    if problem:
        raise ValueError(problem)
    names = list(service_names)
    if not names:
        return []
    local = threading.local()

    def one(name):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = api.for_thread()
        try:
            return Outcome(name, value=fetch(client, name))
        except HostingApiError as error:
            return Outcome(name, error=error)

    if concurrency == 1 or len(names) == 1:
        local.client = api  # no other thread: the caller's client (and session) will do
        return [one(name) for name in names]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(names)), thread_name_prefix="ovh-hosting") as pool:
        return list(pool.map(one, names))
