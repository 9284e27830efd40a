# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTML forms, in HTML files and in PHP pages (inline or echoed), and the script each one posts to.

An ``action`` that is missing, empty, ``#...``, ``?...`` or that prints the script's own URL
(``$_SERVER['PHP_SELF']``, ``SCRIPT_NAME``, ``REQUEST_URI``, ``__FILE__``) posts to the page itself.
A WordPress form posting to ``admin-post.php`` or ``admin-ajax.php`` reaches the plugin that hooks
``admin_post_nopriv_<action>`` / ``wp_ajax_nopriv_<action>`` (its hidden ``action`` field names it).
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import (
    DYNAMIC_MARK,
    SELF_MARK,
)

_FORM_OPEN = re.compile(r"<form\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE)
_FORM_END = re.compile(r"</form\s*>|<form\b", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_INPUT = re.compile(r"<input\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE)
_WORDPRESS_ENTRY = re.compile(r"\b(admin-post|admin-ajax)\.php\b", re.IGNORECASE)
_WORDPRESS_HOOK = re.compile(r"^(?:admin_post|wp_ajax)(?:_nopriv)?_(\w+)$")

SELF = "self"
FILE = "file"
WORDPRESS = "wordpress"
EXTERNAL = "external"
DYNAMIC = "dynamic"
NOT_FOUND = "not_found"
JAVASCRIPT = "javascript"  # sent by the page's script to the handler it names (see javascript.py)


class Form(object):
    __slots__ = ("offset", "tag_end", "action", "method", "body", "wordpress_action")

    def __init__(self, offset, tag_end, action, method, body, wordpress_action):
        self.offset = offset
        self.tag_end = tag_end
        self.action = action
        self.method = method
        self.body = body
        self.wordpress_action = wordpress_action


def attributes(tag_inside):
    """``{name: value}`` of a tag's attributes, names lower-cased, quotes removed (None: no value)."""
    found = {}
    for match in _ATTRIBUTE.finditer(tag_inside):
        value = match.group(2)
        if value is not None and value[:1] in "\"'":
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), value)
    return found


def forms_in(markup):
    """Every ``<form>`` of a markup view; a form's body runs to ``</form>`` or the next ``<form``."""
    found = []
    for match in _FORM_OPEN.finditer(markup):
        attrs = attributes(match.group(1))
        end = _FORM_END.search(markup, match.end())
        body = markup[match.end():end.start() if end else len(markup)]
        found.append(Form(
            offset=match.start(),
            tag_end=match.end(),
            action=attrs.get("action"),
            method=(attrs.get("method") or "get").strip().lower(),
            body=body,
            wordpress_action=_hidden_action(body),
        ))
    return found


def _hidden_action(body):
    for match in _INPUT.finditer(body):
        attrs = attributes(match.group(1))
        if (attrs.get("name") or "").strip() == "action" and attrs.get("value"):
            return attrs["value"].strip()
    return None


def wordpress_hook_action(literal_value):
    """The action a hook name such as ``admin_post_nopriv_acme_contact`` handles, or None."""
    match = _WORDPRESS_HOOK.match(literal_value)
    return match.group(1) if match else None


def resolve(form_file, action, known):
    """Where a form posts: ``(kind, target)``; ``target`` is a path relative to the root for SELF and
    FILE, the WordPress entry script for WORDPRESS, else None. ``known`` holds the audited paths."""
    if action is None:
        return SELF, form_file
    if SELF_MARK in action:
        return SELF, form_file
    dynamic = DYNAMIC_MARK in action
    # The literal parts of the action: for "<?php echo 'send.php' ?>", the echoed string.
    literal = "".join(action.replace(DYNAMIC_MARK, " ").split())
    if not dynamic and (literal == "" or literal.startswith(("#", "?"))):
        return SELF, form_file
    if literal.lower().startswith(("http://", "https://", "//", "mailto:", "javascript:")):
        return EXTERNAL, None
    path = literal.split("#", 1)[0].split("?", 1)[0]
    wordpress = _WORDPRESS_ENTRY.search(path)
    if wordpress:
        return WORDPRESS, "wp-admin/" + wordpress.group(0).lower()
    target = _find(form_file, path, known) if path else None
    if target is not None:
        return FILE, target
    return (DYNAMIC, None) if dynamic else (NOT_FOUND, path)


def _find(form_file, path, known):
    base = "" if path.startswith("/") else posixpath.dirname(form_file)
    target = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if target == ".." or target.startswith("../"):
        return None
    target = "" if target == "." else target
    for candidate in (target, target + ".php", posixpath.join(target, "index.php"),
                      posixpath.join(target, "index.html")):
        if candidate in known:
            return candidate
    return None
