# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OAuth2 service accounts and IAM policies, through the real ``ovh`` client: the token endpoint beside /1.0,
bearer tokens, 403 naming the IAM action, listings filtered by policy, tokens ended early, revoked accounts, the
CLI and persistence."""
from __future__ import annotations

import json
import shlex

import ovh
import pytest
import requests

from ovhsim.cli import main
from ovhsim.testing import running_simulator

NAME = "shop-1.cluster021.hosting.ovh.net"
OTHER = "blog-2.cluster027.hosting.ovh.net"
READ = ("webHosting:apiovh:get", "webHosting:apiovh:email/get")


@pytest.fixture(autouse=True)
def loopback_http(monkeypatch):
    """The simulator serves plain HTTP on loopback; oauthlib refuses http:// unless told otherwise."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def two_hostings(hosting):
    return hosting(NAME), hosting(OTHER)


def log(sim):
    return [(entry["method"], entry["path"], entry["status"]) for entry in sim.admin("GET", "/_sim/requests")]


def test_token_then_calls_with_the_real_client(sim, two_hostings):
    account = sim.service_account(*READ)
    client = sim.oauth2_client(account)
    assert client.get("/hosting/web") == sorted([NAME, OTHER])
    assert client.get(f"/hosting/web/{NAME}/email")["state"] == "ok"
    assert log(sim) == [("POST", "/auth/oauth2/token", 200), ("GET", "/hosting/web", 200),
                        ("GET", f"/hosting/web/{NAME}/email", 200)]
    assert sim.admin("GET", "/_sim/requests")[1]["client_id"] == account["client_id"]


def test_the_token_answer_is_ovhs(sim):
    account = sim.service_account()
    form = {"grant_type": "client_credentials", "scope": "all"}
    answer = requests.post(sim.admin_url + "/auth/oauth2/token", data=form,
                           auth=(account["client_id"], account["client_secret"]), timeout=10)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "all")
    in_body = requests.post(sim.admin_url + "/auth/oauth2/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": account["client_id"],
        "client_secret": account["client_secret"]})
    assert in_body.status_code == 200


