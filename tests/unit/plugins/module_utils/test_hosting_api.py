# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApi against a mocked OVH API: exact calls, signatures, endpoints, credentials, retries, errors."""

from __future__ import annotations

import hashlib

import ovh.client
import ovh.config
import pytest
import requests
import responses

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import (
    THROTTLED_RETRIES, HostingApi, parse_retry_after,
)
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.deadline import DeadlineAdapter, current
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import OutageBreaker

from ovh_api_mock import API, CREDENTIALS, body_of, call_list

SN = "shop-1.cluster021.hosting.ovh.net"
EMAIL = {"bounce": 2, "email": None, "maxPerDay": 1000, "sent": 10, "sentToday": 1, "state": "ok"}


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1457018875)
        yield mock


def make_api(**kwargs):
    settings = dict(CREDENTIALS)
    settings.update(kwargs)
    settings.setdefault("jitter", lambda: 1.0)
    return HostingApi(**settings)


def test_first_call_reads_auth_time_once_and_signs_as_the_ovh_client(rsps, monkeypatch, fake_time):
    monkeypatch.setattr("time.time", lambda: 1457018800)  # 75 s behind the server
    rsps.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
    api = make_api()
    assert api.get_email(SN) == EMAIL
    assert api.get_email(SN) == EMAIL
    assert call_list(rsps) == [("GET", "/auth/time"), ("GET", "/hosting/web/%s/email" % SN)] + [
        ("GET", "/hosting/web/%s/email" % SN)]
    headers = rsps.calls[1].request.headers
    url = API + "/hosting/web/" + SN + "/email"
    expected = "$1$" + hashlib.sha1(("app-secret+consumer-key+GET+%s++1457018875" % url).encode()).hexdigest()
    assert headers["X-Ovh-Signature"] == expected
    assert headers["X-Ovh-Timestamp"] == "1457018875"
    assert headers["X-Ovh-Application"] == "app-key"
    assert headers["X-Ovh-Consumer"] == "consumer-key"
    assert "X-Ovh-Signature" not in rsps.calls[0].request.headers


def test_url_endpoint_is_registered_under_itself(fake_time):
    url = "http://127.0.0.1:18080/1.0"
    api = make_api(endpoint=url + "/")
    assert api.endpoint == url and ovh.client.ENDPOINTS[url] == url
    with responses.RequestsMock() as mock:
        mock.get(url + "/auth/time", json=1)
        mock.get(url + "/hosting/web", json=[SN])
        assert api.list_hostings() == [SN]


@pytest.mark.parametrize("endpoint", ["ovh-xx", "kimsufi-eu", "ftp://127.0.0.1/1.0", "http://127.0.0.1:8080",
                                      "http://127.0.0.1/2.0", "http://a b/1.0", ""])
def test_unsupported_endpoint_lists_what_is_accepted(endpoint):
    with pytest.raises(HostingApiError) as error:
        make_api(endpoint=endpoint)
    assert "ovh-eu, ovh-ca, ovh-us, or an http(s)://host[:port]/1.0 URL" in str(error.value)
    assert repr(endpoint.strip()) in str(error.value)


def test_no_endpoint_anywhere_says_where_to_set_it(monkeypatch):
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [])
    with pytest.raises(HostingApiError, match="no OVH endpoint: set the endpoint option, OVH_ENDPOINT"):
        make_api(endpoint=None)


def test_credentials_from_environment(monkeypatch, fake_time):
    monkeypatch.setenv("OVH_ENDPOINT", "ovh-ca")
    monkeypatch.setenv("OVH_APPLICATION_KEY", "env-app")
    monkeypatch.setenv("OVH_APPLICATION_SECRET", "env-secret")
    monkeypatch.setenv("OVH_CONSUMER_KEY", "env-consumer")
    api = HostingApi()
    with responses.RequestsMock() as mock:
        mock.get("https://ca.api.ovh.com/1.0/auth/time", json=1)
        mock.get("https://ca.api.ovh.com/1.0/hosting/web", json=[])
        api.list_hostings()
        assert mock.calls[1].request.headers["X-Ovh-Application"] == "env-app"
        assert mock.calls[1].request.headers["X-Ovh-Consumer"] == "env-consumer"


