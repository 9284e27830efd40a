# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_policy action over many hostings: the exact HTTP calls, from the host vars of each, in this process."""

from __future__ import annotations

import time
from unittest.mock import MagicMock

import pytest
import requests
import responses
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.mailops.ovh_hosting.plugins.action import email_policy as email_policy_action
from ansible_collections.mailops.ovh_hosting.plugins.action.email_policy import ActionModule

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(value):
        return value

from ovh_api_mock import API, CREDENTIALS, body_of, call_list

RECIPIENT = "ops@example.com"
AUTH_TIME = ("GET", "/auth/time")


def sn(index):
    return "shop-%d.cluster021.hosting.ovh.net" % index


def email(state, recipient=RECIPIENT, sent_today=4, bounce=3):
    return {"bounce": bounce, "email": recipient, "maxPerDay": 1000, "sent": 100, "sentToday": sent_today,
            "state": state}


def fact(name, state="ok", recipient=RECIPIENT):
    """The inventory plugin's ovh_email of a hosting."""
    return {"service_name": name, "state": state, "sending": state in ("ok", "force"), "report_recipient": recipient,
            "sent_total": 100, "sent_today": 4, "bounced_total": 3, "max_per_day": 1000}


class FakeHostVars:
    """The play's hostvars as the action reads them: raw_get gives a host's variables untemplated."""

    def __init__(self, hosts):
        self.hosts = hosts

    def __contains__(self, host):
        return host in self.hosts

    def __iter__(self):
        return iter(self.hosts)

    def __len__(self):
        return len(self.hosts)

    def raw_get(self, host):
        if host not in self.hosts:  # ansible-core 2.19 answers with a marker that fails outside a template
            raise RuntimeError("A required TemplateContext context is not active.")
        return self.hosts[host]


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        yield mock


def run_action(hosts, check_mode=False, diff=False, context=None, **args):
    """The action's result for a play over ``hosts`` (name: host vars), run on the first one."""
    task = MagicMock()
    task.args = dict(CREDENTIALS, **args)
    task.check_mode, task.diff, task.async_val = check_mode, diff, 0
    first = next(iter(hosts))
    task_vars = dict(context or {}, hostvars=FakeHostVars(hosts), ansible_play_batch=list(hosts),
                     inventory_hostname=first, groups={"all": [host for host in hosts if host != "localhost"]})
    loader = DataLoader()
    action = ActionModule(task, MagicMock(), PlayContext(), loader, Templar(loader=loader, variables=task_vars),
                          None)
    return action.run(task_vars=task_vars)


def fresh(name, state="ok", recipient=RECIPIENT, **host_vars):
    """The host vars of an inventory host whose facts were read in this run."""
    return dict(host_vars, ovh_email=fact(name, state, recipient), ovh_email_read_at=time.time())


POLICY = {"email_policy_state": "unblocked", "email_policy_report_recipient": RECIPIENT}


def test_a_compliant_fleet_with_fresh_facts_costs_no_call(api):
    api.calls.reset()
    hosts = {sn(index): fresh(sn(index), **POLICY) for index in range(50)}
    result = run_action(hosts)
    assert not result.get("failed"), result
    api.assert_all_requests_are_fired = False
    assert call_list(api) == []
    assert result["changed"] is False
    assert result["hostings"] == []  # compliant hostings are counted, not listed
    assert result["summary"]["lines"] == [
        "0 of 50 hosting(s) changed; guard triggered on 0; 0 failed"]


