# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""email_info: N hostings cost N+1 calls plus one /auth/time; bounces and volumes only when asked."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.mailops.ovh_hosting.plugins.modules import email_info

from ovh_api_mock import API, CREDENTIALS, call_list

NAMES = ["h%02d.cluster021.hosting.ovh.net" % i for i in range(12)]
AUTH_TIME = ("GET", "/auth/time")


def email(i):
    return {"bounce": i, "email": "ops@example.com" if i % 2 else None, "maxPerDay": 1000, "sent": 10 * i,
            "sentToday": i, "state": ["ok", "force", "ko", "bounce", "spam", "purging"][i % 6]}


def facts(i):
    raw = email(i)
    return {"service_name": NAMES[i], "state": raw["state"], "sending": raw["state"] in ("ok", "force"),
            "report_recipient": raw["email"], "sent_total": 10 * i, "sent_today": i, "bounced_total": i,
            "max_per_day": 1000}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        yield mock


@pytest.mark.parametrize("concurrency", [1, 4, 8])
def test_every_hosting_costs_n_plus_one_calls(api, run_module, concurrency):
    api.get(API + "/hosting/web", json=NAMES)
    for i, name in enumerate(NAMES):
        api.get(API + "/hosting/web/%s/email" % name, json=email(i))
    result, failed = run_module(email_info.main, dict(CREDENTIALS, concurrency=concurrency))
    assert not failed, result
    calls = call_list(api)
    assert calls[:2] == [AUTH_TIME, ("GET", "/hosting/web")]
    assert sorted(calls[2:]) == [("GET", "/hosting/web/%s/email" % name) for name in NAMES]
    assert len(calls) == len(NAMES) + 2
    assert result == {"changed": False, "hostings": [facts(i) for i in range(len(NAMES))]}


@pytest.mark.parametrize("check_mode", [False, True])
def test_one_hosting(api, run_module, check_mode):
    api.get(API + "/hosting/web/%s/email" % NAMES[3], json=email(3))
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_name=NAMES[3]), check_mode=check_mode)
    assert not failed
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % NAMES[3])]
    assert result["hostings"] == [facts(3)]


def test_a_list_keeps_its_order(api, run_module):
    chosen = [NAMES[5], NAMES[1], NAMES[8]]
    for name in chosen:
        api.get(API + "/hosting/web/%s/email" % name, json=email(NAMES.index(name)))
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_names=chosen, concurrency=3))
    assert not failed
    assert [h["service_name"] for h in result["hostings"]] == chosen
    assert len(call_list(api)) == 4


def test_bounces_and_volumes_when_asked(api, run_module):
    name = NAMES[0]
    base = API + "/hosting/web/%s/email" % name
    api.get(base, json=email(0))
    api.get(base + "/bounces?limit=5", json=[
        {"date": "2026-11-24T10:00:00+01:00", "to": "a@example.org", "message": "550 5.1.1 User unknown"},
        {"date": "2026-11-25T10:00:00+01:00", "to": "b@example.org", "message": "552 5.2.2 Mailbox full"},
    ])
    api.get(base + "/volumes", json=[{"date": "2026-11-25T00:00:00+01:00", "volume": 7},
                                     {"date": "2026-11-24T00:00:00+01:00", "volume": 3}])
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_name=name, bounces=5, volumes=True))
    assert not failed
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % name),
                              ("GET", "/hosting/web/%s/email/bounces?limit=5" % name),
                              ("GET", "/hosting/web/%s/email/volumes" % name)]
    hosting = result["hostings"][0]
    assert hosting["bounces"] == [
        {"date": "2026-11-25T10:00:00+01:00", "to": "b@example.org", "message": "552 5.2.2 Mailbox full",
         "category": "mailbox_full"},
        {"date": "2026-11-24T10:00:00+01:00", "to": "a@example.org", "message": "550 5.1.1 User unknown",
         "category": "unknown_user"},
    ]
    assert hosting["volumes"] == [{"date": "2026-11-24T00:00:00+01:00", "volume": 3},
                                  {"date": "2026-11-25T00:00:00+01:00", "volume": 7}]


def test_404_on_bounces_and_volumes_is_none(api, run_module):
    name = NAMES[0]
    base = API + "/hosting/web/%s/email" % name
    api.get(base, json=email(0))
    api.get(base + "/bounces?limit=100", status=404, json={"message": "Not found"})
    api.get(base + "/volumes", status=404, json={"message": "Not found"})
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_name=name, bounces=100, volumes=True))
    assert not failed
    assert result["hostings"][0]["bounces"] == [] and result["hostings"][0]["volumes"] == []


def test_failures_name_each_hosting(api, run_module):
    api.get(API + "/hosting/web/%s/email" % NAMES[0], json=email(0))
    api.get(API + "/hosting/web/%s/email" % NAMES[1], status=403,
            json={"errorCode": "NOT_GRANTED_CALL", "message": "This call has not been granted"},
            headers={"X-Ovh-QueryID": "EU.q9"})
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_names=NAMES[:2]))
    assert failed
    assert result["msg"].startswith("1 of 2 hostings could not be read: hosting %s: GET /hosting/web/%s/email "
                                    "failed (HTTP 403 NOT_GRANTED_CALL)" % (NAMES[1], NAMES[1]))
    assert "EU.q9" in result["msg"] and "'GET /hosting/web/*/email'" in result["msg"]
    assert result["hostings"] == [facts(0)]


