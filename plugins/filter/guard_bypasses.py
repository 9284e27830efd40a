# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: guard_bypasses
short_description: The protected scripts before which PHP would not run the form_captcha guard
version_added: 0.1.0
author: mailops maintainers
description:
  - The role C(mailops.ovh_hosting.form_captcha) wires its guard through the document root's C(.user.ini)
    C(auto_prepend_file). PHP applies the nearest C(.user.ini) that sets C(auto_prepend_file),
    so one in a folder between the document root and a script replaces the guard for that script.
  - Returns, for each script of the input, the nearest such C(.user.ini) below the document root when it prepends
    another file than O(guard), unless that file includes the guard by its absolute path (given in O(prepended)).
options:
  _input:
    description: The protected scripts, paths relative to O(docroot).
    type: list
    elements: str
    required: true
  docroot:
    description: The document root.
    type: str
    required: true
  guard:
    description: The absolute path of the guard that the document root's C(.user.ini) prepends.
    type: str
    required: true
  user_inis:
    description: The text of each C(.user.ini) below the document root, by absolute path.
    type: dict
    required: true
  prepended:
    description: The text of files those C(.user.ini) prepend, by absolute path; one that includes the guard
      (C(require_once '/.../guard.php';)) runs it, so its scripts are not bypasses.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Check PHP runs the guard before each protected script
  ansible.builtin.assert:
    that: scripts | mailops.ovh_hosting.guard_bypasses(docroot, guard, user_inis) | length == 0
"""

RETURN = r"""
_value:
  description: One entry per bypassed script, in the order of the input.
  type: list
  elements: dict
  contains:
    script:
      description: The script, as given.
      type: str
    user_ini:
      description: The C(.user.ini) that replaces the guard, relative to O(docroot).
      type: str
    prepend:
      description: What it prepends instead.
      type: str
"""

import posixpath
import re

# prepend_setting: the .user.ini parser the audit uses too.
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import prepend_setting


def includes(text, path):
    """Whether PHP source requires or includes ``path`` by its absolute path."""
    return re.search(r"(?m)^[ \t]*(?:require|include)(?:_once)?\b[^;\n]*" + re.escape(path), text) is not None


def guard_bypasses(scripts, docroot, guard, user_inis, prepended=None):
    prepended = prepended or {}
    bypasses = []
    for script in scripts:
        parts = [part for part in script.split("/") if part not in ("", ".")]
        nearest = None
        for depth in range(1, len(parts)):  # the folders below the document root, down to the script's own
            folder = "/".join(parts[:depth])
            setting = prepend_setting(user_inis.get(posixpath.join(docroot, folder, ".user.ini"), ""))
            if setting is not None:
                nearest = (folder, setting)
        if nearest is None or nearest[1] == guard or includes(prepended.get(nearest[1], ""), guard):
            continue
        bypasses.append({"script": script, "user_ini": nearest[0] + "/.user.ini", "prepend": nearest[1]})
    return bypasses


class FilterModule:
    def filters(self):
        return {"guard_bypasses": guard_bypasses}
