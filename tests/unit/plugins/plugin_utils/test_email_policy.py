# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_policy role's rules for a whole play: settings from host vars, freshness, guard, requests, why."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy

NOW = 1_800_000_000.0
ROLE = pathlib.Path(__file__).parents[4] / "roles" / "email_policy"


def facts(name, state="ok", recipient=None, sent_today=0, bounced_total=0):
    return {"service_name": name, "state": state, "report_recipient": recipient, "sent_today": sent_today,
            "bounced_total": bounced_total}


def settings(targets, hostvars, context=None, first=None, **options):
    return email_policy.settings(targets, hostvars, context or {}, first, now=NOW, **options)


def test_each_hosting_takes_its_own_host_vars_and_the_documented_defaults():
    hostvars = {
        "a": {"email_policy_state": "blocked", "email_policy_guard_max_bounce_ratio": "0.1"},
        "b": {"email_policy_report_recipient": "ops@example.com", "email_policy_allow_force": "yes"},
        "c": {"ovh_service_name": "c.cluster021.hosting.ovh.net"},
    }
    # The role runs on a; its context shows a's own state, which is no play value.
    got = settings(["a", "b", "c"], hostvars, {"email_policy_state": "blocked"}, "a")
    assert [(entry["service_name"], entry["state"], entry["report_recipient"], entry["allow_force"],
             entry["guard_max_ratio"]) for entry in got] == [
        ("a", "blocked", None, False, 0.1),
        ("b", "unmanaged", "ops@example.com", True, None),
        ("c.cluster021.hosting.ovh.net", "unmanaged", None, False, None),
    ]
    assert {entry["guard_min_sent"] for entry in got} == {20} and {entry["guard_action"] for entry in got} == {"block"}


def test_a_value_of_the_play_applies_to_every_hosting_over_their_inventory():
    hostvars = {"a": {"email_policy_state": "unblocked"}, "b": {"email_policy_state": "blocked"}, "c": {}}
    got = settings(["a", "b", "c"], hostvars, {"email_policy_state": "purged"}, "a")
    assert [entry["state"] for entry in got] == ["purged", "purged", "purged"]


def test_names_that_are_no_inventory_host_take_the_roles_context():
    got = settings("x.cluster1.hosting.ovh.net, y.cluster1.hosting.ovh.net", {"localhost": {}},
                   {"email_policy_state": "unblocked", "email_policy_report_recipient": ""}, "localhost")
    assert [(entry["service_name"], entry["state"], entry["report_recipient"]) for entry in got] == [
        ("x.cluster1.hosting.ovh.net", "unblocked", ""), ("y.cluster1.hosting.ovh.net", "unblocked", "")]


def test_a_forced_state_wins_over_every_hostings_own():
    hostvars = {"a": {"email_policy_state": "unblocked"}, "b": {}}
    got = settings(["a", "b"], hostvars, {}, "a", forced_state="blocked")
    assert [entry["state"] for entry in got] == ["blocked", "blocked"]


def test_bad_values_fail_at_once_naming_each_hosting_and_variable():
    hostvars = {
        "a": {"email_policy_state": "blok"},
        "b": {"email_policy_guard_max_bounce_ratio": "lots", "email_policy_guard_min_sent": -1},
        "c": {"email_policy_allow_force": "maybe", "email_policy_guard_action": "shout"},
    }
    with pytest.raises(email_policy.PolicyError) as raised:
        settings(["a", "b", "c"], hostvars, {}, "a")
    message = str(raised.value)
    for part in ("hosting a: email_policy_state must be one of unblocked, blocked, purged, unmanaged, got 'blok'",
                 "hosting b: email_policy_guard_max_bounce_ratio must be a share from 0 to 1",
                 "hosting b: email_policy_guard_min_sent must be a whole number, 0 or more, got -1",
                 "hosting c: email_policy_allow_force must be a boolean, got 'maybe'",
                 "hosting c: email_policy_guard_action must be one of block, report, got 'shout'"):
        assert part in message


def test_a_hosting_targeted_twice_is_refused():
    with pytest.raises(email_policy.PolicyError, match="targeted once, got twice or more: s.example"):
        settings(["a", "b"], {"a": {"email_policy_service_name": "s.example"},
                              "b": {"email_policy_service_name": "s.example"}}, {}, "a")


@pytest.mark.parametrize("read_at, fresh", [
    (NOW - 10, True),
    (NOW - 300, True),
    (NOW - 301, False),  # an older cache entry
    (NOW + 30, True),  # a controller clock a little behind
    (NOW + 3600, False),
    (None, False),  # facts of an inventory that does not say when it read them
    ("soon", False),
])
def test_inventory_facts_decide_only_when_read_in_this_run(read_at, fresh):
    hostvars = {"a": {"ovh_email": facts("a"), "ovh_email_read_at": read_at, "email_policy_guard_max_bounce_ratio": 0.1}}
    got = settings(["a"], hostvars, {}, "a")
    assert (got[0]["current"] is not None) is fresh
    assert got[0]["read_first"] is not fresh  # the guard needs the counters: read by the role when not fresh


