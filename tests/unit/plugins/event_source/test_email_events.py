# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_events event source against a mocked API: the exact calls of each poll, the baseline, each event kind
once, the state file, faults and bad arguments. The source is loaded as ansible-rulebook loads it (runpy)."""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses
import yaml

from ovh_api_mock import API, CREDENTIALS, call_list
from support.collection import REPO
NAMES = ["a.example.org", "b.example.org", "c.example.org"]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc).timestamp()


def load_source():
    """The source's globals: runpy, as ansible-rulebook loads it, of the checkout's file (the path under
    ansible_collections/ belongs to Ansible's collection loader, which these tests install)."""
    return runpy.run_path(str(REPO / "extensions/eda/plugins/event_source/email_events.py"))


@pytest.fixture(scope="module")
def source():
    return load_source()


class ListQueue:
    """What ansible-rulebook's queue gets, as a list."""

    def __init__(self):
        self.events = []

    async def put(self, event):
        self.events.append(event)


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


def email(state="ok", sent_today=0, bounce=0):
    return {"state": state, "sent": 1000 + sent_today, "sentToday": sent_today, "bounce": bounce,
            "maxPerDay": 5000, "email": "ops@example.org"}


def bounce(minutes_ago, now=T0):
    when = datetime.fromtimestamp(now, timezone.utc) - timedelta(minutes=minutes_ago)
    return {"date": when.isoformat(), "to": "x@example.net", "message": "550 5.1.1 User unknown"}


def mock_fleet(mock, emails, bounces=None, clock=True):
    """GET /hosting/web and each hosting's email; bounces for the names given; /auth/time, read once a process."""
    if clock:
        mock.get(API + "/auth/time", json=1)
    mock.get(API + "/hosting/web", json=list(emails))
    for name, body in emails.items():
        if isinstance(body, int):
            mock.get(API + "/hosting/web/%s/email" % name, status=body, json={"message": "Internal error"},
                     headers={"X-Ovh-QueryID": "EU.ext-1.abc"})
        else:
            mock.get(API + "/hosting/web/%s/email" % name, json=body)
    for name, items in (bounces or {}).items():
        if isinstance(items, int):  # a status: the bounce read fails
            mock.get(API + "/hosting/web/%s/email/bounces?limit=100" % name, status=items,
                     json={"message": "Internal error"}, headers={"X-Ovh-QueryID": "EU.ext-1.def"})
        else:
            mock.get(API + "/hosting/web/%s/email/bounces?limit=100" % name, json=items)


def watch(source, clock=None, **args):
    options = source["settings"](dict(CREDENTIALS, **args))
    return source["Watch"](source["client"](options), options, clock=clock or Clock())


def poll(source, w, emails, bounces=None):
    with responses.RequestsMock() as mock:
        mock_fleet(mock, emails, bounces, clock=w.api.server_clock.offset is None)
        events = w.poll()
        calls = [c for c in call_list(mock) if c != ("GET", "/auth/time")]
    # The list first, then the hostings concurrently (in any order), then the bounces of those that moved.
    reads = sorted(c for c in calls[1:] if c[1].endswith("/email"))
    return [e["email_event"] for e in events], calls[:1] + reads + [c for c in calls[1:] if c not in reads]


def fleet_calls(names=None):
    names = names or NAMES
    return [("GET", "/hosting/web")] + [("GET", "/hosting/web/%s/email" % n) for n in names]


def test_documentation_schema_and_defaults_name_the_same_arguments(source):
    documented = yaml.safe_load(source["DOCUMENTATION"])["options"]
    schema = json.loads((REPO / "extensions/eda/plugins/event_source/schemas/email_events.json").read_text())
    accepted = set(source["DEFAULTS"]) | set(source["_TEXT"])
    assert set(documented) == set(schema["properties"]) == accepted
    for name, default in source["DEFAULTS"].items():
        assert documented[name].get("default") == default == schema["properties"][name].get("default"), name
    assert isinstance(yaml.safe_load(source["EXAMPLES"]), list)


def test_numbers_and_booleans_as_a_rulebook_template_renders_them(source):
    options = source["settings"]({"interval": "1", "max_bounce_ratio": "0.05", "emit_initial": "true",
                                  "state_file": ""})
    assert options["interval"] == 1.0 and options["max_bounce_ratio"] == 0.05
    assert options["emit_initial"] is True and options["state_file"] is None


def test_first_poll_sets_the_baseline_and_emits_nothing(source, fake_time):
    w = watch(source)
    events, calls = poll(source, w, {"a.example.org": email("spam"), "b.example.org": email(bounce=40),
                                     "c.example.org": email()})
    assert events == []
    assert calls == fleet_calls()  # N + 1, no bounces at baseline


def test_emit_initial_reports_what_the_first_poll_finds(source, fake_time):
    w = watch(source, emit_initial=True, min_sent=10)
    events, calls = poll(source, w, {"a.example.org": email("spam"), "b.example.org": email(sent_today=50, bounce=9),
                                     "c.example.org": email()},
                         {"b.example.org": [bounce(m) for m in range(9)]})
    assert calls == fleet_calls() + [("GET", "/hosting/web/b.example.org/email/bounces?limit=100")]
    assert [(e["service_name"], e["kind"]) for e in events] == [("a.example.org", "state_changed"),
                                                                ("b.example.org", "bounce_ratio_over")]
    assert events[0]["previous"] is None and events[0]["current"] == {"state": "spam"}


def test_state_changes_are_emitted_once_each_way(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock)
    poll(source, w, {n: email() for n in NAMES})
    clock.now += 60
    events, calls = poll(source, w, {"a.example.org": email("ko"), "b.example.org": email(),
                                     "c.example.org": email("bounce")})
    assert calls == fleet_calls()
    assert [(e["service_name"], e["previous"], e["current"]) for e in events] == [
        ("a.example.org", {"state": "ok"}, {"state": "ko"}),
        ("c.example.org", {"state": "ok"}, {"state": "bounce"})]
    assert {e["kind"] for e in events} == {"state_changed"}
    assert events[0]["time"] == "2026-03-02T10:01:00+00:00" and len(events[0]["id"]) == 16
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": email("ko"), "b.example.org": email(),
                                      "c.example.org": email("bounce")})
    assert events == []  # a state that persists is not re-emitted
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": email(), "b.example.org": email(), "c.example.org": email("bounce")})
    assert [(e["service_name"], e["current"]) for e in events] == [("a.example.org", {"state": "ok"})]


