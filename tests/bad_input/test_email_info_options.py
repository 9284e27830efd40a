# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""email_info: hostile values per option; a clear error naming it before any call, or the facts asked for."""

from __future__ import annotations

from ansible.module_utils.common.validation import check_type_list
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.mailops.ovh_hosting.plugins.modules import email_info
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem

from hostile_values import HOSTILE, PROPERTY, TEXT, RecordedApi, run_or_refused
from ovh_api_mock import CREDENTIALS

OPTIONS = ["service_name", "service_names", "bounces", "volumes", "concurrency", "timeout", "retries", "rate_limit",
           "endpoint", "application_key", "application_secret", "consumer_key"]


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(option=st.sampled_from(OPTIONS), value=HOSTILE)
def test_a_hostile_option_is_refused_before_any_call_or_read_correctly(run_module, option, value):
    args = dict(CREDENTIALS, bounces=5, volumes=True)
    args[option] = value
    result = run_or_refused(run_module, email_info.main, args, option)
    if result is None:
        return
    names = [entry["service_name"] for entry in result["hostings"]]
    if value is None or option not in ("service_name", "service_names"):  # unset: every hosting
        assert names == RecordedApi.NAMES
    elif option == "service_name":
        assert names == [str(value)]
    else:
        assert names == [str(name) for name in check_type_list(value)]  # as Ansible reads a list option
    assert all(service_name_problem(name) is None for name in names)
    assert all(entry["state"] == "ok" and entry["sending"] for entry in result["hostings"])


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(names=st.lists(TEXT, max_size=6))
def test_service_names_all_valid_or_refused_naming_each_bad_one(run_module, names):
    with RecordedApi() as api:
        result, failed = run_module(email_info.main, dict(CREDENTIALS, service_names=names))
    bad = [name for name in names if service_name_problem(name)]
    if bad:
        assert failed and api.calls == [], result
        assert result["msg"].count("service_names: ") == len(bad), result["msg"]
    else:
        assert not failed, result
        assert [entry["service_name"] for entry in result["hostings"]] == names
        assert len([url for url in api.calls if url.endswith("/email")]) == len(names)
