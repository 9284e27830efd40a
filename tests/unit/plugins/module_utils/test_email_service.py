# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""email_service: read -> plan -> act -> wait for one hosting and for many, as exact HTTP call sequences."""

from __future__ import annotations

import pytest
import requests
import responses

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, converge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import NotTried
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import WaitTimeout

from ovh_api_mock import API, CREDENTIALS, body_of, call_list

SN = "shop-1.cluster021.hosting.ovh.net"


def name(index):
    return "shop-%d.cluster021.hosting.ovh.net" % index


def email(state, recipient=None):
    return {"bounce": 2, "email": recipient, "maxPerDay": 1000, "sent": 10, "sentToday": 1, "state": state}


def email_url(service_name=SN):
    return API + "/hosting/web/%s/email" % service_name


def get(service_name=SN):
    return ("GET", "/hosting/web/%s/email" % service_name)


def post(service_name=SN):
    return ("POST", "/hosting/web/%s/email/request" % service_name)


def put(service_name=SN):
    return ("PUT", "/hosting/web/%s/email" % service_name)


AUTH_TIME = ("GET", "/auth/time")


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1457018875)
        yield mock


def run(wanted, retries=4, **settings):
    api = HostingApi(jitter=lambda: 1.0, retries=retries, **CREDENTIALS)
    settings.setdefault("concurrency", 1)  # one thread: the recorded order is the order of the calls
    return converge(api, wanted, **settings)


# A state change request is never sent again blindly


def test_post_answered_500_that_did_apply_is_not_sent_again(rsps, fake_time):
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=500, json={"message": "Internal Server Error"})
    rsps.get(email_url(), json=email("ko"))
    [result] = run([Wanted(SN, state="blocked")], wait=False)
    assert result.ok and result.changed and result.actions == ["BLOCK"]
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]
    assert body_of(rsps.calls[2]) == {"action": "BLOCK"}


def test_post_lost_in_a_connection_reset_is_sent_again_when_still_needed(rsps, fake_time):
    rsps.get(email_url(), json=email("spam"))
    rsps.post(email_url() + "/request", body=requests.ConnectionError("reset"))
    rsps.get(email_url(), json=email("spam"))
    rsps.post(email_url() + "/request", json="done")
    [result] = run([Wanted(SN, state="purged")], wait=False)
    assert result.ok and result.actions == ["PURGE"]
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get(), post()]
    assert fake_time.sleeps == [1.0]  # the back-off before the re-read


def test_purge_in_progress_after_an_ambiguous_post_counts_as_applied(rsps, fake_time):
    rsps.get(email_url(), json=email("ko"))
    rsps.post(email_url() + "/request", body=requests.Timeout("read timed out"))
    rsps.get(email_url(), json=email("purging"))
    [result] = run([Wanted(SN, state="purged")], wait=False)
    assert result.ok
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]


def test_conflict_on_the_second_post_means_the_first_is_pending(rsps, fake_time):
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=409, json={"message": "An action is already pending"})
    [result] = run([Wanted(SN, state="blocked")], wait=False)
    assert result.ok and result.changed and not result.met_pending
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get(), post()]


def test_ambiguous_post_then_a_state_the_action_does_not_apply_to(rsps, fake_time):
    rsps.get(email_url(), json=email("ko"))
    rsps.post(email_url() + "/request", status=500, json={"message": "oops"})
    rsps.get(email_url(), json=email("spam"))
    [result] = run([Wanted(SN, state="unblocked")], wait=False)
    assert isinstance(result.error, HostingApiError)
    assert "the state is now 'spam', from which UNBLOCK does not apply, so it is not sent again" in result.message()
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]


def test_ambiguous_post_gives_up_after_the_retries(rsps, fake_time):
    rsps.get(email_url(), json=email("ok"))
    for dummy in range(2):
        rsps.post(email_url() + "/request", status=500, json={"message": "oops"})
        rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=500, json={"message": "oops"})
    rsps.get(email_url(), json=email("ok"))
    [result] = run([Wanted(SN, state="blocked")], retries=2, wait=False)
    assert ("failed (HTTP 500): oops (the request may or may not have been applied); no retry is left (retries: 2)"
            in result.message())
    assert not result.changed
    assert call_list(rsps) == [AUTH_TIME, get()] + [post(), get()] * 3


@pytest.mark.parametrize("state, done", [("ko", True), ("ok", False), (None, False)])
def test_without_retries_an_ambiguous_post_is_read_back_once(rsps, fake_time, state, done):
    """retries: 0 sends nothing again, but one read still tells a block that took effect at once."""
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=503, json={"message": "busy"})
    if state is None:  # the read fails too: the error still says the request may have been applied
        rsps.get(email_url(), body=requests.ConnectionError("reset"))
    else:
        rsps.get(email_url(), json=email(state))
    [result] = run([Wanted(SN, state="blocked")], retries=0, wait=False)
    assert result.ok is done
    if not done:
        assert ("POST /hosting/web/%s/email/request failed (HTTP 503): busy (the request may or may not have been "
                "applied); no retry is left (retries: 0), so it is not sent again" % SN) in result.message()
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]


# A request already in progress (409) is waited for, not an error


def test_a_pending_request_for_the_same_action_is_waited_for(rsps, fake_time):
    rsps.get(email_url(), json=email("ko"))
    rsps.post(email_url() + "/request", status=409, json={"message": "A UNBLOCK request is already in progress"})
    rsps.get(email_url(), json=email("ko"))
    rsps.get(email_url(), json=email("ok"))
    [result] = run([Wanted(SN, state="unblocked")], wait_sleep=2)
    assert result.ok, result.message()
    assert result.met_pending and not result.changed and result.actions == []
    assert result.after["state"] == "ok"
    # the 409; the wait reads 1 s later (still ko) and 1 s after that (done); the decision needs nothing more
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get(), get()]
    assert fake_time.sleeps == [1, 1]


def test_a_pending_request_for_another_action_is_waited_out_then_decided_again(rsps, fake_time):
    rsps.get(email_url(), json=email("ko"))
    rsps.post(email_url() + "/request", status=409, json={"message": "A PURGE request is already in progress"})
    rsps.get(email_url(), json=email("purging"))  # the state moved: decided again, and a purge is waited out
    rsps.get(email_url(), json=email("ok"))
    [result] = run([Wanted(SN, state="unblocked")], wait_sleep=2)
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get(), get()]
    assert fake_time.sleeps == [1, 1]  # the 409's wait reads 1 s later, the purge's wait 1 s after that
    assert result.ok and not result.changed and result.met_pending and result.after["state"] == "ok"


def test_a_403_because_another_request_just_took_effect_is_decided_again(rsps, fake_time):
    """Read ok, another client's BLOCK takes effect, our BLOCK gets 403: read again, ko is what was wanted."""
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=403, json={"message": "The e-mails are not sending: nothing to block"})
    rsps.get(email_url(), json=email("ko"))
    [result] = run([Wanted(SN, state="blocked")])
    assert result.ok, result.message()
    assert not result.changed and result.actions == [] and result.after["state"] == "ko"
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]
    assert fake_time.sleeps == []


def test_a_403_from_the_state_decided_from_stands(rsps, fake_time):
    """A 403 whose re-read shows the same state is no race (a right not granted): the hosting fails, naming it."""
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=403, json={"message": "This call has not been granted"},
              headers={"X-Ovh-QueryID": "EU.q403"})
    rsps.get(email_url(), json=email("ok"))
    [result] = run([Wanted(SN, state="blocked")])
    assert not result.ok and "HTTP 403" in result.message() and "This call has not been granted" in result.message()
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get()]


def test_a_competing_change_after_a_pending_request_is_acted_on(rsps, fake_time):
    """409, then the state moves to one that still needs the action: it is sent then."""
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=409, json={"message": "pending"})
    rsps.get(email_url(), json=email("force"))
    rsps.post(email_url() + "/request", json="ok")
    rsps.get(email_url(), json=email("ko"))
    [result] = run([Wanted(SN, state="blocked")], wait_sleep=2)
    assert call_list(rsps) == [AUTH_TIME, get(), post(), get(), post(), get()]
    assert result.ok and result.changed and result.actions == ["BLOCK"] and result.met_pending


def test_a_pending_request_that_never_ends_times_out_naming_the_wait(rsps, fake_time):
    rsps.get(email_url(), json=email("ok"))
    rsps.post(email_url() + "/request", status=409, json={"message": "pending"})
    for dummy in range(3):
        rsps.get(email_url(), json=email("ok"))
    [result] = run([Wanted(SN, state="blocked")], wait_sleep=3, wait_timeout=6)
    assert isinstance(result.error, WaitTimeout)
    assert "waiting for the e-mail state to become the end of the request already in progress" in result.message()


# Many hostings


def test_a_compliant_fleet_with_known_facts_costs_no_call(rsps, fake_time):
    rsps.assert_all_requests_are_fired = False
    wanted = [Wanted(name(index), state="unblocked", report_recipient="ops@example.com",
                     known=email("ok", "ops@example.com")) for index in range(50)]
    results = run(wanted, concurrency=8)
    assert call_list(rsps) == []
    assert all(result.ok and not result.changed for result in results)


def test_a_compliant_fleet_without_facts_costs_one_read_each(rsps, fake_time):
    for index in range(5):
        rsps.get(email_url(name(index)), json=email("force"))
    results = run([Wanted(name(index), state="unblocked") for index in range(5)])
    assert call_list(rsps) == [AUTH_TIME] + [get(name(index)) for index in range(5)]
    assert not any(result.changed for result in results)


