# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OvhModule: int options ansible-core would crash on are refused, naming the option, before any call."""

from __future__ import annotations

import re

import pytest
import responses
from ansible.module_utils.common.validation import check_type_int

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import finite_int
from ansible_collections.mailops.ovh_hosting.plugins.modules import email as email_module
from ansible_collections.mailops.ovh_hosting.plugins.modules import email_info as email_info_module
from ansible_collections.mailops.ovh_hosting.plugins.modules import hosting_info as hosting_info_module

from ovh_api_mock import CREDENTIALS

SN = "shop-1.cluster021.hosting.ovh.net"
# Each of these makes ansible-core 2.19's own AnsibleModule() raise: OverflowError for infinity, ValueError for
# an int it cannot write to its log.
UNCONVERTIBLE = ["inf", "INF", "-Infinity", float("inf"), float("-inf"), "1" * 5000]
MODULE_INT_OPTIONS = [
    (email_module, dict(service_name=SN, state="blocked"), "wait_timeout"),
    (email_module, dict(service_name=SN, state="blocked"), "wait_sleep"),
    (email_module, dict(service_name=SN, state="blocked"), "retries"),
    (email_info_module, dict(), "bounces"),
    (email_info_module, dict(), "concurrency"),
    (hosting_info_module, dict(), "timeout"),
]


@pytest.mark.parametrize("value", UNCONVERTIBLE, ids=lambda value: repr(value)[:12])
@pytest.mark.parametrize("module, args, option", MODULE_INT_OPTIONS,
                         ids=[case[0].__name__.rsplit(".", 1)[1] + "." + case[2] for case in MODULE_INT_OPTIONS])
def test_an_int_ansible_core_cannot_convert_is_refused_naming_the_option(run_module, module, args, option, value):
    with responses.RequestsMock() as api:  # any call would fail the test: nothing is registered
        result, failed = run_module(module.main, dict(CREDENTIALS, **args, **{option: value}))
    assert failed
    assert "argument '%s'" % option in result["msg"]
    # 2.19 crashes on these inside AnsibleModule(), and finite_int refuses them; older ansible-core refuses them
    # itself ("unable to convert to int").
    assert re.search(r"unable to convert to (finite_)?int", result["msg"])
    assert not api.calls


def _core_converts(value) -> bool:
    try:
        check_type_int(value)
    except TypeError:
        return False
    return True


# ansible-core before 2.19 refuses floats, infinity and over-long digit strings itself: AnsibleModule() does not
# crash on them there, and finite_int passes ansible-core's refusal on; its own reasons are for 2.19's conversions.
CORE_CONVERTS_FLOATS = _core_converts(4.0)
CORE_REFUSAL = "cannot be converted to an int"


@pytest.mark.parametrize("value, expected", [(3, 3), ("3", 3), ("-2", -2), (2 ** 63, 2 ** 63)])
def test_finite_int_converts_as_ansible_core_does(value, expected):
    assert finite_int(value) == expected


def test_finite_int_takes_a_whole_float_where_ansible_core_does():
    if CORE_CONVERTS_FLOATS:
        assert finite_int(4.0) == 4
    else:
        with pytest.raises(TypeError, match=CORE_REFUSAL):
            finite_int(4.0)


def _own_reason(reason):
    """finite_int's own reason where ansible-core converts the value, else ansible-core's refusal."""
    return reason if CORE_CONVERTS_FLOATS else CORE_REFUSAL


@pytest.mark.parametrize("value, reason", [("inf", _own_reason("'inf' is not a finite number")),
                                           (float("-inf"), _own_reason("-inf is not a finite number")),
                                           (2 ** 64, "out of range"),
                                           ("1" * 5000, _own_reason("out of range")),
                                           ("nan", CORE_REFUSAL),
                                           ("2.5", CORE_REFUSAL)])
def test_finite_int_refuses_with_a_reason(value, reason):
    with pytest.raises(TypeError, match=reason):
        finite_int(value)
