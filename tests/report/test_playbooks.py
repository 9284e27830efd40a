# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks, run with ansible-playbook against a simulator: targets by name, by inventory plugin and by
discovery; check -> apply -> idempotent check -> idempotent apply; the guard; purge's confirmation; ci_check
passing and failing with its JUnit file; a report over a hosting that cannot be read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from ovhsim.testing import running_simulator

from support.collection import REPO
from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import clear_of_hour_boundary

OPS = "ops@example.com"
SCHEMA = json.loads((REPO / "roles/email_report/files/report.schema.json").read_text())


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(action_delay=0) as sim:
        yield sim


class Fleet:
    """A simulator emptied for one test, the hostings it creates, and ansible-playbook aimed at it."""

    def __init__(self, sim, workdir):
        self.sim = sim
        self.workdir = workdir
        self.ansible = Ansible(workdir, dict(sim.credentials, endpoint=sim.url))
        self.bounced = {}
        sim.admin("POST", "/_sim/reset")
        clear_of_hour_boundary(sim)
        sim.admin("POST", "/_sim/config", {"action_delay": 0, "bounce_threshold": 0.95})

    def hosting(self, name, state="ok", email=OPS, send=0, bounce_rate=0.0):
        service_name = f"{name}.cluster021.hosting.ovh.net"
        body = {"service_name": service_name, "state": state}
        if email:
            body["email"] = email
        self.sim.admin("POST", "/_sim/hostings", body)
        if send:
            self.bounced[service_name] = self.sim.admin("POST", "/_sim/send", {
                "service_name": service_name, "count": send, "bounce_rate": bounce_rate})["bounced"]
        return service_name

    def record(self, service_name):
        return self.sim.admin("GET", f"/_sim/hostings/{service_name}")

    def state(self, service_name):
        return self.record(service_name)["state"]

    def run(self, playbook, *args, **extra_vars):
        return self.ansible.playbook(PLAYBOOKS / playbook, *args,
                                     extra_vars={"email_report_dir": str(self.workdir / "report"), **extra_vars})

    def report(self):
        return json.loads((self.workdir / "report" / "report.json").read_text())

    def junit_failures(self):
        root = ET.parse(self.workdir / "report" / "junit.xml").getroot()
        cases = root.findall("./testsuite/testcase")
        return len(cases), {case.get("name") for case in cases if case.find("failure") is not None}


@pytest.fixture
def fleet(simulator, tmp_path):
    return Fleet(simulator, tmp_path)


def test_ci_check_passes_on_a_compliant_fleet_found_without_inventory(fleet):
    names = {fleet.hosting("shop-1", send=30), fleet.hosting("blog-2", state="force", send=25)}
    run = fleet.run("ci_check.yml", email_report_require_recipient=True)
    assert run.rc == 0, run
    assert {entry["service_name"] for entry in fleet.report()["hostings"]} == names
    assert fleet.junit_failures() == (2, set())


def test_ci_check_fails_with_a_summary_and_a_junit_file(fleet):
    fleet.hosting("shop-1", send=30)
    blocked = fleet.hosting("blog-2", state="ko")
    spam = fleet.hosting("forms-3", send=10)
    fleet.sim.admin("POST", "/_sim/flag-spam", {"service_name": spam})
    unreported = fleet.hosting("wiki-4", email=None)
    run = fleet.run("ci_check.yml", email_report_require_recipient=True)
    assert run.rc != 0, run
    assert "The fleet violates the e-mail policy" in run.output
    assert f"{blocked}: state ko is not allowed" in run.output
    assert f"{spam}: state spam is not allowed" in run.output
    assert f"{unreported}: no report recipient" in run.output
    assert fleet.junit_failures() == (4, {blocked, spam, unreported})


def test_ci_check_and_report_over_no_hosting_fail_saying_why(fleet):
    """A play without hosts is skipped and passes: a gate with no junit.xml must not."""
    run = fleet.run("ci_check.yml", hostings=",")
    assert run.rc != 0, run
    assert ("No hosting to check: -e hostings names none; nothing was checked and no junit.xml was written."
            in run.output), run
    run = fleet.run("ci_check.yml")  # an empty fleet: the credentials reach no hosting
    assert run.rc != 0 and "No hosting to check: the credentials reach none" in run.output, run
    run = fleet.run("report.yml")
    assert run.rc != 0 and "No hosting to report: the credentials reach none" in run.output, run
    assert not (fleet.workdir / "report").exists()


