# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deadline: the time one HTTP attempt may take, from connecting to the last byte of the answer.

requests' ``timeout`` bounds each socket operation, not the exchange: a server that sends one byte a second
never trips it, and holds the call for as long as it likes. Here the attempts under way have a deadline each,
held by one watchdog thread per process; when one passes, the watchdog shuts down that attempt's sockets, so
the read blocked on them ends at once (end of file), whatever the phase: TLS handshake, headers or body.

The sockets are handed over by the connection classes of the pools that ``watch_session`` gives a session:
urllib3's own, with two hooks, one for a new socket and one for a kept-alive connection sent a new request.
Each hands the socket to the deadline of the attempt running in its thread (a thread-local: requests sends a
request from the thread that makes it). The deadline keeps a duplicate of the socket's descriptor of its own, so
that it can shut the connection down from the watchdog thread without touching urllib3's socket objects (TLS
wrapping replaces them) and without racing their close. Only name resolution cannot be cut; the TCP connect is
given no more than the time left, to each address of the host that urllib3 tries in turn.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import os
import socket
import threading
from time import monotonic  # bound here: the watchdog runs on the real clock, whatever a test does to time

try:
    import requests.adapters
except ImportError:  # client.py reports the missing library
    requests = None

_local = threading.local()


def current() -> Deadline | None:
    """The deadline of the attempt running in this thread, or None."""
    return getattr(_local, "deadline", None)


class Deadline:
    """One attempt's deadline, ``seconds`` from now; ``with Deadline(s):`` around the whole exchange.

    ``expired`` is set by the watchdog when the deadline passes before the block ends; the attempt then fails,
    also when a read cut short happened to look like a complete answer.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.due = monotonic() + seconds
        self.expired = False
        self.finished = False
        self._lock = threading.Lock()
        self._handles = []
        self._outer = None

    def __enter__(self):
        self._outer = current()
        _local.deadline = self
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc_info):
        _local.deadline = self._outer
        with self._lock:
            self.finished = True
            for handle in self._handles:
                handle.close()
            self._handles = []
        return False

    def remaining(self) -> float:
        return self.due - monotonic()

    def watch(self, sock):
        """Cut ``sock`` too when the deadline passes (at once if it has passed)."""
        try:
            handle = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError):  # closed meanwhile: nothing left to cut
            return
        with self._lock:
            if self.finished:
                handle.close()
            elif self.expired:
                _shut(handle)
                handle.close()
            else:
                self._handles.append(handle)

    def expire(self):
        """The watchdog's call when the deadline passes."""
        with self._lock:
            # Under the lock: __exit__ closes the handles under it, so none is shut after its descriptor is freed.
            if self.finished:
                return
            self.expired = True
            for handle in self._handles:
                _shut(handle)


def _shut(handle):
    try:
        handle.shutdown(socket.SHUT_RDWR)  # wakes a recv() blocked in another thread, which close() does not
    except OSError:
        pass  # already disconnected


class _Watchdog:
    """One daemon thread holding every deadline of the process in a heap, started with the first one.

    An attempt that ends does not wake it: finished deadlines are dropped from the top of the heap when the
    watchdog wakes or a deadline is added. It is woken only by a deadline earlier than the one it waits for,
    which, with one timeout for every call, does not happen; so a call costs a heap push, not a thread switch.
    """

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the thread does not survive a fork; its lock may not

    def _reset(self):
        self._cond = threading.Condition(threading.Lock())
        self._heap = []
        self._order = itertools.count()
        self._thread = None
        self._waiting_until = None

    def add(self, deadline):
        with self._cond:
            self._drop_finished()
            heapq.heappush(self._heap, (deadline.due, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ovh-hosting-deadlines", daemon=True)
                self._thread.start()
            elif self._waiting_until is None or deadline.due < self._waiting_until:
                self._cond.notify()

    def _drop_finished(self):
        while self._heap and self._heap[0][2].finished:
            heapq.heappop(self._heap)

    def _run(self):
        with self._cond:
            while True:
                self._drop_finished()
                now = monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                    self._drop_finished()
                self._waiting_until = self._heap[0][0] if self._heap else None
                self._cond.wait(None if self._waiting_until is None else self._waiting_until - now)


_WATCHDOG = _Watchdog()


class _Watched:
    """The hooks mixed into urllib3's connection classes (urllib3 1.26 and 2.x both have these methods)."""

    def _new_conn(self):
        deadline = current()
        if deadline is None:
            return super()._new_conn()
        # The socket is not ours until connected: give the connect no more than the time left (urllib3 gives it
        # to each address of the host in turn).
        left = max(deadline.remaining(), 0.001)
        if not isinstance(self.timeout, (int, float)) or self.timeout > left:  # None: no timeout of its own
            self.timeout = left
        sock = super()._new_conn()
        deadline.watch(sock)
        self._watched_by = deadline
        return sock

    def request(self, *args, **kwargs):
        deadline = current()
        if deadline is not None and self.sock is not None and getattr(self, "_watched_by", None) is not deadline:
            deadline.watch(self.sock)  # a kept-alive connection, now serving this attempt
            self._watched_by = deadline
        return super().request(*args, **kwargs)


@functools.lru_cache(maxsize=None)
def _watched_pool(pool_class):
    connection_class = type("Watched" + pool_class.ConnectionCls.__name__, (_Watched, pool_class.ConnectionCls), {})
    return type("Watched" + pool_class.__name__, (pool_class,), {"ConnectionCls": connection_class})


def _watch_manager(manager):
    manager.pool_classes_by_scheme = {scheme: _watched_pool(pool_class)
                                      for scheme, pool_class in manager.pool_classes_by_scheme.items()}
    return manager


if requests is not None:
    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        """An HTTPAdapter whose connections, direct or through a proxy, serve the attempts' deadlines."""

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            _watch_manager(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            return _watch_manager(super().proxy_manager_for(proxy, **proxy_kwargs))


def watch_session(session):
    """Send ``session``'s requests through connections that the deadlines can cut."""
    for prefix in ("https://", "http://"):
        session.mount(prefix, DeadlineAdapter())
