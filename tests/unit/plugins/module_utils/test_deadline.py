# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deadline: an attempt's sockets are shut down when its deadline passes, and only that attempt's; a deadline
that ended first cuts nothing; the connection classes hand their sockets to the deadline of their thread.

Socket pairs stand in for connections. The reads that wait for a cut have a socket timeout of 10 s, so that a
cut that never comes fails the test instead of hanging it."""

from __future__ import annotations

import socket
import threading

import requests
import urllib3

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import deadline as deadline_module
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.deadline import (
    Deadline, DeadlineAdapter, current, watch_session)


def pair():
    ours, theirs = socket.socketpair()
    ours.settimeout(10)
    return ours, theirs


def test_a_read_blocked_past_the_deadline_ends_with_end_of_file():
    ours, theirs = pair()
    with ours, theirs, Deadline(0.2) as deadline:
        deadline.watch(ours)
        assert ours.recv(1) == b""  # woken by the shutdown; without it, the 10 s socket timeout
        assert deadline.expired


def test_a_socket_handed_over_after_the_deadline_is_shut_at_once():
    ours, theirs = pair()
    with ours, theirs:
        deadline = Deadline(30)
        deadline.expire()  # as the watchdog does
        deadline.watch(ours)
        assert ours.recv(1) == b""
        assert deadline.expired


def test_a_deadline_that_ended_first_cuts_nothing():
    ours, theirs = pair()
    with ours, theirs:
        with Deadline(30) as deadline:
            deadline.watch(ours)
        deadline.expire()  # the watchdog comes late
        assert not deadline.expired
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"


def test_the_deadline_is_the_threads_own_and_ends_with_the_block():
    seen = {}
    with Deadline(30) as outer:
        assert current() is outer
        worker = threading.Thread(target=lambda: seen.update(worker=current()))
        worker.start()
        worker.join()
        with Deadline(30) as inner:
            assert current() is inner
        assert current() is outer
    assert current() is None
    assert seen == {"worker": None}


def test_only_the_attempts_past_their_deadline_are_cut_among_concurrent_ones():
    """Eight threads, one deadline each: the four short ones are cut, the four long ones get their answer."""
    results = {}
    pairs = [pair() for index in range(8)]
    short_done = threading.Barrier(5)

    def attempt(index):
        ours = pairs[index][0]
        short = index % 2 == 1
        with Deadline(0.3 if short else 30) as deadline:
            deadline.watch(ours)
            results[index] = (ours.recv(1), deadline.expired)
        if short:
            short_done.wait(10)

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    short_done.wait(10)  # every short one was cut, while the long ones still wait
    for index in range(0, 8, 2):
        pairs[index][1].sendall(b"x")
    for thread in threads:
        thread.join(10)
    for ours, theirs in pairs:
        ours.close()
        theirs.close()
    assert results == {index: (b"", True) if index % 2 else (b"x", False) for index in range(8)}


class Recorder:
    """A urllib3-like connection: what _new_conn was given as its connect timeout."""

    timeout = 30
    sock = None

    def _new_conn(self):
        self.connect_timeout = self.timeout
        ours, self.theirs = pair()
        return ours

    def request(self, *args, **kwargs):
        return "sent"


class Hooked(deadline_module._Watched, Recorder):
    pass


def test_the_connect_gets_no_more_than_the_time_left():
    connection = Hooked()
    with Deadline(5):
        sock = connection._new_conn()
    assert 0 < connection.connect_timeout <= 5
    sock.close()
    connection.theirs.close()


def test_a_new_socket_and_a_reused_connection_are_handed_to_the_deadline():
    connection = Hooked()
    with Deadline(30) as first:
        connection.sock = connection._new_conn()
        assert connection.request("GET", "/") == "sent"
        assert len(first._handles) == 1  # the new socket, once
    with Deadline(30) as second:
        connection.request("GET", "/")  # kept alive: this attempt's too
        assert len(second._handles) == 1
        second.expire()
    assert connection.sock.recv(1) == b""
    connection.sock.close()
    connection.theirs.close()


def test_without_a_deadline_the_connection_is_left_alone():
    connection = Hooked()
    sock = connection._new_conn()
    assert connection.connect_timeout == 30
    assert connection.request("GET", "/") == "sent"
    sock.close()
    connection.theirs.close()


def test_a_watched_session_uses_the_hooked_connections_direct_and_through_a_proxy():
    session = requests.Session()
    watch_session(session)
    adapter = session.get_adapter("https://eu.api.ovh.com/1.0")
    assert isinstance(adapter, DeadlineAdapter)
    assert session.get_adapter("http://127.0.0.1:8080/1.0") is not adapter  # one each, as requests mounts them
    for manager in (adapter.poolmanager, adapter.proxy_manager_for("http://proxy.example.test:3128")):
        for scheme, base in (("http", urllib3.HTTPConnectionPool), ("https", urllib3.HTTPSConnectionPool)):
            pool = manager.pool_classes_by_scheme[scheme]
            assert issubclass(pool, base)
            assert issubclass(pool.ConnectionCls, base.ConnectionCls)
            assert issubclass(pool.ConnectionCls, deadline_module._Watched)
