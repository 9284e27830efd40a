# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.gather against a mocked API: one client per thread, one /auth/time, errors kept per hosting."""

from __future__ import annotations

import threading

import pytest
import responses

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import gather

from ovh_api_mock import API, CREDENTIALS, call_list

NAMES = ["h%02d.example.org" % i for i in range(20)]


def test_n_hostings_cost_n_calls_and_one_clock_read_whatever_the_threads(fake_time):
    clients = set()
    threads = set()
    lock = threading.Lock()

    def read(client, name):
        with lock:
            clients.add(id(client))
            threads.add(threading.get_ident())
        return client.get_email(name)["state"]

    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        for name in NAMES:
            mock.get(API + "/hosting/web/%s/email" % name, json={"state": "ok" if name != "h07.example.org" else "ko"})
        api = HostingApi(**CREDENTIALS)
        outcomes = gather(api, NAMES, read, concurrency=6)
        calls = call_list(mock)
    assert [o.service_name for o in outcomes] == NAMES
    assert [o.value for o in outcomes] == ["ko" if n == "h07.example.org" else "ok" for n in NAMES]
    assert calls.count(("GET", "/auth/time")) == 1 and calls[0] == ("GET", "/auth/time")
    assert sorted(calls[1:]) == sorted(("GET", "/hosting/web/%s/email" % n) for n in NAMES)
    assert len(clients) == len(threads)  # one client per worker thread


def test_one_failure_does_not_stop_the_others(fake_time):
    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.get(API + "/hosting/web/a.example/email", json={"state": "ok"})
        mock.get(API + "/hosting/web/b.example/email", status=404, json={"message": "This service does not exist"})
        outcomes = gather(HostingApi(**CREDENTIALS), ["a.example", "b.example", "Bad/Name"],
                          lambda client, name: client.get_email(name), concurrency=3)
    assert outcomes[0].ok and outcomes[0].value == {"state": "ok"}
    assert not outcomes[1].ok and outcomes[1].error.status == 404
    assert isinstance(outcomes[2].error, HostingApiError) and "not a hosting service name" in str(outcomes[2].error)


def test_sequential_uses_the_callers_client(fake_time):
    api = HostingApi(**CREDENTIALS)
    seen = []
    gather(api, ["a.example", "b.example"], lambda client, name: seen.append(client), concurrency=1)
    assert seen == [api, api]


def test_bugs_are_not_swallowed():
    def broken(client, name):
        raise KeyError("state")

    with pytest.raises(KeyError):
        gather(HostingApi(**CREDENTIALS), ["a.example", "b.example"], broken, concurrency=2)


def test_empty_and_bad_concurrency():
    assert gather(None, [], lambda c, n: None) == []
    with pytest.raises(ValueError):
        gather(None, ["a.example"], lambda c, n: None, concurrency=0)
