# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request framing as a strict front end does it: the body's length from one ASCII ``Content-Length`` or from
``Transfer-Encoding: chunked`` (decoded), never both, at most ``MAX_BODY`` bytes. Anything else is a ``WireError``
and the connection is closed after the answer, so that no byte of a body is ever read as a request."""
from __future__ import annotations

import re

MAX_BODY = 1 << 20
MAX_LINE = 8192            # a chunk-size line or a trailer line
MAX_TRAILERS = 64
_DECIMAL = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(;[^\r\n]*)?\r\n")


class WireError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def read_body(headers, rfile) -> bytes:
    """The request body as sent, decoded from chunked framing."""
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if codings:
        if lengths:
            raise WireError(400, "Content-Length and Transfer-Encoding cannot both be given")
        if [coding.strip().lower() for coding in codings] != ["chunked"]:
            raise WireError(501, "Unsupported Transfer-Encoding: only chunked is accepted")
        return _read_chunked(rfile)
    if not lengths:
        return b""
    if len(set(value.strip() for value in lengths)) != 1 or not _DECIMAL.fullmatch(lengths[0].strip()):
        raise WireError(400, "Invalid Content-Length")
    length = int(lengths[0].strip())
    if length > MAX_BODY:
        raise WireError(413, f"Request body too large: at most {MAX_BODY} bytes")
    body = rfile.read(length)
    if len(body) != length:
        raise WireError(400, "Request body shorter than its Content-Length")
    return body


def _read_chunked(rfile) -> bytes:
    body = bytearray()
    while True:
        line = rfile.readline(MAX_LINE + 1)
        found = _CHUNK_SIZE.fullmatch(line)
        if found is None:
            raise WireError(400, "Invalid chunked body: bad chunk size line")
        size = int(found.group(1), 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise WireError(413, f"Request body too large: at most {MAX_BODY} bytes")
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.read(2) != b"\r\n":
            raise WireError(400, "Invalid chunked body: truncated chunk")
        body += chunk
    for _trailer in range(MAX_TRAILERS):  # trailers are read and ignored, up to the empty line
        line = rfile.readline(MAX_LINE + 1)
        if line == b"\r\n":
            return bytes(body)
        if not line.endswith(b"\r\n"):
            raise WireError(400, "Invalid chunked body: bad trailer")
    raise WireError(400, "Invalid chunked body: too many trailers")
