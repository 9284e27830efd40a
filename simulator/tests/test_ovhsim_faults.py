# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults, as the ``ovh`` client sees them."""
from __future__ import annotations

import ovh.exceptions
import pytest
import requests

from ovhsim.errors import ApiError
from ovhsim.faults import Faults


def set_faults(sim, **settings):
    return sim.admin("POST", "/_sim/faults", settings)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_json_5xx_is_an_api_error_with_a_query_id(sim, client, hosting, status):
    name = hosting()
    set_faults(sim, error_rate=1.0, error_status=status)
    with pytest.raises(ovh.exceptions.APIError) as raised:
        client.get(f"/hosting/web/{name}/email")
    assert raised.value.__class__ is ovh.exceptions.APIError  # not a subclass such as NotGrantedCall
    assert raised.value.response.status_code == status
    assert raised.value.query_id


def test_html_5xx_is_an_invalid_response(sim, client, hosting):
    name = hosting()
    set_faults(sim, error_rate=1.0, error_status=502, html_errors=True)
    with pytest.raises(ovh.exceptions.InvalidResponse):
        client.get(f"/hosting/web/{name}/email")


def test_429_carries_retry_after(sim, client, hosting):
    name = hosting()
    set_faults(sim, rate_429=1.0, retry_after=7)
    with pytest.raises(ovh.exceptions.APIError) as raised:
        client.get(f"/hosting/web/{name}/email")
    assert raised.value.response.status_code == 429
    answer = requests.get(f"{sim.url}/hosting/web/{name}/email", timeout=5)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["class"] == "Client::TooManyRequests"


def test_connection_reset_is_an_http_error(sim, client, hosting):
    name = hosting()
    set_faults(sim, reset_rate=1.0)
    with pytest.raises(ovh.exceptions.HTTPError):
        client.get(f"/hosting/web/{name}/email")


def test_apply_then_fail_changes_the_state_and_answers_5xx(sim, client, hosting):
    name = hosting()
    set_faults(sim, apply_then_fail_rate=1.0, error_status=503)
    with pytest.raises(ovh.exceptions.APIError) as raised:
        client.put(f"/hosting/web/{name}/email", email="ops@example.com")
    assert raised.value.response.status_code == 503
    assert client.get(f"/hosting/web/{name}/email")["email"] == "ops@example.com"  # GETs are not affected
    put = [e for e in sim.admin("GET", "/_sim/requests") if e["method"] == "PUT"]
    assert [(e["status"], e["applied"], e["fault"]) for e in put] == [(503, True, "apply_then_fail")]


def test_a_plain_error_is_not_applied(sim, client, hosting):
    name = hosting()
    set_faults(sim, error_rate=1.0, method="POST")
    with pytest.raises(ovh.exceptions.APIError):
        client.post(f"/hosting/web/{name}/email/request", action="BLOCK")
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"
    post = [e for e in sim.admin("GET", "/_sim/requests") if e["method"] == "POST"]
    assert [(e["status"], e["applied"]) for e in post] == [(500, False)]


def test_faults_can_target_one_route(sim, client, hosting):
    name = hosting()
    set_faults(sim, error_rate=1.0, route="/hosting/web/*/email/bounces")
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"
    with pytest.raises(ovh.exceptions.APIError):
        client.get(f"/hosting/web/{name}/email/bounces", limit=5)


def test_auth_time_is_spared_unless_targeted(sim, client):
    set_faults(sim, error_rate=1.0)
    assert requests.get(sim.url + "/auth/time", timeout=5).status_code == 200
    set_faults(sim, error_rate=1.0, route="/auth/time")
    assert requests.get(sim.url + "/auth/time", timeout=5).status_code == 500


def test_clearing_faults(sim, client, hosting):
    name = hosting()
    set_faults(sim, error_rate=1.0)
    sim.admin("DELETE", "/_sim/faults")
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"
    assert sim.admin("GET", "/_sim/faults") == {"rules": [], "seed": 0}


def test_several_rules_first_match_wins(sim, client, hosting):
    name = hosting()
    sim.admin("POST", "/_sim/faults", {"rules": [{"route": "/hosting/web", "error_rate": 1.0, "error_status": 503},
                                                 {"error_rate": 1.0, "error_status": 502}]})
    for path, status in [("/hosting/web", 503), (f"/hosting/web/{name}", 502)]:
        with pytest.raises(ovh.exceptions.APIError) as raised:
            client.get(path)
        assert raised.value.response.status_code == status


