# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: text from OVH or a remote mail server is untrusted. The four report files are rendered (in process,
report_render.py) from facts whose service names, states, report recipients, bounces and unreadable hostings' calls,
query ids and messages are hostile strings, and each file is parsed back: junit.xml with ElementTree (and only
XML 1.0's characters), report.json with json (the same data), index.html with html.parser (no element, attribute
or link of the text's own, no bidi or other hidden character left raw, each text read back as shown), report.md
with markdown-it (no markup of the text's own, every table row keeps its columns). Derandomized."""

from __future__ import annotations

import datetime
import html.parser
import json
import re
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import is_hidden, visible
from report_render import render_all

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)
FRAGMENTS = ["\x00", "\x08", "\x1b[31m", "\x1b]0;pwned\x07", "\x9b2J", "]]>", "<![CDATA[", "<script>alert(1)</script>",
             "</script>", "<img src=x onerror=alert(1)>", "\" onmouseover=\"alert(1)", "' autofocus onfocus='x",
             "&amp;", "&#0;", "|", "**", "__", "`", "```", "~~", "$x$", "\\", "[x](javascript:alert(1))",
             "<http://example.net>", "<!--", "\n", "\r\n", "\t", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028",
             "\ud800", "\ufffe", "<U+202E>", "  ", "# ", "- ", "é", "\u05d0"]
HOSTILE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), min_size=1, max_size=6).map("".join)
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What the page is made of; a hostile text adds nothing to it.
HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "section", "div", "b",
             "nav", "a", "ul", "li", "span", "main", "form", "input", "select", "option", "button", "output", "table",
             "thead", "tbody", "tr", "th", "td", "details", "summary", "dl", "dt", "dd", "svg", "line", "rect", "text",
             "ol", "wbr", "script"}
HTML_ATTRIBUTES = {"lang", "charset", "name", "content", "class", "aria-label", "aria-labelledby", "aria-live", "id",
                   "href", "title", "data-state", "data-rule", "data-rules", "data-type", "role", "hidden", "type",
                   "placeholder", "value", "scope", "open", "viewbox", "x", "y", "x1", "y1", "x2", "y2", "width",
                   "height", "text-anchor"}


def facts(groups):
    """For each group of nine hostile texts, two hostings read and one not: the first hosting with a hostile text in
    every field, a spam hosting with a hostile bounce, an unreadable hosting with a hostile call, query id and
    message. One report holds every group: one rendering for many texts."""
    hostings, unreadable = [], []
    bounce_date = (NOW - datetime.timedelta(hours=1)).isoformat()
    volumes = [{"date": (NOW - datetime.timedelta(days=day)).isoformat(), "volume": day * 3} for day in range(30)]
    for index, (name, state, recipient, to, message, category, call, query_id, error) in enumerate(groups):
        hostings += [
            {"service_name": f"a{index}-{name}", "state": state, "report_recipient": recipient, "sent_total": 100,
             "sent_today": 30, "bounced_total": 9, "max_per_day": 2400, "volumes": volumes,
             "bounces": [{"date": bounce_date, "to": to, "message": message, "category": category}] * 9},
            {"service_name": f"b{index}-spam", "state": "spam", "report_recipient": None, "sent_total": 5,
             "sent_today": 0, "bounced_total": 1, "max_per_day": 2400, "volumes": volumes,
             "bounces": [{"date": bounce_date, "to": recipient, "message": error, "category": None}]},
        ]
        unreadable.append({"service_name": f"u{index}-{name}", "call": call, "status": 500, "query_id": query_id,
                           "message": error})
    return hostings, unreadable