def test_report_by_name_covers_only_the_named_hostings(fleet):
    first, second = fleet.hosting("shop-1", send=5), fleet.hosting("blog-2")
    fleet.hosting("other-3")
    run = fleet.run("report.yml", hostings=f"{first},{second}")
    assert run.rc == 0, run
    report = fleet.report()
    assert [entry["service_name"] for entry in report["hostings"]] == sorted([first, second])
    assert report["hostings"][sorted([first, second]).index(first)]["sent_today"] == 5
    assert fleet.run("report.yml", hostings=f"{first},{second}").changed() == 0


def test_enforce_check_then_apply_then_nothing_to_do(fleet):
    blocked = fleet.hosting("shop-1", state="ko", email=None)
    bouncing = fleet.hosting("blog-2", state="bounce")
    healthy = fleet.hosting("wiki-3", email="old@example.com")
    policy = {"email_policy_state": "unblocked", "email_policy_report_recipient": OPS,
              "email_policy_allow_force": True}

    check = fleet.run("enforce.yml", "--check", "--diff", **policy)
    assert check.rc == 0 and check.hostings_changed() == 3, check
    # --diff shows what would change: here the state of the bouncing hosting, before and after.
    assert '-    "state": "bounce"' in check.output and '+    "state": "force"' in check.output, check
    assert "3 of 3 hosting(s) would change" in check.output
    assert [fleet.state(name) for name in (blocked, bouncing, healthy)] == ["ko", "bounce", "ok"]
    assert fleet.record(healthy)["email"] == "old@example.com"

    apply = fleet.run("enforce.yml", **policy)
    assert apply.rc == 0 and apply.hostings_changed() == 3, apply
    assert f"{blocked}: state: ko -> ok by UNBLOCK (wanted unblocked); report recipient: none -> {OPS}" in apply.output
    assert [fleet.state(name) for name in (blocked, bouncing, healthy)] == ["ok", "force", "ok"]
    assert {fleet.record(name)["email"] for name in (blocked, bouncing, healthy)} == {OPS}

    for args in (("--check", "--diff"), ()):
        again = fleet.run("enforce.yml", *args, **policy)
        assert again.rc == 0 and again.hostings_changed() == 0, again


def test_guard_blocks_a_hosting_bouncing_over_the_threshold_and_says_why(fleet):
    bouncing = fleet.hosting("forms-1", send=100, bounce_rate=0.4)
    clean = fleet.hosting("shop-2", send=100)
    few = fleet.hosting("blog-3", send=5, bounce_rate=1.0)
    guard = {"email_policy_state": "unblocked", "email_policy_guard_max_bounce_ratio": 0.2}

    reported = fleet.run("enforce.yml", email_policy_guard_action="report", **guard)
    assert reported.rc == 0 and reported.hostings_changed() == 0, reported
    assert f"{bouncing}: guard: " in reported.output and "reported only" in reported.output
    assert fleet.state(bouncing) == "ok"

    blocked = fleet.run("enforce.yml", **guard)
    assert blocked.rc == 0 and blocked.hostings_changed() == 1, blocked
    bounces = fleet.bounced[bouncing]
    assert bounces > 20, "the simulator drew too few bounces for this test"
    assert (f"{bouncing}: guard: {bounces} bounces today for 100 mails sent today ({bounces:.1f}%, over 20.0%): "
            "blocked; state: ok -> ko by BLOCK (wanted blocked)") in blocked.output
    assert [fleet.state(name) for name in (bouncing, clean, few)] == ["ko", "ok", "ok"]

    # The guard still holds on the next run: no UNBLOCK although the wanted state is unblocked.
    again = fleet.run("enforce.yml", **guard)
    assert again.rc == 0 and again.hostings_changed() == 0, again
    assert "over 20.0%): kept blocked (ko)" in again.output
    assert fleet.state(bouncing) == "ko"


def test_block_then_unblock_by_name(fleet):
    target, bystander = fleet.hosting("shop-1"), fleet.hosting("blog-2")
    run = fleet.run("block.yml", hostings=target)
    assert run.rc == 0 and run.hostings_changed() == 1, run
    assert (fleet.state(target), fleet.state(bystander)) == ("ko", "ok")
    run = fleet.run("unblock.yml", hostings=[target])
    assert run.rc == 0 and run.hostings_changed() == 1, run
    assert fleet.state(target) == "ok"


def test_block_in_check_mode_by_flag_or_by_variable_changes_nothing(fleet):
    target = fleet.hosting("shop-1")
    # "True": the text that a rulebook's template renders
    for args, extra in ((("--check",), {}), ((), {"block_check_mode": "True"})):
        run = fleet.run("block.yml", *args, hostings=target, **extra)
        assert run.rc == 0 and run.changed() == 1, run  # it would block
        assert fleet.state(target) == "ok"
    run = fleet.run("block.yml", hostings=target, block_check_mode=False)
    assert run.rc == 0 and run.changed() == 1 and fleet.state(target) == "ko", run


