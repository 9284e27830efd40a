# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's admin API has no authentication: it listens on loopback only unless told otherwise."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def listening_addresses(port: int) -> set:
    """Local addresses of the listening TCP sockets on ``port`` (Linux /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, _remote, state = line.split()[1:4]
            address, local_port = local.split(":")
            if state == "0A" and int(local_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def serve(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db", ":memory:", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_default_serve_listens_on_loopback_only():
    process = subprocess.Popen([sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db", ":memory:"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/1\.0", line)
        assert found, line
        # 0100007F is 127.0.0.1 as /proc/net/tcp writes it; no 00000000 (every interface).
        assert listening_addresses(int(found.group(1))) == {"0100007F"}
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.0.2.10", "127.0.0.1.nip.io"])
def test_a_non_loopback_host_is_refused_without_allow_remote(host):
    result = serve("--host", host)
    assert result.returncode == 2, result
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr
