# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: PHP mail() through `php -S` and `ovhsim sendmail` into the simulator, and playbooks/diagnose.yml
on fixture sites: healthy, blocked, spam, bounce, a site with a syntax error and SMTP settings, a failed test send.
The one-shot test script must be gone after every run."""

from __future__ import annotations

import json
import re
import sys
import urllib.parse

SHOP = "shop-1.cluster021.hosting.ovh.net"
GARAGE = "garage-2.cluster030.hosting.ovh.net"
ME = "ops@example.org"


def create(sim, service_name, state="ok", sent_today=0, email=None):
    body = {"service_name": service_name, "state": state, "sent_today": sent_today}
    if email:
        body["email"] = email
    sim.admin("POST", "/_sim/hostings", body)


def ledger(sim, service_name):
    return sim.admin("GET", "/_sim/ledger")["hostings"][service_name]


def test_php_mail_moves_sent_today_by_exactly_one(sim, site):
    create(sim, SHOP, sent_today=7)
    shop = site("shop", SHOP)
    (shop.docroot / "notify.php").write_text(
        "<?php\n$to = $_POST['to'];\n"
        "echo mail($to, 'Order received', \"Line one\\n.\\nLine after a lone dot\", 'From: shop@example.fr',"
        " '-fshop@example.fr')"
        " ? 'sent' : 'failed';\n")

    assert shop.post("/notify.php", urllib.parse.urlencode({"to": "ada@example.org"})) == (200, "sent")
    assert shop.hosting()["sent_today"] == 8
    assert ledger(sim, SHOP) == {"accepted": 1, "delivered": 1, "queued": 0, "purged": 0, "expired": 0}

    # One mail per recipient, as OVHcloud counts them.
    assert shop.post("/notify.php", urllib.parse.urlencode({"to": "a@example.org, b@example.org"})) == (200, "sent")
    assert shop.hosting()["sent_today"] == 10

    # The hosting is gone from the simulator: sendmail exits non-zero, so mail() returns false.
    sim.admin("POST", "/_sim/reset")
    assert shop.post("/notify.php", urllib.parse.urlencode({"to": "ada@example.org"})) == (200, "failed")


def test_healthy_hosting_counts_the_test_mail(sim, site):
    create(sim, SHOP, sent_today=3, email=ME)
    shop = site("shop", SHOP)
    # The site's files on an inventory host of their own (reached locally here, over SSH in real life).
    inventory = shop.workdir / "inventory.ini"
    inventory.write_text(f"web1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    run, verdict = shop.diagnose("-i", str(inventory), site_host="web1", test_send_to=ME)

    assert run.rc == 0, run
    assert shop.hosting()["sent_today"] == 4
    assert ledger(sim, SHOP)["delivered"] == 1
    assert verdict["healthy"] is True and verdict["state"] == "ok"
    assert verdict["test_send"] | {"detail": None} == {
        "to": ME, "result": "counted", "mail_returned": True, "sent_today_before": 3, "sent_today_after": 4,
        "counted": 1, "detail": None}
    assert verdict["audit"]["mail_scripts"] == ["order.php"] and verdict["scripts_to_fix"] == []
    assert verdict["recommendation"]["action"] is None and verdict["fix"] is None
    assert "PHP mail() works" in verdict["next_steps"][0]
    assert f"{SHOP}: ok (Enabled): sends; test mail counted" in run.output
    assert "ok: [web1] => {" in run.output, "the play did not run on the site's host"
    assert shop.test_scripts() == set()


def test_a_mail_sent_during_the_audit_is_not_taken_for_the_test_mail(sim, site):
    """sentToday is read just before the test mail, not with the state before the audit: here every module run on
    the site's host sends one mail of the hosting, and the test mail itself goes to another hosting."""
    create(sim, SHOP, sent_today=3, email=ME)
    create(sim, GARAGE)
    shop = site("shop", SHOP, sendmail_service=GARAGE)
    busy_python = shop.workdir / "busy-python"
    send = json.dumps({"service_name": SHOP, "count": 1})
    busy_python.write_text(
        f"#!{sys.executable}\nimport os, sys, urllib.request\n"
        f"urllib.request.urlopen(urllib.request.Request({sim.admin_url + '/_sim/send'!r}, data={send.encode()!r},"
        " headers={'Content-Type': 'application/json'}, method='POST'), timeout=10).read()\n"
        "os.execv(sys.executable, [sys.executable] + sys.argv[1:])\n")
    busy_python.chmod(0o755)
    inventory = shop.workdir / "inventory.ini"
    inventory.write_text(f"web1 ansible_connection=local ansible_python_interpreter={busy_python}\n")
    run, verdict = shop.diagnose("-i", str(inventory), site_host="web1", test_send_to=ME, test_send_timeout=2)

    assert run.rc == 0, run
    before = verdict["test_send"]["sent_today_before"]
    assert before > 3, "no mail was sent between the first read and the test mail"
    assert verdict["test_send"] | {"detail": None} == {
        "to": ME, "result": "not_counted", "mail_returned": True, "sent_today_before": before,
        "sent_today_after": before, "counted": 0, "detail": None}
    assert ledger(sim, GARAGE)["delivered"] == 1, "the test mail did not reach the other hosting"
    assert shop.test_scripts() == set()


