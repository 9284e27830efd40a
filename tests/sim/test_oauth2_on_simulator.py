# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApi with a service account against the real simulator over plain HTTP on loopback: one token for a
fleet read, a short-lived token renewed before it runs out, one ended early renewed after OVH's 401, IAM refusals
naming the action, and oauthlib left as strict as it was."""

from __future__ import annotations

import os
import time

import pytest
from ovhsim.testing import running_simulator

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import email_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import gather

SN = "shop-1.cluster021.hosting.ovh.net"
READ = ("webHosting:apiovh:get", "webHosting:apiovh:email/get")
TOKEN = ("POST", "/auth/oauth2/token", 200)


@pytest.fixture(scope="module")
def sim():
    with running_simulator(action_delay=0) as running:
        yield running


@pytest.fixture
def fresh(sim):
    sim.admin("POST", "/_sim/reset")
    sim.admin("POST", "/_sim/hostings", {"service_name": SN})
    return sim


def api_for(sim, account, **kwargs):
    return HostingApi(endpoint=sim.url, client_id=account["client_id"], client_secret=account["client_secret"],
                      **kwargs)


def log(sim):
    return [(entry["method"], entry["path"], entry["status"]) for entry in sim.admin("GET", "/_sim/requests")]


def test_a_fleet_read_costs_one_token(fresh):
    names = fresh.admin("POST", "/_sim/seed", {"fleet": 8, "seed": 5})["service_names"]
    api = api_for(fresh, fresh.service_account(*READ))
    outcomes = gather(api, api.list_hostings(), lambda client, name: email_facts(name, client.get_email(name)),
                      concurrency=4)
    assert all(outcome.ok for outcome in outcomes) and len(outcomes) == len(names) + 1
    calls = log(fresh)
    assert calls[:2] == [TOKEN, ("GET", "/hosting/web", 200)]
    assert calls.count(TOKEN) == 1 and len(calls) == len(names) + 3
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_a_short_lived_token_is_renewed_before_it_runs_out(fresh):
    api = api_for(fresh, fresh.service_account(*READ, token_lifetime=1))
    api.get_email(SN)
    time.sleep(1.6)  # real time, as OVH counts it; past oauthlib's rounding of expires_at to the second
    api.get_email(SN)
    email = ("GET", "/hosting/web/%s/email" % SN, 200)
    assert log(fresh) == [TOKEN, email, TOKEN, email]  # no 401: renewed before the call


def test_a_token_ended_early_is_renewed_after_the_401(fresh):
    account = fresh.service_account(*READ)
    api = api_for(fresh, account)
    api.get_email(SN)
    fresh.admin("POST", "/_sim/service-accounts/expire-tokens", {"client_id": account["client_id"]})
    assert api.get_email(SN)["state"] == "ok"
    email = "/hosting/web/%s/email" % SN
    assert log(fresh) == [TOKEN, ("GET", email, 200), ("GET", email, 401), TOKEN, ("GET", email, 200)]


def test_a_refusal_names_the_iam_action_and_a_grant_lifts_it(fresh):
    account = fresh.service_account(*READ)
    api = api_for(fresh, account)
    with pytest.raises(HostingApiError) as error:
        api.request_action(SN, "BLOCK")
    assert error.value.status == 403
    assert "needs the IAM action 'webHosting:apiovh:email/request/create' on hosting %s" % SN in str(error.value)
    fresh.grant(account, "webHosting:apiovh:email/request/create")
    api.request_action(SN, "BLOCK")
    assert fresh.admin("GET", "/_sim/hostings/" + SN)["state"] == "ko"


def test_revoked_credentials_fail_naming_them_without_the_secret(fresh):
    account = fresh.service_account(*READ)
    fresh.admin("POST", "/_sim/service-accounts/revoke", {"client_id": account["client_id"]})
    with pytest.raises(HostingApiError) as error:
        api_for(fresh, account).list_hostings()
    assert "OAuth2 token refused" in str(error.value) and "Check client_id and client_secret" in str(error.value)
    assert account["client_secret"] not in str(error.value)
    assert log(fresh) == [("POST", "/auth/oauth2/token", 401)]