def test_credentials_from_ovh_conf_with_a_url_endpoint(monkeypatch, tmp_path, fake_time):
    url = "http://127.0.0.1:18081/1.0"
    conf = tmp_path / "ovh.conf"
    conf.write_text("[default]\nendpoint=%s\n[%s]\napplication_key=conf-app\napplication_secret=conf-secret\n"
                    "consumer_key=conf-consumer\n" % (url, url))
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [str(conf)])
    api = HostingApi(application_key=None)
    with responses.RequestsMock() as mock:
        mock.get(url + "/auth/time", json=1)
        mock.get(url + "/hosting/web", json=[])
        api.list_hostings()
        assert mock.calls[1].request.headers["X-Ovh-Application"] == "conf-app"


def test_missing_credentials_say_where_to_set_them(monkeypatch):
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [])
    with pytest.raises(HostingApiError, match="set application_key, application_secret and consumer_key"):
        HostingApi(endpoint="ovh-eu")
    with pytest.raises(HostingApiError, match="no OVH consumer key for ovh-eu"):
        HostingApi(endpoint="ovh-eu", application_key="a", application_secret="s")


@pytest.mark.parametrize("option, value, message", [
    ("timeout", 0, "timeout must be a positive number"),
    ("retries", -1, "retries must be 0 or more"),
    ("rate_limit", 0, "rate_limit must be a positive number"),
])
def test_bad_settings_fail_before_any_call(option, value, message):
    with responses.RequestsMock() as mock:
        with pytest.raises(HostingApiError, match=message):
            make_api(**{option: value})
        assert not mock.calls


# Retries


def test_429_then_200_honours_retry_after_through_the_shared_limiter(rsps, fake_time):
    path = API + "/hosting/web/" + SN + "/email"
    rsps.get(path, status=429, json={"message": "Too many requests"}, headers={"Retry-After": "7"})
    rsps.get(path, json=EMAIL)
    api = make_api()
    assert api.get_email(SN) == EMAIL
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)] * 2
    assert fake_time.sleeps == [7.0]


def test_429_burst_does_not_use_up_the_retries_kept_for_failures(rsps, fake_time):
    path = API + "/hosting/web/" + SN + "/email"
    for dummy in range(3):
        rsps.get(path, status=429, json={"message": "slow down"}, headers={"Retry-After": "2"})
    rsps.get(path, status=503, json={"message": "unavailable"})
    rsps.get(path, json=EMAIL)
    assert make_api(retries=1).get_email(SN) == EMAIL
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)] * 5
    assert fake_time.sleeps == [2.0, 2.0, 2.0, 1.0]  # three Retry-After, then one back-off (jitter 1.0)


def test_429_retries_have_a_bound_of_their_own(rsps, fake_time):
    path = API + "/hosting/web/" + SN + "/email"
    rsps.get(path, status=429, json={"message": "slow down"}, headers={"Retry-After": "1"})
    with pytest.raises(HostingApiError, match="HTTP 429"):
        make_api().get_email(SN)
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)] * (THROTTLED_RETRIES + 1)
    assert fake_time.sleeps == [1.0] * THROTTLED_RETRIES  # the last pause is left to the next call


def test_429_slows_down_every_thread_of_the_client(fake_time):
    api = make_api(retries=0)
    other_thread = api.for_thread()
    assert other_thread.limiter is api.limiter and other_thread.server_clock is api.server_clock
    with responses.RequestsMock() as mock:
        mock.get(API + "/auth/time", json=1)
        mock.get(API + "/hosting/web", status=429, json={"message": "slow down"}, headers={"Retry-After": "5"})
        mock.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
        with pytest.raises(HostingApiError, match="HTTP 429"):
            api.list_hostings()
        assert fake_time.sleeps == []
        start = fake_time.now
        other_thread.get_email(SN)  # another thread's client: it waits out the Retry-After too
        assert fake_time.sleeps == [5.0] and fake_time.now == start + 5
        assert call_list(mock) == [("GET", "/auth/time"), ("GET", "/hosting/web"),
                                   ("GET", "/hosting/web/%s/email" % SN)]