class Page(html.parser.HTMLParser):
    """Elements, attributes, and the text of each table row's cells."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self._cell = [], [], None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr" and "hosting" in (dict(attrs).get("class") or "").split():
            self.rows.append([])
        elif tag == "td" and self.rows:
            self._cell = self.rows[-1]
            self._cell.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "tr"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[-1] += data


def check_junit(text, hostings, unreadable):
    assert not XML_CHARS.search(text), "a character XML 1.0 does not allow"
    suites = ET.fromstring(text.encode("utf-8"))
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert set(cases) == {visible(hosting["service_name"]) for hosting in hostings} | \
        {visible(unread["service_name"]) for unread in unreadable}
    for unread in unreadable:
        error = cases[visible(unread["service_name"])].find("error")
        assert error.get("message") == visible(f"could not be read: HTTP 500: {unread['message'] or 'no message'}")
        if unread["query_id"]:
            assert f"[OVH query id {visible(unread['query_id'])}]" in error.text
    assert all(case.find("failure") is not None for name, case in cases.items() if name.startswith("b"))


def check_html(text, document):
    assert not any(is_hidden(char) and char not in "\t\n\r" for char in text), "a hidden character left raw"
    page = Page(text)
    assert {tag for tag, attrs in page.tags} <= HTML_TAGS
    assert [tag for tag, attrs in page.tags].count("script") == 1
    assert {name for tag, attrs in page.tags for name in attrs} <= HTML_ATTRIBUTES
    assert all(attrs["href"].startswith("#") for tag, attrs in page.tags if "href" in attrs)
    rows = {row[0]: row for row in page.rows}
    assert len(page.rows) == len(rows) == len(document["hostings"])
    for hosting in document["hostings"]:
        row = rows[visible(hosting["service_name"])]
        assert len(row) == 8 and row[6] == visible(hosting["report_recipient"] or "—")
    shown = "".join(attrs.get("title", "") for tag, attrs in page.tags if tag == "span")
    assert all(visible(bounce["message"]) in shown for hosting in document["hostings"]
               for bounce in hosting["latest_bounces"])


def check_markdown(text, document):
    tokens = MARKDOWN.parse(text)
    inline = [child for token in tokens if token.type == "inline" for child in token.children]
    assert {child.type for child in inline} <= {"text", "code_inline", "strong_open", "strong_close", "softbreak"}
    assert sum(1 for child in inline if child.type == "strong_open") == 2  # the summary's violating and unread
    rows, row = [], None
    for position, token in enumerate(tokens):
        if token.type == "tr_open":
            row = []
            rows.append(row)
        elif token.type in ("td_open", "th_open"):
            row.append("".join(child.content for child in tokens[position + 1].children))
    assert len(rows) == 1 + len(document["hostings"]) and all(len(row) == 8 for row in rows)
    cells = {row[1]: row for row in rows[1:]}
    for hosting in document["hostings"]:
        row = cells[visible(hosting["service_name"], whitespace="space").strip(" ")]
        assert row[3] == visible(hosting["report_recipient"] or "—", whitespace="space").strip(" ")
    codes = [child.content for child in inline if child.type == "code_inline"]
    for unread in document["unreadable"]:
        assert visible(unread["service_name"], whitespace="space") in codes
        assert not unread["query_id"] or visible(unread["query_id"], whitespace="space") in codes


# No shrinking: a failing example is printed as found, without minutes spent on rendering smaller ones.
@settings(derandomize=True, database=None, deadline=None, max_examples=12, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.lists(HOSTILE, min_size=9, max_size=9), min_size=1, max_size=8))
def test_every_file_parses_back_from_hostile_text(groups):
    hostings, unreadable = facts(groups)
    document = email_report(hostings, unreadable=unreadable, now=NOW.isoformat(), require_recipient=True)
    files = render_all(document, title="Report")
    assert json.loads(files["report.json"]) == json.loads(json.dumps(document))
    check_junit(files["junit.xml"], hostings, unreadable)
    check_html(files["index.html"], document)
    check_markdown(files["report.md"], document)
    for name, text in files.items():
        raw = [char for char in text if is_hidden(char) and char not in "\t\n\r"]
        assert raw == [], f"{name}: raw hidden characters {raw!r}"
