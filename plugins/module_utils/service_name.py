# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and URL quoting of hosting service names.

The ``ovh`` client puts paths on the wire as given, so a name with ``/``, ``..``, ``?`` or ``#`` would reach another
route. Names are checked before any call and quoted on every path built from them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Hosting service names are DNS-like: example.cluster021.hosting.ovh.net, shop-1.example.org
_HOSTING_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_MAX_LENGTH = 253


def service_name_problem(name) -> str | None:
    """Why ``name`` is not a hosting service name, or None when it is one."""
    if not isinstance(name, str):
        return "a hosting service name must be a string, got %s" % type(name).__name__
    if not name:
        return "a hosting service name must not be empty"
    if len(name) > _MAX_LENGTH:
        return "hosting service name %r is longer than %d characters" % (name, _MAX_LENGTH)
    if not _HOSTING_NAME.fullmatch(name):  # not match(): its "$" also matches before a final newline
        return (
            "%r is not a hosting service name: expected lowercase letters, digits, dots and hyphens "
            "(such as example.cluster021.hosting.ovh.net), without '/', '..', '?', '#', spaces or accents" % name
        )
    return None


def validate_service_name(name) -> str:
    """Return ``name`` unchanged, or raise ValueError saying why it is not a hosting service name."""
    problem = service_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def quote_service_name(name: str) -> str:
    """One URL path segment for ``name`` (validated first)."""
    return quote(validate_service_name(name), safe="")


def hosting_path(name: str, suffix: str = "") -> str:
    """``/hosting/web/{name}{suffix}`` with ``name`` validated and quoted."""
    return "/hosting/web/" + quote_service_name(name) + suffix