def test_hostings_without_a_guard_are_left_to_the_module_to_read():
    got = settings(["a"], {"a": {"email_policy_state": "blocked"}}, {}, "a")
    assert got[0]["current"] is None and not got[0]["read_first"]
    judged = email_policy.judge(got, [])
    assert judged[0]["failure"] is None
    assert judged[0]["request"] == {"service_name": "a", "state": "blocked", "allow_force": False}


def test_an_unmanaged_state_is_left_out_of_the_request():
    policy = settings(["a"], {"a": {"email_policy_report_recipient": "ops@example.com"}}, {}, "a")
    judged = email_policy.judge(policy, [])
    assert judged[0]["request"] == {"service_name": "a", "report_recipient": "ops@example.com", "allow_force": False}


def test_unreadable_inventory_facts_are_read_again():
    got = settings(["a"], {"a": {"ovh_email": None, "ovh_email_read_at": NOW}}, {}, "a")
    assert got[0]["current"] is None


def read(*hostings, unreadable=()):
    return {"hostings": list(hostings), "unreadable": list(unreadable)}


def test_compliant_counters_judge_the_guard_without_reading_bounces():
    policy = settings(["a", "b", "c"], {
        "a": {"email_policy_guard_max_bounce_ratio": 0.2},
        "b": {"email_policy_guard_max_bounce_ratio": 0.2},
        "c": {"email_policy_guard_max_bounce_ratio": 0.2},
    }, {}, "a")
    judged = email_policy.judge(policy, [read(
        facts("a", sent_today=100, bounced_total=20),  # at most 20 %: cannot be over
        facts("b", sent_today=100, bounced_total=500),  # may be over: its bounces decide
        facts("c", sent_today=5, bounced_total=500),  # too few mails to be judged
    )])
    assert [entry["service_name"] for entry in judged if entry["needs_bounces"]] == ["b"]
    assert judged[0]["guard"]["ratio_at_most"] == 0.2 and not judged[0]["guard"]["triggered"]
    assert not judged[2]["guard"]["judged"]
    assert [entry["request"] for entry in judged] == [None, None, None]  # nothing managed, guard not triggered


def test_a_triggered_guard_blocks_and_wins_over_the_wanted_state():
    policy = settings(["b"], {"b": {"email_policy_guard_max_bounce_ratio": 0.2, "email_policy_state": "unblocked"}},
                      {}, "b")
    bounces = [{"date": "2027-01-15T10:00:00+01:00"}] * 30
    with_bounces = dict(facts("b", sent_today=100, bounced_total=500), bounces=bounces)
    judged = email_policy.judge(policy, [read(facts("b", sent_today=100, bounced_total=500)), read(with_bounces)],
                                now="2027-01-15T12:00:00+01:00")
    guard = judged[0]["guard"]
    assert (guard["bounces"], guard["sent"], guard["ratio"], guard["triggered"]) == (30, 100, 0.3, True)
    assert judged[0]["request"] == {"service_name": "b", "state": "blocked", "allow_force": False,
                                    "current": with_bounces}
    assert not judged[0]["needs_bounces"]


def test_a_guard_that_only_reports_leaves_the_state():
    policy = settings(["b"], {"b": {"email_policy_guard_max_bounce_ratio": 0.2, "email_policy_guard_action": "report"}},
                      {}, "b")
    with_bounces = dict(facts("b", sent_today=100, bounced_total=500), bounces=[{"date": "2027-01-15T10:00:00Z"}] * 30)
    judged = email_policy.judge(policy, [read(with_bounces)], now="2027-01-15T12:00:00Z")
    assert judged[0]["guard"]["triggered"] and judged[0]["request"] is None
    result = email_policy.results(judged, None)[0]
    assert result["why"] == ["guard: 30 bounces today for 100 mails sent today (30.0%, over 20.0%): reported only"]


def test_fresh_inventory_facts_are_handed_to_the_module_and_unread_hostings_fail():
    policy = settings(["a", "b"], {
        "a": {"email_policy_state": "unblocked", "ovh_email": facts("a", state="ko"), "ovh_email_read_at": NOW},
        "b": {"email_policy_state": "unblocked"},
    }, {}, "a")
    failure = {"service_name": "b", "call": "GET /hosting/web/b/email", "status": 500, "query_id": "EU.1",
               "summary": "hosting b: GET /hosting/web/b/email failed (HTTP 500): boom [OVH query id EU.1]"}
    judged = email_policy.judge(policy, [read(unreadable=[failure])])
    assert judged[0]["request"]["current"] == facts("a", state="ko")
    assert judged[1]["request"] is None and judged[1]["failure"] == failure
    results = email_policy.results(judged, None)
    assert results[1]["failed"] and results[1]["failure"] == failure["summary"]
    assert results[1]["why"] == ["failed: " + failure["summary"]]