@pytest.mark.parametrize("first", [
    dict(status=503, json={"message": "Service Unavailable"}),
    dict(status=502, body="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"),
    dict(status=200, body="", content_type="application/json"),
    dict(body=requests.ConnectionError("connection reset by peer")),
    dict(body=requests.Timeout("read timed out")),
], ids=["503", "html-502", "empty-200", "connection-reset", "timeout"])
def test_get_is_retried_after_a_transient_failure(rsps, fake_time, first):
    path = API + "/hosting/web/" + SN + "/email"
    rsps.get(path, **first)
    rsps.get(path, json=EMAIL)
    assert make_api().get_email(SN) == EMAIL
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)] * 2
    assert fake_time.sleeps == [1.0]  # first back-off: up to 1 s, jitter pinned to its maximum


def test_put_is_retried_and_backs_off_exponentially(rsps, fake_time):
    path = API + "/hosting/web/" + SN + "/email"
    for dummy in range(3):
        rsps.put(path, status=500, json={"message": "Internal Server Error"})
    rsps.put(path, body="null", content_type="application/json")
    make_api().set_report_recipient(SN, None)
    assert call_list(rsps)[1:] == [("PUT", "/hosting/web/%s/email" % SN)] * 4
    assert [body_of(call) for call in rsps.calls[1:]] == [{"email": None}] * 4
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


def test_backoff_has_full_jitter(rsps, fake_time):
    path = API + "/hosting/web"
    rsps.get(path, status=500, json={"message": "x"})
    rsps.get(path, status=500, json={"message": "x"})
    rsps.get(path, json=[])
    draws = iter([0.25, 0.5])
    make_api(jitter=lambda: next(draws)).list_hostings()
    assert fake_time.sleeps == [0.25, 1.0]


def test_retries_exhausted_gives_the_last_error(rsps, fake_time):
    path = API + "/hosting/web/" + SN
    for dummy in range(3):
        rsps.get(path, status=503, json={"message": "Service Unavailable"}, headers={"X-Ovh-QueryID": "EU.q-1"})
    with pytest.raises(HostingApiError) as error:
        make_api(retries=2).get_hosting(SN)
    assert len(rsps.calls) == 4
    assert str(error.value) == (
        "hosting %s: GET /hosting/web/%s failed (HTTP 503): Service Unavailable [OVH query id EU.q-1]" % (SN, SN))


def test_retries_zero_means_one_call(rsps, fake_time):
    rsps.get(API + "/hosting/web", status=503, json={"message": "down"})
    with pytest.raises(HostingApiError, match="HTTP 503"):
        make_api(retries=0).list_hostings()
    assert len(rsps.calls) == 2 and fake_time.sleeps == []


def test_client_errors_are_not_retried(rsps, fake_time):
    rsps.get(API + "/hosting/web/" + SN, status=404, json={"class": "Client::NotFound",
                                                           "message": "This service does not exist"},
             headers={"X-Ovh-QueryID": "EU.ext-3.abc"})
    with pytest.raises(HostingApiError) as error:
        make_api().get_hosting(SN)
    assert len(rsps.calls) == 2
    assert error.value.status == 404 and error.value.query_id == "EU.ext-3.abc"
    assert error.value.service_name == SN and error.value.method == "GET"
    assert "This service does not exist" in str(error.value) and "EU.ext-3.abc" in str(error.value)


def test_not_granted_names_the_access_rule(rsps, fake_time):
    rsps.post(API + "/hosting/web/" + SN + "/email/request", status=403,
              json={"errorCode": "NOT_GRANTED_CALL", "httpCode": "403 Forbidden",
                    "message": "This call has not been granted"}, headers={"X-Ovh-QueryID": "EU.q-403"})
    with pytest.raises(HostingApiError) as error:
        make_api().request_action(SN, "BLOCK")
    assert str(error.value) == (
        "hosting %s: POST /hosting/web/%s/email/request failed (HTTP 403 NOT_GRANTED_CALL): This call has not been "
        "granted [OVH query id EU.q-403]. The consumer key needs the access rule "
        "'POST /hosting/web/*/email/request'" % (SN, SN))
    assert len(rsps.calls) == 2


