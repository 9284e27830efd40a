# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``timeout`` is a deadline for each HTTP attempt, headers and whole body, against real sockets on loopback: a
server that drips its answer one byte a second, or never answers, is cut at the deadline; a slow answer that is
complete in time is read. The client, the hostings inventory plugin and the email_events source alike.

The upper bounds on the time taken are correctness bounds, not speed measurements: before the deadline, a
dripping server held a call with ``timeout: 3`` for over a minute. They leave 2 s of slack for a loaded machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import runpy
import ssl
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import OutageBreaker
from support.collection import REPO
from support.playbooks import BIN, Ansible
from support.slow_http import HOSTINGS, SlowServer

SLACK = 2.0
KEYS = dict(application_key="app-key", application_secret="app-secret", consumer_key="consumer-key")


def client(server, timeout, retries=0):
    return HostingApi(endpoint=server.endpoint, timeout=timeout, retries=retries, jitter=lambda: 0.0, **KEYS)


def timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except HostingApiError as error:
        return error, time.monotonic() - started


@pytest.mark.parametrize("mode, timeout", [("drip-body", 3), ("hung", 3), ("drip-headers", 1)])
def test_an_answer_not_complete_within_the_timeout_is_cut_at_it(mode, timeout):
    with SlowServer(mode) as server:
        error, elapsed = timed(client(server, timeout=timeout).list_hostings)
    assert isinstance(error, HostingApiError), error
    assert str(error) == ("GET /hosting/web failed (no HTTP answer): no complete answer from 127.0.0.1:%d within "
                          "%d s (timeout)" % (server.port, timeout))
    assert elapsed < timeout + SLACK, elapsed
    assert server.requests == ["/1.0/hosting/web"]
    assert server.held[0] < timeout + SLACK, server.held  # the connection was closed, not left to the server
    # A no-answer failure, as the fleet's outage breaker counts them.
    breaker = OutageBreaker(1)
    breaker.record(error)
    assert breaker.tripped


def test_a_dripping_answer_over_tls_is_cut_at_the_timeout(monkeypatch, tmp_path):
    """Over TLS the socket urllib3 connected is wrapped (replaced) once the handshake is done: the cut holds."""
    context, ca_bundle = tls_server_context(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)  # read when the client is made
    with SlowServer("drip-body", tls=context) as server:
        error, elapsed = timed(client(server, timeout=1).list_hostings)
    assert str(error) == ("GET /hosting/web failed (no HTTP answer): no complete answer from 127.0.0.1:%d within "
                          "1 s (timeout)" % server.port)
    assert elapsed < 1 + SLACK, elapsed
    assert server.held[0] < 1 + SLACK, server.held


def tls_server_context(tmp_path):
    """A server context with a fresh self-signed certificate for 127.0.0.1, and the file a client trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_a_slow_answer_complete_within_the_timeout_is_read():
    # Four parts 0.3 s apart: 1.2 s for the body, under the 3 s deadline.
    with SlowServer("slow", gap=0.3, chunks=4) as server:
        hostings, _elapsed = timed(client(server, timeout=3).list_hostings)
    assert hostings == HOSTINGS


def test_each_retry_gets_a_deadline_of_its_own():
    with SlowServer("drip-body") as server:
        error, elapsed = timed(client(server, timeout=1, retries=1).list_hostings)
    assert "no complete answer from 127.0.0.1:%d within 1 s" % server.port in str(error)
    assert server.requests == ["/1.0/hosting/web"] * 2
    assert elapsed < 2 * 1 + SLACK, elapsed  # back-off jitter is 0


def test_the_inventory_plugin_is_cut_at_the_timeout(tmp_path):
    with SlowServer("drip-body") as server:
        source = tmp_path / "fleet.ovh_hostings.yml"
        source.write_text(yaml.safe_dump(dict(plugin="mailops.ovh_hosting.hostings", endpoint=server.endpoint,
                                              timeout=1, retries=0, **KEYS)))
        env = Ansible(tmp_path).env(ANSIBLE_INVENTORY_ENABLED="mailops.ovh_hosting.hostings",
                                    ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
        done = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(source), "--list"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "GET /hosting/web failed (no HTTP answer): no complete answer from 127.0.0.1:%d within 1 s" % (
        server.port) in " ".join(done.stderr.split()), done.stderr
    # As the server saw it: ansible-inventory's start-up is not part of the call.
    assert server.requests == ["/1.0/hosting/web"]
    assert server.held[0] < 1 + SLACK, server.held


def test_the_event_source_is_cut_at_the_timeout(caplog):
    source = runpy.run_path(str(REPO / "extensions/eda/plugins/event_source/email_events.py"))

    class Queue:
        events = []

        async def put(self, event):
            self.events.append(event)

    with SlowServer("drip-body") as server, caplog.at_level(logging.WARNING):
        args = dict(endpoint=server.endpoint, timeout=1, retries=0, interval=60, **KEYS)
        _result, elapsed = timed(lambda: asyncio.run(source["main"](Queue(), args, polls=1)))
    assert Queue.events == []
    assert any("poll failed: GET /hosting/web failed (no HTTP answer): no complete answer from 127.0.0.1:%d within "
               "1 s" % server.port in record.getMessage() for record in caplog.records), caplog.text
    assert elapsed < 1 + SLACK, elapsed
