# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every module shares (documented by the ``mailops.ovh_hosting.auth`` doc fragment).

The API modules are an ``OvhModule``: the shared options, ansible-core's argument checks made safe, the client,
and one way to fail on an API error.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, env_fallback
from ansible.module_utils.common.validation import check_type_int

from .client import HostingApi

__all__ = ("AUTH_ARGUMENT_SPEC", "HostingApi", "OvhModule", "argument_spec", "with_finite_ints")

AUTH_ARGUMENT_SPEC = dict(
    endpoint=dict(type="str", fallback=(env_fallback, ["OVH_ENDPOINT"])),
    application_key=dict(type="str", no_log=False),
    application_secret=dict(type="str", no_log=True),
    consumer_key=dict(type="str", no_log=True),
    client_id=dict(type="str", no_log=True),
    client_secret=dict(type="str", no_log=True),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=4),
    rate_limit=dict(type="float"),
)


def argument_spec(**module_options) -> dict:
    """The module's own options plus the shared ones."""
    return _with_auth_options(module_options)


def _with_auth_options(module_options) -> dict:
    spec = {name: dict(option) for name, option in AUTH_ARGUMENT_SPEC.items()}
    spec.update(module_options)
    return spec


class OvhModule(AnsibleModule):
    """An AnsibleModule with the shared options (``argument_spec`` holds the module's own), the client, and the
    failures of API calls. ``module.client()`` fails the module cleanly on bad settings or a missing library;
    ``module.fail_api(error, **result)`` fails with the error's one message (hosting, call, status, OVH's message
    and query id), keeping what ``result`` says was done before."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = _with_auth_options(argument_spec or {})
        try:
            super().__init__(argument_spec=spec, **kwargs)
        except (OverflowError, ValueError):
            # ansible-core 2.19 raises inside AnsibleModule(), a traceback before any module code runs, for an
            # infinite int option (OverflowError) and one of over 4,300 digits (ValueError when it logs the
            # invocation). Only then are the int options checked by finite_int, which refuses such a value with
            # ansible-core's usual message naming the option.
            super().__init__(argument_spec=with_finite_ints(spec), **kwargs)

    def client(self, **kwargs) -> HostingApi:
        return HostingApi.from_module(self, **kwargs)

    def fail_api(self, error, **result):
        self.fail_json(msg=str(error), **result)

    def fail_on_problems(self, problems):
        """Fail, before any call, on every problem found in the options (None entries are no problem)."""
        problems = [problem for problem in problems if problem]
        if problems:
            self.fail_json(msg="; ".join(problems))


def finite_int(value):
    """ansible-core's int conversion, refusing what it would crash on."""
    try:
        number = check_type_int(value)
    except OverflowError:
        raise TypeError("%.40r is not a finite number" % (value,))
    if number.bit_length() > 64:
        raise TypeError("it is out of range (a 64-bit integer at most)")
    return number


def with_finite_ints(spec: dict) -> dict:
    return {name: dict(option, type=finite_int) if option.get("type") == "int" else option
            for name, option in spec.items()}