def test_invalid_credential_is_explained(rsps, fake_time):
    rsps.get(API + "/hosting/web", status=403, json={"errorCode": "INVALID_CREDENTIAL",
                                                     "message": "This credential is not valid"})
    with pytest.raises(HostingApiError, match="consumer key or application key is invalid, expired"):
        make_api().list_hostings()


# The state change request is sent once; what to do after an ambiguous failure is email_service's


def test_ambiguous_post_is_not_sent_again_by_the_client(rsps, fake_time):
    rsps.post(API + "/hosting/web/" + SN + "/email/request", status=500, json={"message": "oops"})
    with pytest.raises(HostingApiError) as error:
        make_api().request_action(SN, "BLOCK")
    assert error.value.ambiguous and error.value.status == 500
    assert [c[0] for c in call_list(rsps)] == ["GET", "POST"]


def test_conflict_on_the_first_post_is_an_error(rsps, fake_time):
    rsps.post(API + "/hosting/web/" + SN + "/email/request", status=409, json={"message": "pending"})
    with pytest.raises(HostingApiError, match="HTTP 409"):
        make_api().request_action(SN, "BLOCK")


def test_post_rejected_with_429_is_sent_again(rsps, fake_time):
    request = API + "/hosting/web/" + SN + "/email/request"
    rsps.post(request, status=429, json={"message": "slow down"}, headers={"Retry-After": "1"})
    rsps.post(request, json="ok")
    make_api().request_action(SN, "UNBLOCK")
    assert [c[0] for c in call_list(rsps)] == ["GET", "POST", "POST"]
    assert fake_time.sleeps == [1.0]


# Reads


def test_bounces_and_volumes_404_mean_none(rsps, fake_time):
    rsps.get(API + "/hosting/web/" + SN + "/email/bounces?limit=20", status=404, json={"message": "no"})
    rsps.get(API + "/hosting/web/" + SN + "/email/volumes", status=404, json={"message": "no"})
    api = make_api()
    assert api.get_bounces(SN, 20) == []
    assert api.get_volumes(SN) == []
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email/bounces?limit=20" % SN),
                                   ("GET", "/hosting/web/%s/email/volumes" % SN)]


def test_current_credential(rsps, fake_time):
    rsps.get(API + "/auth/currentCredential", json={"status": "validated", "rules": []})
    assert make_api().current_credential()["status"] == "validated"


@pytest.mark.parametrize("name", ["", "../me", "a/b", "shop?x=1", "shop#frag", "shop 1", "shöp.example",
                                  "Shop.example", "a..b", ".shop", "shop."])
def test_bad_service_names_make_no_call(name):
    api = make_api()
    with responses.RequestsMock() as mock:
        for call in (api.get_email, api.get_hosting, api.get_volumes,
                     lambda n: api.request_action(n, "BLOCK"), lambda n: api.set_report_recipient(n, None)):
            with pytest.raises(HostingApiError, match="hosting service name|not a hosting service name"):
                call(name)
        assert not mock.calls


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after("100000") == 300.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_rate_limit_spaces_every_request_of_the_client(rsps, fake_time):
    rsps.get(API + "/hosting/web", json=[SN])
    rsps.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
    api = make_api(rate_limit=2.0)
    api.list_hostings()
    api.for_thread().get_email(SN)
    # /auth/time, /hosting/web and /email: three requests at 2 per second
    assert fake_time.sleeps == [0.5, 0.5]


def test_each_thread_client_has_its_own_session_and_shares_the_rest():
    api = make_api(rate_limit=5.0)
    other = api.for_thread()
    assert other._client._session is not api._client._session
    assert (other.limiter, other.server_clock, other.endpoint, other.retries, other.timeout) == (
        api.limiter, api.server_clock, api.endpoint, api.retries, api.timeout)


