# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a page's JavaScript does with its forms: the scripts it loads, and the URLs it posts them to.

A form submitted by JavaScript posts where ``fetch('send.php', ...)``, ``xhr.open('POST', 'send.php')``,
``$.post('send.php', ...)``, ``$.ajax({url: 'send.php', ...})`` or ``axios.post('send.php', ...)`` say, in
an inline ``<script>`` or in a file the page loads (``<script src="js/contact.js">``). A URL built at run
time (a variable, ``form.action``) is no URL here: the form's own ``action`` stands.
"""

from __future__ import annotations

import re

_SCRIPT_SRC = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_URL = r"""\s*["'`]([^"'`\s$]+)["'`]"""
_HANDLER_CALLS = re.compile(
    r"\bfetch\s*\(" + _URL
    + r"|\.open\s*\(\s*[\"']post[\"']\s*," + _URL
    + r"|(?:\$|\bjQuery|\baxios)\s*\.\s*(?:post|ajax)\s*\(" + _URL
    + r"|\burl\s*:" + _URL,
    re.IGNORECASE,
)


def loaded_scripts(markup):
    """The ``src`` of each ``<script>`` of a page, without query or fragment; remote ones left out."""
    found = []
    for src in _SCRIPT_SRC.findall(markup):
        if src.lower().startswith(("http:", "https:", "//", "data:")):
            continue
        path = src.split("#", 1)[0].split("?", 1)[0]
        if path and path not in found:
            found.append(path)
    return found


def remote_scripts(markup):
    """The ``src`` of each remote ``<script>`` (a Captcha provider's ``api.js?render=...``), whole."""
    return [src for src in _SCRIPT_SRC.findall(markup) if src.lower().startswith(("http:", "https:", "//"))]


def handler_urls(text):
    """The URLs a script's requests post to, in order, each once: relative paths and same-site ones."""
    found = []
    for match in _HANDLER_CALLS.finditer(text):
        url = next(group for group in match.groups() if group)
        if url.lower().startswith(("http:", "https:", "//", "mailto:", "#")):
            continue
        url = url.split("#", 1)[0].split("?", 1)[0]
        if url and url not in found:
            found.append(url)
    return found
