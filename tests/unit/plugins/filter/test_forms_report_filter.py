# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""forms_report and forms_report_problems: what form_captcha found on each host, judged. The audits are the real
ones of the labelled corpus (tests/fixtures/docroots), so that the report's protected and unprotected forms are
held to ground_truth.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.filter.forms_report import forms_report
from ansible_collections.mailops.ovh_hosting.plugins.filter.forms_report_problems import forms_report_problems
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import forms_report as judging

DOCROOTS = Path(__file__).resolve().parents[3] / "fixtures" / "docroots"
TRUTH = json.loads((DOCROOTS / "ground_truth.json").read_text())
PHP = shutil.which("php")
AS_OF = "2026-11-26T14:00:00+01:00"


def audit(fixture, php=None):
    return run_audit(str(DOCROOTS / fixture), php=php)


def result(fixture=None, mode="audit", state="present", deployed=False, protected=(), transport="ssh", audited=None):
    """A form_captcha_result as the role leaves it."""
    return {"transport": transport, "mode": mode, "state": state,
            "audit": (audited if audited is not None else audit(fixture)) if state == "present" else {},
            "guard": {"deployed": deployed, "protected": list(protected)}}


def report(hostvars, **options):
    return forms_report(sorted(hostvars), hostvars, now=AS_OF, **options)


def places(forms):
    return ["%s:%d" % (form["file"], form["line"]) for form in forms]


@pytest.mark.parametrize("fixture", sorted(TRUTH))
def test_without_a_guard_the_unprotected_forms_are_the_corpus_s(fixture):
    entry, = report({"site": {"form_captcha_result": result(fixture)}})["hostings"]
    assert places(entry["unprotected_forms"]) == sorted(TRUTH[fixture]["unprotected_forms"])
    assert places(entry["protected_forms"]) == sorted(TRUTH[fixture]["protected_forms"])
    assert entry["mail_scripts"] == sorted(TRUTH[fixture]["mail_scripts"])
    assert sorted({item["file"] for item in entry["smtp_settings"]}) == TRUTH[fixture]["smtp_files"]
    assert entry["status"] == ("unprotected" if TRUTH[fixture]["unprotected_forms"] else
                               "protected" if TRUTH[fixture]["protected_forms"] else "no_mail_form")
    assert entry["mail_forms"] == len(TRUTH[fixture]["unprotected_forms"]) + len(TRUTH[fixture]["protected_forms"])


def test_an_unprotected_form_says_why():
    entry, = report({"site": {"form_captcha_result": result("contact_form")}})["hostings"]
    assert entry["unprotected_forms"][0] == {
        "file": "index.html", "line": 13, "posts_to": "contact.php", "entry": "contact.php", "handler": "contact.php",
        "widget": None, "reason": "no Captcha: no widget on the form, no token verified by contact.php"}
    entry, = report({"site": {"form_captcha_result": result("vendored_settings")}})["hostings"]
    assert entry["unprotected_forms"][0]["reason"] == "its turnstile widget is never verified server-side by index.php"


def test_the_guard_deployed_protects_the_scripts_it_covers_and_only_those():
    covered = result("contact_form", mode="enforce", deployed=True, protected=["contact.php", "newsletter.php"])
    entry, = report({"site": {"form_captcha_result": covered}})["hostings"]
    assert entry["status"] == "protected" and entry["unprotected_forms"] == []
    assert [form["protection"] for form in entry["protected_forms"]] == ["guard", "guard"]
    assert entry["guard"] == {"deployed": True, "protected": ["contact.php", "newsletter.php"]}

    partly = result("contact_form", mode="enforce", deployed=True, protected=["contact.php"])
    entry, = report({"site": {"form_captcha_result": partly}})["hostings"]
    assert places(entry["protected_forms"]) == ["index.html:13"]
    assert places(entry["unprotected_forms"]) == ["newsletter.php:17"]
    assert entry["unprotected_forms"][0]["reason"].endswith("; the guard deployed does not cover newsletter.php")

    # A list of protected scripts without the guard deployed protects nothing.
    undeployed = result("contact_form", deployed=False, protected=["contact.php", "newsletter.php"])
    entry, = report({"site": {"form_captcha_result": undeployed}})["hostings"]
    assert entry["status"] == "unprotected" and len(entry["unprotected_forms"]) == 2


def test_a_wordpress_hook_is_unprotected_unless_the_guard_covers_its_shared_entry():
    entry, = report({"site": {"form_captcha_result": result("wordpress_plugin")}})["hostings"]
    form, = entry["unprotected_forms"]
    assert form["entry"] == "wp-admin/admin-post.php"
    assert form["reason"].startswith("the form_captcha guard cannot stand in front of it: it posts to "
                                     "wp-admin/admin-post.php (action acme_contact)")
    covered = result("wordpress_plugin", mode="enforce", deployed=True, protected=["wp-admin/admin-post.php"])
    entry, = report({"site": {"form_captcha_result": covered}})["hostings"]
    assert entry["status"] == "protected" and entry["protected_forms"][0]["protection"] == "guard"