# The timeout: a deadline per attempt (the watchdog's cut is played by the callbacks, loopback tests in
# tests/reliability/test_timeout_deadline.py)


def cut_at_the_deadline(seen, then=None):
    """A callback that expires the attempt's deadline as the watchdog would, then fails as the cut read does (or
    answers ``then``, as a read cut short may seem complete)."""
    def callback(request):
        deadline = current()
        seen.append(deadline)
        deadline.expire()
        if then is None:
            raise requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(3 bytes read)")
        return then
    return callback


@pytest.mark.parametrize("looks_complete", [False, True], ids=["read-fails", "read-looks-complete"])
def test_an_attempt_past_its_deadline_fails_as_no_complete_answer(rsps, fake_time, looks_complete):
    seen = []
    rsps.add_callback(responses.GET, API + "/hosting/web/" + SN + "/email",
                      callback=cut_at_the_deadline(seen, (200, {}, "[1") if looks_complete else None))
    with pytest.raises(HostingApiError) as error:
        make_api(retries=0, timeout=3).get_email(SN)
    assert str(error.value) == ("hosting %s: GET /hosting/web/%s/email failed (no HTTP answer): no complete answer "
                                "from eu.api.ovh.com:443 within 3 s (timeout)" % (SN, SN))
    assert (error.value.status, error.value.ambiguous) == (None, True)
    assert seen[0].seconds == 3
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)]
    breaker = OutageBreaker(1)
    breaker.record(error.value)
    assert breaker.tripped  # a no-answer failure, as connection refused and timeouts are


def test_each_retry_has_a_deadline_of_its_own(rsps, fake_time):
    seen = []
    path = API + "/hosting/web/" + SN + "/email"
    rsps.add_callback(responses.GET, path, callback=cut_at_the_deadline(seen))
    rsps.add_callback(responses.GET, path, callback=lambda request: seen.append(current()) or (200, {}, "{}"))
    assert make_api(retries=1, timeout=3).get_email(SN) == {}
    assert call_list(rsps)[1:] == [("GET", "/hosting/web/%s/email" % SN)] * 2
    assert seen[0] is not seen[1] and [deadline.expired for deadline in seen] == [True, False]
    assert fake_time.sleeps == [1.0]  # the back-off, outside both deadlines
    assert current() is None


def test_a_connect_timeout_at_the_deadline_says_no_connection(rsps, fake_time):
    def callback(request):
        current().expire()
        raise requests.exceptions.ConnectTimeout("timed out")
    rsps.add_callback(responses.GET, API + "/hosting/web", callback=callback)
    with pytest.raises(HostingApiError, match=r"no connection to eu.api.ovh.com:443 within 2.5 s \(connect timeout\)"):
        make_api(retries=0, timeout=2.5).list_hostings()


def test_every_session_of_the_client_is_under_the_deadlines():
    api = make_api()
    for client in (api, api.for_thread()):
        for url in ("https://eu.api.ovh.com/1.0", "http://127.0.0.1:8080/1.0"):
            assert isinstance(client._client._session.get_adapter(url), DeadlineAdapter)


# The environment, read once


def test_proxy_and_ca_bundle_from_the_environment_are_read_once_for_the_endpoint(monkeypatch, tmp_path):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = make_api(endpoint="ovh-eu")._client._session
    assert session.proxies["https"] == "http://proxy.example.com:3128"
    assert session.verify == str(tmp_path / "ca.pem")
    assert session.trust_env is False  # so requests does not scan os.environ again on every call
    monkeypatch.setenv("NO_PROXY", "eu.api.ovh.com")
    assert "https" not in make_api(endpoint="ovh-eu")._client._session.proxies


def test_a_netrc_entry_for_the_api_host_is_never_sent(monkeypatch, tmp_path, rsps):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine %s login someone password hunter2\n" % API.split("/")[2].split(":")[0])
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    rsps.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
    make_api().get_email(SN)
    assert "Authorization" not in rsps.calls[1].request.headers