def test_unblock_from_bounce_needs_allow_force(fleet):
    target = fleet.hosting("shop-1", state="bounce")
    refused = fleet.run("unblock.yml", hostings=target)
    assert refused.rc != 0 and "allow_force" in refused.output, refused
    assert fleet.state(target) == "bounce"
    forced = fleet.run("unblock.yml", hostings=target, allow_force=True)
    assert forced.rc == 0 and fleet.state(target) == "force", forced


def test_incident_playbooks_refuse_to_act_on_the_whole_fleet(fleet):
    names = [fleet.hosting("shop-1"), fleet.hosting("blog-2", state="ko")]
    for playbook in ("block.yml", "unblock.yml", "purge.yml"):
        run = fleet.run(playbook)
        assert run.rc != 0 and "Name the hostings with -e hostings=a,b" in run.output, run
    assert [fleet.state(name) for name in names] == ["ok", "ko"]


def test_purge_needs_confirmation_and_does_not_wait_for_it_without_a_terminal(fleet):
    target = fleet.hosting("forms-1", state="ko", send=7)
    assert fleet.record(target)["queue_size"] == 7

    check = fleet.run("purge.yml", "--check", hostings=target)
    assert check.rc == 0 and check.hostings_changed() == 1, check

    refused = fleet.run("purge.yml", hostings=target)
    assert refused.rc != 0 and "Purge not confirmed" in refused.output, refused
    assert fleet.record(target)["queue_size"] == 7 and fleet.state(target) == "ko"

    purged = fleet.run("purge.yml", hostings=target, confirm=True)
    assert purged.rc == 0 and purged.hostings_changed() == 1, purged
    record = fleet.record(target)
    assert (record["state"], record["queue_size"], record["ledger"]["purged"]) == ("ok", 0, 7)


def test_plays_over_inventory_plugin_hosts_with_limit(fleet):
    target = fleet.hosting("shop-1", state="ko")
    other = fleet.hosting("blog-2", state="ko")
    inventory = fleet.workdir / "fleet.ovh_hostings.yml"
    inventory.write_text("plugin: mailops.ovh_hosting.hostings\n")
    args = ("-i", str(inventory), "--limit", target)
    run = fleet.run("unblock.yml", *args)
    assert run.rc == 0 and run.hostings_changed() == 1, run
    assert (fleet.state(target), fleet.state(other)) == ("ok", "ko")
    report = fleet.run("report.yml", "-i", str(inventory))
    assert report.rc == 0, report
    assert {entry["service_name"] for entry in fleet.report()["hostings"]} == {target, other}


def test_a_hosting_that_cannot_be_read_fails_alone(fleet):
    target = fleet.hosting("shop-1")
    missing = "gone-9.cluster021.hosting.ovh.net"
    run = fleet.run("block.yml", hostings=f"{missing},{target}")
    assert run.rc != 0, run
    assert f"hosting {missing}: GET /hosting/web/{missing}/email failed (HTTP 404)" in run.output
    assert run.failed_hostings() == {missing}, run
    assert f"1 of 2 hosting(s) failed: hosting {missing}: GET /hosting/web/{missing}/email failed" in run.output
    assert fleet.state(target) == "ko"


