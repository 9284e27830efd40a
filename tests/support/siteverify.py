# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for Turnstile's siteverify on loopback, for the guard's tests: success only for GOOD_TOKEN sent
with SECRET; every call kept in ``SiteVerify.calls``. Import the ``siteverify`` fixture into a test module."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "e2e-secret-0x5f3759df"
GOOD_TOKEN = "token-accepted"


class SiteVerify(BaseHTTPRequestHandler):
    calls = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        fields = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        SiteVerify.calls.append(fields)
        success = fields.get("secret") == [SECRET] and fields.get("response") == [GOOD_TOKEN]
        body = json.dumps({"success": success, "error-codes": [] if success else ["invalid-input-response"]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def siteverify():
    """The URL of a running siteverify."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteVerify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    SiteVerify.calls = []
    yield "http://127.0.0.1:%d/siteverify" % server.server_address[1]
    server.shutdown()
    server.server_close()