def test_unreadable_hostings_are_returned_beside_those_read(api, run_module, fake_time):
    """A 500 after every retry on one hosting, a 404 on another: the rest is read, and each failed one is
    described in 'unreadable' (its last answer's status, OVH's message and query id, the call)."""
    broken, gone = NAMES[1], NAMES[2]
    api.get(API + "/hosting/web", json=NAMES[:4])
    for i in (0, 3):
        api.get(API + "/hosting/web/%s/email" % NAMES[i], json=email(i))
    api.get(API + "/hosting/web/%s/email" % broken, status=500, json={"message": "Internal server error"},
            headers={"X-Ovh-QueryID": "EU.q500"})
    api.get(API + "/hosting/web/%s/email" % gone, status=404,
            json={"class": "Client::NotFound", "message": "The requested object (serviceName = %s) does not exist"
                  % gone}, headers={"X-Ovh-QueryID": "EU.q404"})
    result, failed = run_module(email_info.main, dict(CREDENTIALS, retries=2, concurrency=1))
    assert failed
    reads = [("GET", "/hosting/web/%s/email" % name) for name in [NAMES[0]] + [broken] * 3 + [gone, NAMES[3]]]
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web")] + reads
    assert len(fake_time.sleeps) == 2  # the two retries of the 500; a 404 is not retried
    assert result["hostings"] == [facts(0), facts(3)]
    assert [entry.pop("summary") for entry in result["unreadable"]] == result["failures"]
    assert result["unreadable"] == [
        {"service_name": broken, "call": "GET /hosting/web/%s/email" % broken, "status": 500, "query_id": "EU.q500",
         "message": "Internal server error"},
        {"service_name": gone, "call": "GET /hosting/web/%s/email" % gone, "status": 404, "query_id": "EU.q404",
         "message": "The requested object (serviceName = %s) does not exist" % gone},
    ]
    assert [failure.split(":")[0] for failure in result["failures"]] == ["hosting " + broken, "hosting " + gone]
    assert result["msg"].startswith("2 of 4 hostings could not be read: ")


def test_unreadable_names_the_access_rule_a_key_lacks(api, run_module):
    name = NAMES[0]
    api.get(API + "/hosting/web/%s/email" % name, json=email(0))
    api.get(API + "/hosting/web/%s/email/volumes" % name, status=403,
            json={"errorCode": "NOT_GRANTED_CALL", "message": "This call has not been granted"})
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_name=name, volumes=True))
    assert failed
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % name),
                              ("GET", "/hosting/web/%s/email/volumes" % name)]
    assert result["hostings"] == []
    assert result["unreadable"][0].pop("summary") == result["failures"][0]
    assert result["unreadable"] == [{
        "service_name": name, "call": "GET /hosting/web/%s/email/volumes" % name, "status": 403, "query_id": None,
        "message": "This call has not been granted: the consumer key needs the access rule "
                   "'GET /hosting/web/*/email/volumes'",
    }]


@pytest.mark.parametrize("status, body", [
    (403, {"errorCode": "INVALID_CREDENTIAL", "message": "This credential is not valid"}),
    (400, {"message": "Invalid signature"}),
])
def test_refused_credentials_are_no_unreadable_hostings(api, run_module, status, body):
    """The key itself refused: no hosting is to blame, so no 'unreadable' (a report of them would mislead)."""
    for name in NAMES[:2]:
        api.get(API + "/hosting/web/%s/email" % name, status=status, json=body)
    result, failed = run_module(email_info.main, dict(CREDENTIALS, service_names=NAMES[:2], concurrency=1))
    assert failed
    assert call_list(api) == [AUTH_TIME] + [("GET", "/hosting/web/%s/email" % name) for name in NAMES[:2]]
    assert "unreadable" not in result and result["hostings"] == [] and len(result["failures"]) == 2
    assert result["msg"].startswith("2 of 2 hostings could not be read: hosting %s: GET " % NAMES[0])


def test_listing_failure(api, run_module):
    api.get(API + "/hosting/web", status=403, json={"errorCode": "NOT_GRANTED_CALL",
                                                    "message": "This call has not been granted"})
    result, failed = run_module(email_info.main, dict(CREDENTIALS))
    assert failed and "'GET /hosting/web'" in result["msg"]
    assert "unreadable" not in result and "hostings" not in result  # nothing was read: no report to write


@pytest.mark.parametrize("args, message", [
    (dict(bounces=101), "bounces must be a number of bounces between 0 and 100, got 101"),
    (dict(bounces=-1), "bounces must be a number of bounces between 0 and 100, got -1"),
    (dict(bounces=True), "bounces must be a number of bounces between 0 and 100, got True"),
    (dict(concurrency=0), "concurrency must be 1 or more"),
    (dict(service_names=["ok.example", "bad/name"]), "service_names: 'bad/name' is not a hosting service name"),
    (dict(service_name="UPPER.example"), "service_name: 'UPPER.example' is not a hosting service name"),
    (dict(service_name="ok.example", service_names=["ok.example"]), "mutually exclusive"),
    (dict(volumes="perhaps"), "volumes"),
])
def test_bad_arguments_fail_before_any_call(run_module, args, message):
    with responses.RequestsMock() as mock:
        result, failed = run_module(email_info.main, dict(CREDENTIALS, **args))
        assert not mock.calls
    assert failed and message in result["msg"]
