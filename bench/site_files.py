# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the audit over FTPS: --sites sites of about --files files each (bench/audit.py's generated site),
served by an FTP server with explicit TLS on loopback (pyftpdlib, tests/support/ftps_server.py, in a process of its
own), each copied with site_files' code (ftps.FtpsSite, site_copy.SiteCopy) and audited, --concurrency sites at a
time.

The bound is what the network would allow: the bytes over the loopback's measured bandwidth, plus the round trips
over the concurrency (measured NOOP round trip; per site a connection, TLS and login, and per folder and per file
a data connection of its own, as FTP has it). A first run copies everything; the second finds nothing changed
and downloads nothing. Printed: wall time, bytes, the bound and the ratio.

    python bench/site_files.py [--sites 50] [--files 500] [--concurrency 5]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from audit import generate
from collection_link import REPO, collections_root

# Round trips: a session (connect, AUTH TLS and its handshake, USER, PASS, PBSZ, PROT); a folder listed or a file
# downloaded (PASV, the command, the data connection's TLS handshake, the reply).
ROUND_TRIPS = {"session": 8, "folder": 4, "file": 4}


def serve(home, certificates, ports):
    """The server's process: it serves until killed."""
    sys.path.insert(0, str(REPO / "tests"))
    from support.ftps_server import FtpsServer
    server = FtpsServer(home, certificates)
    ports.put(server.port)
    server._thread.join()  # pylint: disable=protected-access


def measure_link(connect, home, workdir):
    """Loopback bandwidth (bytes/s, one large download) and round trip (s, NOOP) of the server, over TLS."""
    blob = home / "bandwidth.bin"
    blob.write_bytes(os.urandom(32 * 1024 * 1024))
    with connect() as site:
        began = time.perf_counter()
        for dummy in range(50):
            site._ftp.voidcmd("NOOP")  # pylint: disable=protected-access
        round_trip = (time.perf_counter() - began) / 50
        with open(workdir / "bandwidth.bin", "wb") as handle:
            began = time.perf_counter()
            size = site.retrieve("bandwidth.bin", handle)
            bandwidth = size / (time.perf_counter() - began)
    blob.unlink()
    return bandwidth, round_trip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="site-files-bench-"))
    try:
        sys.path.insert(0, collections_root(workdir))
        sys.path.insert(0, str(REPO / "tests"))
        from support.ftps_server import PASSWORD, USER, make_certificates
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsSite
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_copy import SiteCopy

        home = workdir / "home"
        for number in range(args.sites):
            generate(home / ("site-%02d" % number) / "www", args.files, seed=number)
        certificates = make_certificates(workdir)

        ports = multiprocessing.get_context("spawn").Queue()
        server = multiprocessing.get_context("spawn").Process(target=serve, args=(home, certificates, ports),
                                                              daemon=True)
        server.start()
        port = ports.get(timeout=60)

        def connect():
            return FtpsSite("127.0.0.1", port, USER, PASSWORD, ca_path=str(certificates["ca"]))

        def copy_and_audit(number):
            """Copy and audit one site; (bytes, files downloaded, folders listed)."""
            copy = SiteCopy(workdir / "copies" / ("site-%02d" % number))
            root, listed = "site-%02d/www" % number, [1]

            def enter(relative):
                entered = copy.enter(relative)
                listed[0] += entered
                return entered

            with connect() as site:
                plan = copy.plan(site.walk(root, enter=enter))
                transferred = copy.apply(site, root, plan)
            run_audit(copy.dest)
            return transferred, len(plan["fetch"]), listed[0]

        try:
            bandwidth, round_trip = measure_link(connect, home, workdir)
            print("%d sites of %d files, concurrency %d; loopback over TLS: %.0f MB/s, round trip %.2f ms"
                  % (args.sites, args.files, args.concurrency, bandwidth / 1e6, round_trip * 1000))
            for label in ("first run (copies everything)", "second run (nothing changed)"):
                began = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                    runs = list(pool.map(copy_and_audit, range(args.sites)))
                seconds = time.perf_counter() - began
                total, retrieved, listed = (sum(column) for column in zip(*runs))
                trips = (ROUND_TRIPS["session"] * args.sites + ROUND_TRIPS["folder"] * listed
                         + ROUND_TRIPS["file"] * retrieved)
                bound = total / bandwidth + trips * round_trip / args.concurrency
                print("%-30s %7.2f s   %6d files downloaded, %9d bytes   bound %.2f s   ratio %.1f"
                      % (label + ":", seconds, retrieved, total, bound, seconds / bound if bound else float("inf")))
        finally:
            server.kill()
    finally:
        shutil.rmtree(str(workdir))


if __name__ == "__main__":
    main()