def test_a_mixed_fleet_reads_again_and_writes_only_the_hostings_that_differ(api, fake_time):
    hosts = {sn(1): fresh(sn(1), **POLICY), sn(2): fresh(sn(2), "ko", **POLICY),
             sn(3): fresh(sn(3), recipient=None, **POLICY)}
    api.get(API + "/hosting/web/%s/email" % sn(2), json=email("ko"))
    api.post(API + "/hosting/web/%s/email/request" % sn(2), json="Action UNBLOCK requested")
    api.get(API + "/hosting/web/%s/email" % sn(2), json=email("ok"))
    api.get(API + "/hosting/web/%s/email" % sn(3), json=email("ok", recipient=None))
    api.put(API + "/hosting/web/%s/email" % sn(3), body="null", content_type="application/json")
    result = run_action(hosts, diff=True)
    assert not result.get("failed"), result
    calls = call_list(api)
    assert calls[0] == AUTH_TIME
    # Threads interleave the hostings; each one's own calls keep their order.
    assert [call for call in calls if sn(2) in call[1]] == [
        ("GET", "/hosting/web/%s/email" % sn(2)), ("POST", "/hosting/web/%s/email/request" % sn(2)),
        ("GET", "/hosting/web/%s/email" % sn(2))]
    assert [call for call in calls if sn(3) in call[1]] == [
        ("GET", "/hosting/web/%s/email" % sn(3)), ("PUT", "/hosting/web/%s/email" % sn(3))]
    assert not [call for call in calls if sn(1) in call[1]]
    put = next(call for call in api.calls if call.request.method == "PUT")
    assert body_of(put) == {"email": RECIPIENT}
    assert result["changed"] is True
    assert [entry["before_header"] for entry in result["diff"]] == [sn(2), sn(3)]
    why = {entry["service_name"]: entry["why"] for entry in result["hostings"]}
    assert why == {sn(2): ["state: ko -> ok by UNBLOCK (wanted unblocked)"],
                   sn(3): ["report recipient: none -> %s" % RECIPIENT]}
    assert result["summary"]["hostings"] == 3


def test_check_mode_reads_before_deciding_and_writes_nothing(api):
    hosts = {sn(1): fresh(sn(1), "ko", **POLICY), sn(2): fresh(sn(2), **POLICY)}
    api.get(API + "/hosting/web/%s/email" % sn(1), json=email("ko"))
    result = run_action(hosts, check_mode=True, diff=True)
    assert not result.get("failed"), result
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % sn(1))]
    assert result["changed"] is True
    assert result["diff"] == [{"before": {"state": "ko", "report_recipient": RECIPIENT},
                               "after": {"state": "ok", "report_recipient": RECIPIENT},
                               "before_header": sn(1), "after_header": sn(1)}]
    assert result["summary"]["lines"] == [
        sn(1) + ": state: ko -> ok by UNBLOCK (wanted unblocked)",
        "1 of 2 hosting(s) would change; guard triggered on 0; 0 failed"]


def test_a_stale_fact_is_read_again_before_any_write_and_decided_from_the_read(api):
    # The inventory saw ko; since then someone unblocked it: nothing to do, and nothing is sent.
    hosts = {sn(1): fresh(sn(1), "ko", **POLICY)}
    api.get(API + "/hosting/web/%s/email" % sn(1), json=email("ok"))
    result = run_action(hosts)
    assert not result.get("failed"), result
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % sn(1))]
    assert result["changed"] is False


def test_hostings_without_fresh_facts_are_read_once_and_old_facts_count_as_none(api):
    old = dict(fresh(sn(2), **POLICY), ovh_email_read_at=time.time() - 3600)
    hosts = {sn(1): dict(POLICY), sn(2): old}
    for index in (1, 2):
        api.get(API + "/hosting/web/%s/email" % sn(index), json=email("ok"))
    result = run_action(hosts)
    assert not result.get("failed"), result
    reads = [("GET", "/hosting/web/%s/email" % sn(index)) for index in (1, 2)]
    assert sorted(call_list(api)) == sorted([AUTH_TIME] + reads)
    assert result["changed"] is False


