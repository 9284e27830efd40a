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
from .wire import WireError, read_body


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ovhsim"
    sys_version = ""
    disable_nagle_algorithm = True

    def handle_one_request(self) -> None:
        """The base class's loop, except that every method reaches the router (an unknown one is a JSON 405 or
        404, never Python's HTML 501 page)."""
        self.command = None
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():  # it answered through send_error
                return
            self._handle()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def send_error(self, code, message=None, explain=None) -> None:
        """Errors of the request line and headers (400, 414, 431, 505...): JSON with a query id, then close."""
        self.close_connection = True
        phrase = self.responses.get(code, ("Bad Request",))[0]
        self._write(self.server.simulator.error_response(ApiError(int(code), message or phrase)))

    def _handle(self) -> None:
        try:
            raw = read_body(self.headers, self.rfile)
        except WireError as error:
            self.close_connection = True
            self._write(self.server.simulator.error_response(ApiError(error.status, error.message)))
            return
        body = raw.decode("utf-8", "replace")
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        request = Request(self.command, self.path, self.headers, body, host)
        try:
            response = self.server.simulator.handle(request)
        except Exception:  # a bug outside the API's own guard: say so in the answer and on stderr, keep serving
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
