# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classes and functions a PHP file defines, where their bodies are, and where its code uses a name.

Read in the code view (comments and strings blanked), so braces in strings never count. A place in a file
belongs to a *unit*: the outermost named class (its methods included) or function around it, or the file's
top level (``None``), which runs when the file is requested or included. Names are PHP's: case-insensitive,
compared by their last segment (``\\Acme\\Mail\\Mailer`` is ``mailer``), as an autoloader would find them
wherever the file lies: Composer's class map or PSR-4 folders, ``spl_autoload_register``, a hand-written
loader all end at a file that declares the class.
"""

from __future__ import annotations

import bisect
import re

_TOKEN = re.compile(
    r"(?<![\w$>:\\])(?:(?P<class>class|interface|trait|enum)\s+(?P<class_name>\w+)"
    r"|function\s*&?\s*(?P<function>\w+)\s*\()"
    r"|(?P<brace>[{}])|(?P<end>;)",
    re.IGNORECASE,
)
_NOT_CLASS_NAMES = ("extends", "implements")
_ALIAS = re.compile(r"\buse\s+\\?(?:\w+\\)*(\w+)\s+as\s+(\w+)\s*[;,]", re.IGNORECASE)
# What may stand before a name when it is not a call of a global function: a method, a definition, a new.
_NOT_A_CALL_BEFORE = re.compile(r"(?:->|::|\?->|\bfunction\s*&?|\bnew|\bconst)\s*$", re.IGNORECASE)
_CLASS_CONTEXT_BEFORE = re.compile(r"(?:\bnew|\bextends|\binstanceof|\bimplements|,)\s*\\?(?:\w+\\)*$",
                                   re.IGNORECASE)
_STATIC_AFTER = re.compile(r"\s*::")


class Scope(object):
    __slots__ = ("start", "end", "kind", "name")

    def __init__(self, start, end, kind, name):
        self.start = start
        self.end = end
        self.kind = kind
        self.name = name


def units(code):
    """The outermost named classes and functions of ``code``: ``Scope`` list sorted by start."""
    found = []
    stack = []
    pending = None
    for token in _TOKEN.finditer(code):
        if token.group("class_name"):
            name = token.group("class_name")
            if name.lower() not in _NOT_CLASS_NAMES:
                pending = ("class", name.lower())
        elif token.group("function"):
            pending = ("function", token.group("function").lower())
        elif token.group("brace") == "{":
            stack.append((pending, token.start()))
            pending = None
        elif token.group("brace") == "}":
            if stack:
                opened, start = stack.pop()
                if opened and not any(outer for outer, _start in stack):
                    found.append(Scope(start, token.end(), opened[0], opened[1]))
        elif pending and pending[0] == "function":
            pending = None  # an abstract or interface method: no body
    found.sort(key=lambda scope: scope.start)
    return found


def unit_at(scopes, starts, offset):
    """The unit around ``offset``: ``(kind, name)`` of its scope, or None at the top level."""
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and scopes[index].start <= offset < scopes[index].end:
        return scopes[index].kind, scopes[index].name
    return None


def aliases(code):
    """``{alias: name}`` of the ``use Some\\Name as Alias;`` imports, lower-cased."""
    return dict((alias.lower(), name.lower()) for name, alias in _ALIAS.findall(code))


def name_pattern(names):
    """A regex that finds any of ``names`` as a whole word, or None for no name."""
    if not names:
        return None
    return re.compile(r"(?<![\w$])(%s)(?!\w)" % "|".join(re.escape(name) for name in sorted(names)), re.IGNORECASE)


def class_uses(code, pattern):
    """Offsets and lower-cased names where ``code`` uses a class of ``pattern``: ``new X``, ``X::``,
    ``extends X``, ``instanceof X``."""
    for match in pattern.finditer(code):
        before = code[max(0, match.start() - 80):match.start()]
        context = _CLASS_CONTEXT_BEFORE.search(before)
        if context or _STATIC_AFTER.match(code, match.end()):
            if before.rstrip().endswith(("->", "function")):
                continue
            offset = match.start()
            if context and not context.group().lstrip().lower().startswith(("new", "instanceof")):
                # "class A extends B {": the class declared is what uses B.
                body = code.find("{", match.end())
                offset = body if body >= 0 else offset
            yield offset, match.group(1).lower()


def function_calls(code, pattern):
    """Offsets and lower-cased names where ``code`` calls a global function of ``pattern``."""
    for match in pattern.finditer(code):
        end = match.end()
        if not re.match(r"\s*\(", code[end:end + 40]):
            continue
        if _NOT_A_CALL_BEFORE.search(code, max(0, match.start() - 20), match.start()):
            continue
        yield match.start(), match.group(1).lower()
