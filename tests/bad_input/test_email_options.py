# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""email: each option fed hostile values; a clear error naming it before any call, or the right change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.mailops.ovh_hosting.plugins.modules import email as email_module
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem

from hostile_values import HOSTILE, PROPERTY, RecordedApi, assert_refused_clearly, run_or_refused
from ovh_api_mock import CREDENTIALS

SN = RecordedApi.NAMES[0]
OPTIONS = ["service_name", "state", "report_recipient", "allow_force", "wait", "wait_timeout", "wait_sleep",
           "timeout", "retries", "rate_limit", "application_key", "application_secret", "consumer_key"]
# The API answers "ok" with no recipient; these are what a successful run must have done.
EXPECTED_ACTION = {None: [], "blocked": ["BLOCK"], "unblocked": [], "purged": []}


def base_args():
    return dict(CREDENTIALS, service_name=SN, state="blocked", report_recipient="ops@example.com", wait=False)


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(option=st.sampled_from(OPTIONS), value=HOSTILE)
def test_a_hostile_option_is_refused_before_any_call_or_acted_on_correctly(run_module, option, value):
    args = base_args()
    args[option] = value
    result = run_or_refused(run_module, email_module.main, args, option)
    if result is None:
        return
    # Accepted: the value was a valid one, and the module did what it says.
    # (Ansible converts scalars to the option's type: service_name 0 is the valid name "0".)
    assert service_name_problem(result["email"]["service_name"]) is None
    assert result["email"]["service_name"] == (str(value) if option == "service_name" else SN)
    assert result["actions"] == EXPECTED_ACTION[value if option == "state" else args["state"]]
    assert result["changed"] == bool(result["actions"]) or result["email"]["report_recipient"] is not None


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(address=st.one_of(st.text(max_size=300), st.emails()))
def test_report_recipient_is_an_address_or_refused_before_any_call(run_module, address):
    args = dict(base_args(), report_recipient=address)
    del args["state"]
    with RecordedApi() as api:
        result, failed = run_module(email_module.main, args)
    if failed:
        assert_refused_clearly(result, ["report_recipient"])
        assert api.calls == []
    else:
        wanted = address or None
        assert result["email"]["report_recipient"] == wanted
        assert result["changed"] == (wanted is not None)