def test_one_hosting_failing_never_stops_the_others_and_the_task_fails_naming_it(api, fake_time):
    hosts = {sn(index): fresh(sn(index), "ko", **POLICY) for index in (1, 2, 3)}
    for index in (1, 3):
        api.get(API + "/hosting/web/%s/email" % sn(index), json=email("ko"))
        api.post(API + "/hosting/web/%s/email/request" % sn(index), json="Action UNBLOCK requested")
        api.get(API + "/hosting/web/%s/email" % sn(index), json=email("ok"))
    api.get(API + "/hosting/web/%s/email" % sn(2), status=403, headers={"X-Ovh-QueryID": "EU.ext-1.2"},
            json={"message": "This call has not been granted"})
    result = run_action(hosts)
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 3 hosting(s) failed: hosting %s: GET /hosting/web/%s/email" % (sn(2), sn(2)))
    assert "HTTP 403" in result["msg"] and "EU.ext-1.2" in result["msg"]
    # Failed, it still says what it did.
    results = {entry["service_name"]: entry for entry in result["hostings"]}
    assert results[sn(1)]["changed"] and results[sn(3)]["changed"] and results[sn(1)]["actions"] == ["UNBLOCK"]
    assert results[sn(2)]["failed"] and not results[sn(2)]["changed"]
    assert sorted(call for call in call_list(api) if call[0] == "POST") == [
        ("POST", "/hosting/web/%s/email/request" % sn(index)) for index in (1, 3)]


def test_with_continue_on_error_the_failures_are_in_the_facts_for_the_role_to_say(api, fake_time):
    hosts = {sn(1): fresh(sn(1), "ko", **POLICY)}
    api.get(API + "/hosting/web/%s/email" % sn(1), status=500, json={"message": "boom"})
    result = run_action(hosts, continue_on_error=True, retries=0)
    assert not result.get("failed"), result
    summary = result["summary"]
    assert len(summary["failures"]) == 1 and "HTTP 500" in summary["failures"][0]
    assert summary["lines"][-1] == "0 of 1 hosting(s) changed; guard triggered on 0; 1 failed"


def test_a_guard_reads_the_counters_then_the_bounces_only_where_they_can_trigger(api, fake_time):
    guard = dict(POLICY, email_policy_guard_max_bounce_ratio=0.1)
    hosts = {sn(1): dict(guard), sn(2): dict(guard)}
    # sn(1): 3 bounces in all for 100 sent today, at most 3 %: no bounce read. sn(2): 50 for 100, a bounce read.
    api.get(API + "/hosting/web/%s/email" % sn(1), json=email("ok", sent_today=100, bounce=3))
    api.get(API + "/hosting/web/%s/email" % sn(2), json=email("ok", sent_today=100, bounce=50))
    api.get(API + "/hosting/web/%s/email" % sn(2), json=email("ok", sent_today=100, bounce=50))
    api.get(API + "/hosting/web/%s/email/bounces" % sn(2), json=[])
    result = run_action(hosts)
    assert not result.get("failed"), result
    calls = call_list(api)
    assert [call for call in calls if sn(1) in call[1]] == [("GET", "/hosting/web/%s/email" % sn(1))]
    assert [call for call in calls if sn(2) in call[1]] == [
        ("GET", "/hosting/web/%s/email" % sn(2)), ("GET", "/hosting/web/%s/email" % sn(2)),
        ("GET", "/hosting/web/%s/email/bounces?limit=100" % sn(2))]
    assert result["changed"] is False


def test_bad_settings_fail_before_any_call_naming_the_hosting_and_the_variable(api):
    api.assert_all_requests_are_fired = False
    hosts = {sn(1): {"email_policy_state": "sending"}, sn(2): {"email_policy_report_recipient": "nobody"}}
    result = run_action(hosts)
    assert result["failed"] is True and call_list(api) == []
    assert "hosting %s: email_policy_state must be one of" % sn(1) in result["msg"]
    assert "hosting %s: email_policy_report_recipient 'nobody' is not an e-mail address" % sn(2) in result["msg"]


def test_a_template_in_a_host_var_is_templated_in_that_hosts_context(api):
    api.assert_all_requests_are_fired = False
    hosts = {sn(1): fresh(sn(1), team="ops", email_policy_state="unblocked",
                          email_policy_report_recipient=trust_as_template("{{ team }}@example.com"))}
    result = run_action(hosts)
    assert not result.get("failed"), result
    assert call_list(api) == [] and result["changed"] is False


def test_a_play_value_applies_to_every_hosting_over_their_host_vars(api):
    api.assert_all_requests_are_fired = False
    hosts = {sn(1): fresh(sn(1), "ko", email_policy_state="unblocked"), sn(2): fresh(sn(2), "ko")}
    result = run_action(hosts, check_mode=True, context={"email_policy_state": "blocked"})
    assert not result.get("failed"), result
    assert call_list(api) == [] and result["changed"] is False  # both already blocked