def test_a_mixed_fleet_makes_exactly_the_writes_needed_and_waits_together(rsps, fake_time):
    known = {0: email("ok"), 1: email("ko"), 2: email("ok", "old@example.com"), 3: email("ok")}
    rsps.get(email_url(name(0)), json=email("ok"))
    rsps.get(email_url(name(2)), json=email("ok", "old@example.com"))
    rsps.get(email_url(name(3)), json=email("ok"))
    rsps.post(email_url(name(0)) + "/request", json="ok")
    rsps.put(email_url(name(2)), body="null", content_type="application/json")
    rsps.post(email_url(name(3)) + "/request", json="ok")
    rsps.get(email_url(name(0)), json=email("ok"))  # not yet
    rsps.get(email_url(name(3)), json=email("ko"))
    rsps.get(email_url(name(0)), json=email("ko"))
    wanted = [Wanted(name(0), state="blocked", known=known[0]),
              Wanted(name(1), state="blocked", known=known[1]),
              Wanted(name(2), report_recipient="ops@example.com", known=known[2]),
              Wanted(name(3), state="blocked", known=known[3])]
    results = run(wanted, wait_sleep=5)
    assert call_list(rsps) == [AUTH_TIME, get(name(0)), post(name(0)), get(name(2)), put(name(2)),
                               get(name(3)), post(name(3)),
                               get(name(0)), get(name(3)),  # both waits read 1 s after the requests...
                               get(name(0))]  # ...and 1 s later only the one still waiting
    assert fake_time.sleeps == [1, 1]
    assert body_of(rsps.calls[4]) == {"email": "ops@example.com"}
    assert [result.changed for result in results] == [True, False, True, True]
    assert [result.after["state"] for result in results] == ["ko", "ko", "ok", "ko"]


def test_one_hosting_failing_does_not_stop_the_others(rsps, fake_time):
    rsps.get(email_url(name(0)), status=404, json={"message": "This service does not exist"},
             headers={"X-Ovh-QueryID": "EU.q-404"})
    rsps.get(email_url(name(1)), json=email("ok"))
    rsps.post(email_url(name(1)) + "/request", json="ok")
    rsps.get(email_url(name(2)), json=email("spam"))
    rsps.get(email_url(name(1)), json=email("ko"))
    results = run([Wanted(name(index), state="blocked" if index < 2 else "unblocked") for index in range(3)])
    assert [result.ok for result in results] == [False, True, False]
    assert results[0].failure() == {
        "service_name": name(0), "call": "GET /hosting/web/%s/email" % name(0), "status": 404,
        "query_id": "EU.q-404", "message": "This service does not exist", "summary": str(results[0].error)}
    assert isinstance(results[2].error, email_state.TransitionRefused)
    assert results[2].message().startswith("hosting %s: the hosting is in state 'spam'" % name(2))
    assert results[2].failure()["call"] is None and results[1].changed


def test_check_mode_predicts_every_hosting_and_writes_nothing(rsps, fake_time):
    rsps.get(email_url(name(0)), json=email("ok"))
    rsps.get(email_url(name(1)), json=email("ko", "ops@example.com"))
    results = run([Wanted(name(0), state="blocked", report_recipient="ops@example.com", known=email("ok")),
                   Wanted(name(1), state="blocked", report_recipient="ops@example.com")], check_mode=True)
    assert call_list(rsps) == [AUTH_TIME, get(name(0)), get(name(1))]
    assert [result.changed for result in results] == [True, False]
    assert results[0].after == dict(email("ko", "ops@example.com"))
    assert results[0].actions == ["BLOCK"]


def test_a_stale_fact_is_read_again_before_any_write(rsps, fake_time):
    """The facts say ok, so BLOCK; another client blocked it since: the re-read shows ko, nothing is sent."""
    rsps.get(email_url(), json=email("ko"))
    [result] = run([Wanted(SN, state="blocked", known=email("ok"))])
    assert call_list(rsps) == [AUTH_TIME, get()]
    assert result.ok and not result.changed and result.actions == []
    assert result.before["state"] == "ko"


def test_purging_is_waited_out_for_all_hostings_at_once(rsps, fake_time):
    for index in range(3):
        rsps.get(email_url(name(index)), json=email("purging"))
    for index in range(3):
        rsps.get(email_url(name(index)), json=email("ok"))
    results = run([Wanted(name(index), state="purged") for index in range(3)], wait_sleep=4)
    assert fake_time.sleeps == [1]  # the reads that saw purging start the waits; one shared sleep to the next
    assert all(result.ok and not result.changed for result in results)
    assert call_list(rsps) == [AUTH_TIME] + [get(name(index)) for index in range(3)] * 2


def test_an_outage_fails_the_rest_without_trying_them(rsps, fake_time):
    for index in range(5):
        rsps.get(email_url(name(index)), body=requests.ConnectionError("refused"))
    results = run([Wanted(name(index), state="blocked") for index in range(40)], retries=0)
    assert len(rsps.calls) == 1 + 5
    assert all(isinstance(result.error, NotTried) for result in results[5:])
    assert "the API is unreachable" in results[-1].message()
