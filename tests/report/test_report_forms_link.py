# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The e-mail report links a hosting that sends spam to its forms findings, where the fleet forms report covers it:
report.json carries its forms summary, index.html's row and card and report.md link to forms.html#<id>; the role's
plain renderer and Ansible's template give the same bytes; a hosting in another state is not linked; the action
reads forms.json beside the report, or the one given, and names one it cannot read."""

from __future__ import annotations

import html.parser
import json
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
from ansible_collections.mailops.ovh_hosting.plugins.filter.forms_report import forms_report
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_files import render_all
from report_fleet import AS_OF, fleet
from report_render import FILES, render
from support.collection import REPO
from support.playbooks import Ansible

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((REPO / "roles/email_report/files/report.schema.json").read_text())
SPAMMER = "spammer.cluster022.hosting.ovh.net"
BLOCKED = "blocked.cluster022.hosting.ovh.net"
CONTACT = REPO / "tests" / "fixtures" / "docroots" / "contact_form"


def forms_document():
    """The forms report of two hostings of the fixture fleet, the spam one and the blocked one, both with the
    contact form fixture's two unprotected forms."""
    result = {"transport": "ssh", "mode": "audit", "state": "present", "audit": run_audit(str(CONTACT)),
              "guard": {"deployed": False, "protected": []}}
    hostvars = {SPAMMER: {"form_captcha_result": result}, BLOCKED: {"form_captcha_result": result}}
    return json.loads(json.dumps(forms_report(sorted(hostvars), hostvars, now=AS_OF.isoformat())))


class Links(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.links = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("class") == "forms":
            self.links.append(attrs["href"])


def test_report_json_carries_the_forms_summary_of_the_spam_hosting_only():
    document = email_report(fleet(AS_OF), now=AS_OF.isoformat(), forms=forms_document())
    jsonschema.validate(document, SCHEMA)
    linked = {entry["service_name"]: entry["forms"] for entry in document["hostings"] if "forms" in entry}
    assert linked == {SPAMMER: {"status": "unprotected", "mail_scripts": 3, "mail_forms": 2, "unprotected_forms": 2,
                                "smtp_settings": 0, "php_syntax_errors": 0, "guard_deployed": False,
                                "href": "forms.html#hosting-spammer.cluster022.hosting.ovh.net"}}
    without = email_report(fleet(AS_OF), now=AS_OF.isoformat())
    assert not any("forms" in entry for entry in without["hostings"])
    assert without["content_digest"] != document["content_digest"]


def test_index_html_and_report_md_link_the_spam_hosting_to_forms_html_the_same_bytes_both_ways():
    document = email_report(fleet(AS_OF), now=AS_OF.isoformat(), forms=forms_document())
    plain = render_all(document, "E-mail scripts report")
    for name in FILES:
        assert plain[name] == render(name, document), name
    href = "forms.html#hosting-spammer.cluster022.hosting.ovh.net"
    assert Links(plain["index.html"]).links == [href, href]  # its row, its card
    assert ">2 unprotected mail forms</a> of 2, 3 mail scripts, guard not deployed</dd>" in plain["index.html"]
    assert "; forms: 2 unprotected of 2 mail forms (`%s`)\n" % href in plain["report.md"]
    assert "forms.html" not in render_all(email_report(fleet(AS_OF), now=AS_OF.isoformat()), "x")["index.html"]


def test_a_forms_report_s_ids_are_escaped_in_the_page():
    forms = forms_document()
    for entry in forms["hostings"]:
        entry["id"] = 'x" onmouseover="alert(1)'
    page = render_all(email_report(fleet(AS_OF), now=AS_OF.isoformat(), forms=forms), "x")["index.html"]
    assert 'onmouseover="' not in page and "forms.html#x&quot; onmouseover=&quot;alert(1)" in page


@pytest.fixture
def play(tmp_path):
    def run(**extra):
        variables = {"email_report_hostings": fleet(AS_OF), "email_report_as_of": AS_OF.isoformat(),
                     "email_report_dir": str(tmp_path / "report"), **extra}
        (tmp_path / "vars.json").write_text(json.dumps(variables))
        return Ansible(tmp_path).playbook(HERE / "render.yml", "-e", f"@{tmp_path / 'vars.json'}")
    return run


def test_the_role_reads_forms_json_beside_the_report_or_the_one_given(play, tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "forms.json").write_text(json.dumps(forms_document()))
    outcome = play()
    assert outcome.rc == 0, outcome
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [entry["forms"]["href"] for entry in report["hostings"] if "forms" in entry] == [
        "forms.html#hosting-spammer.cluster022.hosting.ovh.net"]

    # Elsewhere: the link goes there, from the report's folder.
    (tmp_path / "forms").mkdir()
    (tmp_path / "report" / "forms.json").rename(tmp_path / "forms" / "forms.json")
    outcome = play(email_report_forms_report=str(tmp_path / "forms" / "forms.json"))
    assert outcome.rc == 0, outcome
    assert "../forms/forms.html#hosting-spammer.cluster022.hosting.ovh.net" in (
        tmp_path / "report" / "index.html").read_text()

    # None beside it, and none wanted: no link.
    for extra in ({}, {"email_report_forms_report": ""}):
        outcome = play(**extra)
        assert outcome.rc == 0, outcome
        assert "forms.html" not in (tmp_path / "report" / "index.html").read_text()


def test_a_forms_report_that_cannot_be_read_is_named(play, tmp_path):
    missing = tmp_path / "nowhere" / "forms.json"
    outcome = play(email_report_forms_report=str(missing))
    assert outcome.rc != 0
    assert "email_report_files: could not read the forms report %s: No such file or directory" % missing in outcome.output
    (tmp_path / "report").mkdir(exist_ok=True)
    (tmp_path / "report" / "forms.json").write_text('{"schema_version": 1, "hostings": {}}')
    outcome = play()
    assert outcome.rc != 0
    assert ("email_report_files: the forms report %s is not one: its hostings are not a list"
            % (tmp_path / "report" / "forms.json")) in outcome.output, outcome
    assert "Traceback" not in outcome.output and not (tmp_path / "report" / "index.html").exists()
