# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an ``include``/``require`` points, when its path is made of what can be read without running PHP.

A path expression is a concatenation of string literals and of: ``__DIR__`` or ``dirname(__FILE__)`` (the
file's folder), ``dirname(__DIR__)`` (its parent), ``$_SERVER['DOCUMENT_ROOT']`` (the document root), and
constants (``define('APP_DIR', __DIR__ . '/app/')`` in any file of the root, or ``DIRECTORY_SEPARATOR``).
Anything else (a variable, a function call) makes the include unreadable, and it is left out.
"""

from __future__ import annotations

import posixpath
import re

_INCLUDE = re.compile(r"\b(?:include|require)(?:_once)?\b", re.IGNORECASE)
_STATEMENT_END = re.compile(r";|\?>")
_PART = re.compile(
    r"""[\s().]*(?:(?P<parent>dirname\s*\(\s*(?:__DIR__|dirname\s*\(\s*__FILE__\s*\))\s*\))"""
    r"""|(?P<dir>__DIR__|dirname\s*\(\s*__FILE__\s*\))"""
    r"""|(?P<docroot>\$_SERVER\s*\[\s*)"""
    r"""|(?P<quote>['"])"""
    r"""|(?P<const>[A-Za-z_]\w*)(?!\s*\()"""
    r"""|(?P<end>[\s().]*$))""",
)
_DEFINE = re.compile(r"\bdefine\s*\(\s*(?=['\"])|\bconst\s+(\w+)\s*=", re.IGNORECASE)
_DEFINE_END = re.compile(r";")
_DIR = "dir"
_PARENT = "parent"
ROOT = "root"
EITHER = "either"


def sites(source):
    """``(offset, start, end)`` of each include statement: its keyword, and its path expression."""
    code = source.code
    for match in _INCLUDE.finditer(code):
        end_match = _STATEMENT_END.search(code, match.end())
        yield match.start(), match.end(), end_match.start() if end_match else len(code)


def expression(source, literals, start, end, constant):
    """``(base, path)`` of the path expression ``code[start:end]``: base ``dir``, ``parent``, ``root`` or
    ``either`` (a bare literal: the file's folder, else the root); None when it cannot be read.
    ``literals`` maps offsets to ``StringLiteral``; ``constant(name)`` gives a constant's ``(base, path)``."""
    code = source.code
    base = None
    path = ""
    position = start
    first = True
    while position < end:
        match = _PART.match(code, position, end)
        if match is None:
            return None
        if match.group("end") is not None:
            break
        if match.group("quote"):
            literal = literals.get(match.start("quote"))
            if literal is None:
                return None
            path += literal.value
            position = literal.offset + len(literal.raw) + 2
            first = False
            continue
        if not first:
            if not match.group("const"):
                return None
        if match.group("parent"):
            base = _PARENT
        elif match.group("dir"):
            base = _DIR
        elif match.group("docroot"):
            literal = literals.get(match.end())
            if literal is None or literal.value != "DOCUMENT_ROOT":
                return None
            closing = re.compile(r"\s*\]").match(code, literal.offset + len(literal.raw) + 2)
            if not closing:
                return None
            base = ROOT
            position = closing.end()
            first = False
            continue
        else:
            name = match.group("const")
            if name == "DIRECTORY_SEPARATOR":
                path += "/"
            elif first:
                value = constant(name)
                if value is None:
                    return None
                base, path = value
            else:
                return None
        position = match.end()
        first = False
    if not path:
        return None
    return base or EITHER, path


def resolve(relative, base, path):
    """The candidate paths, relative to the root, of ``(base, path)`` met in the file ``relative``."""
    directory = posixpath.dirname(relative)
    if base == _PARENT:
        directory = posixpath.dirname(directory)
    bases = {_DIR: [directory], _PARENT: [directory], ROOT: [""], EITHER: [directory, ""]}[base]
    found = []
    for folder in bases:
        target = posixpath.normpath(posixpath.join(folder, path.lstrip("/")))
        if not target.startswith(".."):
            # A folder constant ('app/') is concatenated to what follows: keep its slash.
            found.append(target + "/" if path.endswith("/") and target != "." else "" if target == "." else target)
    return found


def definitions(source):
    """``{name: (start, end)}``: the value expression of each ``define('NAME', ...)`` or ``const NAME = ...``."""
    code = source.code
    found = {}
    for match in _DEFINE.finditer(code):
        if match.group(1):
            name = match.group(1)
            start = match.end()
        else:
            literal = source.next_string(match.end(), match.end() + 1)
            if literal is None:
                continue
            name = literal.value
            comma = code.find(",", literal.offset + len(literal.raw) + 2)
            if comma < 0:
                continue
            start = comma + 1
        end_match = _DEFINE_END.search(code, start)
        found.setdefault(name, (start, end_match.start() if end_match else len(code)))
    return found
