# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the tests that mock the OVH API with `responses`."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

API = "https://eu.api.ovh.com/1.0"
CREDENTIALS = dict(endpoint="ovh-eu", application_key="app-key", application_secret="app-secret",
                   consumer_key="consumer-key")


def call_list(rsps):
    """The recorded calls as ("METHOD", "/path?query") relative to the API base."""
    result = []
    for call in rsps.calls:
        url = urlsplit(call.request.url)
        path = url.path[len("/1.0"):] if url.path.startswith("/1.0") else url.path
        result.append((call.request.method, path + ("?" + url.query if url.query else "")))
    return result


def body_of(call):
    body = call.request.body
    if body in (None, b"", ""):
        return None
    return json.loads(body)
