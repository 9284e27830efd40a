# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The escapers of untrusted text (plugin_utils/report_text.py) behind the report_escape and terminal_safe filters:
exact outputs for the hostile cases of issue 11, then a property over any text, parsed back with the format's own
parser (html.parser, ElementTree, markdown-it) to the text made visible. Derandomized: the same examples each run."""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ansible_collections.mailops.ovh_hosting.plugins.filter.report_escape import report_escape
from ansible_collections.mailops.ovh_hosting.plugins.filter.terminal_safe import terminal_safe
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import report_text

# Pieces of hostile text: what issue 11 found, and their neighbours.
FRAGMENTS = ["\x00", "\x07", "\x1b[31m", "\x1b]0;pwned\x07", "\x9b2J", "\x7f", "]]>", "<![CDATA[", "<script>alert(1)</script>",
             "<img src=x onerror=alert(1)>", "\" onmouseover=\"alert(1)", "' x='", "&amp;", "&#0;", "&lt;", "|", "||",
             "**", "__", "*", "_", "`", "```", "~~", "$x$", "\\", "\\|", "[x](javascript:alert(1))", "![i](x)",
             "<http://example.net>", "<!--", "-->", "\n", "\r\n", "\r", "\t", "\u202e", "\u202d", "\u2066", "\u2069",
             "\u200b", "\u200d", "\u00ad", "\ufeff", "\u2028", "\u2029", "\u061c", "\ud800", "\udfff", "\ufffe",
             "\uffff", "\U0001fffe", "\U0010ffff", "<U+202E>", "  ", "#", "- ", "1. ", "> ", "é", "日本", "\u05d0"]
HOSTILE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=8).map("".join)
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=120,
                    suppress_health_check=[HealthCheck.too_slow])
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


class Text(html.parser.HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], ""
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


def inline_tokens(source):
    return [child for token in MARKDOWN.parse(source) if token.type == "inline" for child in token.children]


class TestExactly:
    def test_hidden_characters_show_as_their_code_points(self):
        assert report_text.visible("a\u202eb\x00c\x1b[0m\ud800\ufffe") == "a<U+202E>b<U+0000>c<U+001B>[0m<U+D800><U+FFFE>"
        assert report_text.visible("a\tb\nc\rd") == "a\tb\nc\rd"
        assert report_text.visible("a\tb\nc\rd", whitespace="space") == "a b c d"
        assert report_text.visible(None) == "" and report_text.visible(42) == "42"
        assert report_text.visible("é 日本 \u05d0 \U0001f600") == "é 日本 \u05d0 \U0001f600"

    def test_html(self):
        assert report_escape("<script>\"'&\u202e", "html") == "&lt;script&gt;&quot;&#39;&amp;&lt;U+202E&gt;"

    def test_xml_keeps_only_what_xml_1_0_allows(self):
        assert report_escape("\x00]]><a>\x1b\t\n\r", "xml") == "&lt;U+0000&gt;]]&gt;&lt;a&gt;&lt;U+001B&gt;&#9;&#10;&#13;"

    def test_markdown_cannot_split_a_cell_nor_add_markup(self):
        assert report_escape("|**x**|\n<b>`[a](b)`_&_", "markdown") == r"\|\*\*x\*\*\| \<b\>\`\[a\](b)\`\_\&\_"

    def test_markdown_code_is_fenced_past_any_backtick(self):
        assert report_escape("a``b", "markdown_code") == "```a``b```"
        assert report_escape("`x`", "markdown_code") == "`` `x` ``"
        assert report_escape("", "markdown_code") == ""

    def test_terminal_shows_escape_sequences_instead_of_running_them(self):
        assert terminal_safe("\x1b[2J\x1b]0;t\x07ok\nfatal: \x9b1m\u202e") == \
            "<U+001B>[2J<U+001B>]0;t<U+0007>ok fatal: <U+009B>1m<U+202E>"

    def test_terminal_safe_goes_through_lists_and_dicts(self):
        assert terminal_safe(["\x1b[1m", {"k\x1b": "\x00", "status": 500}, None, True]) == \
            ["<U+001B>[1m", {"k<U+001B>": "<U+0000>", "status": 500}, None, True]

    def test_an_unknown_format_is_named(self):
        with pytest.raises(AnsibleFilterError, match="format must be one of html, markdown, markdown_code, terminal, xml, got 'rtf'"):
            report_escape("x", "rtf")


class TestAnyText:
    @PROPERTY
    @given(HOSTILE)
    def test_html_reads_back_as_the_visible_text_and_adds_no_element(self, text):
        page = Text(f'<p title="{report_escape(text, "html")}">{report_escape(text, "html")}</p>')
        assert page.tags == [("p", [("title", report_text.visible(text))])]
        assert page.text == report_text.visible(text)

    @PROPERTY
    @given(HOSTILE)
    def test_xml_parses_back_as_the_visible_text(self, text):
        escaped = report_escape(text, "xml")
        element = ET.fromstring(f'<e a="{escaped}"><![CDATA[]]>{escaped}</e>'.encode("utf-8"))
        assert element.get("a") == report_text.visible(text) and (element.text or "") == report_text.visible(text)

    @PROPERTY
    @given(HOSTILE)
    def test_markdown_cell_reads_back_as_the_visible_text_in_its_one_cell(self, text):
        tokens = MARKDOWN.parse(f"| a | b |\n|---|---|\n| {report_escape(text, 'markdown')} | z |\n")
        assert [token.type for token in tokens].count("td_open") == 2
        cells = [tokens[index + 1] for index, token in enumerate(tokens) if token.type == "td_open"]
        assert {child.type for child in cells[0].children} <= {"text"}  # no emphasis, code, link nor HTML
        assert "".join(child.content for child in cells[0].children) == \
            report_text.visible(text, whitespace="space").strip(" ")
        assert cells[1].content == "z"

    @PROPERTY
    @given(HOSTILE)
    def test_markdown_code_reads_back_as_one_code_span(self, text):
        visible = report_text.visible(text, whitespace="space")
        children = inline_tokens(f"- before {report_escape(text, 'markdown_code')} after")
        codes = [child.content for child in children if child.type == "code_inline"]
        assert codes == ([visible] if visible else [])
        assert {child.type for child in children} <= {"text", "code_inline"}

    @PROPERTY
    @given(HOSTILE)
    def test_terminal_has_no_control_nor_format_character(self, text):
        safe = terminal_safe(text)
        assert not any(report_text.is_hidden(char) or char in "\t\n\r" for char in safe)
        assert safe == report_text.visible(text, whitespace="space")
