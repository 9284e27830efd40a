# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: user_ini_prepend
short_description: The file a .user.ini makes PHP prepend to every script, as PHP reads it
version_added: 0.2.0
author: mailops maintainers
description:
  - The last C(auto_prepend_file) setting of a C(.user.ini) text, with PHP's reading of it, which the audit shares
    (double-quoted, single-quoted or bare up to a comment; CR and CRLF line ends; C(none), C(off), C(no),
    C(false) and C(null) bare mean empty).
  - The role C(mailops.ovh_hosting.form_captcha) uses it to chain the site's own prepend file after its guard, and
    to check that nothing after its block in the document root's C(.user.ini) replaces the guard.
options:
  _input:
    description: The text of a C(.user.ini).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The prepend file of the site, to run after the guard
  ansible.builtin.set_fact:
    chained: "{{ user_ini_text | mailops.ovh_hosting.user_ini_prepend | default('', true) }}"
"""

RETURN = r"""
_value:
  description: The file's path as written (empty when set to nothing), or None when the text sets none.
  type: str
"""

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import prepend_setting


def user_ini_prepend(text):
    return prepend_setting(str(text or ""))


class FilterModule:
    def filters(self):
        return {"user_ini_prepend": user_ini_prepend}