def test_results_say_what_changed_and_why_from_the_modules_answer():
    policy = settings(["a", "b"], {"a": {}, "b": {}}, {"email_policy_state": "unblocked",
                                                       "email_policy_report_recipient": "ops@example.com"}, "a")
    judged = email_policy.judge(policy, [read(facts("a", state="ko"), facts("b", recipient="ops@example.com"))])
    applied = {"hostings": [
        {"service_name": "a", "changed": True, "actions": ["UNBLOCK"], "before": facts("a", state="ko"),
         "email": facts("a", recipient="ops@example.com")},
        {"service_name": "b", "changed": False, "actions": [], "before": facts("b", recipient="ops@example.com"),
         "email": facts("b", recipient="ops@example.com")},
    ]}
    results = email_policy.results(judged, applied)
    assert [result["why"] for result in results] == [
        ["state: ko -> ok by UNBLOCK (wanted unblocked)", "report recipient: none -> ops@example.com"], []]
    assert [result["changed"] for result in results] == [True, False]


def test_a_guard_on_an_already_blocked_hosting_says_it_keeps_it_blocked():
    policy = settings(["b"], {"b": {"email_policy_guard_max_bounce_ratio": 0.2}}, {}, "b")
    with_bounces = dict(facts("b", state="ko", sent_today=100, bounced_total=500),
                        bounces=[{"date": "2027-01-15T10:00:00Z"}] * 30)
    judged = email_policy.judge(policy, [read(with_bounces)], now="2027-01-15T12:00:00Z")
    applied = {"hostings": [{"service_name": "b", "changed": False, "actions": [], "before": with_bounces,
                             "email": with_bounces}]}
    assert email_policy.results(judged, applied)[0]["why"] == [
        "guard: 30 bounces today for 100 mails sent today (30.0%, over 20.0%): kept blocked (ko)"]


def test_bad_service_names_and_addresses_fail_naming_the_hosting_and_the_variable():
    with pytest.raises(email_policy.PolicyError) as error:
        settings(["a", "b"], {"a": {"email_policy_report_recipient": "not an address"},
                              "b": {"email_policy_service_name": "../x"}}, {}, "a")
    assert "hosting a: email_policy_report_recipient 'not an address' is not an e-mail address" in str(error.value)
    assert "hosting b: email_policy_service_name: " in str(error.value)


def test_targets_given_as_a_list_are_trimmed_like_a_comma_separated_string():
    assert [entry["service_name"] for entry in settings([" a", "b ", ""], {}, {}, None)] == ["a", "b"]


def test_the_summary_says_each_hosting_with_something_to_say_then_the_counts_and_the_failures():
    policy = settings(["a", "b", "c"], {"a": {}, "b": {}, "c": {}}, {"email_policy_state": "blocked"}, "a")
    failure = {"service_name": "c", "call": "GET /hosting/web/c/email", "status": 500, "query_id": "EU.1",
               "summary": "hosting c: GET /hosting/web/c/email failed (HTTP 500): \x1b[31mboom\u202e [OVH query id EU.1]"}
    judged = email_policy.judge(policy, [read(facts("a"), facts("b", state="ko"), unreadable=[failure])])
    applied = {"hostings": [{"service_name": "a", "changed": True, "actions": ["BLOCK"], "before": facts("a"),
                             "email": facts("a", state="ko")}]}
    for check_mode, verb in ((False, "changed"), (True, "would change")):
        summary = email_policy.summary(email_policy.results(judged, applied), check_mode=check_mode)
        assert summary["lines"][-1] == "1 of 3 hosting(s) %s; guard triggered on 0; 1 failed" % verb
    assert summary["lines"][0] == "a: state: ok -> ko by BLOCK (wanted blocked)"
    assert summary["hostings"] == 3 and len(summary["failures"]) == 1
    # OVH's text reaches the terminal with its escape and bidi characters shown as code points
    assert "\x1b" not in summary["lines"][1] and "<U+001B>" in summary["lines"][1]
    assert summary["failures"][0].endswith("<U+001B>[31mboom<U+202E> [OVH query id EU.1]")


def test_the_documented_defaults_are_the_ones_applied():
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    for name, setting in email_policy.VARIABLES.items():
        assert specs[name].get("default") == email_policy.DEFAULTS[setting], name
    # The defaults file must not set them: a value in the role's context then comes from the play or inventory.
    assert not set(yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())) & set(email_policy.VARIABLES)
