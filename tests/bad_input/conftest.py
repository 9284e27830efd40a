# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of every module's options: hostile values (huge strings, wrong types, unicode, empty lists,
out-of-range numbers) give a clear error naming the option, or a correct result; never a traceback; never an
API call for an input that is refused.

The modules run in-process through the unit tests' harness (tests/unit/conftest.py: ``run_module``,
``fake_time``, no OVH_* variables), against a ``responses`` mock that records every call.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import responses
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_UNIT = Path(__file__).resolve().parents[1] / "unit"
if str(_UNIT) not in sys.path:
    sys.path.insert(0, str(_UNIT))  # ovh_api_mock


def _unit_conftest():
    spec = importlib.util.spec_from_file_location("unit_test_harness", _UNIT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_HARNESS = _unit_conftest()
run_module = _HARNESS.run_module
fake_time = _HARNESS.fake_time
no_ovh_environment = _HARNESS.no_ovh_environment

from ovh_api_mock import API  # noqa: E402  (tests/unit on the path, above)

# Bounded: each example runs a module's main() in-process; the fixtures hold no per-example state.
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])

HUGE_TEXT = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=4),
                      st.integers(min_value=300, max_value=20000))
TEXT = st.one_of(st.text(max_size=40), HUGE_TEXT, st.sampled_from([
    "", " ", "../../auth/currentCredential", "a/b", "x?y=1", "x#y", "ünïcødé.example", "\u202eevil", "\x00",
    "ops@", "@example.com", "shop-1.cluster021.hosting.ovh.net/email", "%2e%2e%2f", "-1", "1e999", "null",
    "true", "{{ lookup('env', 'HOME') }}"]))
# Not infinity: ansible-core 2.19's own int conversion (check_type_int) raises OverflowError on it, inside
# AnsibleModule(), before a module's code runs (docs/reliability.md).
NUMBERS = st.one_of(st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.sampled_from([0, -1, 101, 2 ** 63]),
                    st.floats(allow_nan=True, allow_infinity=False))
WRONG_TYPES = st.one_of(st.none(), st.booleans(), st.lists(st.text(max_size=5), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.just([]))
HOSTILE = st.one_of(TEXT, NUMBERS, WRONG_TYPES)


class RecordedApi:
    """A ``responses`` mock of a healthy API: every hosting exists, is ``ok`` and has no bounces or volumes."""

    NAMES = ["shop-1.cluster021.hosting.ovh.net", "blog-2.cluster022.hosting.ovh.net"]

    def __enter__(self):
        self.calls = None
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        mock = self.mock.__enter__()
        email = {"bounce": 0, "email": None, "maxPerDay": 480, "sent": 10, "sentToday": 1, "state": "ok"}
        mock.get(API + "/auth/time", json=1764000000)
        mock.get(API + "/hosting/web", json=self.NAMES)
        mock.get(re.compile(re.escape(API) + r"/hosting/web/[^/]+/email/(bounces|volumes).*"), json=[])
        mock.get(re.compile(re.escape(API) + r"/hosting/web/[^/]+/email$"), json=email)
        mock.put(re.compile(re.escape(API) + r"/hosting/web/[^/]+/email$"), body="null",
                 content_type="application/json")
        mock.post(re.compile(re.escape(API) + r"/hosting/web/[^/]+/email/request$"), json="registered")
        mock.get(re.compile(re.escape(API) + r"/hosting/web/[^/]+$"),
                 json={"serviceName": "x", "offer": "perso2014", "cluster": "cluster021", "state": "active"})
        return self

    def __exit__(self, *exc):
        self.calls = [call.request.url for call in self.mock.calls]  # the mock forgets them on exit
        return self.mock.__exit__(*exc)


def assert_refused_clearly(result, options):
    """A refusal names one of ``options`` and carries no traceback."""
    message = result["msg"]
    assert "Traceback" not in message and "exception" not in result, result
    assert any(option in message for option in options), message