def test_bounce_ratio_over_reads_bounces_only_where_the_counter_moved_and_fires_once(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock, max_bounce_ratio=0.05, min_sent=20)
    poll(source, w, {"a.example.org": email(sent_today=100, bounce=3), "b.example.org": email(sent_today=100, bounce=7),
                     "c.example.org": email()})
    clock.now += 60
    moved = {"a.example.org": email(sent_today=100, bounce=3), "b.example.org": email(sent_today=100, bounce=17),
             "c.example.org": email()}
    events, calls = poll(source, w, moved, {"b.example.org": [bounce(m, clock.now) for m in range(10)]})
    assert calls == fleet_calls() + [("GET", "/hosting/web/b.example.org/email/bounces?limit=100")]
    assert [(e["service_name"], e["kind"]) for e in events] == [("b.example.org", "bounce_ratio_over")]
    assert events[0]["current"] == {"ratio": 0.1, "bounces": 10, "sent": 100, "max_bounce_ratio": 0.05}
    clock.now += 60
    events, calls = poll(source, w, moved)
    assert events == [] and calls == fleet_calls()  # the counter did not move: no bounce read, no repeat


def test_bounce_ratio_follows_the_guards_minimum_of_mails_sent(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock, max_bounce_ratio=0.05, min_sent=20)
    poll(source, w, {"a.example.org": email(sent_today=5)})
    clock.now += 60
    events, calls = poll(source, w, {"a.example.org": email(sent_today=10, bounce=5)},
                         {"a.example.org": [bounce(m, clock.now) for m in range(5)]})
    assert events == []  # 5 of 10 bounced, but fewer than min_sent mails today: not judged
    assert calls[-1] == ("GET", "/hosting/web/a.example.org/email/bounces?limit=100")


