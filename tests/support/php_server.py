# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site served by PHP's built-in server (`php -S`) on a free loopback port, for the guard's tests. `php -S`
ignores .user.ini, so it is given the file the site's .user.ini prepends (``prepend_of``)."""

from __future__ import annotations

import contextlib
import http.client
import re
import shutil
import socket
import subprocess
import time
import urllib.parse

PHP = shutil.which("php")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("php -S did not listen on %d" % port)


def request(port, method, path, fields=None):
    """``(status, headers, body)`` of one request, a form's fields url-encoded."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode(fields) if fields is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode()


def prepend_of(user_ini):
    """The last auto_prepend_file of a .user.ini file."""
    return re.findall(r'(?m)^\s*auto_prepend_file\s*=\s*"?([^"\n]*)"?\s*$', user_ini.read_text())[-1]


@contextlib.contextmanager
def serving(docroot, sendmail):
    """The port of `php -S` serving ``docroot``, with the prepend file of its .user.ini and ``sendmail`` as
    mail()'s sendmail_path."""
    port = free_port()
    server = subprocess.Popen(
        [PHP, "-S", "127.0.0.1:%d" % port, "-t", str(docroot),
         "-d", "auto_prepend_file=" + prepend_of(docroot / ".user.ini"), "-d", "sendmail_path=" + sendmail],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
