# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_report role renders a fleet (fixture facts, no API) into its four files, and index.html renders in
headless Chromium: no console error, one visible chart per hosting, no horizontal scrolling on a phone."""

from __future__ import annotations

import datetime
import html.parser
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from report_chromium import Chromium
from support.playbooks import Ansible
from report_fleet import fleet

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE.parents[1] / "roles/email_report/files/report.schema.json").read_text())
FLEET_SIZE = 7
VIOLATING = {"blocked.cluster022.hosting.ovh.net", "bouncy.cluster023.hosting.ovh.net",
             "noreport.cluster024.hosting.ovh.net", "spammer.cluster022.hosting.ovh.net"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The report of the fixture fleet, rendered twice by the role; the runs and the report directory."""
    workdir = tmp_path_factory.mktemp("render")
    report_dir = workdir / "report"
    extra = workdir / "vars.json"
    extra.write_text(json.dumps({
        "email_report_hostings": fleet(datetime.datetime.now(datetime.timezone.utc)),
        "email_report_dir": str(report_dir),
        "email_report_require_recipient": True,
    }))
    ansible = Ansible(workdir)
    runs = [ansible.playbook(HERE / "render.yml", "-e", f"@{extra}") for attempt in ("first", "second")]
    return {"runs": runs, "dir": report_dir, "ansible": ansible, "vars": extra}


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    return Chromium(tmp_path_factory.mktemp("chromium-profile"))


class Page(html.parser.HTMLParser):
    """Tags, attributes and style text of a page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.style, self._in_style = [], "", False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data

    def count(self, tag, css_class=None):
        return sum(1 for name, attrs in self.tags
                   if name == tag and (css_class is None or css_class in (attrs.get("class") or "").split()))


def test_writes_the_four_files_then_changes_nothing(rendered):
    first, second = rendered["runs"]
    assert first.rc == 0, first
    assert first.changed() > 0, first
    assert second.rc == 0 and second.changed() == 0, second
    assert sorted(path.name for path in rendered["dir"].iterdir()) == ["index.html", "junit.xml", "report.json",
                                                                       "report.md"]


def test_html_is_self_contained_with_one_chart_per_hosting(rendered):
    page = Page((rendered["dir"] / "index.html").read_text())
    assert page.count("script") == 0 and page.count("link") == 0 and page.count("img") == 0
    external = [attrs for tag, attrs in page.tags
                for key in ("src", "href") if re.match(r"(https?:)?//", attrs.get(key) or "")]
    assert external == []
    assert "url(" not in page.style and "@import" not in page.style and "@font-face" not in page.style
    assert page.count("meta") >= 2 and any(attrs.get("name") == "viewport" for tag, attrs in page.tags)
    assert page.count("article", "hosting") == FLEET_SIZE
    assert page.count("svg", "chart") == FLEET_SIZE
    assert page.count("article", "violating") == len(VIOLATING)


def test_bounce_messages_are_escaped(rendered):
    text = (rendered["dir"] / "index.html").read_text()
    assert "&lt;user0@example.org&gt;" in text and "<user0@example.org>" not in text


def test_json_follows_the_schema(rendered):
    report = json.loads((rendered["dir"] / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert {entry["service_name"] for entry in report["hostings"] if entry["violations"]} == VIOLATING


def test_junit_has_one_case_per_hosting_and_fails_the_violating(rendered):
    suites = ET.parse(rendered["dir"] / "junit.xml").getroot()
    cases = suites.findall("./testsuite/testcase")
    assert len(cases) == FLEET_SIZE
    assert {case.get("name") for case in cases if case.find("failure") is not None} == VIOLATING
    assert suites.get("tests") == str(FLEET_SIZE) and suites.get("failures") == str(len(VIOLATING))
    spam = next(case for case in cases if case.get("name").startswith("spammer"))
    assert spam.find("failure").get("type") == "state_not_allowed,no_report_recipient"


def test_markdown_lists_every_hosting_and_each_violation(rendered):
    text = (rendered["dir"] / "report.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and ".hosting.ovh.net" in line]
    assert len(rows) == FLEET_SIZE
    assert sum(1 for row in rows if row.startswith("| ❌")) == len(VIOLATING)
    violations = text.split("## Violations", 1)[1]
    assert all(f"`{name}`" in violations for name in VIOLATING)


def test_fail_on_violation_fails_after_writing(rendered, tmp_path):
    report_dir = tmp_path / "failing"
    run = rendered["ansible"].playbook(HERE / "render.yml", "-e", f"@{rendered['vars']}",
                                       "-e", f"email_report_dir={report_dir}",
                                       "-e", "email_report_fail_on_violation=true")
    assert run.rc != 0, run
    assert "The fleet violates the e-mail policy" in run.output
    assert all(name in run.output for name in VIOLATING)
    assert (report_dir / "junit.xml").exists() and (report_dir / "index.html").exists()


def test_console_check_catches_a_script_error(chromium, tmp_path):
    """The console check can fail: a page with a script error is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); missingFunction();</script></body></html>")
    messages = chromium.console_messages(page)
    assert any("boom" in message for message in messages)
    assert any("missingFunction" in message for message in messages)


def test_renders_in_chromium_without_console_messages(rendered, chromium, output_dir):
    page = rendered["dir"] / "index.html"
    assert chromium.console_messages(page) == []
    shot = chromium.screenshot(page, output_dir / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@pytest.mark.parametrize("width", [1280, 390])
def test_every_chart_is_visible_and_nothing_scrolls_sideways(rendered, chromium, output_dir, width):
    measure = chromium.measure(rendered["dir"] / "index.html", width)
    assert measure["hostings"] == FLEET_SIZE
    assert measure["visible_charts"] == FLEET_SIZE
    assert measure["page_width"] <= measure["viewport_width"], measure
    if width < 500:
        chromium.screenshot(rendered["dir"] / "index.html", output_dir / "report-phone.png", width=width, height=1400)
