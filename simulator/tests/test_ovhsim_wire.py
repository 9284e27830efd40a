# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer under hostile input, over raw sockets: every answer is JSON with a query id, never a 500, a
chunked body is read (and signed as decoded), numbers are OVH's ``long``."""
from __future__ import annotations

import json
import socket
import time

import pytest

from ovhsim.auth import signature

NAME = "shop-1.cluster021.hosting.ovh.net"


def _address(sim):
    host, port = sim.admin_url.rsplit("/", 1)[1].split(":")
    return host, int(port)


def _read_answer(stream):
    """One HTTP answer from a buffered socket file: (status, headers, body)."""
    status_line = stream.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    headers = {}
    for line in iter(stream.readline, b"\r\n"):
        name, _colon, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


def _exchange(sim, raw: bytes, answers: int = 1):
    with socket.create_connection(_address(sim), timeout=5) as connection:
        connection.sendall(raw)
        stream = connection.makefile("rb")
        return [_read_answer(stream) for _answer in range(answers)]


def _signed(sim, method, target, body="", timestamp=None):
    creds = sim.credentials
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    host = "%s:%d" % _address(sim)
    sig = signature(creds["application_secret"], creds["consumer_key"], method, f"http://{host}{target}", body,
                    timestamp)
    return (f"X-Ovh-Application: {creds['application_key']}\r\nX-Ovh-Consumer: {creds['consumer_key']}\r\n"
            f"X-Ovh-Timestamp: {timestamp}\r\nX-Ovh-Signature: {sig}\r\nHost: {host}\r\n")


def _get(sim, target, timestamp=None):
    raw = f"GET {target} HTTP/1.1\r\n{_signed(sim, 'GET', target, timestamp=timestamp)}\r\n"
    return _exchange(sim, raw.encode("utf-8"))[0]


def _assert_json_with_query_id(status, headers, body):
    assert headers["content-type"].startswith("application/json"), (status, headers, body)
    assert headers["x-ovh-queryid"]
    return json.loads(body)


@pytest.fixture
def name(hosting):
    return hosting(NAME)


@pytest.mark.parametrize("task_id", ["%C2%B2", "9" * 5000, "-3", "%D9%A3", "1_0", "+1"])
def test_a_malformed_or_negative_task_id_is_404(sim, name, task_id):
    status, headers, body = _get(sim, f"/1.0/hosting/web/{name}/tasks/{task_id}")
    assert status == 404
    assert _assert_json_with_query_id(status, headers, body)["class"] == "Client::NotFound"


@pytest.mark.parametrize("timestamp", ["\u00b2", "9" * 5000, "\uff11"])
def test_a_malformed_timestamp_is_400_with_an_error_code(sim, timestamp):
    status, headers, body = _get(sim, "/1.0/hosting/web", timestamp=timestamp)
    assert status == 400
    assert _assert_json_with_query_id(status, headers, body)["errorCode"] == "INVALID_TIMESTAMP"