def test_send_spike_on_a_rate_over_max_per_hour_or_a_multiple_of_the_usual(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock, max_per_hour=200, spike_factor=10, min_sent=20)
    poll(source, w, {"a.example.org": email(sent_today=100), "b.example.org": email(sent_today=100)})
    for sent in (110, 120, 130):  # 10 mails in 10 minutes: 60 an hour, the usual rate
        clock.now += 600
        events, _calls = poll(source, w, {"a.example.org": email(sent_today=sent), "b.example.org": email(sent_today=sent)})
        assert events == []
    clock.now += 600
    events, _calls = poll(source, w, {"a.example.org": email(sent_today=230), "b.example.org": email(sent_today=131)})
    assert [(e["service_name"], e["kind"]) for e in events] == [("a.example.org", "send_spike")]
    assert events[0]["previous"]["sent_today"] == 130 and events[0]["current"]["per_hour"] == 600.0
    clock.now += 600
    events, _calls = poll(source, w, {"a.example.org": email(sent_today=330), "b.example.org": email(sent_today=131)})
    assert events == []  # the same spike, going on
    # The form of b, quiet so far, sends 150 in ten minutes: under max_per_hour... no, 900 an hour; and a
    # hosting whose usual rate is 60 an hour sending 150 an hour (15 in ten minutes) is a multiple, under the max.
    w2 = watch(source, clock=clock, max_per_hour=1000, spike_factor=2, min_sent=10)
    poll(source, w2, {"a.example.org": email(sent_today=100)})
    clock.now += 600
    poll(source, w2, {"a.example.org": email(sent_today=110)})
    clock.now += 600
    events, _calls = poll(source, w2, {"a.example.org": email(sent_today=135)})
    assert [e["kind"] for e in events] == ["send_spike"] and events[0]["current"]["per_hour"] == 150.0


def test_a_few_mails_between_close_polls_are_no_spike(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock, max_per_hour=200, min_sent=20)
    poll(source, w, {"a.example.org": email(sent_today=1)})
    clock.now += 1
    events, _calls = poll(source, w, {"a.example.org": email(sent_today=4)})  # 10,800 an hour, but 3 mails
    assert events == []


def test_midnight_reset_is_no_spike(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock)
    poll(source, w, {"a.example.org": email(sent_today=900)})
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": email(sent_today=0)})
    assert events == []


def test_unreadable_names_call_status_and_query_id_once(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock, retries=1)
    poll(source, w, {n: email() for n in NAMES})
    clock.now += 60
    events, calls = poll(source, w, {"a.example.org": email(), "b.example.org": 500, "c.example.org": email()})
    assert calls.count(("GET", "/hosting/web/b.example.org/email")) == 2  # retried once
    assert [(e["service_name"], e["kind"]) for e in events] == [("b.example.org", "unreadable")]
    assert events[0]["current"]["call"] == "GET /hosting/web/b.example.org/email"
    assert events[0]["current"]["status"] == 500 and events[0]["current"]["query_id"] == "EU.ext-1.abc"
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": email(), "b.example.org": 500, "c.example.org": email()})
    assert events == []
    clock.now += 60
    events, _calls = poll(source, w, {n: email() for n in NAMES})
    assert events == []  # readable again, in the state it had: nothing changed


def test_an_outage_is_unreadable_with_no_call_for_the_hostings_not_tried(source, fake_time):
    names = ["h%d.example.org" % number for number in range(6)]
    clock = Clock()
    w = watch(source, clock=clock, retries=0, concurrency=1)
    poll(source, w, {n: email() for n in names})
    clock.now += 60
    with responses.RequestsMock() as mock:
        mock.get(API + "/hosting/web", json=names)
        for name in names[:5]:  # the breaker stops after 5 hostings in a row without an answer
            mock.get(API + "/hosting/web/%s/email" % name, body=requests.ConnectionError("connection refused"))
        events = [e["email_event"] for e in w.poll()]
        calls = call_list(mock)
    assert calls == fleet_calls(names[:5])
    assert [(e["service_name"], e["kind"]) for e in events] == [(n, "unreadable") for n in names]
    assert events[0]["current"]["call"] == "GET /hosting/web/h0.example.org/email"
    assert events[0]["current"]["status"] is None and events[0]["current"]["query_id"] is None
    assert events[5]["current"]["call"] is None and "not tried" in events[5]["current"]["message"]


def test_an_answer_that_cannot_be_judged_makes_its_hosting_unreadable_not_the_poll(source, fake_time):
    clock = Clock()
    w = watch(source, clock=clock)
    poll(source, w, {"a.example.org": email(), "b.example.org": email(sent_today=100, bounce=3)})
    garbled = [{"date": "yesterday", "to": "x@example.net", "message": "550 5.1.1 User unknown"}]
    for attempt in range(2):
        clock.now += 60
        events, calls = poll(source, w, {"a.example.org": email("spam" if attempt == 0 else "ok"),
                                         "b.example.org": email(sent_today=100, bounce=17)},
                             {"b.example.org": garbled})
        assert calls == fleet_calls(["a.example.org", "b.example.org"]) + [BOUNCES_OF_B]  # read again
        if attempt == 0:
            assert [(e["service_name"], e["kind"]) for e in events] == [("a.example.org", "state_changed"),
                                                                        ("b.example.org", "unreadable")]
            assert events[1]["current"]["call"] == "GET " + BOUNCES_OF_B[1] and events[1]["current"]["status"] == 200
            assert "not an ISO 8601 date" in events[1]["current"]["message"]
        else:  # the same garbled answer: not re-emitted; the others are judged as ever
            assert [(e["service_name"], e["current"]) for e in events] == [("a.example.org", {"state": "ok"})]
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": ["garbled"], "b.example.org": email(sent_today=100, bounce=3)})
    assert [(e["service_name"], e["kind"], e["current"]["call"]) for e in events] == [
        ("a.example.org", "unreadable", "GET /hosting/web/a.example.org/email")]


BOUNCES_OF_B = ("GET", "/hosting/web/b.example.org/email/bounces?limit=100")


def test_a_failed_bounce_read_is_unreadable_once_and_read_again_until_it_succeeds(source, fake_time, tmp_path):
    state = tmp_path / "watch.json"
    clock = Clock()
    w = watch(source, clock=clock, retries=1, max_bounce_ratio=0.05, min_sent=20, state_file=str(state))
    poll(source, w, {"a.example.org": email(sent_today=100), "b.example.org": email(sent_today=100, bounce=3)})
    moved = {"a.example.org": email(sent_today=100), "b.example.org": email(sent_today=100, bounce=17)}
    clock.now += 60
    events, calls = poll(source, w, moved, {"b.example.org": 500})
    assert calls == fleet_calls(["a.example.org", "b.example.org"]) + [BOUNCES_OF_B] * 2  # retried once
    assert events == [{"id": events[0]["id"], "service_name": "b.example.org", "kind": "unreadable",
                       "previous": None, "time": "2026-03-02T10:01:00+00:00", "current": {
                           "call": "GET /hosting/web/b.example.org/email/bounces?limit=100", "status": 500,
                           "query_id": "EU.ext-1.def", "message": "Internal error"}}]
    # The counter is not taken as read, in memory or on disk: the next poll (or a restart) reads the bounces again.
    assert json.loads(state.read_text())["hostings"]["b.example.org"]["bounced_total"] == 3
    clock.now += 60
    events, calls = poll(source, w, moved, {"b.example.org": 500})
    assert calls == fleet_calls(["a.example.org", "b.example.org"]) + [BOUNCES_OF_B] * 2
    assert events == []  # the failure lasts: not re-emitted
    clock.now += 60
    events, calls = poll(source, w, moved, {"b.example.org": [bounce(m, clock.now) for m in range(14)]})
    assert calls == fleet_calls(["a.example.org", "b.example.org"]) + [BOUNCES_OF_B]
    assert [(e["service_name"], e["kind"], e["current"]["ratio"]) for e in events] == [
        ("b.example.org", "bounce_ratio_over", 0.14)]
    assert json.loads(state.read_text())["hostings"]["b.example.org"]["bounced_total"] == 17
    clock.now += 60
    events, calls = poll(source, w, moved)
    assert events == [] and calls == fleet_calls(["a.example.org", "b.example.org"])
    clock.now += 60
    events, calls = poll(source, w, dict(moved, **{"b.example.org": email(sent_today=100, bounce=20)}),
                         {"b.example.org": 503})
    assert calls == fleet_calls(["a.example.org", "b.example.org"]) + [BOUNCES_OF_B] * 2
    assert [(e["service_name"], e["kind"], e["current"]["status"]) for e in events] == [
        ("b.example.org", "unreadable", 503)]  # it recovered in between: a new failure is a new event


