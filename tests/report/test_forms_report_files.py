# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms report's three templates (roles/forms_report/templates), rendered in this process with Ansible's own
templating as the role's template task renders them, from a report whose host names, paths, forms, settings, PHP
messages and failures are hostile strings (a site's file names and a failure's message are untrusted): each file
parses back - forms-junit.xml with ElementTree (XML 1.0's characters only, a case per hosting), forms.json with
json (the same data), forms.html with html.parser (no element, attribute or link of the text's own, no script, no
hidden character left raw, every id unique) - and forms.html renders in Chromium without a console message or
sideways scrolling on a phone."""

from __future__ import annotations

import html.parser
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.mailops.ovh_hosting.plugins.filter.forms_report import forms_report
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import is_hidden, visible
from report_chromium import Chromium

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 trusts every template
    def trust_as_template(text):
        return text

TEMPLATES = Path(__file__).resolve().parents[2] / "roles" / "forms_report" / "templates"
FILES = ("forms.html", "forms.json", "forms-junit.xml")
HOSTILE = ["<script>alert(1)</script>", "\" onmouseover=\"alert(1)", "' autofocus onfocus='x", "]]><![CDATA[",
           "\x1b[31m", "\x00", "\u202e", "\u200b", "\ufeff", "\u2028", "&amp;", "<!--", "é\u05d0", "\n", "\t"]
XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "section", "div",
             "b", "a", "ul", "li", "span", "main", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
             "code", "wbr"}
HTML_ATTRIBUTES = {"lang", "charset", "name", "content", "class", "aria-label", "aria-labelledby", "id", "href",
                   "scope"}


def render(name, document):
    templar = Templar(loader=DataLoader(), variables={"forms_report_document": document,
                                                      "forms_report_title": "Forms <report>"})
    return templar.template(trust_as_template((TEMPLATES / f"{name}.j2").read_text()), escape_backslashes=False)


def hostile_document():
    hostvars = {}
    for index, text in enumerate(HOSTILE):
        audit = {
            "mail_scripts": [f"send{text}.php"],
            "forms": [{"file": f"form{text}.html", "line": 3, "posts_to": f"send{text}.php",
                       "entry": f"send{text}.php", "handler": f"send{text}.php", "sends_mail": True,
                       "captcha": None, "verified_by": None},
                      {"file": f"ok{text}.php", "line": 9, "posts_to": f"ok{text}.php", "entry": f"ok{text}.php",
                       "handler": f"ok{text}.php", "sends_mail": True, "captcha": "turnstile",
                       "verified_by": "turnstile"}],
            "unguarded_forms": [],
            "findings": [{"file": f"conf{text}.php", "line": 2, "rule": "smtp_settings", "severity": "warning",
                          "message": "m", "setting": f"Host {text}"},
                         {"file": f"bad{text}.php", "line": 5, "rule": "php_syntax_error", "severity": "error",
                          "message": "m", "php_message": f"syntax error, unexpected {text}"}],
            "php_lint": True, "not_read": [],
        }
        hostvars[f"a{index}-{text}"] = {"form_captcha_result": {
            "transport": "ftps", "mode": "audit", "state": "present", "audit": audit,
            "guard": {"deployed": True, "protected": [f"other{text}.php"]}}}
        hostvars[f"f{index}-{text}"] = {"form_captcha_failure": {"task": f"Copy {text}", "message": f"550 {text}"}}
    hostvars["quiet"] = {"form_captcha_result": {"transport": "ssh", "mode": "enforce", "state": "absent",
                                                 "audit": {}, "guard": {"deployed": False, "protected": []}}}
    return json.loads(json.dumps(forms_report(list(hostvars), hostvars, now="2026-11-26T14:00:00+01:00")))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    document = hostile_document()
    folder = tmp_path_factory.mktemp("forms-report")
    files = {name: render(name, document) for name in FILES}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return document, files, folder


class Page(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_forms_json_is_the_document(rendered):
    document, files, _folder = rendered
    assert json.loads(files["forms.json"]) == document
    assert files["forms.json"].endswith("}\n")


def test_forms_junit_parses_with_a_case_per_hosting(rendered):
    document, files, _folder = rendered
    text = files["forms-junit.xml"]
    assert not XML_CHARS.search(text)
    suite = ET.fromstring(text.encode("utf-8")).find("testsuite")
    cases = {case.get("name"): [child.tag for child in case] for case in suite.findall("testcase")}
    assert set(cases) == {visible(entry["hosting"]) for entry in document["hostings"]}
    for entry in document["hostings"]:
        expected = {"failed": ["error"], "unprotected": ["failure", "system-out"],
                    "not_audited": ["skipped"]}[entry["status"]]
        assert cases[visible(entry["hosting"])] == expected, entry["hosting"]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        str(len(document["hostings"])), str(len(HOSTILE)), str(len(HOSTILE)), "1")


def test_forms_html_holds_nothing_of_the_text_s_own(rendered):
    document, files, _folder = rendered
    text = files["forms.html"]
    assert not any(is_hidden(char) and char not in "\t\n\r" for char in text), "a hidden character left raw"
    page = Page(text)
    assert {tag for tag, _attrs in page.tags} <= HTML_TAGS
    assert {name for _tag, attrs in page.tags for name in attrs} <= HTML_ATTRIBUTES
    ids = [attrs["id"] for _tag, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    assert {entry["id"] for entry in document["hostings"]} <= set(ids)
    assert all(attrs["href"][1:] in ids for _tag, attrs in page.tags if "href" in attrs), "a link that lands nowhere"
    shown = "".join(page.text)
    for entry in document["hostings"]:
        assert visible(entry["hosting"]) in shown
        if entry["failure"]:
            assert visible(entry["failure"]["message"]) in shown
        for form in entry["unprotected_forms"]:
            assert visible(form["reason"]) in shown
    assert "Forms <report>" in shown


@pytest.mark.parametrize("width", [1280, 390])
def test_forms_html_renders_without_a_console_message_or_sideways_scrolling(rendered, tmp_path, width):
    _document, _files, folder = rendered
    chromium = Chromium(tmp_path / "profile")
    assert chromium.console_messages(folder / "forms.html") == []
    measure = chromium.measure(folder / "forms.html", width)
    assert measure["page_width"] <= measure["viewport_width"], measure
