# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVH hosting objects (``GET /hosting/web/{sn}``) to snake_case facts: the one shape that ``hosting_info`` returns
and the ``hostings`` inventory puts in ``ovh_hosting``."""

from __future__ import annotations

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_access import site_access


def hosting_facts(service_name: str, service: dict) -> dict:
    """The facts of a ``hosting.web.Service`` object."""
    return {
        "service_name": service_name,
        "display_name": service.get("displayName"),
        "offer": service.get("offer"),
        "cluster": service.get("cluster"),
        "datacenter": service.get("datacenter"),
        "state": service.get("state"),
        "primary_login": service.get("primaryLogin"),
        "home": service.get("home"),
        "default_attached_domain": service.get("defaultAttachedDomain"),
        "site": site_access(service),
    }
