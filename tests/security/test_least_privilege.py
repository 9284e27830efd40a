# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A read-only consumer key reports but changes nothing, and the failure names the access rule it lacks; a wrong
secret and a revoked key fail with a clear message, never a traceback."""

from __future__ import annotations

import pytest
from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import assert_no_traceback

READ_ONLY = ("GET /hosting/web", "GET /hosting/web/*")
HOSTINGS = ["shop-1.cluster021.hosting.ovh.net", "blog-2.cluster022.hosting.ovh.net"]


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(action_delay=0) as sim:
        for name in HOSTINGS:
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok", "email": "old@example.com"})
            sim.admin("POST", "/_sim/send", {"service_name": name, "count": 3})
        yield sim


def run(sim, workdir, credentials, playbook, **extra_vars):
    ansible = Ansible(workdir, dict(credentials, endpoint=sim.url))
    extra_vars = dict({"email_report_dir": str(workdir / "report")}, **extra_vars)
    return ansible.playbook(PLAYBOOKS / playbook, extra_vars=extra_vars)


def writes(sim, since):
    """PUT and POST requests the simulator applied after position ``since`` of its log."""
    return [entry for entry in sim.admin("GET", "/_sim/requests")[since:]
            if entry["method"] in ("PUT", "POST") and entry["applied"]]


def test_a_read_only_key_runs_the_report(simulator, tmp_path):
    reader = simulator.restricted_credentials(*READ_ONLY)
    report = run(simulator, tmp_path, reader, "report.yml")
    assert report.rc == 0, report
    assert (tmp_path / "report" / "report.json").exists()
    assert "2 hostings, 2 sending" in report.output


@pytest.mark.parametrize("playbook, extra_vars, rule", [
    ("block.yml", {"hostings": HOSTINGS[0]}, "POST /hosting/web/*/email/request"),
    ("enforce.yml", {"hostings": HOSTINGS, "email_policy_state": "blocked",
                     "email_policy_report_recipient": "ops@example.com"}, "PUT /hosting/web/*/email"),
])
def test_a_read_only_key_changes_nothing_and_names_the_missing_rule(simulator, tmp_path, playbook, extra_vars,
                                                                    rule):
    reader = simulator.restricted_credentials(*READ_ONLY)
    mark = len(simulator.admin("GET", "/_sim/requests"))
    refused = run(simulator, tmp_path, reader, playbook, **extra_vars)
    assert refused.rc != 0, refused
    assert_no_traceback(refused.output)
    assert "This call has not been granted" in refused.output, refused
    assert "The consumer key needs the access rule '%s'" % rule in refused.output, refused
    assert writes(simulator, mark) == []
    for name in HOSTINGS:
        record = simulator.admin("GET", "/_sim/hostings/%s" % name)
        assert (record["state"], record["email"], record["pending_action"]) == ("ok", "old@example.com", None)


def test_a_wrong_secret_is_a_clear_error(simulator, tmp_path):
    wrong = dict(simulator.credentials, application_secret="x" * 32)
    refused = run(simulator, tmp_path, wrong, "report.yml", hostings=HOSTINGS)
    assert refused.rc != 0, refused
    assert_no_traceback(refused.output)
    assert "failed (HTTP 400 INVALID_SIGNATURE): Invalid signature" in refused.output, refused


def test_a_revoked_key_is_a_clear_error(simulator, tmp_path):
    revoked = simulator.restricted_credentials(*READ_ONLY)
    assert run(simulator, tmp_path, revoked, "report.yml", hostings=HOSTINGS).rc == 0
    simulator.admin("POST", "/_sim/keys/revoke", {"consumer_key": revoked["consumer_key"]})
    refused = run(simulator, tmp_path, revoked, "report.yml", hostings=HOSTINGS)
    assert refused.rc != 0, refused
    assert_no_traceback(refused.output)
    assert "HTTP 403 INVALID_CREDENTIAL" in refused.output, refused
    assert "The consumer key or application key is invalid, expired or not validated yet" in refused.output
