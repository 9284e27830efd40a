# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real FTP server with explicit TLS on loopback, as OVH's web hostings serve their files: pyftpdlib's
TLS_FTPHandler (TLS required on the control and data connections), a certificate for 127.0.0.1 signed by a CA
generated for the test, and one user whose home is a folder of the test."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import logging
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

USER, PASSWORD = "shoplogin", "s3cret-ftp-password"
# Not a line per connection in the tests' output (a handler of its own keeps pyftpdlib from adding its console one).
logging.getLogger("pyftpdlib").addHandler(logging.NullHandler())
logging.getLogger("pyftpdlib").setLevel(logging.WARNING)


def _certificate(subject, issuer_name, public_key, signing_key, ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def make_certificates(folder: Path) -> dict:
    """``{ca, cert, key}``: a CA's PEM for the client to trust, the server's certificate and key."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailops test CA")])
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    cert = _certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name,
                        key.public_key(), ca_key, ca=False)
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


class FtpsServer:
    """The running server: ``port``, ``ca`` (the PEM to trust), ``home`` and ``commands`` (every command received,
    in order, the password masked), and ``stop()`` to cut it at any moment. ``cut_at=("STOR", 2)`` drops the
    connection when the second STOR arrives, before the server acts on it, as a server that goes away mid-run.
    ``rename_over=False`` refuses to rename onto an existing file, as some servers do."""

    def __init__(self, home: Path, certificates: dict, plain: bool = False, cut_at=None, rename_over=True):
        self.home, self.ca = home, str(certificates["ca"])
        self.commands: list = []
        self.cut_at = cut_at
        self.rename_over = rename_over
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(home), perm="elradfmwMT")
        server = self

        class Handler(FTPHandler if plain else TLS_FTPHandler):
            def pre_process_command(self, line, cmd, arg):
                server.commands.append("PASS ****" if cmd == "PASS" else line)
                if server.cut_at is not None and cmd == server.cut_at[0]:
                    if sum(1 for command in server.commands if command.split(" ")[0] == cmd) >= server.cut_at[1]:
                        server.cut_at = None
                        self.close()
                        return None
                return super().pre_process_command(line, cmd, arg)

            def ftp_RNTO(self, path):  # noqa: N802 (pyftpdlib's naming)
                if not server.rename_over and self.fs.lexists(path):
                    self.respond("550 Rename failed: the target exists.")
                    self._rnfr = None
                    return None
                return super().ftp_RNTO(path)

        Handler.authorizer = authorizer
        Handler.passive_ports = None
        if not plain:
            Handler.certfile, Handler.keyfile = str(certificates["cert"]), str(certificates["key"])
            Handler.tls_control_required = Handler.tls_data_required = True
        self._server = FTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.socket.getsockname()[1]
        self._serving = threading.Event()
        self._serving.set()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        # pyftpdlib's loop is not thread-safe: it runs, and is closed, in this thread only.
        while self._serving.is_set():
            self._server.serve_forever(timeout=0.01, blocking=False)
        self._server.close_all()

    def stop(self):
        self._serving.clear()
        self._thread.join(timeout=10)


@contextlib.contextmanager
def serving_ftps(home: Path, certificates: dict, plain: bool = False, cut_at=None, rename_over=True):
    server = FtpsServer(home, certificates, plain=plain, cut_at=cut_at, rename_over=rename_over)
    try:
        yield server
    finally:
        server.stop()
