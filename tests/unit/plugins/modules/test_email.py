# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email module: the exact HTTP calls for every row of the state rules, in normal and check mode."""

from __future__ import annotations

import pytest
import requests
import responses

from ansible_collections.mailops.ovh_hosting.plugins.modules import email as email_module

from ovh_api_mock import API, CREDENTIALS, body_of, call_list

SN = "shop-1.cluster021.hosting.ovh.net"
EMAIL_URL = API + "/hosting/web/%s/email" % SN
REQUEST_URL = EMAIL_URL + "/request"
GET_EMAIL = ("GET", "/hosting/web/%s/email" % SN)
POST_REQUEST = ("POST", "/hosting/web/%s/email/request" % SN)
PUT_EMAIL = ("PUT", "/hosting/web/%s/email" % SN)
AUTH_TIME = ("GET", "/auth/time")


def email(state, recipient=None):
    return {"bounce": 3, "email": recipient, "maxPerDay": 1000, "sent": 100, "sentToday": 4, "state": state}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        yield mock


def run(run_module, check_mode=False, diff=False, **args):
    return run_module(email_module.main, dict(CREDENTIALS, service_name=SN, **args), check_mode=check_mode,
                      diff=diff)


# (current, desired, allow_force, action, state after)
CHANGES = [
    ("ok", "blocked", False, "BLOCK", "ko"),
    ("force", "blocked", False, "BLOCK", "ko"),
    ("ko", "unblocked", False, "UNBLOCK", "ok"),
    ("bounce", "unblocked", True, "UNBLOCK", "force"),
    ("ko", "purged", False, "PURGE", "ok"),
    ("bounce", "purged", False, "PURGE", "ok"),
    ("spam", "purged", False, "PURGE", "ok"),
]
NO_CHANGES = [
    ("ko", "blocked"), ("bounce", "blocked"), ("spam", "blocked"),
    ("ok", "unblocked"), ("force", "unblocked"),
    ("ok", "purged"), ("force", "purged"),
]


@pytest.mark.parametrize("current, desired, allow_force, action, after", CHANGES)
def test_change_requests_then_waits_for_the_state(api, run_module, fake_time, current, desired, allow_force,
                                                  action, after):
    api.get(EMAIL_URL, json=email(current))
    api.post(REQUEST_URL, json="Action %s requested" % action)
    api.get(EMAIL_URL, json=email(current))  # not yet: actions take time
    api.get(EMAIL_URL, json=email(after))
    result, failed = run(run_module, state=desired, allow_force=allow_force, wait_sleep=5, diff=True)
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, POST_REQUEST, GET_EMAIL, GET_EMAIL]
    assert body_of(api.calls[2]) == {"action": action}
    assert fake_time.sleeps == [1, 1]  # the first reads of a wait come 1 s apart, whatever wait_sleep is
    assert result["changed"] is True and result["actions"] == [action]
    assert result["email"]["state"] == after and result["email"]["service_name"] == SN
    assert result["diff"] == {"before": {"state": current, "report_recipient": None},
                              "after": {"state": after, "report_recipient": None}}


@pytest.mark.parametrize("current, desired, allow_force, action, after", CHANGES)
def test_change_in_check_mode_predicts_and_writes_nothing(api, run_module, current, desired, allow_force, action,
                                                          after):
    api.get(EMAIL_URL, json=email(current))
    result, failed = run(run_module, check_mode=True, diff=True, state=desired, allow_force=allow_force)
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL]
    assert result["changed"] is True and result["actions"] == [action]
    assert result["email"]["state"] == after
    assert result["email"]["sending"] is (after in ("ok", "force"))
    assert result["diff"]["after"]["state"] == after


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("current, desired", NO_CHANGES)
def test_no_change_reads_once(api, run_module, current, desired, check_mode):
    api.get(EMAIL_URL, json=email(current, "ops@example.com"))
    result, failed = run(run_module, check_mode=check_mode, state=desired)
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL]
    assert result["changed"] is False and result["actions"] == []
    assert result["email"] == {"service_name": SN, "state": current, "sending": current in ("ok", "force"),
                               "report_recipient": "ops@example.com", "sent_total": 100, "sent_today": 4,
                               "bounced_total": 3, "max_per_day": 1000}


@pytest.mark.parametrize("check_mode", [False, True])
def test_unblock_from_bounce_without_allow_force_is_refused(api, run_module, check_mode):
    api.get(EMAIL_URL, json=email("bounce"))
    result, failed = run(run_module, check_mode=check_mode, state="unblocked")
    assert failed
    assert call_list(api) == [AUTH_TIME, GET_EMAIL]
    assert result["msg"].startswith("hosting %s: the hosting is in state 'bounce'" % SN)
    assert "allow_force: true" in result["msg"] and "state: purged" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("allow_force", [False, True])