def test_a_form_verified_by_its_handler_is_protected_without_the_guard():
    entry, = report({"site": {"form_captcha_result": result("turnstile_protected")}})["hostings"]
    assert entry["status"] == "protected"
    assert entry["protected_forms"] == [{"file": "contact.php", "line": 39, "posts_to": "contact.php",
                                         "entry": "contact.php", "handler": "contact.php", "widget": "turnstile",
                                         "protection": "verified"}]


def test_smtp_settings_name_the_setting_never_its_value():
    entry, = report({"site": {"form_captcha_result": result("phpmailer_smtp")}})["hostings"]
    assert {"file": "send-quote.php", "line": 16, "setting": "PHPMailer Password"} in entry["smtp_settings"]
    assert {"file": ".env", "line": 3, "setting": "MAILER_DSN, an smtp:// mailer DSN"} in entry["smtp_settings"]
    assert len(entry["smtp_settings"]) == 8
    secret = (DOCROOTS / "phpmailer_smtp" / "send-quote.php").read_text()
    password = secret.split("Password", 1)[1].split("'")[1]
    assert password and password not in json.dumps(entry)


@pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")
def test_php_syntax_errors_with_php_s_message_and_the_lint_noted():
    entry, = report({"site": {"form_captcha_result": result(audited=audit("syntax_error", php=PHP))}})["hostings"]
    assert entry["php_syntax_errors"] == [{"file": "mail/send.php", "line": 18,
                                           "message": 'syntax error, unexpected identifier "mail"'}]
    assert entry["php_lint"] is True
    entry, = report({"site": {"form_captcha_result": result("syntax_error")}})["hostings"]  # no php given
    assert entry["php_syntax_errors"] == [] and entry["php_lint"] is False


def test_a_failure_a_missing_result_and_a_result_that_is_not_the_role_s_are_failures():
    hostvars = {
        "failed": {"form_captcha_failure": {"task": "Check the document root is an absolute path",
                                            "message": "failed: form_captcha_docroot must be absolute, got www"}},
        "silent": {},
        "odd": {"form_captcha_result": {"state": "present", "audit": {"findings": []}, "guard": {}}},
        "text": {"form_captcha_result": "done"},
        "guard": {"form_captcha_result": dict(result("no_mail_site"), guard={"deployed": True, "protected": "a.php"})},
    }
    entries = {entry["hosting"]: entry for entry in report(hostvars)["hostings"]}
    assert {name: entry["status"] for name, entry in entries.items()} == dict.fromkeys(hostvars, "failed")
    assert entries["failed"]["failure"] == hostvars["failed"]["form_captcha_failure"]
    assert entries["silent"]["failure"] == {"task": None, "message": judging.NO_RESULT}
    assert entries["odd"]["failure"]["message"] == ("form_captcha_result is not what the form_captcha role leaves: "
                                                    "its audit lacks forms, mail_scripts, unguarded_forms "
                                                    "(mail_scripts_audit returns them)")
    assert entries["text"]["failure"]["message"].endswith("a str, not a dict")
    assert entries["guard"]["failure"]["message"].endswith("guard.protected is not a list")


def test_a_failure_wins_over_a_result_left_by_an_earlier_run_of_the_role():
    hostvars = {"site": {"form_captcha_result": result("turnstile_protected"),
                         "form_captcha_failure": {"task": "Deploy the guard", "message": "connection cut"}}}
    entry, = report(hostvars)["hostings"]
    assert entry["status"] == "failed" and entry["failure"]["task"] == "Deploy the guard"


def test_state_absent_is_not_audited():
    entry, = report({"site": {"form_captcha_result": result(state="absent", mode="enforce")}})["hostings"]
    assert entry["status"] == "not_audited" and entry["mail_scripts"] == [] and entry["failure"] is None


