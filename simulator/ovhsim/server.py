# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP transport: a threaded HTTP/1.1 server (keep-alive, one thread per connection) in front of a
``Simulator``, and a way to run it in a background thread."""
from __future__ import annotations

import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import Request, Response, Simulator
from .errors import ApiError

MAX_BODY = 1 << 20


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ovhsim"
    sys_version = ""
    disable_nagle_algorithm = True

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._write(self.server.simulator.error_response(ApiError(400, "Invalid or too large Content-Length")))
            return
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        request = Request(self.command, self.path, self.headers, body, host)
        try:
            response = self.server.simulator.handle(request)
        except Exception:  # a bug in the simulator: say so in the answer and on stderr, keep serving
            traceback.print_exc(file=sys.stderr)
            response = self.server.simulator.error_response(
                ApiError(500, "ovhsim internal error", error_class="Server::InternalServerError"))
        if response.reset:
            self._reset_connection()
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        """Status line, headers and body in one write: one packet for small answers, no Nagle delay."""
        head = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}",
                f"Content-Length: {len(response.body)}", f"Date: {self.date_time_string()}", "Server: ovhsim"]
        head.extend(f"{name}: {value}" for name, value in response.headers.items())
        if self.close_connection:
            head.append("Connection: close")
        body = b"" if self.command == "HEAD" else response.body
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _reset_connection(self) -> None:
        """Close with RST, as a proxy that dropped the connection would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 8080):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), SimulatorHandler)
        self.simulator = simulator
        self.simulator.server_address = f"{host}:{self.server_address[1]}" if ":" not in host else \
            f"[{host}]:{self.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"http://{self.simulator.server_address}"

    def handle_error(self, request, client_address):
        pass  # a client that went away mid-request is not the server's problem


class BackgroundServer:
    """A server in a daemon thread, for tests and the ``testing`` helper."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0):
        self.server = SimulatorServer(simulator, host, port)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       name="ovhsim", daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self, close_simulator: bool = True) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        if close_simulator:
            self.server.simulator.close()
