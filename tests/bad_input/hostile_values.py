# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostile values, the property settings and the recorded API mock of the bad-input tests."""

from __future__ import annotations

import json
import os
import re

import responses
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


# Bounded: each example runs a module's main() in-process; the fixtures hold no per-example state.
# BAD_INPUT_EXAMPLES=3000 searches deeper (about 2 minutes per test on one core).
PROPERTY = settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", 80)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HUGE_TEXT = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=4),
                      st.integers(min_value=300, max_value=20000))
TEXT = st.one_of(st.text(max_size=40), HUGE_TEXT, st.sampled_from([
    "", " ", "../../auth/currentCredential", "a/b", "x?y=1", "x#y", "ünïcødé.example", "\u202eevil", "\x00",
    "ops@", "@example.com", "shop-1.cluster021.hosting.ovh.net/email", "%2e%2e%2f", "-1", "1e999", "null",
    "true", "{{ lookup('env', 'HOME') }}", "shop-1.cluster021.hosting.ovh.net\n", "inf", "-Infinity", "NaN", "1" * 5000]))
NUMBERS = st.one_of(st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.sampled_from([0, -1, 101, 2 ** 63]),
                    st.floats(allow_nan=True, allow_infinity=True))
WRONG_TYPES = st.one_of(st.none(), st.booleans(), st.lists(st.text(max_size=5), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.just([]))
HOSTILE = st.one_of(TEXT, NUMBERS, WRONG_TYPES)


def _route(path):
    """``path`` under /1.0 of any endpoint: a hostile value can be a valid one, such as ``ovh-us``."""
    return re.compile(r"https?://[^/]+/1\.0" + path + "$")


class RecordedApi:
    """A ``responses`` mock of a healthy API: every hosting exists, is ``ok`` (until a request changes it) and has
    no bounces or volumes."""

    NAMES = ["shop-1.cluster021.hosting.ovh.net", "blog-2.cluster022.hosting.ovh.net"]

    def __enter__(self):
        self.calls = None
        self.state = "ok"
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        mock = self.mock.__enter__()
        mock.get(_route("/auth/time"), json=1764000000)
        mock.get(_route("/hosting/web"), json=self.NAMES)
        mock.get(_route(r"/hosting/web/[^/]+/email/(bounces|volumes)(\?.*)?"), json=[])
        mock.add_callback("GET", _route("/hosting/web/[^/]+/email"), callback=self._email)
        mock.put(_route("/hosting/web/[^/]+/email"), body="null", content_type="application/json")
        mock.add_callback("POST", _route("/hosting/web/[^/]+/email/request"), callback=self._request)
        mock.get(_route("/hosting/web/[^/]+"),
                 json={"serviceName": "x", "offer": "perso2014", "cluster": "cluster021", "state": "active"})
        return self

    def _email(self, _request):
        email = {"bounce": 0, "email": None, "maxPerDay": 480, "sent": 10, "sentToday": 1, "state": self.state}
        return 200, {}, json.dumps(email)

    def _request(self, request):
        action = json.loads(request.body)["action"]
        self.state = {"BLOCK": "ko", "UNBLOCK": "ok", "PURGE": "ok"}[action]
        return 200, {}, json.dumps("Your %s request has been registered" % action)

    def __exit__(self, *exc):
        self.calls = [call.request.url for call in self.mock.calls]  # the mock forgets them on exit
        return self.mock.__exit__(*exc)


def assert_refused_clearly(result, options):
    """A refusal names one of ``options`` and carries no traceback."""
    message = result["msg"]
    assert "Traceback" not in message and "exception" not in result, result
    assert any(option in message for option in options), message


def run_or_refused(run_module, main, args, option):
    """Run ``main`` with ``args`` (``option`` set to a hostile value) against a RecordedApi: None when the value was
    refused clearly before any call, otherwise the result of a run that must have succeeded."""
    with RecordedApi() as api:
        result, failed = run_module(main, args)
    if failed and not api.calls:
        assert_refused_clearly(result, [option])
        return None
    assert not failed, result
    return result
