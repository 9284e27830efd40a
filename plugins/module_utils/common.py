# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every module shares (documented by the ``mailops.ovh_hosting.auth`` doc fragment).

Modules build their client with ``HostingApi.from_module(module)``.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from .client import HostingApi

__all__ = ("AUTH_ARGUMENT_SPEC", "HostingApi", "argument_spec")

AUTH_ARGUMENT_SPEC = dict(
    endpoint=dict(type="str", fallback=(env_fallback, ["OVH_ENDPOINT"])),
    application_key=dict(type="str", no_log=False),
    application_secret=dict(type="str", no_log=True),
    consumer_key=dict(type="str", no_log=True),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=4),
    rate_limit=dict(type="float"),
)


def argument_spec(**module_options) -> dict:
    """The module's own options plus the shared ones."""
    spec = {name: dict(option) for name, option in AUTH_ARGUMENT_SPEC.items()}
    spec.update(module_options)
    return spec
