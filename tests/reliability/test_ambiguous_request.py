# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A state change request sent again after an ambiguous failure, refused because the state moved on meanwhile:
done when the state shows the action took effect, an error otherwise. The exact calls, with ``responses``."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, converge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError

API = "https://eu.api.ovh.com/1.0"
SN = "shop-1.cluster021.hosting.ovh.net"
EMAIL = API + "/hosting/web/%s/email" % SN
REFUSED = {"class": "Client::Forbidden", "message": "E-mails are already stopped (state ko): nothing to block"}


def email(state):
    return {"bounce": 0, "email": None, "maxPerDay": 480, "sent": 1, "sentToday": 1, "state": state}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        mock.get(EMAIL, json=email("ok"))  # the read that decides BLOCK
        mock.post(EMAIL + "/request", json={"class": "Server::ServiceUnavailable", "message": "retry"}, status=503)
        mock.get(EMAIL, json=email("ok"))  # the re-read: the first request still pending
        mock.post(EMAIL + "/request", json=REFUSED, status=403)  # ...and applied just before the second one
        yield mock


def block():
    api = HostingApi(endpoint="ovh-eu", application_key="ak", application_secret="as", consumer_key="ck",
                     sleep=lambda _seconds: None)
    [result] = converge(api, [Wanted(SN, state="blocked")], wait=False, sleep=lambda _seconds: None)
    return result


def test_a_refusal_after_the_first_request_took_effect_is_success(api):
    api.get(EMAIL, json=email("ko"))
    result = block()
    assert result.ok and result.changed, result.message()
    assert [call.request.method for call in api.calls] == ["GET", "GET", "POST", "GET", "POST", "GET"]


def test_a_refusal_when_nothing_took_effect_is_the_error(api):
    api.get(EMAIL, json=email("ok"))
    result = block()
    assert isinstance(result.error, HostingApiError)
    assert "failed (HTTP 403): E-mails are already stopped" in result.message()