def test_report_over_a_hosting_that_answers_500_writes_every_file_then_fails_naming_it(fleet):
    sending, blocked = fleet.hosting("shop-1", send=30), fleet.hosting("blog-2", state="ko")
    broken = fleet.hosting("forms-3", send=5)
    email_path = f"/hosting/web/{broken}/email"
    fleet.sim.admin("POST", "/_sim/faults", {"route": email_path, "method": "GET", "error_rate": 1.0})
    try:
        run = fleet.run("report.yml", ovh_retries=1)
    finally:
        fleet.sim.admin("DELETE", "/_sim/faults")
    assert run.rc != 0, run
    calls = [entry for entry in fleet.sim.admin("GET", "/_sim/requests") if entry["path"] == email_path]
    assert [(entry["status"], entry["fault"]) for entry in calls] == [(500, "error")] * 2  # the call and its retry
    query_id = calls[-1]["query_id"]
    assert (f"1 of 3 hostings could not be read: hosting {broken}: GET {email_path} failed (HTTP 500): "
            f"Internal server error [OVH query id {query_id}]. The report in ") in run.output
    assert sum(counts["failed"] for counts in run.recap().values()) == 1  # once, for the play

    report_dir = fleet.workdir / "report"
    assert sorted(path.name for path in report_dir.iterdir()) == ["index.html", "junit.xml", "report.json", "report.md"]
    report = fleet.report()
    jsonschema.validate(report, SCHEMA)
    assert [entry["service_name"] for entry in report["hostings"]] == sorted([sending, blocked])
    assert report["unreadable"] == [{"service_name": broken, "call": f"GET {email_path}", "status": 500,
                                     "query_id": query_id, "message": "Internal server error"}]
    assert (report["totals"]["hostings"], report["totals"]["unreadable"], report["totals"]["violating"]) == (2, 1, 1)

    suites = ET.parse(report_dir / "junit.xml").getroot()
    cases = {case.get("name"): case for case in suites.findall("./testsuite/testcase")}
    assert set(cases) == {sending, blocked, broken}
    assert (suites.get("tests"), suites.get("failures"), suites.get("errors")) == ("3", "1", "1")
    error = cases[broken].find("error")
    assert error.get("type") == "unreadable"
    assert error.get("message") == "could not be read: HTTP 500: Internal server error"
    assert query_id in error.text
    assert cases[blocked].find("failure") is not None and cases[sending].find("error") is None

    markdown = (report_dir / "report.md").read_text()
    unread_section = markdown.split("## Could not be read", 1)[1].split("| |", 1)[0]
    assert f"`{broken}`: HTTP 500, Internal server error" in unread_section and f"`{query_id}`" in unread_section
    assert f"| ✅ | {sending} | ok |" in markdown and f"| ❌ | {blocked} | ko |" in markdown
    html = (report_dir / "index.html").read_text()
    unread_html = html.split('<section class="unreadable"', 1)[1].split("</section>", 1)[0]
    assert f'id="unreadable-{broken}"' in unread_html and "HTTP 500" in unread_html and query_id in unread_html
    assert html.count('<tr class="hosting') == 2 and html.count('<details class="hosting"') == 1


def test_ci_check_fails_on_an_unreadable_hosting_and_on_violations_together(fleet):
    blocked = fleet.hosting("blog-2", state="ko")
    missing = "gone-9.cluster021.hosting.ovh.net"
    run = fleet.run("ci_check.yml", hostings=f"{blocked},{missing}")
    assert run.rc != 0, run
    assert "The fleet violates the e-mail policy" in run.output and f"{blocked}: state ko is not allowed" in run.output
    assert f"1 of 2 hostings could not be read: hosting {missing}: GET /hosting/web/{missing}/email failed (HTTP 404)" \
        in run.output
    report = fleet.report()
    assert [entry["service_name"] for entry in report["unreadable"]] == [missing]
    assert report["unreadable"][0]["status"] == 404
    assert fleet.junit_failures() == (2, {blocked})


def failed_task(run):
    return run.output.split("fatal:", 1)[0].rsplit("TASK [", 1)[1]


def test_the_role_fails_at_once_when_the_fleet_cannot_be_listed(fleet, tmp_path):
    """With no names the role lists the fleet itself; a revoked key lists nothing: no report, no 'unreadable'."""
    fleet.hosting("shop-1")
    key = fleet.sim.admin("POST", "/_sim/keys", {"rules": [{"method": "GET", "path": "/*"}]})
    fleet.sim.admin("POST", "/_sim/keys/revoke", {"consumer_key": key["consumer_key"]})
    play = tmp_path / "role.yml"
    play.write_text("- hosts: localhost\n  gather_facts: false\n  roles: [mailops.ovh_hosting.email_report]\n")
    run = Ansible(tmp_path, dict(key, endpoint=fleet.sim.url)).playbook(
        play, extra_vars={"email_report_dir": str(tmp_path / "report")})
    assert run.rc != 0, run
    assert failed_task(run).startswith("mailops.ovh_hosting.email_report : Gather the e-mail state"), run
    assert "GET /hosting/web failed (HTTP 403" in run.output and "could not be read" not in run.output
    assert not (tmp_path / "report").exists()


def test_refused_credentials_fail_the_report_by_name_at_once(fleet, tmp_path):
    """Named hostings need no listing; a revoked key is refused on each of them: not hostings to report as
    unreadable, but credentials to fix."""
    names = [fleet.hosting("shop-1"), fleet.hosting("blog-2")]
    key = fleet.sim.admin("POST", "/_sim/keys", {"rules": [{"method": "GET", "path": "/*"}]})
    fleet.sim.admin("POST", "/_sim/keys/revoke", {"consumer_key": key["consumer_key"]})
    run = Ansible(tmp_path, dict(key, endpoint=fleet.sim.url)).playbook(
        PLAYBOOKS / "report.yml", extra_vars={"hostings": names, "email_report_dir": str(tmp_path / "report")})
    assert run.rc != 0, run
    assert failed_task(run).startswith("mailops.ovh_hosting.email_report : Gather the e-mail state"), run
    assert "2 of 2 hostings could not be read" in run.output and "HTTP 403 INVALID_CREDENTIAL" in run.output
    assert not (tmp_path / "report").exists()
