# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hosting_info: hostile values per option; a clear error naming it before any call, or the right listing."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.mailops.ovh_hosting.plugins.modules import hosting_info

from hostile_values import HOSTILE, PROPERTY, TEXT, RecordedApi, run_or_refused
from ovh_api_mock import CREDENTIALS

OPTIONS = ["pattern", "details", "concurrency", "timeout", "retries", "rate_limit", "endpoint", "application_key",
           "application_secret", "consumer_key"]


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(option=st.sampled_from(OPTIONS), value=HOSTILE)
def test_a_hostile_option_is_refused_before_any_call_or_listed_correctly(run_module, option, value):
    args = dict(CREDENTIALS)
    args[option] = value
    result = run_or_refused(run_module, hosting_info.main, args, option)
    if result is None:
        return
    names = [entry["service_name"] for entry in result["hostings"]]
    assert set(names) <= set(RecordedApi.NAMES) and names == sorted(names)


@pytest.mark.usefixtures("fake_time")  # back-offs and waits take no real time
@PROPERTY
@given(pattern=TEXT)
def test_any_pattern_filters_like_fnmatchcase(run_module, pattern):
    with RecordedApi():
        result, failed = run_module(hosting_info.main, dict(CREDENTIALS, pattern=pattern))
    assert not failed, result
    expected = sorted(name for name in RecordedApi.NAMES if fnmatchcase(name, pattern))
    assert [entry["service_name"] for entry in result["hostings"]] == expected


def test_a_timeout_beyond_what_the_socket_layer_takes_is_refused(run_module):
    """10**20 s used to reach requests and raise OverflowError (a traceback) on the first call."""
    with RecordedApi() as api:
        result, failed = run_module(hosting_info.main, dict(CREDENTIALS, timeout=10 ** 20))
    assert failed and api.calls == []
    assert "timeout must be a positive number of seconds, at most 86400" in result["msg"]


def test_credentials_with_spaces_or_control_characters_are_refused_without_echoing_them(run_module):
    """A key with "\\r" used to reach the HTTP library, fail as a "connection error" and be retried."""
    with RecordedApi() as api:
        result, failed = run_module(hosting_info.main, dict(CREDENTIALS, consumer_key="secret\r\nvalue"))
    assert failed and api.calls == []
    assert result["msg"].startswith("consumer_key is not an OVH key") and "secret" not in result["msg"]


@pytest.mark.parametrize("endpoint", ["ovh-eu", "ovh-ca", "ovh-us", "http://127.0.0.1:8080/1.0"])
def test_every_valid_endpoint_is_a_correct_listing(run_module, endpoint):
    """A "hostile" value can be a valid one: the property above can draw any endpoint the client's code names."""
    with RecordedApi() as api:
        result, failed = run_module(hosting_info.main, dict(CREDENTIALS, endpoint=endpoint))
    assert not failed, result
    assert [entry["service_name"] for entry in result["hostings"]] == sorted(RecordedApi.NAMES)
    assert all(url.endswith(("/1.0/auth/time", "/1.0/hosting/web")) for url in api.calls)