def test_unblock_from_spam_is_refused(api, run_module, check_mode, allow_force):
    api.get(EMAIL_URL, json=email("spam"))
    result, failed = run(run_module, check_mode=check_mode, state="unblocked", allow_force=allow_force)
    assert failed and "purged" in result["msg"] and "'spam'" in result["msg"]
    assert call_list(api) == [AUTH_TIME, GET_EMAIL]


@pytest.mark.parametrize("check_mode", [False, True])
def test_purging_is_waited_out_before_deciding(api, run_module, fake_time, check_mode):
    api.get(EMAIL_URL, json=email("purging"))
    api.get(EMAIL_URL, json=email("purging"))
    api.get(EMAIL_URL, json=email("ok"))
    if not check_mode:
        api.post(REQUEST_URL, json="ok")
        api.get(EMAIL_URL, json=email("ko"))
    result, failed = run(run_module, check_mode=check_mode, state="blocked")
    assert not failed, result
    expected = [AUTH_TIME, GET_EMAIL, GET_EMAIL, GET_EMAIL]
    if not check_mode:
        expected += [POST_REQUEST, GET_EMAIL]
    assert call_list(api) == expected
    assert fake_time.sleeps == [1, 1] + ([] if check_mode else [1])
    assert result["actions"] == ["BLOCK"] and result["email"]["state"] == "ko"


def test_purging_then_nothing_to_do(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("purging"))
    api.get(EMAIL_URL, json=email("ok"))
    result, failed = run(run_module, state="purged")
    assert not failed and result["changed"] is False
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, GET_EMAIL]


def test_no_wait_returns_the_prediction(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("ok"))
    api.post(REQUEST_URL, json="ok")
    result, failed = run(run_module, state="blocked", wait=False)
    assert not failed
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, POST_REQUEST]
    assert result["email"]["state"] == "ko" and fake_time.sleeps == []


def test_wait_timeout_says_what_was_seen(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("ok"))
    api.post(REQUEST_URL, json="ok")
    api.get(EMAIL_URL, json=email("ok"))
    result, failed = run(run_module, state="blocked", wait_timeout=6, wait_sleep=3)
    assert failed and result["changed"] is True and result["actions"] == ["BLOCK"]
    assert "timed out after 6 s waiting for the e-mail state to become blocked (ko, bounce or spam)" in result["msg"]
    assert "seen in 4 reads: ok" in result["msg"]  # 1, 2 and 3 s after the request, then at the deadline
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, POST_REQUEST, GET_EMAIL, GET_EMAIL, GET_EMAIL, GET_EMAIL]
    assert fake_time.sleeps == [1, 1, 1, 3]


def test_post_answered_500_that_did_apply_is_not_sent_twice(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("spam"))
    api.post(REQUEST_URL, status=500, json={"message": "Internal Server Error"})
    api.get(EMAIL_URL, json=email("purging"))
    api.get(EMAIL_URL, json=email("purging"))
    api.get(EMAIL_URL, json=email("ok"))
    result, failed = run(run_module, state="purged")
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, POST_REQUEST, GET_EMAIL, GET_EMAIL, GET_EMAIL]
    assert result["actions"] == ["PURGE"] and result["email"]["state"] == "ok"


def test_connection_reset_on_post_then_decided_again(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("ok"))
    api.post(REQUEST_URL, body=requests.ConnectionError("reset by peer"))
    api.get(EMAIL_URL, json=email("ok"))
    api.post(REQUEST_URL, json="ok")
    api.get(EMAIL_URL, json=email("ko"))
    result, failed = run(run_module, state="blocked")
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, POST_REQUEST, GET_EMAIL, POST_REQUEST, GET_EMAIL]


# report_recipient


@pytest.mark.parametrize("check_mode", [False, True])
def test_set_report_recipient(api, run_module, check_mode):
    api.get(EMAIL_URL, json=email("ok", "old@example.com"))
    if not check_mode:
        api.put(EMAIL_URL, body="null", content_type="application/json")
    result, failed = run(run_module, check_mode=check_mode, diff=True, report_recipient="ops@example.com")
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL] + ([] if check_mode else [PUT_EMAIL])
    if not check_mode:
        assert body_of(api.calls[2]) == {"email": "ops@example.com"}
    assert result["changed"] is True and result["actions"] == []
    assert result["email"]["report_recipient"] == "ops@example.com"
    assert result["diff"] == {"before": {"state": "ok", "report_recipient": "old@example.com"},
                              "after": {"state": "ok", "report_recipient": "ops@example.com"}}


def test_empty_recipient_clears_with_null(api, run_module):
    api.get(EMAIL_URL, json=email("ok", "old@example.com"))
    api.put(EMAIL_URL, body="null", content_type="application/json")
    result, failed = run(run_module, report_recipient="")
    assert not failed and result["changed"] is True
    assert body_of(api.calls[2]) == {"email": None}
    assert result["email"]["report_recipient"] is None


