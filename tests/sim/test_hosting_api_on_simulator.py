# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApi against the real simulator over HTTP: signatures, call counts, the state rules, faults, rights."""

from __future__ import annotations

import time

import pytest
from ovhsim.bounces import CATALOG
from ovhsim.testing import running_simulator

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import bounce_category, email_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, converge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import gather

SN = "shop-1.cluster021.hosting.ovh.net"


def no_sleep(seconds):
    """Back-off and Retry-After are unit-tested with a fake clock; here they would only slow the suite down."""


@pytest.fixture(scope="module")
def sim():
    with running_simulator(action_delay=0.2) as running:
        yield running


@pytest.fixture
def fresh(sim):
    sim.admin("POST", "/_sim/reset")
    return sim


def api_for(sim, credentials=None, **kwargs):
    return HostingApi(**dict(credentials or sim.credentials, **kwargs))


def api_calls(sim):
    return [(entry["method"], entry["path"]) for entry in sim.admin("GET", "/_sim/requests")]


def test_fleet_read_costs_one_call_per_hosting_plus_two(fresh):
    names = fresh.admin("POST", "/_sim/seed", {"fleet": 12, "profile": "mixed", "seed": 3})["service_names"]
    api = api_for(fresh)
    listed = api.list_hostings()
    outcomes = gather(api, listed, lambda client, name: email_facts(name, client.get_email(name)), concurrency=4)
    assert sorted(listed) == sorted(names)
    assert all(outcome.ok for outcome in outcomes)
    assert {outcome.value["state"] for outcome in outcomes} <= set(email_state.STATES)
    calls = api_calls(fresh)
    assert calls[:2] == [("GET", "/auth/time"), ("GET", "/hosting/web")]
    assert sorted(calls[2:]) == sorted(("GET", "/hosting/web/%s/email" % name) for name in names)


def test_block_then_purge_deletes_the_queue(fresh):
    fresh.admin("POST", "/_sim/hostings", {"service_name": SN, "state": "ok"})
    api = api_for(fresh)
    [blocked] = converge(api, [Wanted(SN, state="blocked")], wait_timeout=30, wait_sleep=1)
    assert blocked.ok and blocked.actions == ["BLOCK"] and blocked.after["state"] == "ko"

    sent = fresh.admin("POST", "/_sim/send", {"service_name": SN, "count": 5})
    assert sent["queued"] == 5
    [purged] = converge(api, [Wanted(SN, state="purged")], wait_timeout=30, wait_sleep=1)
    assert purged.ok and purged.actions == ["PURGE"] and purged.after["state"] in ("ok", "force")
    ledger = fresh.admin("GET", "/_sim/ledger")
    assert ledger["hostings"][SN]["purged"] == 5 and ledger["balanced"]


def test_report_recipient_set_and_cleared(fresh):
    fresh.admin("POST", "/_sim/hostings", {"service_name": SN})
    api = api_for(fresh)
    api.set_report_recipient(SN, "ops@example.com")
    assert api.get_email(SN)["email"] == "ops@example.com"
    api.set_report_recipient(SN, None)
    assert api.get_email(SN)["email"] is None


@pytest.mark.parametrize("action_delay", [0, 0.2])
def test_post_applied_then_answered_5xx_is_applied_once(fresh, action_delay):
    fresh.admin("POST", "/_sim/config", {"action_delay": action_delay})
    fresh.admin("POST", "/_sim/hostings", {"service_name": SN, "state": "ok"})
    fresh.admin("POST", "/_sim/faults", {"route": "/hosting/web/*/email/request", "method": "POST",
                                         "apply_then_fail_rate": 1.0})
    api = api_for(fresh, sleep=no_sleep)
    [result] = converge(api, [Wanted(SN, state="blocked")], wait_timeout=30, sleep=lambda seconds: time.sleep(0.1))
    assert result.ok and result.after["state"] == "ko", result.message()
    posts = [(entry["status"], entry["applied"]) for entry in fresh.admin("GET", "/_sim/requests")
             if entry["method"] == "POST"]
    if action_delay == 0:
        # The re-read shows the hosting blocked: the request is not sent again.
        assert posts == [(500, True)]
    else:
        # The re-read still shows "ok" (the action is pending): sent again, refused with 409, which means done.
        assert posts == [(500, True), (409, False)]


def test_429_5xx_html_and_resets_are_absorbed(fresh):
    names = fresh.admin("POST", "/_sim/seed", {"fleet": 10, "profile": "healthy", "seed": 5})["service_names"]
    fresh.admin("POST", "/_sim/faults", {"seed": 11, "rules": [{
        "rate_429": 0.15, "retry_after": 0, "error_rate": 0.15, "error_status": 502, "html_errors": True,
        "reset_rate": 0.1}]})
    api = api_for(fresh, sleep=no_sleep, retries=10)
    outcomes = gather(api, names, lambda client, name: client.get_email(name), concurrency=3)
    assert [outcome.error for outcome in outcomes] == [None] * len(names)
    log = fresh.admin("GET", "/_sim/requests")
    assert len(log) > len(names) + 1  # faults were injected, and retried
    assert {entry["fault"] for entry in log} - {None}


def test_restricted_key_is_told_the_rule_it_lacks(fresh):
    fresh.admin("POST", "/_sim/hostings", {"service_name": SN, "state": "ok"})
    reader = fresh.restricted_credentials("GET /hosting/web", "GET /hosting/web/*")
    api = api_for(fresh, reader)
    assert api.get_email(SN)["state"] == "ok"
    with pytest.raises(HostingApiError) as error:
        api.request_action(SN, "BLOCK")
    assert error.value.status == 403 and error.value.query_id
    assert "The consumer key needs the access rule 'POST /hosting/web/*/email/request'" in str(error.value)


def test_unknown_hosting_is_a_404_naming_it(fresh):
    with pytest.raises(HostingApiError) as error:
        api_for(fresh).get_email("missing.cluster021.hosting.ovh.net")
    assert error.value.status == 404 and "hosting missing.cluster021.hosting.ovh.net" in str(error.value)


@pytest.mark.parametrize("category, template", [(c, t) for c, entry in CATALOG.items() for t in entry[1]])
def test_bounce_categories_agree_with_the_simulator_catalog(category, template):
    message = template.format(to="someone@example.org", domain="example.org", octet=7)
    assert bounce_category(message) == category