def test_a_restart_after_a_failed_bounce_read_reads_the_bounces_again(source, fake_time, tmp_path):
    state = str(tmp_path / "watch.json")
    clock = Clock()
    w = watch(source, clock=clock, retries=0, state_file=state)
    poll(source, w, {"b.example.org": email(sent_today=100, bounce=3)})
    moved = {"b.example.org": email(sent_today=100, bounce=17)}
    clock.now += 60
    events, _calls = poll(source, w, moved, {"b.example.org": 500})
    assert [e["kind"] for e in events] == ["unreadable"]
    clock.now += 60
    again = watch(source, clock=clock, retries=0, state_file=state)  # the restarted source
    events, calls = poll(source, again, moved, {"b.example.org": 500})
    assert calls == fleet_calls(["b.example.org"]) + [BOUNCES_OF_B]
    assert events == []  # the same failure: not replayed
    clock.now += 60
    events, calls = poll(source, again, moved, {"b.example.org": [bounce(m, clock.now) for m in range(14)]})
    assert calls == fleet_calls(["b.example.org"]) + [BOUNCES_OF_B]
    assert [e["kind"] for e in events] == ["bounce_ratio_over"]


def test_a_failed_bounce_read_does_not_end_a_bounce_ratio_over(source, fake_time):
    """The stale bounces against a higher sentToday would look calm: the ratio is not judged without its bounces,
    so a condition that lasts through a failed read is not emitted a second time."""
    clock = Clock()
    w = watch(source, clock=clock, retries=0, max_bounce_ratio=0.05, min_sent=20, max_per_hour=10 ** 6,
              spike_factor=1000)
    poll(source, w, {"b.example.org": email(sent_today=100, bounce=3)})
    clock.now += 60
    events, _calls = poll(source, w, {"b.example.org": email(sent_today=200, bounce=15)},
                          {"b.example.org": [bounce(m, clock.now) for m in range(12)]})
    assert [e["kind"] for e in events] == ["bounce_ratio_over"]  # 12 of 200
    clock.now += 60
    events, _calls = poll(source, w, {"b.example.org": email(sent_today=500, bounce=20)}, {"b.example.org": 500})
    assert [e["kind"] for e in events] == ["unreadable"]  # 12 of 500 would look calm
    clock.now += 60
    events, _calls = poll(source, w, {"b.example.org": email(sent_today=500, bounce=33)},
                          {"b.example.org": [bounce(m, clock.now) for m in range(30)]})
    assert events == []  # still over the ratio: the same condition


def test_a_restart_with_a_state_file_does_not_replay(source, fake_time, tmp_path):
    state = str(tmp_path / "watch.json")
    clock = Clock()
    w = watch(source, clock=clock, state_file=state)
    poll(source, w, {"a.example.org": email(), "b.example.org": email()})
    clock.now += 60
    events, _calls = poll(source, w, {"a.example.org": email("spam"), "b.example.org": email()})
    assert len(events) == 1
    clock.now += 60
    again = watch(source, clock=clock, state_file=state)  # the restarted source
    events, calls = poll(source, again, {"a.example.org": email("spam"), "b.example.org": email()})
    assert events == [] and calls == fleet_calls(["a.example.org", "b.example.org"])
    clock.now += 60
    events, _calls = poll(source, again, {"a.example.org": email("spam"), "b.example.org": email("ko")})
    assert [(e["service_name"], e["previous"]) for e in events] == [("b.example.org", {"state": "ok"})]
    saved = json.loads(open(state, encoding="utf-8").read())
    assert set(saved["hostings"]) == {"a.example.org", "b.example.org"}
    assert "secret" not in json.dumps(saved)


