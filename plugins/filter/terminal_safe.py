# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: terminal_safe
short_description: Untrusted text made safe to print on a terminal
version_added: 0.1.0
author: mailops maintainers
description:
  - For the messages of C(ansible.builtin.debug) and C(ansible.builtin.fail) that carry text from OVH or from a
    remote mail server (error messages, bounces, report recipients, service names as returned).
  - Every character that could act on the terminal or hide text is shown as its code point instead, C(<U+001B>) -
    C0 and C1 controls (ESC and CSI, which start escape sequences), bidi controls such as U+202E, zero-width and
    other format characters, line and paragraph separators. Tab, line feed and carriage return become a space,
    so the text cannot start a line of its own that would pass for Ansible's output.
  - A list is made safe item by item, a dict key by key and value by value; numbers, booleans and V(null) stay as
    they are, any other value is made text first.
options:
  _input:
    description: The text, or a list or dict of texts.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Fail naming the hostings that could not be read, with OVH's messages
  ansible.builtin.fail:
    msg: "{{ unread | map(attribute='message') | mailops.ovh_hosting.terminal_safe }}"
"""

RETURN = r"""
_value:
  description: The text (or list or dict of texts), safe to print.
  type: raw
"""

from collections.abc import Mapping

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import terminal


def terminal_safe(value):
    if isinstance(value, Mapping):
        return {terminal(key): terminal_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [terminal_safe(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return terminal(value)


class FilterModule:
    def filters(self):
        return {"terminal_safe": terminal_safe}
