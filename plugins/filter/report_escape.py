# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report_escape
short_description: Untrusted text escaped for one of the report's formats
version_added: 0.1.0
author: mailops maintainers
description:
  - Every text from OVH or from a remote mail server (error messages, bounces, report recipients, service names as
    returned) is untrusted. The role C(mailops.ovh_hosting.email_report) writes each through this filter.
  - First, in every format, a character that shows nothing or changes how the text around it shows is made
    visible as its code point, C(<U+202E>) - C0 and C1 controls (NUL, ESC), bidi controls, zero-width and other
    format characters, line and paragraph separators, lone surrogates and noncharacters. Tab, line feed and
    carriage return are kept where the format has lines and become a space where one line is wanted.
  - Then the format's own escaping, see O(format).
options:
  _input:
    description: The text; V(null) is the empty text, anything else is made text first.
    type: raw
    required: true
  format:
    description:
      - V(html) for HTML element content or a quoted attribute value (C(& < > " ') as references).
      - V(xml) for XML 1.0 element content or a quoted attribute value; only characters XML 1.0 allows remain, and
        tab, line feed and carriage return are character references.
      - V(markdown) for inline Markdown, table cells included - one line, with the punctuation that could start
        emphasis, code, a link, raw HTML, an entity, math or a new cell escaped by backslash.
      - V(markdown_code) for an inline code span in running text (not a table cell), fenced to hold any backtick.
      - V(terminal) for one line of terminal output, as P(mailops.ovh_hosting.terminal_safe#filter).
    type: str
    choices: [html, xml, markdown, markdown_code, terminal]
    required: true
"""

EXAMPLES = r"""
- name: A bounce message in a page
  ansible.builtin.copy:
    dest: bounce.html
    content: "<p>{{ bounce.message | mailops.ovh_hosting.report_escape('html') }}</p>"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The escaped text.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import FORMATS


def report_escape(value, format):  # pylint: disable=redefined-builtin  # the option's documented name
    try:
        escape = FORMATS[format]
    except (KeyError, TypeError):
        raise AnsibleFilterError(
            f"report_escape: format must be one of {', '.join(sorted(FORMATS))}, got {format!r}") from None
    return escape(value)


class FilterModule:
    def filters(self):
        return {"report_escape": report_escape}