@pytest.mark.parametrize("form, auth, status, error", [
    ({"grant_type": "password"}, None, 400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, None, 400, "invalid_request"),
    ({"grant_type": "client_credentials"}, ("nobody", "x"), 401, "invalid_client"),
])
def test_token_refusals_are_rfc_6749_errors(sim, form, auth, status, error):
    answer = requests.post(sim.admin_url + "/auth/oauth2/token", data=form, auth=auth, timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_a_call_no_policy_allows_is_403_naming_the_action(sim, two_hostings):
    client = sim.oauth2_client(sim.service_account(*READ))
    with pytest.raises(ovh.exceptions.APIError, match="User not granted for this request"):
        client.post(f"/hosting/web/{NAME}/email/request", action="BLOCK")
    answer = client.raw_call("GET", f"/hosting/web/{NAME}/email/volumes")
    assert answer.status_code == 403
    assert answer.json() == {"class": "Client::Forbidden", "message": "User not granted for this request",
                             "details": {"unauthorizedActionsByAuthentication": "",
                                         "unauthorizedActionsByIAM": "webHosting:apiovh:email/volumes/get"}}
    assert sim.admin("GET", f"/_sim/hostings/{NAME}")["state"] == "ok"  # nothing was applied


def test_granting_the_action_allows_the_call(sim, two_hostings):
    account = sim.service_account(*READ)
    client = sim.oauth2_client(account)
    assert client.raw_call("POST", f"/hosting/web/{NAME}/email/request", {"action": "BLOCK"}).status_code == 403
    sim.grant(account, "webHosting:apiovh:email/request/create", resources=[f"urn:v1:eu:resource:webHosting:{NAME}"])
    client.post(f"/hosting/web/{NAME}/email/request", action="BLOCK")
    assert sim.admin("GET", f"/_sim/hostings/{NAME}")["state"] == "ko"
    other = client.raw_call("POST", f"/hosting/web/{OTHER}/email/request", {"action": "BLOCK"})
    assert other.status_code == 403  # the policy names one resource


def test_the_listing_holds_the_hostings_the_policies_allow(sim, two_hostings):
    account = sim.service_account("webHosting:apiovh:get", resources=[f"urn:v1:eu:resource:webHosting:{OTHER}"])
    assert sim.oauth2_client(account).get("/hosting/web") == [OTHER]
    nothing = sim.oauth2_client(sim.service_account()).raw_call("GET", "/hosting/web")
    assert nothing.status_code == 403
    assert nothing.json()["details"]["unauthorizedActionsByIAM"] == "webHosting:apiovh:get"


def test_wildcard_actions(sim, two_hostings):
    client = sim.oauth2_client(sim.service_account("webHosting:apiovh:*"))
    assert client.get(f"/hosting/web/{NAME}/email/volumes") == []


def test_an_ended_token_is_401_and_a_new_one_works(sim, two_hostings):
    account = sim.service_account(*READ)
    client = sim.oauth2_client(account)
    client.get("/hosting/web")
    assert sim.admin("POST", "/_sim/service-accounts/expire-tokens", {"client_id": account["client_id"]}) == {
        "expired": 1}
    refused = client.raw_call("GET", "/hosting/web")
    assert refused.status_code == 401
    assert refused.json() == {"class": "Client::Unauthorized", "message": "Invalid or expired token"}
    assert sim.oauth2_client(account).get("/hosting/web") == sorted([NAME, OTHER])


def test_a_revoked_account_gets_no_token(sim):
    account = sim.service_account(*READ)
    sim.admin("POST", "/_sim/service-accounts/revoke", {"client_id": account["client_id"]})
    with pytest.raises(ovh.exceptions.OAuth2FailureError, match="invalid_client"):
        sim.oauth2_client(account).get("/hosting/web")


def test_consumer_keys_are_unchanged_beside_service_accounts(sim, two_hostings):
    sim.service_account(*READ)
    assert sim.client().get("/hosting/web") == sorted([NAME, OTHER])


def test_cli_creates_a_service_account_and_grants_it(sim, two_hostings, capsys):
    assert main(["keys", "create", "--oauth2", "--action", "webHosting:apiovh:get", "--token-lifetime", "60",
                 "--url", sim.admin_url]) == 0
    exports = dict(word.split("=", 1) for word in shlex.split(capsys.readouterr().out)[1:])
    assert set(exports) == {"OVH_ENDPOINT", "OVH_CLIENT_ID", "OVH_CLIENT_SECRET"}
    account = {"client_id": exports["OVH_CLIENT_ID"], "client_secret": exports["OVH_CLIENT_SECRET"]}
    client = sim.oauth2_client(account)
    assert client.raw_call("GET", f"/hosting/web/{NAME}/email").status_code == 403
    assert main(["keys", "grant", account["client_id"], "--action", "webHosting:apiovh:email/get",
                 "--url", sim.admin_url]) == 0
    assert json.loads(capsys.readouterr().out)["allow"] == ["webHosting:apiovh:email/get"]
    assert client.get(f"/hosting/web/{NAME}/email")["state"] == "ok"
    assert main(["keys", "revoke", "--oauth2", account["client_id"], "--url", sim.admin_url]) == 0
    assert client.raw_call("GET", f"/hosting/web/{NAME}/email").status_code == 401


def test_cli_refuses_iam_options_without_oauth2_and_a_rule_with_it(sim, capsys):
    assert main(["keys", "create", "--rule", "GET /hosting/web", "--action", "x", "--url", sim.admin_url]) == 1
    assert "add --oauth2" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_status:
        main(["keys", "create", "--oauth2", "--rule", "GET /hosting/web", "--url", sim.admin_url])
    assert exit_status.value.code == 2


def test_accounts_and_policies_survive_a_restart(tmp_path):
    db = str(tmp_path / "sim.db")
    with running_simulator(db=db) as sim:
        sim.admin("POST", "/_sim/hostings", {"service_name": NAME})
        account = sim.service_account(*READ)
    with running_simulator(db=db) as sim:
        assert sim.oauth2_client(account).get("/hosting/web") == [NAME]