def test_an_unreadable_state_file_sets_a_new_baseline(source, fake_time, tmp_path, caplog):
    state = tmp_path / "watch.json"
    state.write_text("{not json")
    w = watch(source, state_file=str(state))
    events, _calls = poll(source, w, {"a.example.org": email("spam")})
    assert events == [] and "not read" in caplog.text
    assert json.loads(state.read_text())["hostings"]["a.example.org"]["state"] == "spam"


@pytest.mark.asyncio
async def test_main_survives_429s_and_a_failed_poll_and_polls_again(source, fake_time, monkeypatch, caplog):
    monkeypatch.setattr(asyncio, "sleep", _no_sleep)
    queue = ListQueue()
    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.get(API + "/hosting/web", status=429, json={"message": "Too many requests"}, headers={"Retry-After": "1"})
        mock.get(API + "/hosting/web", json=["a.example.org"])  # the baseline, after the 429
        mock.get(API + "/hosting/web/a.example.org/email", json=email())
        for _attempt in range(2):  # the next poll fails after its retry: an API restart
            mock.get(API + "/hosting/web", status=503, json={"message": "Service unavailable"})
        mock.get(API + "/hosting/web", json=["a.example.org"])
        mock.get(API + "/hosting/web/a.example.org/email", json=email("spam"))
        await source["main"](queue, dict(CREDENTIALS, interval=1, retries=1), polls=3)
        calls = call_list(mock)
    assert calls.count(("GET", "/hosting/web")) == 5  # 429, the baseline, 503 twice, the poll
    assert [e["email_event"]["current"] for e in queue.events] == [{"state": "spam"}]
    assert "poll failed" in caplog.text and "503" in caplog.text
    assert "app-secret" not in caplog.text and "consumer-key" not in caplog.text
    assert "app-secret" not in json.dumps(queue.events)


async def _no_sleep(seconds):
    return None


@pytest.mark.asyncio
@pytest.mark.parametrize("args, named", [
    ({"interval": 0}, "interval must be more than 0"),
    ({"interval": "soon"}, "interval must be a number"),
    ({"rate_limit": -1}, "rate_limit must be more than 0"),
    ({"concurrency": 0}, "concurrency must be at least 1"),
    ({"concurrency": 2.5}, "concurrency must be an integer"),
    ({"max_bounce_ratio": 0}, "max_bounce_ratio must be more than 0"),
    ({"emit_initial": "yes"}, "emit_initial must be true or false"),
    ({"intervall": 5}, "unknown argument(s) intervall"),
    ({"state_file": 7}, "state_file must be a non-empty string"),
    ({"endpoint": ""}, "endpoint must be a non-empty string"),
    ({"endpoint": "ovh-mars"}, "endpoint 'ovh-mars' is not supported"),
])
async def test_bad_arguments_fail_at_start_naming_the_argument_before_any_call(source, args, named):
    with responses.RequestsMock() as mock:  # any call would fail the test: none is registered
        with pytest.raises(ValueError) as caught:
            await source["main"](ListQueue(), dict(CREDENTIALS, **args), polls=1)
        assert call_list(mock) == []
    assert named in str(caught.value) and str(caught.value).startswith("email_events: ")


@pytest.mark.asyncio
@pytest.mark.parametrize("where, named", [
    ("missing/watch.json", "state_file %s: its folder does not exist"),
    ("", "state_file %s: is a folder"),
])
async def test_a_state_file_that_cannot_be_written_fails_at_start(source, tmp_path, where, named):
    path = str(tmp_path / where) if where else str(tmp_path)
    with responses.RequestsMock() as mock:
        with pytest.raises(ValueError) as caught:
            await source["main"](ListQueue(), dict(CREDENTIALS, state_file=path), polls=1)
        assert call_list(mock) == []
    assert str(caught.value) == "email_events: " + named % path