def test_bad_options_fail_with_a_message_naming_them(api):
    api.assert_all_requests_are_fired = False
    result = run_action({sn(1): {}}, concurrency=0, wait_timeout=-1)
    assert result["failed"] is True and call_list(api) == []
    assert "concurrency must be 1 or more, got 0" in result["msg"] and "wait_timeout must be 0 or more" in result["msg"]


def test_names_that_are_no_inventory_host_take_the_values_of_the_tasks_context(api, fake_time):
    api.get(API + "/hosting/web/%s/email" % sn(7), json=email("ok"))
    api.post(API + "/hosting/web/%s/email/request" % sn(7), json="Action BLOCK requested")
    api.get(API + "/hosting/web/%s/email" % sn(7), json=email("ko"))
    result = run_action({"localhost": {}}, hostings=[sn(7)], forced_state="blocked",
                        context={"email_policy_report_recipient": RECIPIENT})
    assert not result.get("failed"), result
    assert call_list(api) == [AUTH_TIME, ("GET", "/hosting/web/%s/email" % sn(7)),
                              ("POST", "/hosting/web/%s/email/request" % sn(7)),
                              ("GET", "/hosting/web/%s/email" % sn(7))]
    assert [entry["why"] for entry in result["hostings"]] == [
        ["state: ok -> ko by BLOCK (wanted blocked)"]]


def test_an_empty_list_of_hostings_acts_on_none_and_no_list_means_the_plays_hosts(api):
    api.assert_all_requests_are_fired = False
    hosts = {sn(1): fresh(sn(1), "ko", **POLICY), sn(2): fresh(sn(2), "ko", **POLICY)}
    none = run_action(hosts, check_mode=True, hostings=[])
    assert not none.get("failed"), none
    assert call_list(api) == [] and none["changed"] is False and none["summary"]["hostings"] == 0
    api.get(API + "/hosting/web/%s/email" % sn(1), json=email("ko"))
    api.get(API + "/hosting/web/%s/email" % sn(2), json=email("ko"))
    every = run_action(hosts, check_mode=True)
    assert every["changed"] is True and every["summary"]["hostings"] == 2
    assert sorted(call for call in call_list(api) if call != AUTH_TIME) == [
        ("GET", "/hosting/web/%s/email" % sn(index)) for index in (1, 2)]


def test_a_secret_of_the_task_never_reaches_its_result_even_when_ovh_echoes_it(api, fake_time):
    hosts = {sn(1): fresh(sn(1), "ko", **POLICY)}
    api.get(API + "/hosting/web/%s/email" % sn(1), status=400,
            json={"message": "bad key %s" % CREDENTIALS["consumer_key"]})
    result = run_action(hosts)
    assert result["failed"] is True and "HTTP 400" in result["msg"]
    assert CREDENTIALS["consumer_key"] not in repr(result) and CREDENTIALS["application_secret"] not in repr(result)


def test_a_vaulted_value_is_sent_as_its_text_and_never_shown(monkeypatch):
    class Vaulted:
        def __str__(self):
            return "ops@example.com"

    monkeypatch.setattr(email_policy_action, "VaultedValue", Vaulted)
    text = email_policy_action.plain(Vaulted())
    assert text == "ops@example.com" and "ops@example.com" not in "%r" % (text,)
    assert email_policy_action.plain("ops@example.com") == "ops@example.com"


def test_a_failure_before_any_call_of_the_hostings_own_still_names_it_and_fails_the_task(fake_time):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(API + "/auth/time", body=requests.ConnectionError("refused"))
        result = run_action({sn(1): fresh(sn(1), "ko", **POLICY)}, retries=0)
    assert result["failed"] is True
    assert [entry["failed"] for entry in result["hostings"]] == [True]
    assert result["hostings"][0]["failure"].startswith("hosting %s: GET /auth/time" % sn(1))
    assert result["summary"]["lines"][-1] == "0 of 1 hosting(s) changed; guard triggered on 0; 1 failed"
