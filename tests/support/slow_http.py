# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny HTTP/1.1 server on loopback that answers slowly, for the tests of the client's ``timeout``.

``GET .../auth/time`` is answered at once (the client's clock sync); every other request as ``mode`` says:

- ``drip-body``: valid headers at once, then the JSON body one byte a second;
- ``drip-headers``: the status line and headers one byte a second;
- ``hung``: the request is read, nothing is ever sent back;
- ``slow``: the body in ``chunks`` parts, ``gap`` seconds apart, then complete.

Connections are kept alive, as OVH's are; ``requests`` lists the paths asked for other than ``/auth/time``, and
``held`` how long each was held: from the request to the client's closing the connection, as the server sees it
(the drip and the wait watch for it), or to the last byte sent.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time

HOSTINGS = ["drip-%02d.cluster021.hosting.ovh.net" % number for number in range(12)]


class SlowServer:
    def __init__(self, mode, gap=0.3, chunks=4, tls=None):
        self.mode = mode
        self.tls = tls  # an ssl.SSLContext for the server side: HTTPS
        self.gap = gap
        self.chunks = chunks
        self.requests = []
        self.held = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.endpoint = "%s://127.0.0.1:%d/1.0" % ("https" if tls else "http", self.port)
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self):
        self._threads[0].start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _address = self._listener.accept()
            except socket.timeout:
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection):
        with connection, contextlib.suppress(OSError):
            if self.tls:
                connection.settimeout(5)
                connection = self.tls.wrap_socket(connection, server_side=True)
            connection.settimeout(0.2)
            pending = b""
            while not self._stop.is_set():
                try:
                    data = connection.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    return
                pending += data
                while b"\r\n\r\n" in pending:  # GETs only: no request body
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    path = head.split(b" ", 2)[1].decode()
                    if path.endswith("/auth/time"):
                        connection.sendall(_answer(json.dumps(int(time.time())).encode()))
                        continue
                    self.requests.append(path)
                    started = time.monotonic()
                    closed = self._answer_slowly(connection)
                    self.held.append(time.monotonic() - started)
                    if closed:
                        return

    def _answer_slowly(self, connection) -> bool:
        """Answer as the mode says; True when the client closed the connection meanwhile."""
        answer = _answer(json.dumps(HOSTINGS).encode())
        head, body = answer.split(b"\r\n\r\n", 1)
        if self.mode == "hung":
            while not self._stop.is_set():
                if self._closed_within(connection, 1):
                    return True
            return False
        if self.mode == "drip-headers":
            return self._drip(connection, answer)
        connection.sendall(head + b"\r\n\r\n")
        if self.mode == "drip-body":
            return self._drip(connection, body)
        size = -(-len(body) // self.chunks)
        for start in range(0, len(body), size):
            if self._closed_within(connection, self.gap):
                return True
            connection.sendall(body[start:start + size])
        return False

    def _drip(self, connection, data) -> bool:
        for byte in data:
            connection.sendall(bytes([byte]))
            if self._closed_within(connection, 1) or self._stop.is_set():
                return True
        return False

    @staticmethod
    def _closed_within(connection, seconds) -> bool:
        """Wait ``seconds``, or less if the client closes the connection (it sends nothing while it waits)."""
        readable = select.select([connection], [], [], seconds)[0]
        return bool(readable) and connection.recv(1) == b""


def _answer(body):
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