@pytest.mark.asyncio
async def test_a_failed_save_keeps_the_polls_events(source, fake_time, monkeypatch, tmp_path, caplog):
    """A state file that can no longer be written (its disk full, its folder gone) is logged, and the events of
    the poll still reach the queue: a replay after a restart is better than an event lost."""
    monkeypatch.setattr(asyncio, "sleep", _no_sleep)
    folder = tmp_path / "state"
    folder.mkdir()
    state = folder / "watch.json"
    queue = ListQueue()
    original = source["Watch"].save

    def save_then_lose_the_folder(self):
        original(self)
        if state.exists():
            state.unlink()
            folder.rmdir()

    monkeypatch.setattr(source["Watch"], "save", save_then_lose_the_folder)
    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.get(API + "/hosting/web", json=["a.example.org"])
        mock.get(API + "/hosting/web/a.example.org/email", json=email())
        mock.get(API + "/hosting/web", json=["a.example.org"])
        mock.get(API + "/hosting/web/a.example.org/email", json=email("spam"))
        await source["main"](queue, dict(CREDENTIALS, interval=1, state_file=str(state)), polls=2)
    assert [e["email_event"]["current"] for e in queue.events] == [{"state": "spam"}]
    assert "state_file %s not written" % state in caplog.text


@pytest.mark.asyncio
async def test_a_bad_secret_is_not_shown():
    with pytest.raises(ValueError) as caught:
        await source_main()(ListQueue(), dict(CREDENTIALS, application_secret="bad secret"), polls=1)
    assert "application_secret" in str(caught.value) and "bad secret" not in str(caught.value)


def source_main():
    return load_source()["main"]


@pytest.mark.asyncio
async def test_the_poll_runs_off_the_event_loop(source, fake_time):
    """A slow API does not stall the loop: a ticker keeps running while a poll waits on the network."""
    import threading
    release = threading.Event()
    ticks = []

    def slow(request):
        release.wait(5)
        return 200, {}, json.dumps(["a.example.org"])

    async def ticker():
        for _attempt in range(5):
            ticks.append(1)
            await asyncio.sleep(0)
        release.set()

    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.add_callback(responses.GET, API + "/hosting/web", callback=slow)
        mock.get(API + "/hosting/web/a.example.org/email", json=email())
        await asyncio.gather(source["main"](ListQueue(), dict(CREDENTIALS), polls=1), ticker())
    assert len(ticks) == 5


def test_logs_carry_no_secret(source, fake_time, caplog):
    caplog.set_level(logging.DEBUG)
    w = watch(source, retries=0)
    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.get(API + "/hosting/web", status=500, json={"message": "boom"})
        with pytest.raises(Exception):
            w.poll()
    assert "app-secret" not in caplog.text and "consumer-key" not in caplog.text


@pytest.mark.asyncio
async def test_a_service_account_polls_with_one_token(source, fake_time, monkeypatch):
    monkeypatch.setattr(asyncio, "sleep", _no_sleep)
    url = "https://api.example.test/1.0"
    with responses.RequestsMock() as mock:
        mock.post("https://api.example.test/auth/oauth2/token",
                  json={"access_token": "tok", "token_type": "Bearer", "expires_in": 3600, "scope": "all"})
        mock.get(url + "/hosting/web", json=["shop-1.cluster021.hosting.ovh.net"])
        mock.get(url + "/hosting/web/shop-1.cluster021.hosting.ovh.net/email", json=email())
        await source["main"](ListQueue(), {"endpoint": url, "client_id": "sa-id", "client_secret": "sa-secret",
                                           "interval": 1}, polls=2)
        methods = [call.request.method for call in mock.calls]
        assert methods[0] == "POST" and methods.count("POST") == 1 and len(methods) == 5
        assert {call.request.headers["Authorization"] for call in mock.calls[1:]} == {"Bearer tok"}
