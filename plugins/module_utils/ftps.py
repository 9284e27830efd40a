# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FTP with explicit TLS (FTPS, ``AUTH TLS``), as OVH's web hostings offer it: the transport only.

Starter and Personal hostings have no SSH; their files are reached over FTP, which OVH serves with explicit TLS.
This file connects, lists a tree with ``MLSD`` (size and modification time of each file, for a second run to fetch
only what changed) and downloads. It knows nothing of which files matter: see ``site_copy.py``.

The password goes to the server and nowhere else: no message of this file quotes it, and ``ftplib``'s debug
output, which would echo ``PASS``, is never turned on.
"""

from __future__ import annotations

import ftplib
import io
import posixpath
import secrets
import socket
import ssl


MAX_DEPTH = 32  # folders deeper than this are no site's code, and a server's loop of links would never end

# The connection options of the modules that speak FTPS; documented by the doc fragment ``mailops.ovh_hosting.ftps``.
ARGUMENT_SPEC = dict(
    host=dict(type="str", required=True),
    port=dict(type="int", default=21),
    user=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    allow_plain_ftp=dict(type="bool", default=False),
)


class FtpsError(Exception):
    """A connection, login or transfer that failed; the message names the server and the step, never a password."""


class FtpsTooLarge(FtpsError):
    """A download stopped because the file was larger than the limit, whatever the listing announced."""


def site_from_params(params):
    """The ``FtpsSite`` of a module's connection options (``ARGUMENT_SPEC``); ValueError naming a bad one."""
    if not 0 < params["port"] < 65536:
        raise ValueError("port: %d is no TCP port (1 to 65535)" % params["port"])
    if params["timeout"] < 1:
        raise ValueError("timeout: at least 1 second, got %d" % params["timeout"])
    return FtpsSite(params["host"], params["port"], params["user"], params["password"], timeout=params["timeout"],
                    ca_path=params["ca_path"], validate_certs=params["validate_certs"],
                    plain=params["allow_plain_ftp"])


