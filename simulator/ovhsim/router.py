# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route tables: ``{name}`` matches one path segment; an unknown path is 404, a known one with another method 405."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from .errors import ApiError


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern
    handler: object
    auth: bool
    action: str | None = None  # OVH's IAM action name (its schema's x-iam-actions)


class Router:
    def __init__(self, prefix: str, not_found_message: str):
        self.prefix = prefix
        self.not_found_message = not_found_message
        self.routes: list[Route] = []

    def route(self, method: str, template: str, auth: bool = True, action: str | None = None):
        pattern = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")

        def register(handler):
            self.routes.append(Route(method, template, pattern, handler, auth, action))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict]:
        """``path`` is relative to the prefix. Path parameters come back percent-decoded."""
        allowed = []
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                if route.method == method:
                    return route, {name: unquote(value) for name, value in found.groupdict().items()}
                allowed.append(route)
        if allowed:
            raise ApiError(405, f"Received not described method '{method}' on path '{allowed[0].template}'",
                           headers={"Allow": ", ".join(sorted({route.method for route in allowed}))})
        raise ApiError(404, self.not_found_message)