def test_a_bug_answers_500_with_the_query_id_of_the_request_log(sim, monkeypatch):
    from ovhsim import routes

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    route = next(r for r in routes.API.routes if r.template == "/hosting/web" and r.method == "GET")
    monkeypatch.setattr(route, "handler", broken)
    status, headers, body = _get(sim, "/1.0/hosting/web")
    assert status == 500
    _assert_json_with_query_id(status, headers, body)
    logged = sim.admin("GET", "/_sim/requests")[-1]
    assert (logged["status"], logged["query_id"]) == (500, headers["x-ovh-queryid"])


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "get", "BREW"])
def test_any_method_gets_json_with_a_query_id(sim, method):
    (status, headers, body), = _exchange(sim, f"{method} /1.0/hosting/web HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 405
    _assert_json_with_query_id(status, headers, body)
    assert headers["allow"] == "GET"


def test_a_malformed_request_line_gets_json(sim):
    (status, headers, body), = _exchange(sim, b"GET /1.0/hosting/web HTTP/9\r\nHost: x\r\n\r\n")
    assert status in (400, 505)
    _assert_json_with_query_id(status, headers, body)


def test_a_chunked_body_is_read_and_signed_decoded(sim, name):
    target = f"/1.0/hosting/web/{name}/email"
    payload = '{"email": "ops@example.com"}'
    chunked = f"{len(payload[:10]):x}\r\n{payload[:10]}\r\n{len(payload[10:]):x}\r\n{payload[10:]}\r\n0\r\n\r\n"
    raw = (f"PUT {target} HTTP/1.1\r\n{_signed(sim, 'PUT', target, payload)}Content-Type: application/json\r\n"
           f"Transfer-Encoding: chunked\r\n\r\n{chunked}" f"GET {target} HTTP/1.1\r\n{_signed(sim, 'GET', target)}\r\n")
    (put_status, _h, put_body), (get_status, _h2, get_body) = _exchange(sim, raw.encode(), answers=2)
    assert (put_status, json.loads(put_body)) == (200, None)
    assert (get_status, json.loads(get_body)["email"]) == (200, "ops@example.com")


def test_a_malformed_chunked_body_is_refused_and_the_connection_closed(sim, name):
    target = f"/1.0/hosting/web/{name}/email"
    raw = (f"PUT {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           f"zz\r\nGET /1.0/auth/time HTTP/1.1\r\nHost: x\r\n\r\n")
    with socket.create_connection(_address(sim), timeout=5) as connection:
        connection.sendall(raw.encode())
        stream = connection.makefile("rb")
        status, headers, body = _read_answer(stream)
        assert status == 400 and headers["connection"] == "close"
        _assert_json_with_query_id(status, headers, body)
        assert stream.read() == b""  # the body's bytes were never read as a second request


def test_content_length_and_transfer_encoding_together_are_refused(sim, name):
    raw = b"PUT /1.0/auth/time HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    (status, headers, body), = _exchange(sim, raw)
    assert status == 400 and headers["connection"] == "close"


@pytest.mark.parametrize("limit", ["1_0", "+5", " 5", "\u0665", "\uff15", "99999999999999999999"])
def test_limit_is_an_ascii_long(sim, name, limit):
    from urllib.parse import quote

    status, headers, body = _get(sim, f"/1.0/hosting/web/{name}/email/bounces?limit={quote(limit)}")
    assert status == 400
    assert "is not valid for type long" in _assert_json_with_query_id(status, headers, body)["message"]


def test_signature_error_carries_ovh_error_code(sim):
    raw = f"GET /1.0/hosting/web HTTP/1.1\r\n{_signed(sim, 'GET', '/1.0/hosting/web?x')}\r\n"
    (status, headers, body), = _exchange(sim, raw.encode())
    assert status == 400
    assert _assert_json_with_query_id(status, headers, body) == {
        "class": "Client::BadRequest", "errorCode": "INVALID_SIGNATURE", "httpCode": "400 Bad Request",
        "message": "Invalid signature"}


def test_a_body_over_1_mib_is_413(sim, name):
    target = f"/1.0/hosting/web/{name}/email"
    raw = f"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {(1 << 20) + 1}\r\n\r\n".encode()
    (status, headers, body), = _exchange(sim, raw)
    assert status == 413 and headers["connection"] == "close"
    _assert_json_with_query_id(status, headers, body)


def test_a_recipient_longer_than_an_address_is_refused(sim, client, name):
    import ovh

    with pytest.raises(ovh.exceptions.BadParametersError):
        client.put(f"/hosting/web/{name}/email", email="a" * 60 + "@" + "b" * 250 + ".com")
    assert client.get(f"/hosting/web/{name}/email")["email"] is None


def test_put_hosting_changes_the_display_name_only(sim, client, name):
    import ovh

    client.put(f"/hosting/web/{name}", displayName="Shop front")
    assert client.get(f"/hosting/web/{name}")["displayName"] == "Shop front"
    with pytest.raises(ovh.exceptions.BadParametersError, match="Read-only"):
        client.put(f"/hosting/web/{name}", cluster="cluster999")


def test_a_display_name_is_at_most_50_characters(client, name):
    """OVH's description of displayName says "max 50 chars" (schemathesis found 255 accepted)."""
    import ovh

    client.put(f"/hosting/web/{name}", displayName="d" * 50)
    with pytest.raises(ovh.exceptions.BadParametersError, match=r"\[displayName\].*at most 50 characters"):
        client.put(f"/hosting/web/{name}", displayName="d" * 51)
    assert client.get(f"/hosting/web/{name}")["displayName"] == "d" * 50
