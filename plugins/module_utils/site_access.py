# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a play reaches a hosting's files, from its ``GET /hosting/web/{serviceName}``.

OVH gives SSH (and SFTP, rsync) with the Professional and Performance plans only; Starter and Personal hostings
have FTP and FTPS. The ``ssh`` address of ``serviceManagementAccess`` is therefore not trusted alone: what OVH
answers there for an offer without SSH is not documented (the simulator fills it for every offer). The offer
decides, and an offer not known to have SSH is reached over FTPS, which every plan has.

No password is ever part of it: the hosting object carries none, and the inventory must not hold one.
"""

from __future__ import annotations

# OVH's offer codes (hosting.web.OfferEnum and the older codes of OfferCapabilitiesEnum) of the plans with SSH.
SSH_OFFERS = frozenset(code.lower() for code in (
    "PRO", "PERFORMANCE_1", "PERFORMANCE_2", "PERFORMANCE_3", "PERFORMANCE_4",
    "hosting-pro", "hosting-performance-1", "hosting-performance-2", "hosting-performance-3",
    "hosting-performance-4", "pro2014", "perf2014x1", "perf2014x2", "perf2014x3", "perf2014x4",
))
DEFAULT_PORTS = {"ftp": 21, "ssh": 22, "http": 80}


def has_ssh(offer) -> bool:
    """Whether a hosting of this offer has SSH."""
    return str(offer or "").lower() in SSH_OFFERS


def _address(access: dict, kind: str):
    """``{host, port}`` of one entry of ``serviceManagementAccess``, or None when OVH gives none."""
    entry = access.get(kind) if isinstance(access, dict) else None
    host = entry.get("url") if isinstance(entry, dict) else None
    if not host:
        return None
    try:
        port = int(entry.get("port") or DEFAULT_PORTS[kind])
    except (TypeError, ValueError):  # OVH types it as a number; anything else is no port
        port = DEFAULT_PORTS[kind]
    if not 0 < port < 65536:
        port = DEFAULT_PORTS[kind]
    return {"host": str(host), "port": port}


def site_access(service: dict) -> dict:
    """``{access, host, port, user, home, url, ssh, ftp}`` of a ``hosting.web.Service`` object.

    ``access`` is ``ssh`` or ``ftp``: how to reach the files, with ``host`` and ``port`` of that way (both None
    when the API gives no address); ``ssh`` is None for an offer without SSH, whatever the API lists; ``url`` is
    the site's address, on its default attached domain or else on the hosting's own HTTP address.
    """
    access = service.get("serviceManagementAccess") or {}
    ftp = _address(access, "ftp")
    ssh = _address(access, "ssh") if has_ssh(service.get("offer")) else None
    way, address = ("ssh", ssh) if ssh else ("ftp", ftp)
    domain = service.get("defaultAttachedDomain")
    http = _address(access, "http")
    if domain:
        url = "http://%s/" % domain  # HTTPS depends on the domain's certificate, which this object does not say
    elif http:
        url = "http://%s%s/" % (http["host"], "" if http["port"] == 80 else ":%d" % http["port"])
    else:
        url = None
    return {
        "access": way if address else None,
        "host": address["host"] if address else None,
        "port": address["port"] if address else None,
        "user": service.get("primaryLogin"),
        "home": service.get("home"),
        "url": url,
        "ssh": ssh,
        "ftp": ftp,
    }