def test_totals_ids_service_names_and_order():
    hostvars = {
        "b.example.org": {"form_captcha_result": result("contact_form"), "ovh_service_name": "shop-b.ovh.net"},
        "a.example.org": {"form_captcha_result": result("turnstile_protected", transport="ftps")},
        "c.example.org": {"form_captcha_failure": {"task": "t", "message": "m"}},
        "d\u202eevil": {"form_captcha_result": result("no_mail_site")},
    }
    document = forms_report(list(hostvars), hostvars, now=AS_OF)
    assert [entry["hosting"] for entry in document["hostings"]] == sorted(hostvars)
    entries = {entry["hosting"]: entry for entry in document["hostings"]}
    assert entries["b.example.org"]["service_name"] == "shop-b.ovh.net"
    assert entries["a.example.org"]["service_name"] == "a.example.org"
    assert entries["a.example.org"]["transport"] == "ftps"
    assert entries["d\u202eevil"]["id"] == "hosting-d%3CU%2B202E%3Eevil"
    assert document["totals"] == {
        "hostings": 4, "failed": 1, "unprotected": 1, "unprotected_forms": 2, "mail_forms": 3, "mail_scripts": 4,
        "smtp_settings": 0, "php_syntax_errors": 0, "guard_deployed": 0,
        "statuses": {"failed": 1, "unprotected": 1, "protected": 1, "no_mail_form": 1, "not_audited": 0}}
    assert document["schema_version"] == 1 and document["generated_at"] == AS_OF
    json.dumps(document)  # plain data, all of it


def test_generated_at_is_kept_while_the_content_is_the_same():
    hostvars = {"site": {"form_captcha_result": result("contact_form")}}
    first = report(hostvars)
    later = forms_report(["site"], hostvars, now="2026-11-27T09:00:00+01:00", previous=json.dumps(first))
    assert later == first
    changed = dict(hostvars, other={"form_captcha_result": result("no_mail_site")})
    moved = forms_report(sorted(changed), changed, now="2026-11-27T09:00:00+01:00", previous=first)
    assert moved["generated_at"] == "2026-11-27T09:00:00+01:00" and moved["content_digest"] != first["content_digest"]
    for previous in ("", "not json", "[1]", None, {"generated_at": "x"}):
        assert report(hostvars, previous=previous) == first


def test_the_filter_names_what_it_cannot_read():
    with pytest.raises(AnsibleFilterError, match="hostvars must be the play's hostvars, got a list"):
        forms_report(["a"], [])
    with pytest.raises(AnsibleFilterError, match="expects a list of host names, got a int"):
        forms_report(3, {})
    with pytest.raises(AnsibleFilterError, match="the hosting a is listed twice"):
        forms_report("a, a", {})
    with pytest.raises(AnsibleFilterError, match="forms_report: "):
        forms_report(["a"], {}, now="yesterday")


def test_problems_name_each_failed_hosting_and_with_the_ci_option_each_unprotected_form():
    hostvars = {"good": {"form_captcha_result": result("turnstile_protected")},
                "open": {"form_captcha_result": result("pear_mail")},
                "down\x1b[2J": {"form_captcha_failure": {"task": "Audit over FTPS", "message": "530 Login incorrect."}}}
    document = report(hostvars)
    assert forms_report_problems(document, folder="/srv/report") == [
        "The forms audit failed on 1 of 3 hosting(s) (/srv/report/forms.html):",
        "down<U+001B>[2J: Audit over FTPS: 530 Login incorrect.",
    ]
    assert forms_report_problems(document, fail_on_unprotected="true", folder="/srv/report")[2:] == [
        "1 hosting(s) have forms that send mail without protection (/srv/report/forms-junit.xml):",
        "open: index.html line 3 posts to send.php: no Captcha: no widget on the form, no token verified by send.php",
    ]
    assert forms_report_problems(report({"good": hostvars["good"]}), fail_on_unprotected=True) == []
    assert forms_report_problems(forms_report([], {}, now=AS_OF)) == [
        "No hosting in the forms report (the play matched no host), so no forms report was written."]
    with pytest.raises(AnsibleFilterError, match="expects the report"):
        forms_report_problems([])
    with pytest.raises(AnsibleFilterError, match="not a forms report, it lacks 'totals'"):
        forms_report_problems({"hostings": []})


def test_index_gives_the_e_mail_report_a_summary_per_service_name():
    hostvars = {"spam-host": {"form_captcha_result": result("contact_form"), "ovh_service_name": "spam.ovh.net"}}
    found = judging.index(json.loads(json.dumps(report(hostvars))))
    assert found == {"spam.ovh.net": {
        "status": "unprotected", "mail_scripts": 3, "mail_forms": 2, "unprotected_forms": 2, "smtp_settings": 0,
        "php_syntax_errors": 0, "guard_deployed": False, "href": "forms.html#hosting-spam-host"}}
    for bad, words in (([], "not a forms report"), ({"schema_version": 2, "hostings": []}, "schema version 1"),
                       ({"schema_version": 1, "hostings": {}}, "hostings are not a list"),
                       ({"schema_version": 1, "hostings": [{"service_name": "a"}]}, "no service_name, id or status")):
        with pytest.raises(judging.FormsReportError, match=words):
            judging.index(bad)