def test_same_seed_same_sequence_of_failures(sim, client, hosting):
    name = hosting()
    outcomes = []
    for _run in range(2):
        set_faults(sim, error_rate=0.5, seed=42)
        run = []
        for _request in range(30):
            try:
                client.get(f"/hosting/web/{name}/email")
                run.append(True)
            except ovh.exceptions.APIError:
                run.append(False)
        outcomes.append(run)
    assert outcomes[0] == outcomes[1]
    assert 5 < outcomes[0].count(False) < 25


def test_latency_and_jitter_are_drawn_within_bounds():
    faults = Faults({"latency_ms": 100, "jitter_ms": 50, "seed": 1})
    latencies = [faults.decide("GET", "/hosting/web").latency for _draw in range(200)]
    assert min(latencies) >= 0.1
    assert max(latencies) <= 0.15
    assert max(latencies) - min(latencies) > 0.04


@pytest.mark.parametrize("settings, named", [
    ({"error_rate": 2}, "error_rate"), ({"error_status": 404}, "error_status"), ({"colour": 1}, "colour"),
    ({"error_rate": 0.6, "rate_429": 0.6}, "exceed"), ({"latency_ms": -1}, "latency_ms"), ({"seed": "x"}, "seed"),
    ({"route": 5}, "route must be a string"), ({"method": ["GET"]}, "method must be a string"),
    ({"error_status": [500]}, "error_status"), ({"rules": [1]}, "a fault rule must be a JSON object"),
    ({"latency_ms": "inf"}, "latency_ms"), ({"error_rate": "NaN"}, "error_rate"),
    ({"retry_after": "soon"}, "retry_after"),
])
def test_bad_settings_are_refused_naming_the_field(settings, named):
    with pytest.raises(ApiError, match=named):
        Faults(settings)


def test_numbers_may_be_numeric_strings_as_elsewhere_in_the_admin_api(sim):
    settings = sim.admin("POST", "/_sim/faults", {"latency_ms": "25", "error_rate": "0.5", "error_status": "503"})
    rule = settings["rules"][0]
    assert (rule["latency_ms"], rule["error_rate"], rule["error_status"]) == (25, 0.5, 503)


def test_the_seed_may_be_a_numeric_string_as_the_other_numbers():
    as_string, as_number = Faults({"seed": "7", "error_rate": 0.5}), Faults({"seed": 7, "error_rate": 0.5})
    assert as_string.settings() == as_number.settings()
    assert [as_string.decide("GET", "/hosting/web").outcome for _draw in range(20)] == [
        as_number.decide("GET", "/hosting/web").outcome for _draw in range(20)]
    with pytest.raises(ApiError, match="seed"):
        Faults({"seed": "7.5"})


@pytest.mark.parametrize("given, html", [(True, True), (False, False), ("true", True), ("False", False)])
def test_html_errors_may_be_a_boolean_string_as_elsewhere_in_the_admin_api(given, html):
    faults = Faults({"error_rate": 1, "html_errors": given})
    assert faults.rules[0].html_errors is html
    status, headers, _body = faults.decide("GET", "/hosting/web").error_response()
    assert (status, headers["Content-Type"]) == (500, "text/html" if html else "application/json")


@pytest.mark.parametrize("given", ["no", 1, None, [True]])
def test_html_errors_other_than_true_or_false_are_refused(given):
    with pytest.raises(ApiError, match="html_errors must be true or false"):
        Faults({"html_errors": given})


def test_admin_refuses_bad_settings_with_400(sim):
    from ovhsim.testing import AdminError

    with pytest.raises(AdminError) as raised:
        set_faults(sim, error_rate=3)
    assert raised.value.status == 400
    # a rule that would break every later request is refused too, not saved
    for settings in ({"route": 5}, {"rules": [1]}):
        with pytest.raises(AdminError) as raised:
            sim.admin("POST", "/_sim/faults", settings)
        assert raised.value.status == 400
    assert sim.admin("GET", "/_sim/faults")["rules"] == []
    assert sim.client().get("/hosting/web") == []
