# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Untrusted text (OVH's messages, bounces from remote mail servers, report recipients, service names as OVH
returns them) written into each of the report's formats and into the terminal: the one place per format.

One rule for every format first: a character that shows nothing, or that changes how the text around it shows,
is made visible as its code point, ``<U+202E>``. That covers the C0 and C1 controls (NUL, ESC and the CSI that
starts a terminal escape sequence), the invisible format characters (bidi overrides and isolates such as
U+202E, zero-width spaces and joiners, the BOM), the line and paragraph separators, lone surrogates and the
noncharacters (U+FFFE, U+FFFF, ...). A right-to-left override cannot then reverse what a reader sees, and XML 1.0
gets no character it forbids. Tab, line feed and carriage return are whitespace: kept where the format has lines
(HTML, XML element text), a space where one line is wanted (a Markdown table cell, the terminal).

Then each format's own escaping: HTML's and XML's ``& < > " '`` (with XML's tab, line feed and carriage return as
character references, so that an attribute keeps them); Markdown's punctuation that could start emphasis, code, a
link, raw HTML, an entity, math or a table cell, escaped by backslash (what only matters at the start of a line is
left alone: the text never starts one).
"""

from __future__ import annotations

import re
import unicodedata

# Unicode categories that show nothing or steer the display: controls, format characters (bidi, zero-width,
# BOM), line and paragraph separators, surrogates.
_HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))
_WHITESPACE = "\t\n\r"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
                "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def code_point(char):
    """How a hidden character is shown: ``<U+202E>``."""
    return f"<U+{ord(char):04X}>"


def is_hidden(char):
    """Whether ``char`` shows nothing or changes the display of the text around it (see the module's docstring)."""
    point = ord(char)
    if point & 0xFFFE == 0xFFFE or 0xFDD0 <= point <= 0xFDEF:  # noncharacters, also forbidden by XML 1.0
        return True
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def visible(value, whitespace="keep"):
    """``value`` as text with every hidden character shown as its code point; tab, line feed and carriage return
    kept (``whitespace="keep"``) or each made a space (``whitespace="space"``). ``None`` is the empty text."""
    text = "" if value is None else str(value)
    out = []
    for char in text:
        if char in _WHITESPACE:
            out.append(char if whitespace == "keep" else " ")
        elif is_hidden(char):
            out.append(code_point(char))
        else:
            out.append(char)
    return "".join(out)


def html(value):
    """Text for HTML element content or a quoted attribute value."""
    return "".join(_HTML_ESCAPES.get(char, char) for char in visible(value))


def xml(value):
    """Text for XML 1.0 element content or a quoted attribute value; only characters XML 1.0 allows remain."""
    return "".join(_XML_ESCAPES.get(char, char) for char in visible(value))


def markdown(value):
    """Inline Markdown text (CommonMark and GitHub's tables): one line, no emphasis, code, link, raw HTML, entity or
    cell break of its own. Safe in a table cell and in running text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(value, whitespace="space"))


def markdown_code(value):
    """An inline Markdown code span showing ``value`` literally, for running text (not a table cell: there a
    ``|`` would end the cell, use ``markdown``). The fence is longer than any run of backticks inside."""
    text = visible(value, whitespace="space")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.strip(" ") and (text.startswith(("`", " ")) or text.endswith(("`", " "))):
        text = f" {text} "  # CommonMark strips one space on each side when both are there (and not only spaces)
    return f"{fence}{text}{fence}"


def terminal(value):
    """One line for the terminal: no escape sequence, no control character, no line of its own."""
    return visible(value, whitespace="space")


FORMATS = {"html": html, "xml": xml, "markdown": markdown, "markdown_code": markdown_code, "terminal": terminal}