class FtpsSite:
    """One FTPS session to a hosting's FTP server. ``plain=True`` speaks FTP without TLS, which sends the password
    in clear; the caller must have been told to allow it."""

    def __init__(self, host, port=21, user=None, password=None, timeout=30, ca_path=None, validate_certs=True,
                 plain=False):
        self.host, self.port, self.user = host, int(port), user
        self._password = password
        self.timeout = timeout
        self.plain = plain
        try:
            self._context = None if plain else _tls_context(ca_path, validate_certs)
        except (OSError, ssl.SSLError) as error:
            raise FtpsError("ca_path %s: not a PEM file of certificate authorities: %s" % (ca_path, error))
        self._ftp = None

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def connect(self):
        ftp = ftplib.FTP(timeout=self.timeout) if self.plain else _FtpTls(context=self._context, timeout=self.timeout)
        try:
            ftp.connect(self.host, self.port)
        except (OSError, EOFError, ftplib.Error, ValueError) as error:  # ValueError: a reply that is no text
            raise FtpsError("could not connect to the FTP server %s:%d: %s" % (self.host, self.port, _reply(error)))
        if not self.plain:
            try:
                ftp.auth()  # explicit TLS before the login, so the password only ever crosses encrypted
            except ftplib.error_perm as error:
                ftp.close()
                raise FtpsError("the FTP server %s:%d does not offer TLS (AUTH TLS: %s): the password and the files "
                                "would cross the network in clear; set allow_plain_ftp only if that risk is accepted"
                                % (self.host, self.port, _reply(error)))
            except (ssl.SSLError, ssl.CertificateError) as error:
                ftp.close()
                raise FtpsError("TLS with the FTP server %s:%d failed: %s" % (self.host, self.port, error))
            except (OSError, EOFError, ftplib.Error, ValueError) as error:
                ftp.close()
                raise FtpsError("the FTP session with %s:%d failed: %s" % (self.host, self.port, _reply(error)))
        try:
            ftp.login(self.user or "anonymous", self._password or "")
        except ssl.SSLError as error:
            ftp.close()
            raise FtpsError("TLS with the FTP server %s:%d failed: %s" % (self.host, self.port, error))
        except ftplib.error_perm as error:
            ftp.close()
            raise FtpsError("the FTP server %s refused the login of %s: %s" % (
                "%s:%d" % (self.host, self.port), self.user, _reply(error)))
        except (OSError, EOFError, ftplib.Error, ValueError) as error:
            ftp.close()
            raise FtpsError("the FTP session with %s:%d failed: %s" % (self.host, self.port, _reply(error)))
        if not self.plain:
            try:
                ftp.prot_p()  # the files too, not only the commands
            except (OSError, EOFError, ftplib.Error, ValueError) as error:
                ftp.close()
                raise FtpsError("the FTP server %s:%d refused to protect the data connections with TLS (PROT P): %s"
                                % (self.host, self.port, _reply(error)))
        self._ftp = ftp

    def close(self):
        if self._ftp is not None:
            try:
                self._ftp.quit()
            except (OSError, EOFError, ftplib.Error, ValueError):
                self._ftp.close()
            self._ftp = None

    def walk(self, root, enter=None):
        """``(path relative to root, facts)`` of every file under ``root``, depth first; ``facts`` are MLSD's
        (``size``, ``modify``, ``type``). A directory for which ``enter(relative_path)`` is false is not entered."""
        return self._walk(root, "", enter or (lambda relative: True), set(), 0)

    def _walk(self, root, relative, enter, seen, depth):
        directory = posixpath.join(root, relative) if relative else root
        try:
            entries = sorted(self._ftp.mlsd(directory, facts=["type", "size", "modify", "unique"]),
                             key=lambda entry: entry[0])
        except ftplib.error_perm as error:
            if str(error).startswith("500") or str(error).startswith("502"):
                raise FtpsError("the FTP server %s:%d does not list with MLSD, which a second run needs to fetch only "
                                "what changed: %s" % (self.host, self.port, _reply(error)))
            raise FtpsError("could not list %s on %s:%d: %s" % (directory, self.host, self.port, _reply(error)))
        except (OSError, EOFError, ftplib.Error, ValueError) as error:  # ValueError: a name ftplib cannot send or decode
            raise FtpsError("listing %s on %s:%d failed: %s" % (directory, self.host, self.port, _reply(error)))
        for name, facts in entries:
            kind = facts.get("type", "")
            if name in (".", "..") or kind in ("cdir", "pdir"):
                continue
            path = posixpath.join(relative, name) if relative else name
            if kind == "dir":
                unique = facts.get("unique")
                if depth < MAX_DEPTH and (unique is None or unique not in seen) and enter(path):
                    if unique is not None:
                        seen.add(unique)
                    yield from self._walk(root, path, enter, seen, depth + 1)
            elif kind == "file":
                yield path, facts

    def retrieve(self, remote_path, handle, limit=None):
        """Write the bytes of ``remote_path`` to the open binary ``handle``; the number of bytes. Past ``limit``
        bytes the download stops (FtpsTooLarge): a listing's size is the server's word, not a bound."""
        count = [0]

        def write(block):
            count[0] += len(block)
            if limit is not None and count[0] > limit:
                raise _Stop()
            handle.write(block)

        try:
            self._ftp.retrbinary("RETR %s" % remote_path, write)
        except _Stop:
            try:
                self._ftp.voidresp()  # the server's reply to the cut transfer, so the next command gets its own
            except (OSError, EOFError, ftplib.Error):
                pass
            raise FtpsTooLarge("%s is larger than %d bytes" % (remote_path, limit))
        except (OSError, EOFError, ftplib.Error, ValueError) as error:
            raise FtpsError("downloading %s from %s:%d failed: %s"
                            % (remote_path, self.host, self.port, _reply(error))) from error
        return count[0]

    def read(self, remote_path, limit=None):
        """The bytes of ``remote_path``, or None when the server has no such file; past ``limit`` bytes,
        FtpsTooLarge, the download stopped there."""
        handle = io.BytesIO()
        try:
            self.retrieve(remote_path, handle, limit=limit)
        except FtpsTooLarge:
            raise
        except FtpsError as error:
            if isinstance(error.__cause__, ftplib.error_perm) and str(error.__cause__).startswith("550"):
                return None
            raise
        return handle.getvalue()

    def entries(self, directory):
        """``{name: facts}`` of the files and folders of ``directory`` (MLSD's facts, ``unix.mode`` among them where
        the server gives it), or None when there is no such folder."""
        try:
            listing = self._ftp.mlsd(directory, facts=["type", "size", "modify", "unix.mode"])
            return {name: facts for name, facts in listing
                    if name not in (".", "..") and facts.get("type") not in ("cdir", "pdir")}
        except ftplib.error_perm as error:
            if str(error)[:3] in ("550", "501"):  # 501: what pyftpdlib answers for a folder that is not there
                return None
            raise FtpsError("could not list %s on %s:%d: %s" % (directory, self.host, self.port, _reply(error)))
        except (OSError, EOFError, ftplib.Error, ValueError) as error:
            raise FtpsError("listing %s on %s:%d failed: %s" % (directory, self.host, self.port, _reply(error)))

    def store(self, remote_path, data, mode=None):
        """Put ``data`` at ``remote_path`` whole or not at all: uploaded under a temporary name in the same folder,
        given ``mode`` (``SITE CHMOD``), then renamed over the file, so a cut connection leaves the old file or
        the new one, and a temporary file at worst. A private ``mode`` is set on an empty file before the data goes
        in, so the data is never readable by others. A server that refuses to rename onto an existing file has it
        deleted first (a moment without the file, which that server leaves no way to avoid)."""
        folder, name = posixpath.split(remote_path)
        temporary = posixpath.join(folder, ".%s.part-%s" % (name, secrets.token_hex(4)))
        if mode is not None and not mode & 0o077:
            self._command("uploading %s to" % remote_path, self._ftp.storbinary, "STOR %s" % temporary, io.BytesIO())
            self.chmod(temporary, mode)
        self._command("uploading %s to" % remote_path, self._ftp.storbinary, "STOR %s" % temporary, io.BytesIO(data))
        if mode is not None and mode & 0o077:
            self.chmod(temporary, mode)
        self._command("renaming %s to %s on" % (temporary, remote_path), self._ftp.sendcmd, "RNFR %s" % temporary)
        try:
            self._ftp.voidcmd("RNTO %s" % remote_path)
        except ftplib.error_perm as error:
            if name not in (self.entries(folder or ".") or {}):
                raise FtpsError("renaming %s to %s on %s:%d failed: %s"
                                % (temporary, remote_path, self.host, self.port, _reply(error)))
            self._command("replacing %s on" % remote_path, self._ftp.delete, remote_path)
            self._command("renaming %s to %s on" % (temporary, remote_path), self._ftp.rename, temporary, remote_path)
        except (OSError, EOFError, ftplib.Error, ValueError) as error:
            raise FtpsError("renaming %s to %s on %s:%d failed: %s"
                            % (temporary, remote_path, self.host, self.port, _reply(error)))

    def chmod(self, remote_path, mode):
        """``SITE CHMOD``, which FTP servers of web hostings accept for the files of the login."""
        self._command("setting the mode of %s on" % remote_path, self._ftp.voidcmd,
                      "SITE CHMOD %o %s" % (mode, remote_path))

    def make_folder(self, remote_path):
        self._command("creating the folder %s on" % remote_path, self._ftp.mkd, remote_path)

    def delete(self, remote_path):
        self._command("deleting %s on" % remote_path, self._ftp.delete, remote_path)

    def remove_tree(self, remote_path, depth=0):
        """Delete ``remote_path``, a folder, and everything in it; nothing when it is gone already."""
        entries = self.entries(remote_path)
        if entries is None:
            return
        for name, facts in sorted(entries.items()):
            path = posixpath.join(remote_path, name)
            if facts.get("type") == "dir" and depth < MAX_DEPTH:
                self.remove_tree(path, depth + 1)
            else:
                self.delete(path)
        self._command("removing the folder %s on" % remote_path, self._ftp.rmd, remote_path)

    def _command(self, step, call, *args):
        try:
            return call(*args)
        except (OSError, EOFError, ftplib.Error, ValueError) as error:
            raise FtpsError("%s %s:%d failed: %s" % (step, self.host, self.port, _reply(error)))


class _Stop(Exception):
    """Raised in the download's callback to stop it."""


class _FtpTls(ftplib.FTP_TLS):
    """``ftplib.FTP_TLS`` whose data connections resume the TLS session of the control connection, which servers
    such as vsftpd (``require_ssl_reuse``, on by default) demand; ftplib alone opens a new session each time."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


def _tls_context(ca_path, validate_certs):
    context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _reply(error):
    """A server reply or socket error as one short line."""
    if isinstance(error, socket.timeout):
        return "timed out"
    return " ".join(str(error).split())[:300] or error.__class__.__name__
