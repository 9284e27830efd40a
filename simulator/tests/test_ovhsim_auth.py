# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signature, keys and access rules, through the real ``ovh`` client and raw requests."""
from __future__ import annotations

import time

import ovh
import ovh.exceptions
import pytest
import requests

from ovhsim.auth import rule_matches, signature


def test_signature_matches_the_vector_of_the_ovh_documentation():
    assert signature("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk", "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY", "GET",
                     "https://eu.api.ovh.com/1.0/auth", "", "1457018875") == \
        "$1$e9556054b6309771395efa467c22e627407461ad"


@pytest.mark.parametrize("rule_path, path, expected", [
    ("/hosting/web/*", "/hosting/web/x.cluster021.hosting.ovh.net/email", True),
    ("/hosting/web/*", "/hosting/web", False),
    ("/hosting/web", "/hosting/web", True),
    ("/hosting/web/*/email", "/hosting/web/a/email", True),
    ("/hosting/web/*/email", "/hosting/web/a/email/bounces", False),
    ("/*", "/auth/currentCredential", True),
])
def test_a_star_matches_any_characters_slashes_included(rule_path, path, expected):
    assert rule_matches({"method": "GET", "path": rule_path}, "GET", path) is expected


def test_a_rule_is_for_one_method():
    assert not rule_matches({"method": "GET", "path": "/*"}, "PUT", "/hosting/web/a/email")


def test_auth_time_is_a_bare_integer_without_authentication(sim):
    answer = requests.get(sim.url + "/auth/time", timeout=5)
    assert answer.status_code == 200
    assert abs(int(answer.text) - time.time()) < 5
    assert answer.headers["X-Ovh-QueryID"]


def test_full_rights_key_reads_its_rules(client):
    credential = client.get("/auth/currentCredential")
    assert credential["status"] == "validated"
    assert {"method": "GET", "path": "/*"} in credential["rules"]


def test_unknown_application_key_is_invalid_key(sim):
    with pytest.raises(ovh.exceptions.InvalidKey) as raised:
        sim.client(dict(sim.credentials, application_key="unknownapp123456")).get("/hosting/web")
    assert raised.value.query_id


def test_unknown_consumer_key_is_invalid_credential(sim):
    with pytest.raises(ovh.exceptions.InvalidCredential):
        sim.client(dict(sim.credentials, consumer_key="x" * 32)).get("/hosting/web")


def test_wrong_secret_is_an_invalid_signature(sim):
    with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid signature"):
        sim.client(dict(sim.credentials, application_secret="y" * 32)).get("/hosting/web")


def test_a_request_changed_after_signing_is_an_invalid_signature(sim, client, hosting):
    name = hosting()
    signed = _signed_headers(sim, "PUT", f"/hosting/web/{name}/email", '{"email":"a@example.com"}')
    answer = requests.put(f"{sim.url}/hosting/web/{name}/email", data='{"email":"b@example.com"}',
                          headers=signed, timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"class": "Client::BadRequest", "message": "Invalid signature",
                             "errorCode": "INVALID_SIGNATURE", "httpCode": "400 Bad Request"}
    assert client.get(f"/hosting/web/{name}/email")["email"] is None


def test_signature_covers_the_query_string(sim, hosting):
    name = hosting()
    signed = _signed_headers(sim, "GET", f"/hosting/web/{name}/email/bounces?limit=5")
    good = requests.get(f"{sim.url}/hosting/web/{name}/email/bounces?limit=5", headers=signed, timeout=5)
    bad = requests.get(f"{sim.url}/hosting/web/{name}/email/bounces?limit=6", headers=signed, timeout=5)
    assert (good.status_code, bad.status_code) == (200, 400)


def test_a_stale_timestamp_is_refused(sim):
    signed = _signed_headers(sim, "GET", "/hosting/web", timestamp=int(time.time()) - 3600)
    answer = requests.get(sim.url + "/hosting/web", headers=signed, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["message"] == "Invalid timestamp"


def test_no_consumer_key_is_not_credential(sim):
    answer = requests.get(sim.url + "/hosting/web", headers={"X-Ovh-Application": sim.credentials["application_key"]},
                          timeout=5)
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "NOT_CREDENTIAL"


def test_a_call_outside_the_rules_is_not_granted(sim, hosting):
    name = hosting()
    restricted = sim.client(sim.restricted_credentials("GET /hosting/web/*"))
    assert restricted.get(f"/hosting/web/{name}/email")["state"] == "ok"
    with pytest.raises(ovh.exceptions.NotGrantedCall, match="This call has not been granted"):
        restricted.get("/hosting/web")
    with pytest.raises(ovh.exceptions.NotGrantedCall) as raised:
        restricted.put(f"/hosting/web/{name}/email", email="ops@example.com")
    assert raised.value.response.json()["errorCode"] == "NOT_GRANTED_CALL"
    assert restricted.get(f"/hosting/web/{name}")["serviceName"] == name


def test_current_credential_returns_the_rules_of_a_restricted_key(sim):
    credentials = sim.restricted_credentials("GET /auth/currentCredential", "PUT /hosting/web/*/email")
    rules = sim.client(credentials).get("/auth/currentCredential")["rules"]
    assert rules == [{"method": "GET", "path": "/auth/currentCredential"},
                     {"method": "PUT", "path": "/hosting/web/*/email"}]


def test_request_consumerkey_creates_a_key_validated_at_once(sim):
    client = sim.client(dict(sim.credentials, consumer_key=None))
    answer = client.request_consumerkey([{"method": "GET", "path": "/hosting/web"}])
    assert answer["state"] == "validated"
    assert client.get("/hosting/web") == []
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        client.get("/auth/currentCredential")


def test_a_revoked_key_is_invalid(sim):
    credentials = sim.restricted_credentials("GET /*")
    client = sim.client(credentials)
    assert client.get("/hosting/web") == []
    sim.admin("POST", "/_sim/keys/revoke", {"consumer_key": credentials["consumer_key"]})
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/hosting/web")


def test_a_consumer_key_of_another_application_is_invalid(sim):
    client = sim.client(dict(sim.credentials, consumer_key=None))
    other = sim.simulator.keys.add_application()
    consumer_key = client.request_consumerkey([{"method": "GET", "path": "/*"}])["consumerKey"]
    with pytest.raises(ovh.exceptions.InvalidCredential):
        sim.client({"application_key": other["application_key"], "application_secret": other["application_secret"],
                    "consumer_key": consumer_key}).get("/hosting/web")


def _signed_headers(sim, method: str, path: str, body: str = "", timestamp: int | None = None) -> dict:
    credentials = sim.credentials
    timestamp = str(timestamp or int(time.time()))
    return {"X-Ovh-Application": credentials["application_key"], "X-Ovh-Consumer": credentials["consumer_key"],
            "X-Ovh-Timestamp": timestamp, "Content-Type": "application/json",
            "X-Ovh-Signature": signature(credentials["application_secret"], credentials["consumer_key"], method,
                                         sim.url + path, body, timestamp)}