def test_blocked_hosting_queues_the_test_mail_and_says_unblock_or_purge(sim, site):
    create(sim, SHOP, state="ko", sent_today=2, email=ME)
    shop = site("shop", SHOP)
    run, verdict = shop.diagnose(test_send_to=ME)

    assert run.rc == 0, run
    record = shop.hosting()
    assert (record["state"], record["sent_today"], record["queue_size"]) == ("ko", 2, 1), "the state or counters moved"
    assert ledger(sim, SHOP) == {"accepted": 1, "delivered": 0, "queued": 1, "purged": 0, "expired": 0}
    assert verdict["healthy"] is False and verdict["label"] == "Disabled"
    assert (verdict["test_send"]["result"], verdict["test_send"]["counted"]) == ("queued", 0)
    assert verdict["recommendation"] == {
        "action": "unblocked",
        "command": f"ansible-playbook mailops.ovh_hosting.unblock -e hostings={SHOP}",
        "fix_command": f"ansible-playbook mailops.ovh_hosting.diagnose -e hosting={SHOP} -e fix=true"}
    steps = "\n".join(verdict["next_steps"])
    assert f"ansible-playbook mailops.ovh_hosting.unblock -e hostings={SHOP}" in steps
    assert f"ansible-playbook mailops.ovh_hosting.purge -e hostings={SHOP}" in steps
    assert "Recommended: ansible-playbook mailops.ovh_hosting.unblock" in run.output
    assert shop.test_scripts() == set()


def test_spam_hosting_needs_a_purge_and_an_answer_to_the_abuse_mail(sim, site):
    create(sim, SHOP, email=ME)
    sim.admin("POST", "/_sim/flag-spam", {"service_name": SHOP})
    shop = site("broken", SHOP)

    refused, verdict = shop.diagnose(test_send_to=ME, fix=True)
    assert refused.rc != 0, refused
    assert shop.hosting()["state"] == "spam", "a purge ran without confirmation"
    assert verdict["recommendation"]["action"] == "purged"
    assert verdict["recommendation"]["fix_command"].endswith("-e fix=true -e confirm=true")
    assert verdict["fix"]["applied"] is False and "confirm=true" in verdict["fix"]["outcome"]
    steps = "\n".join(verdict["next_steps"])
    assert "Answer the abuse e-mail" in steps
    assert f"ansible-playbook mailops.ovh_hosting.purge -e hostings={SHOP}" in steps
    assert verdict["test_send"]["result"] == "queued"
    assert shop.test_scripts() == set()

    fixed, verdict = shop.diagnose(fix=True, confirm=True, docroot=None)
    assert fixed.rc == 0, fixed
    assert verdict["fix"] | {"outcome": None} == {
        "wanted": "purged", "applied": True, "changed": True, "actions": ["PURGE"], "state_after": "ok",
        "outcome": None}
    assert shop.hosting()["state"] == "ok"
    assert ledger(sim, SHOP)["purged"] == 1, "the queued test mail was not the one purged"


def test_bounce_hosting_goes_to_force_only_when_allowed(sim, site):
    create(sim, SHOP, email=ME)
    sim.admin("POST", "/_sim/send", {"service_name": SHOP, "count": 30, "recipients": ["gone@example.org"],
                                     "bouncing": ["gone@example.org"]})
    shop = site("shop", SHOP)
    assert shop.hosting()["state"] == "bounce"

    run, verdict = shop.diagnose("--check", fix=True, allow_force=True, test_send_to=ME)
    assert run.rc == 0, run
    assert verdict["test_send"]["result"] == "skipped", "check mode sent a test mail"
    assert shop.test_scripts() == set()
    assert verdict["bounces"]["categories"] == {"unknown_user": 20}
    assert "remove these addresses" in verdict["next_steps"][0]
    assert verdict["recommendation"]["action"] == "unblocked"
    assert verdict["recommendation"]["command"].endswith("-e allow_force=true")
    assert verdict["fix"]["outcome"] == "UNBLOCK would give state force"
    assert shop.hosting()["state"] == "bounce", "check mode changed the state"

    run, verdict = shop.diagnose(docroot=None)
    assert run.rc == 0, run
    assert verdict["recommendation"]["action"] == "purged", "without allow_force, a bounce is purged"
    assert verdict["audit"] is None and "-e docroot=/home/LOGIN/www" in verdict["next_steps"][-1]


def test_syntax_error_and_smtp_settings_are_named(sim, site):
    create(sim, GARAGE, email=ME)
    garage = site("broken", GARAGE)
    run, verdict = garage.diagnose(test_send_to=ME, fail_when_unhealthy=True)

    assert run.rc != 0, "an unhealthy verdict did not fail the run"
    assert verdict["healthy"] is False and verdict["test_send"]["result"] == "counted"
    problems = {(finding["file"], finding["rule"]) for finding in verdict["scripts_to_fix"]}
    assert {("contact.php", "php_syntax_error"), ("devis.php", "smtp_settings")} <= problems
    assert verdict["scripts_to_fix"][0]["rule"] == "php_syntax_error", "errors come first"
    steps = "\n".join(verdict["next_steps"])
    assert "Fix the PHP syntax error in contact.php line 4" in steps
    assert "Remove the SMTP settings from devis.php" in steps
    assert f"ansible-playbook mailops.ovh_hosting.forms -i localhost, -c local -e form_captcha_docroot={garage.docroot}" in steps
    assert "PHP syntax error(s); SMTP settings in devis.php" in verdict["summary"]
    assert garage.test_scripts() == set()


def test_failed_test_send_still_removes_the_script(sim, site):
    create(sim, SHOP, email=ME)
    shop = site("shop", SHOP)
    shop.url = f"http://127.0.0.1:{shop.port}/nowhere"  # served, but not the document root: 404
    run, verdict = shop.diagnose(test_send_to=ME)

    assert run.rc == 0, run
    assert verdict["test_send"]["result"] == "failed"
    assert "Call the test script over HTTP(S)" in verdict["test_send"]["detail"]
    assert verdict["healthy"] is False
    assert shop.test_scripts() == set()
    tasks = ("Deploy the one-shot test script", "Remove the one-shot test script")
    outcomes = [re.search(rf"{task}\] \**\n(\w+):", run.output) for task in tasks]
    assert [found and found.group(1) for found in outcomes] == ["changed", "changed"], "the script was not deployed, then deleted"
    assert shop.hosting()["sent_today"] == 0


def test_mail_over_the_hourly_quota_is_not_counted_in_time(sim, site):
    create(sim, SHOP, email=ME)
    sim.admin("POST", "/_sim/send", {"service_name": SHOP, "count": 100})  # the PERSO offer's hourly quota
    shop = site("shop", SHOP)
    run, verdict = shop.diagnose(test_send_to=ME, test_send_timeout=2)

    assert run.rc == 0, run
    assert verdict["test_send"] | {"detail": None} == {
        "to": ME, "result": "not_counted", "mail_returned": True, "sent_today_before": 100, "sent_today_after": 100,
        "counted": 0, "detail": None}
    assert verdict["healthy"] is False and verdict["state"] == "ok"
    assert any("hourly quota" in step for step in verdict["next_steps"])
    assert ledger(sim, SHOP)["queued"] == 1, "the test mail should wait for the next hour"
    assert shop.test_scripts() == set()


def test_mail_that_php_cannot_hand_over_is_named(sim, site):
    create(sim, SHOP, email=ME)
    shop = site("shop", SHOP, sendmail_service="unknown-9.cluster021.hosting.ovh.net")  # sendmail exits 75
    run, verdict = shop.diagnose(test_send_to=ME, test_send_timeout=30)

    assert run.rc == 0, run
    assert (verdict["test_send"]["result"], verdict["test_send"]["mail_returned"]) == ("mail_failed", False)
    assert any("mail() itself failed" in step for step in verdict["next_steps"])
    assert verdict["healthy"] is False
    assert shop.test_scripts() == set()


def test_bad_input_fails_before_any_call(sim, site):
    shop = site("shop", SHOP)
    run, verdict = shop.diagnose(test_send_to="you@example.org\nBcc: everyone@example.org")
    assert run.rc != 0 and verdict is None
    assert "email_diagnose_test_send_to (one address)" in run.output
    assert sim.admin("GET", "/_sim/requests") == []
    assert shop.test_scripts() == set()


def test_a_site_host_that_is_not_one_inventory_host_fails_before_any_call(sim, site):
    """A play on no host is skipped with rc 0: a mistyped site_host must fail instead, naming it."""
    shop = site("shop", SHOP)
    inventory = shop.workdir / "inventory.ini"
    inventory.write_text(f"[web]\nweb1 ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                         f"web2 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    typo, verdict = shop.diagnose("-i", str(inventory), site_host="web1-typo")
    assert typo.rc != 0 and verdict is None, typo
    assert "site_host=web1-typo matches no host of the inventory" in typo.output
    group, verdict = shop.diagnose("-i", str(inventory), site_host="web")
    assert group.rc != 0 and verdict is None, group
    assert "site_host=web matches 2 hosts (web1, web2) of the inventory" in group.output
    assert sim.admin("GET", "/_sim/requests") == []
    assert shop.test_scripts() == set()