@pytest.mark.parametrize("current, wanted", [("ops@example.com", "ops@example.com"), (None, ""), ("", "")])
def test_same_recipient_is_no_change(api, run_module, current, wanted):
    api.get(EMAIL_URL, json=email("ok", current))
    result, failed = run(run_module, report_recipient=wanted)
    assert not failed and result["changed"] is False
    assert call_list(api) == [AUTH_TIME, GET_EMAIL]


def test_state_and_recipient_together(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("ko", None))
    api.put(EMAIL_URL, body="null", content_type="application/json")
    api.post(REQUEST_URL, json="ok")
    api.get(EMAIL_URL, json=email("ok", "ops@example.com"))
    result, failed = run(run_module, state="unblocked", report_recipient="ops@example.com")
    assert not failed, result
    assert call_list(api) == [AUTH_TIME, GET_EMAIL, PUT_EMAIL, POST_REQUEST, GET_EMAIL]
    assert result["email"]["state"] == "ok" and result["email"]["report_recipient"] == "ops@example.com"


def test_unmanaged_recipient_is_left_alone(api, run_module):
    api.get(EMAIL_URL, json=email("ko", ""))
    result, failed = run(run_module, state="blocked")
    assert not failed and result["changed"] is False


# Errors and validation


@pytest.mark.parametrize("args, message", [
    (dict(service_name="../../me"), "service_name: '../../me' is not a hosting service name"),
    (dict(service_name="shop 1.example"), "service_name: 'shop 1.example' is not a hosting service name"),
    (dict(report_recipient="not-an-address"), "report_recipient 'not-an-address' is not an e-mail address"),
    (dict(report_recipient="a@b"), "is not an e-mail address"),
    (dict(report_recipient="a b@example.com"), "is not an e-mail address"),
    (dict(report_recipient="ops@example.com\nBcc: x@y.z"), "is not an e-mail address"),
    (dict(report_recipient="ops@example.com\n"), "is not an e-mail address"),  # a regex "$" matches before it
    (dict(service_name=SN + "\n"), "is not a hosting service name"),
    (dict(consumer_key="consumer-key\n"), "consumer_key"),
    (dict(state="frozen"), "value of state must be one of: unblocked, blocked, purged"),
    (dict(wait_sleep=0), "wait_sleep must be 1 or more"),
    (dict(endpoint="ovh-xx"), "endpoint 'ovh-xx' is not supported"),
    (dict(rate_limit=-1.0), "rate_limit must be a positive number"),
    (dict(retries=-1), "retries must be 0 or more"),
])
def test_bad_arguments_fail_before_any_call(run_module, args, message):
    with responses.RequestsMock() as mock:
        result, failed = run_module(email_module.main, dict(CREDENTIALS, **dict(dict(service_name=SN), **args)))
        assert not mock.calls
    assert failed and message in result["msg"]


def test_not_granted_names_the_rule(api, run_module):
    api.get(EMAIL_URL, json=email("ok"))
    api.post(REQUEST_URL, status=403, json={"errorCode": "NOT_GRANTED_CALL", "message": "This call has not been granted"},
             headers={"X-Ovh-QueryID": "EU.ext-1.q"})
    result, failed = run(run_module, state="blocked")
    assert failed and result["changed"] is False
    assert result["msg"] == (
        "hosting %s: POST /hosting/web/%s/email/request failed (HTTP 403 NOT_GRANTED_CALL): This call has not been "
        "granted [OVH query id EU.ext-1.q]. The consumer key needs the access rule "
        "'POST /hosting/web/*/email/request'" % (SN, SN))


def test_error_after_a_write_reports_the_change(api, run_module, fake_time):
    api.get(EMAIL_URL, json=email("ok"))
    api.put(EMAIL_URL, body="null", content_type="application/json")
    api.post(REQUEST_URL, status=400, json={"message": "Invalid action"}, headers={"X-Ovh-QueryID": "EU.q2"})
    result, failed = run(run_module, state="blocked", report_recipient="ops@example.com")
    assert failed and result["changed"] is True
    assert "HTTP 400" in result["msg"] and "Invalid action" in result["msg"] and "EU.q2" in result["msg"]


def test_unknown_hosting(api, run_module):
    api.get(EMAIL_URL, status=404, json={"message": "This service does not exist"}, headers={"X-Ovh-QueryID": "q"})
    result, failed = run(run_module, state="blocked")
    assert failed
    assert result["msg"] == ("hosting %s: GET /hosting/web/%s/email failed (HTTP 404): This service does not exist "
                             "[OVH query id q]" % (SN, SN))


def test_missing_ovh_library(run_module, monkeypatch):
    from ansible_collections.mailops.ovh_hosting.plugins.module_utils import client

    monkeypatch.setattr(client, "HAS_OVH", False)
    monkeypatch.setattr(client, "OVH_IMPORT_ERROR", "Traceback: No module named 'ovh'")
    with responses.RequestsMock() as mock:
        result, failed = run(run_module, state="blocked")
        assert not mock.calls
    assert failed and "Failed to import the required Python library (ovh)" in result["msg"]
