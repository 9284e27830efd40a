# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_report role renders a fleet (fixture facts, no API) into its four files, and index.html renders in
headless Chromium: no console error, one row per hosting, a visible chart for each hosting with problems, no
horizontal scrolling on a phone. With hostings that could not be read, every file lists them and the role fails
after writing the files. At 1,000 hostings the page stays within its budget, and Chromium filters, searches and
sorts its fleet table as a reader would; without script the table shows every hosting."""

from __future__ import annotations

import html.parser
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from report_chromium import Chromium
from report_fleet import AS_OF, SPAM, fleet, large_fleet, unreadable
from report_render import FILES, render
from support.playbooks import Ansible

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
        "email_report_hostings": fleet(AS_OF),
        "email_report_as_of": AS_OF.isoformat(),
        "email_report_dir": str(report_dir),
        "email_report_require_recipient": True,
    }))
    ansible = Ansible(workdir)
    runs = [ansible.playbook(HERE / "render.yml", "-e", f"@{extra}") for attempt in ("first", "second")]
    return {"runs": runs, "dir": report_dir, "ansible": ansible, "vars": extra}


@pytest.fixture(scope="module")
def rendered_unreadable(tmp_path_factory):
    """The fixture fleet with two hostings that could not be read, rendered twice as of one time."""
    workdir = tmp_path_factory.mktemp("render-unreadable")
    extra = workdir / "vars.json"
    extra.write_text(json.dumps({
        "email_report_hostings": fleet(AS_OF),
        "email_report_as_of": AS_OF.isoformat(),
        "email_report_unreadable": unreadable(),
        "email_report_dir": str(workdir / "report"),
    }))
    ansible = Ansible(workdir)
    runs = [ansible.playbook(HERE / "render.yml", "-e", f"@{extra}") for attempt in ("first", "second")]
    return {"runs": runs, "dir": workdir / "report"}


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


def test_html_is_self_contained_with_a_row_per_hosting_and_a_chart_per_problem(rendered):
    page = Page((rendered["dir"] / "index.html").read_text())
    assert page.count("script") == 1 and page.count("link") == 0 and page.count("img") == 0
    assert not any(tag == "script" and "src" in attrs for tag, attrs in page.tags)  # inline only
    external = [attrs for tag, attrs in page.tags
                for key in ("src", "href", "action") if re.match(r"(https?:)?//", attrs.get(key) or "")]
    assert external == []
    assert "url(" not in page.style and "@import" not in page.style and "@font-face" not in page.style
    assert page.count("meta") >= 2 and any(attrs.get("name") == "viewport" for tag, attrs in page.tags)
    assert page.count("tr", "hosting") == FLEET_SIZE
    assert page.count("tr", "violating") == len(VIOLATING)
    assert page.count("details", "hosting") == page.count("svg", "chart") == len(VIOLATING)


def test_in_process_rendering_is_the_role_s(rendered):
    """report_render.py, which the hostile-text and 1,000-hosting tests use, writes what the role writes."""
    document = json.loads((rendered["dir"] / "report.json").read_text())
    for name in FILES:
        assert render(name, document) == (rendered["dir"] / name).read_text(), name


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
def test_every_problem_chart_is_visible_and_nothing_scrolls_sideways(rendered, chromium, output_dir, width):
    measure = chromium.measure(rendered["dir"] / "index.html", width)
    assert measure["hostings"] == FLEET_SIZE and measure["cards"] == len(VIOLATING)
    assert measure["visible_charts"] == len(VIOLATING) and measure["visible_unreadable"] == 0
    assert measure["page_width"] <= measure["viewport_width"], measure
    if width < 500:
        chromium.screenshot(rendered["dir"] / "index.html", output_dir / "report-phone.png", width=width, height=1400)


UNREADABLE = {entry["service_name"]: entry for entry in unreadable()}


def test_unreadable_hostings_fail_the_role_after_the_files_are_written(rendered_unreadable):
    first, second = rendered_unreadable["runs"]
    for run in (first, second):
        assert run.rc != 0, run
        assert "2 of 9 hostings could not be read: hosting down.cluster025.hosting.ovh.net: GET " in run.output
        assert "hosting reset.cluster025.hosting.ovh.net: reading failed (no HTTP answer)" in run.output
        assert "OVH query id EU.ext-1.6745aa12.3141.59265358979" in run.output
    assert first.changed() > 0
    assert second.changed() == 0, second  # the same unread hostings: the same report, its generation time kept
    assert sorted(path.name for path in rendered_unreadable["dir"].iterdir()) == [
        "index.html", "junit.xml", "report.json", "report.md"]


def test_every_file_lists_the_unreadable_hostings(rendered_unreadable):
    report_dir = rendered_unreadable["dir"]
    report = json.loads((report_dir / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["unreadable"] == [UNREADABLE[name] for name in sorted(UNREADABLE)]
    assert (report["totals"]["hostings"], report["totals"]["unreadable"]) == (FLEET_SIZE, 2)

    suites = ET.parse(report_dir / "junit.xml").getroot()
    errors = {case.get("name"): case.find("error") for case in suites.findall("./testsuite/testcase")
              if case.find("error") is not None}
    assert set(errors) == set(UNREADABLE)
    assert suites.get("tests") == str(FLEET_SIZE + 2) and suites.get("errors") == "2"
    assert errors["down.cluster025.hosting.ovh.net"].get("message") == "could not be read: HTTP 500: Internal server error"
    assert "[OVH query id EU.ext-1.6745aa12.3141.59265358979]" in errors["down.cluster025.hosting.ovh.net"].text
    assert errors["reset.cluster025.hosting.ovh.net"].get("message").startswith(
        "could not be read: no HTTP answer: connection error or timeout")

    markdown = (report_dir / "report.md").read_text()
    section = markdown.split("## Could not be read", 1)[1].split("\n| ", 1)[0]
    assert "- `down.cluster025.hosting.ovh.net`: HTTP 500, Internal server error" in section
    assert "OVH query id `EU.ext-1.6745aa12.3141.59265358979`" in section
    assert "- `reset.cluster025.hosting.ovh.net`: no HTTP answer, connection error or timeout" in section
    assert section.rstrip().endswith("; no OVH query id")

    text = (report_dir / "index.html").read_text()
    page = Page(text)
    assert page.count("section", "unreadable") == 1 and page.count("tr", "hosting") == FLEET_SIZE
    assert "&lt;while reading the answer" in text and "<while" not in text
    for name, entry in UNREADABLE.items():
        item = text.split(f'id="unreadable-{name}"', 1)[1].split("</li>", 1)[0]
        assert ("HTTP 500" if entry["status"] else "no HTTP answer") in item
        assert (f"OVH query id {entry['query_id']}" if entry["query_id"] else "no OVH query id") in item


@pytest.mark.parametrize("width", [1280, 390])
def test_unreadable_hostings_render_visible_without_sideways_scrolling(rendered_unreadable, chromium, output_dir,
                                                                       width):
    page = rendered_unreadable["dir"] / "index.html"
    measure = chromium.measure(page, width)
    assert (measure["hostings"], measure["visible_unreadable"]) == (FLEET_SIZE, 2)
    assert measure["visible_charts"] == measure["cards"] == 3  # blocked, bouncy, spammer: no recipient is allowed
    assert measure["page_width"] <= measure["viewport_width"], measure
    if width < 500:
        assert chromium.console_messages(page) == []
        chromium.screenshot(page, output_dir / "report-unreadable-phone.png", width=width, height=1400)


def test_default_directory_is_the_current_one_not_the_collection(tmp_path):
    """Without email_report_dir the files go to ./report of the directory ansible-playbook runs in."""
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"email_report_hostings": fleet(AS_OF), "email_report_as_of": AS_OF.isoformat()}))
    run = Ansible(tmp_path).playbook(HERE / "render.yml", "-e", f"@{extra}")
    assert run.rc == 0, run
    assert (tmp_path / "report" / "index.html").is_file()
    assert not (HERE / "report").exists()


def test_one_clock_on_the_page(rendered):
    """'Generated' and the bounce dates are in one zone, Paris time, each shown with its offset."""
    report = json.loads((rendered["dir"] / "report.json").read_text())
    offsets = {report["generated_at"][19:]} | {bounce["date"][19:] for hosting in report["hostings"]
                                               for bounce in hosting["latest_bounces"]}
    assert offsets <= {"+01:00", "+02:00"}, offsets
    text = (rendered["dir"] / "index.html").read_text()
    assert f"Generated {report['generated_at'][:16].replace('T', ' ')} {report['generated_at'][19:]}" in text


LARGE = 1000
BUDGET = 1_500_000  # bytes of index.html at 1,000 hostings


@pytest.fixture(scope="module")
def large_report(tmp_path_factory):
    """A 1,000-hosting fleet (report_fleet.large_fleet: 30 days of volumes each, 100 bounces for each hosting with
    problems) judged with a recipient required, its index.html rendered as the role does."""
    document = email_report_of(large_fleet(AS_OF), AS_OF)
    page = tmp_path_factory.mktemp("large") / "index.html"
    page.write_text(render("index.html", document))
    return {"document": document, "page": page}


def email_report_of(hostings, now):
    from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
    return email_report(hostings, now=now.isoformat(), require_recipient=True)


def problems_first(document):
    return [entry["service_name"] for entry in sorted(document["hostings"], key=lambda entry: entry["compliant"])]


def test_the_page_of_1000_hostings_stays_within_its_budget(large_report):
    document, text = large_report["document"], large_report["page"].read_text()
    size = len(text.encode("utf-8"))
    assert size <= BUDGET, f"index.html is {size} bytes at {LARGE} hostings, over {BUDGET}"
    page = Page(text)
    violating = [entry for entry in document["hostings"] if entry["violations"]]
    assert page.count("tr", "hosting") == LARGE
    assert page.count("details", "hosting") == page.count("svg", "chart") == len(violating) == 50
    rows = re.findall(r'<tr class="hosting[^"]*"[^>]*><td>(?:<a [^>]*>)?([^<]+)', text)
    assert rows == problems_first(document)  # problems first, then by name


def test_chromium_filters_the_1000_hostings_down_to_the_spam_ones(large_report, chromium):
    spam = [name for name in problems_first(large_report["document"])
            if next(entry for entry in large_report["document"]["hostings"] if entry["service_name"] == name)["state"] == "spam"]
    assert len(spam) == SPAM
    outcome = chromium.act(large_report["page"], """
        var before = shown().length;
        doc.querySelector('a.chip[data-state="spam"]').click();
        return {before: before, count: doc.querySelector('#fleet-controls output').value,
                state: doc.querySelector('#fleet-controls select[name=state]').value,
                chip_on: doc.querySelector('a.chip[data-state="spam"]').classList.contains("on")};
    """)
    assert outcome["result"] == {"before": LARGE, "count": f"{SPAM} of {LARGE} hostings shown", "state": "spam",
                                 "chip_on": True}
    assert outcome["shown"] == spam


def test_chromium_searches_filters_by_violation_and_sorts(large_report, chromium):
    document = large_report["document"]
    by_name = {entry["service_name"]: entry for entry in document["hostings"]}
    outcome = chromium.act(large_report["page"], """
        var form = doc.getElementById("fleet-controls"), steps = {};
        form.elements.q.value = "SITE-012";
        form.elements.q.dispatchEvent(new Event("input", {bubbles: true}));
        steps.search = shown();
        form.elements.q.value = "";
        form.elements.rule.value = "bounce_ratio";
        form.elements.rule.dispatchEvent(new Event("change", {bubbles: true}));
        steps.rule = shown();
        form.elements.rule.value = "";
        form.elements.rule.dispatchEvent(new Event("change", {bubbles: true}));
        var sent = doc.querySelectorAll("#fleet-table th button")[2];
        sent.click();
        sent.click();
        steps.sorted = shown();
        steps.aria = sent.parentNode.getAttribute("aria-sort");
        return steps;
    """)
    steps = outcome["result"]
    order = problems_first(document)
    assert steps["search"] == [name for name in order if "site-012" in name] and len(steps["search"]) == 10
    assert steps["rule"] == [name for name in order
                             if any(v["rule"] == "bounce_ratio" for v in by_name[name]["violations"])]
    assert steps["aria"] == "descending"
    assert steps["sorted"] == sorted(order, key=lambda name: -by_name[name]["sent_today"])  # ties keep their order
    assert outcome["shown"] == steps["sorted"]


def test_without_script_the_table_shows_every_hosting_and_no_dead_control(large_report, chromium):
    outcome = chromium.act(large_report["page"], """
        var form = doc.getElementById("fleet-controls");
        return {controls: form.getBoundingClientRect().height, count: form.elements.count.value};
    """, script=False)
    assert outcome["result"] == {"controls": 0, "count": ""}  # the script did not run: it would fill the count
    assert outcome["shown"] == problems_first(large_report["document"])
