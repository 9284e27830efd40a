# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApi with an OAuth2 service account, against a mocked OVH API: the token call then the API calls, the
token shared by threads and renewed, where the credentials come from, and what is refused before any call."""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qs

import ovh.client
import ovh.config
import pytest
import responses
from oauthlib.oauth2.rfc6749.utils import is_secure_transport

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import oauth2
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError

API = "https://eu.api.ovh.com/1.0"
TOKEN_URL = "https://www.ovh.com/auth/oauth2/token"
SN = "shop-1.cluster021.hosting.ovh.net"
EMAIL = {"bounce": 2, "email": None, "maxPerDay": 1000, "sent": 10, "sentToday": 1, "state": "ok"}
SECRET = "s3cr3t-client-secret"


@pytest.fixture
def clock(monkeypatch):
    """time.time as a value the test moves (oauthlib dates tokens with it)."""
    now = {"value": 1_700_000_000.0}
    monkeypatch.setattr("time.time", lambda: now["value"])
    return now


def token_answer(token, expires_in=3600):
    return responses.Response("POST", TOKEN_URL, json={"access_token": token, "token_type": "Bearer",
                                                       "expires_in": expires_in, "scope": "all"})


def calls(mock):
    return [(call.request.method, call.request.url.replace(API, "")) for call in mock.calls]


def bearer(call):
    return call.request.headers.get("Authorization")


def make_api(**kwargs):
    settings = dict(endpoint="ovh-eu", client_id="client-1", client_secret=SECRET, jitter=lambda: 1.0)
    settings.update(kwargs)
    return HostingApi(**settings)


def test_token_call_then_api_calls_with_the_bearer_and_no_signature(clock):
    with responses.RequestsMock() as mock:
        mock.add(token_answer("tok-1"))
        mock.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
        api = make_api()
        assert api.get_email(SN) == EMAIL
        assert api.get_email(SN) == EMAIL
        assert calls(mock) == [("POST", TOKEN_URL), ("GET", "/hosting/web/%s/email" % SN),
                               ("GET", "/hosting/web/%s/email" % SN)]
        token_request = mock.calls[0].request
        assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(
            ("client-1:" + SECRET).encode()).decode()
        assert parse_qs(token_request.body) == {"grant_type": ["client_credentials"], "scope": ["all"]}
        assert bearer(mock.calls[1]) == bearer(mock.calls[2]) == "Bearer tok-1"
        assert "X-Ovh-Signature" not in mock.calls[1].request.headers
        assert "X-Ovh-Consumer" not in mock.calls[1].request.headers


def test_the_clients_of_every_thread_share_one_token(clock):
    with responses.RequestsMock() as mock:
        mock.add(token_answer("tok-1"))
        mock.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
        api = make_api()
        for client in (api, api.for_thread(), api.for_thread()):
            client.get_email(SN)
        assert calls(mock)[0] == ("POST", TOKEN_URL)
        assert [method for method, _url in calls(mock)].count("POST") == 1
        assert {bearer(call) for call in mock.calls[1:]} == {"Bearer tok-1"}


def test_an_expiring_token_is_renewed_before_the_call(clock):
    with responses.RequestsMock() as mock:
        mock.add(token_answer("tok-1", expires_in=3600))
        mock.add(token_answer("tok-2", expires_in=3600))
        mock.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
        api = make_api()
        api.get_email(SN)
        clock["value"] += 3600 - oauth2.EXPIRY_MARGIN + 1  # inside the renewal margin, not expired yet
        api.for_thread().get_email(SN)
        api.get_email(SN)
        assert calls(mock) == [("POST", TOKEN_URL), ("GET", "/hosting/web/%s/email" % SN),
                               ("POST", TOKEN_URL), ("GET", "/hosting/web/%s/email" % SN),
                               ("GET", "/hosting/web/%s/email" % SN)]
        assert [bearer(mock.calls[i]) for i in (1, 3, 4)] == ["Bearer tok-1", "Bearer tok-2", "Bearer tok-2"]


def test_a_token_ovh_refuses_before_its_end_is_renewed_once(clock):
    with responses.RequestsMock() as mock:
        mock.add(token_answer("tok-1"))
        mock.add(token_answer("tok-2"))
        mock.get(API + "/hosting/web/" + SN + "/email", status=401,
                 json={"class": "Client::Unauthorized", "message": "Invalid or expired token"})
        mock.get(API + "/hosting/web/" + SN + "/email", json=EMAIL)
        assert make_api().get_email(SN) == EMAIL
        assert calls(mock) == [("POST", TOKEN_URL), ("GET", "/hosting/web/%s/email" % SN),
                               ("POST", TOKEN_URL), ("GET", "/hosting/web/%s/email" % SN)]
        assert bearer(mock.calls[3]) == "Bearer tok-2"


def test_refused_client_credentials_name_them_and_never_show_the_secret(clock):
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "bad credentials"},
                  headers={"X-Ovh-QueryID": "EU.q-401"})
        with pytest.raises(HostingApiError) as error:
            make_api().get_email(SN)
        assert calls(mock) == [("POST", TOKEN_URL)]
    message = str(error.value)
    assert "POST /auth/oauth2/token failed (HTTP 401)" in message
    assert "invalid_client" in message and "Check client_id and client_secret" in message
    assert "[OVH query id EU.q-401]" in message
    assert SECRET not in message


def test_a_call_the_policies_do_not_allow_names_the_iam_action(clock):
    with responses.RequestsMock() as mock:
        mock.add(token_answer("tok-1"))
        mock.post(API + "/hosting/web/" + SN + "/email/request", status=403, headers={"X-Ovh-QueryID": "EU.q-403"},
                  json={"class": "Client::Forbidden", "message": "User not granted for this request",
                        "details": {"unauthorizedActionsByAuthentication": "",
                                    "unauthorizedActionsByIAM": "webHosting:apiovh:email/request/create"}})
        with pytest.raises(HostingApiError) as error:
            make_api().request_action(SN, "BLOCK")
    assert str(error.value) == (
        "hosting %s: POST /hosting/web/%s/email/request failed (HTTP 403): User not granted for this request "
        "[OVH query id EU.q-403]. The service account needs the IAM action 'webHosting:apiovh:email/request/create'"
        " on hosting %s: add it to one of its policies" % (SN, SN, SN))
    assert "access rule" not in str(error.value)


@pytest.mark.parametrize("oauth2_where, application_where, named", [
    ("option", "env", "client_id (the client_id option) belongs to an OAuth2 service account, application_key "
                      "(OVH_APPLICATION_KEY) to an application key"),
    ("env", "option", "client_id (OVH_CLIENT_ID) belongs to an OAuth2 service account, application_key (the "
                      "application_key option) to an application key"),
    ("conf", "env", "client_id (client_id in the [ovh-eu] section of ovh.conf) belongs to an OAuth2 service "
                    "account, application_key (OVH_APPLICATION_KEY)"),
])
def test_mixing_the_two_sets_is_refused_naming_both_before_any_call(monkeypatch, tmp_path, oauth2_where,
                                                                    application_where, named):
    conf = tmp_path / "ovh.conf"
    conf.write_text("[ovh-eu]\nclient_id=conf-id\nclient_secret=conf-secret\n")
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [str(conf)] if oauth2_where == "conf" else [])
    options = {}
    if oauth2_where == "option":
        options.update(client_id="id", client_secret=SECRET)
    elif oauth2_where == "env":
        monkeypatch.setenv("OVH_CLIENT_ID", "id")
        monkeypatch.setenv("OVH_CLIENT_SECRET", SECRET)
    if application_where == "option":
        options.update(application_key="ak", application_secret="as", consumer_key="ck")
    else:
        monkeypatch.setenv("OVH_APPLICATION_KEY", "ak")
    with responses.RequestsMock() as mock:
        with pytest.raises(HostingApiError) as error:
            HostingApi(endpoint="ovh-eu", **options)
        assert not mock.calls
    assert named in str(error.value)
    assert "Use one set: client_id and client_secret, or application_key, application_secret and consumer_key" in \
        str(error.value)
    assert SECRET not in str(error.value)


def test_a_consumer_key_alone_with_client_credentials_is_a_mix_too():
    with pytest.raises(HostingApiError, match=r"client_id \(the client_id option\) .* consumer_key \(OVH_CONSUMER"):
        os.environ["OVH_CONSUMER_KEY"] = "ck"
        try:
            make_api()
        finally:
            del os.environ["OVH_CONSUMER_KEY"]


def test_half_a_pair_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [])
    monkeypatch.setenv("OVH_CLIENT_ID", "id")
    with pytest.raises(HostingApiError, match=r"OAuth2 credentials for ovh-eu are incomplete: client_id "
                                              r"\(OVH_CLIENT_ID\) is set but not client_secret; set it as the "
                                              r"client_secret option, as OVH_CLIENT_SECRET"):
        HostingApi(endpoint="ovh-eu")


def test_option_then_environment_then_ovh_conf(monkeypatch, tmp_path, clock):
    conf = tmp_path / "ovh.conf"
    conf.write_text("[ovh-eu]\nclient_id=conf-id\nclient_secret=conf-secret\n")
    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [str(conf)])

    def token_basic_auth(**options):
        with responses.RequestsMock() as mock:
            mock.add(token_answer("tok"))
            mock.get(API + "/hosting/web", json=[])
            HostingApi(endpoint="ovh-eu", **options).list_hostings()
            return base64.b64decode(mock.calls[0].request.headers["Authorization"].split()[1]).decode()

    assert token_basic_auth() == "conf-id:conf-secret"
    monkeypatch.setenv("OVH_CLIENT_ID", "env-id")
    monkeypatch.setenv("OVH_CLIENT_SECRET", "env-secret")
    assert token_basic_auth() == "env-id:env-secret"
    assert token_basic_auth(client_id="opt-id", client_secret="opt-secret") == "opt-id:opt-secret"


def test_a_url_endpoint_has_its_token_url_beside_1_0(clock):
    url = "http://127.0.0.1:18090/1.0"
    api = make_api(endpoint=url)
    assert ovh.client.OAUTH2_TOKEN_URLS[url] == "http://127.0.0.1:18090/auth/oauth2/token"
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:18090/auth/oauth2/token",
                  json={"access_token": "tok", "token_type": "Bearer", "expires_in": 60})
        mock.get(url + "/hosting/web", json=[SN])
        assert api.list_hostings() == [SN]
        assert [call.request.url for call in mock.calls] == ["http://127.0.0.1:18090/auth/oauth2/token",
                                                             url + "/hosting/web"]
    assert oauth2.INSECURE_TRANSPORT not in os.environ  # lifted for the calls only


@pytest.mark.parametrize("endpoint", ["http://10.0.0.5:8080/1.0", "http://api.example.com/1.0",
                                      "http://[2001:db8::1]:8080/1.0"])
def test_plain_http_to_another_host_is_refused_before_any_call(endpoint):
    with responses.RequestsMock() as mock:
        with pytest.raises(HostingApiError, match="OAuth2 client credentials are not sent over plain HTTP"):
            make_api(endpoint=endpoint)
        assert not mock.calls


def test_oauthlib_stays_strict_for_any_url_but_loopback_http():
    with oauth2.plain_http_allowed("http://10.0.0.5:8080/1.0"):
        assert oauth2.INSECURE_TRANSPORT not in os.environ
        assert not is_secure_transport("http://10.0.0.5:8080/auth/oauth2/token")
    with oauth2.plain_http_allowed("https://eu.api.ovh.com/1.0"):
        assert oauth2.INSECURE_TRANSPORT not in os.environ
    with oauth2.plain_http_allowed("http://127.0.0.1:8080/1.0"):
        with oauth2.plain_http_allowed("http://[::1]:8080/1.0"):
            assert is_secure_transport("http://127.0.0.1:8080/auth/oauth2/token")
        assert os.environ[oauth2.INSECURE_TRANSPORT] == "1"  # the outer call still runs
    assert oauth2.INSECURE_TRANSPORT not in os.environ
    assert not is_secure_transport("http://127.0.0.1:8080/auth/oauth2/token")
