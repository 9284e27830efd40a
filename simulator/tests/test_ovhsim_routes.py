# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every /1.0 route, its validation, and the error classes the ``ovh`` client maps them to."""
from __future__ import annotations

import json
from datetime import datetime

import ovh.exceptions
import pytest
import requests


def test_list_hostings_is_sorted_names(client, hosting):
    hosting("b-2.cluster021.hosting.ovh.net")
    hosting("a-1.cluster021.hosting.ovh.net")
    assert client.get("/hosting/web") == ["a-1.cluster021.hosting.ovh.net", "b-2.cluster021.hosting.ovh.net"]


def test_get_hosting_describes_the_service(client, hosting):
    name = hosting(offer="pro")
    service = client.get(f"/hosting/web/{name}")
    assert service["serviceName"] == name
    assert service["offer"] == "PRO"
    assert service["cluster"] == "cluster021"
    assert service["state"] == "active"


def test_get_email_is_the_ovh_object(client, hosting):
    name = hosting(offer="starter", email="ops@example.com", sent=1234, sent_today=12, bounce=40)
    assert client.get(f"/hosting/web/{name}/email") == {
        "bounce": 40, "email": "ops@example.com", "maxPerDay": 480, "sent": 1234, "sentToday": 12, "state": "ok"}


@pytest.mark.parametrize("path", ["", "/email", "/email/bounces?limit=5", "/email/volumes", "/tasks", "/tasks/1",
                                  "/abuseState"])
def test_an_unknown_service_is_404_this_service_does_not_exist(client, path):
    target, _separator, query = path.partition("?")
    kwargs = dict([query.split("=")]) if query else {}
    with pytest.raises(ovh.exceptions.ResourceNotFoundError, match="This service does not exist"):
        client.get(f"/hosting/web/nope.cluster021.hosting.ovh.net{target}", **kwargs)


def test_put_email_sets_and_clears_the_report_recipient(client, hosting):
    name = hosting()
    assert client.put(f"/hosting/web/{name}/email", email="mail-errors@example.com") is None
    assert client.get(f"/hosting/web/{name}/email")["email"] == "mail-errors@example.com"
    assert client.put(f"/hosting/web/{name}/email", email=None) is None
    assert client.get(f"/hosting/web/{name}/email")["email"] is None


def test_put_email_accepts_read_only_fields_sent_back_unchanged(client, hosting):
    name = hosting()
    current = client.get(f"/hosting/web/{name}/email")
    client.put(f"/hosting/web/{name}/email", **dict(current, email="ops@example.com"))
    assert client.get(f"/hosting/web/{name}/email") == dict(current, email="ops@example.com")


@pytest.mark.parametrize("body, named", [
    ({"email": "not-an-address"}, "not-an-address"),
    ({"email": ""}, "email"),
    ({"email": 42}, "email"),
    ({"state": "ko"}, "state"),
    ({"sent": 1, "bounce": 3}, "bounce, sent"),
    ({"email": "a@example.com", "colour": "red"}, "colour"),
])
def test_put_email_refuses_bad_bodies_naming_the_field(client, hosting, body, named):
    name = hosting()
    with pytest.raises(ovh.exceptions.BadParametersError, match=named):
        client.put(f"/hosting/web/{name}/email", **body)
    assert client.get(f"/hosting/web/{name}/email")["email"] is None


def test_put_email_without_a_body_is_400(client, hosting):
    with pytest.raises(ovh.exceptions.BadParametersError, match="body"):
        client.put(f"/hosting/web/{hosting()}/email")


def test_bounces_newest_first_within_the_limit(sim, client, hosting):
    name = hosting()
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 5, "bouncing": ["a@example.org"],
                                     "recipients": ["a@example.org"]})
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 60})
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 1, "recipients": ["b@example.org"],
                                     "bouncing": ["b@example.org"]})
    bounces = client.get(f"/hosting/web/{name}/email/bounces", limit=3)
    assert [bounce["to"] for bounce in bounces] == ["b@example.org", "a@example.org", "a@example.org"]
    assert bounces[0]["date"] > bounces[1]["date"]
    assert bounces[0]["message"].startswith("55")


@pytest.mark.parametrize("query, message", [
    ({}, "Missing parameter"), ({"limit": 0}, "between 1 and 100"), ({"limit": 101}, "between 1 and 100"),
    ({"limit": "ten"}, "not valid for type long"),
])
def test_bounces_limit_is_required_from_1_to_100(client, hosting, query, message):
    with pytest.raises(ovh.exceptions.BadParametersError, match=message):
        client.get(f"/hosting/web/{hosting()}/email/bounces", **query)


@pytest.mark.usefixtures("at_noon")
def test_volumes_one_point_per_day_oldest_first(sim, client, hosting):
    name = hosting()
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 7})
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 86400})
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 3})
    volumes = client.get(f"/hosting/web/{name}/email/volumes")
    assert [point["volume"] for point in volumes] == [7, 3]
    assert all(point["date"].endswith(("T00:00:00+01:00", "T00:00:00+02:00")) for point in volumes)


@pytest.mark.usefixtures("at_noon")
def test_volumes_show_idle_days_as_zero_up_to_today(sim, client, hosting):
    name = hosting()
    assert client.get(f"/hosting/web/{hosting('idle-1.cluster021.hosting.ovh.net')}/email/volumes") == []
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 5})
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 3 * 86400})
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 4})
    sim.admin("POST", "/_sim/clock/advance", {"seconds": 2 * 86400})
    volumes = client.get(f"/hosting/web/{name}/email/volumes")
    assert [point["volume"] for point in volumes] == [5, 0, 0, 4, 0, 0]
    days = [datetime.fromisoformat(point["date"]).date() for point in volumes]
    assert [(later - earlier).days for earlier, later in zip(days, days[1:])] == [1] * 5


def test_request_answers_a_string_and_creates_a_task(client, hosting):
    name = hosting()
    answer = client.post(f"/hosting/web/{name}/email/request", action="BLOCK")
    assert isinstance(answer, str)
    task_ids = client.get(f"/hosting/web/{name}/tasks")
    assert len(task_ids) == 1
    task = client.get(f"/hosting/web/{name}/tasks/{task_ids[0]}")
    assert task["status"] == "done" and task["doneDate"]
    assert client.get(f"/hosting/web/{name}/tasks", status="todo") == []
    assert client.get(f"/hosting/web/{name}/tasks", function="changeOutState") == task_ids


@pytest.mark.parametrize("body, message", [
    ({}, "Missing parameter"), ({"action": "DELETE"}, "ActionEnum"), ({"action": "block"}, "ActionEnum"),
    ({"action": "BLOCK", "force": True}, "force"),
])
def test_request_validates_the_action(client, hosting, body, message):
    name = hosting()
    with pytest.raises(ovh.exceptions.BadParametersError, match=message):
        client.post(f"/hosting/web/{name}/email/request", **body)
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"


def test_unknown_task_is_404(client, hosting):
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client.get(f"/hosting/web/{hosting()}/tasks/999")


def test_abuse_state_shows_the_mails_out_state(sim, client, hosting):
    name = hosting()
    assert client.get(f"/hosting/web/{name}/abuseState")["mailsoutState"] == "ok"
    sim.admin("POST", "/_sim/flag-spam", {"service_name": name})
    assert client.get(f"/hosting/web/{name}/abuseState")["mailsoutState"] == "spam"


def test_unknown_route_is_a_json_404(client):
    with pytest.raises(ovh.exceptions.ResourceNotFoundError, match="invalid"):
        client.get("/hosting/privateDatabase")


def test_wrong_method_is_a_json_405(client, hosting):
    with pytest.raises(ovh.exceptions.APIError) as raised:
        client.delete(f"/hosting/web/{hosting()}/email")
    assert raised.value.response.status_code == 405
    assert "DELETE" in str(raised.value)


def test_malformed_json_is_400(sim, hosting):
    from test_ovhsim_auth import _signed_headers

    name = hosting()
    path = f"/hosting/web/{name}/email"
    answer = requests.put(sim.url + path, data="{email:", headers=_signed_headers(sim, "PUT", path, "{email:"),
                          timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"class": "Client::BadRequest", "message": "Invalid JSON received"}


def test_every_answer_is_json_with_a_query_id(sim, hosting):
    name = hosting()
    for path in ["/auth/time", "/hosting/web", f"/hosting/web/{name}/email", "/nowhere"]:
        answer = requests.get(sim.url + path, timeout=5)
        assert answer.headers["X-Ovh-QueryID"].startswith("EU.")
        answer.json()


def test_void_calls_answer_json_null(sim, hosting):
    from test_ovhsim_auth import _signed_headers

    name = hosting()
    path = f"/hosting/web/{name}/email"
    body = '{"email":"ops@example.com"}'
    answer = requests.put(sim.url + path, data=body, headers=_signed_headers(sim, "PUT", path, body), timeout=5)
    assert (answer.status_code, answer.text) == (200, "null")


def test_request_log_records_what_was_applied(sim, client, hosting):
    name = hosting()
    client.put(f"/hosting/web/{name}/email", email="ops@example.com")
    with pytest.raises(ovh.exceptions.BadParametersError):
        client.put(f"/hosting/web/{name}/email", email="nope")
    log = [entry for entry in sim.admin("GET", "/_sim/requests") if entry["method"] == "PUT"]
    assert [(entry["status"], entry["applied"]) for entry in log] == [(200, True), (400, False)]
    assert log[0]["path"] == f"/hosting/web/{name}/email"
    assert log[0]["consumer_key_id"] == client.get("/auth/currentCredential")["credentialId"]
    # answered in that order, on the simulator's clock, the ISO time and the timestamp telling the same second
    assert log[0]["timestamp"] <= log[1]["timestamp"] < sim.admin("GET", "/_sim/clock")["timestamp"] + 1
    assert [datetime.fromisoformat(entry["time"]).timestamp() for entry in log] == [
        float(int(entry["timestamp"])) for entry in log]


def test_admin_routes_are_outside_1_0(sim, client):
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client.get("/_sim/credentials")
    assert sim.admin("GET", "/_sim/credentials")["endpoint"] == sim.url


def test_other_methods_get_a_json_405(sim):
    answer = requests.options(sim.url + "/hosting/web", timeout=5)
    assert answer.status_code == 405
    assert answer.json()["class"] == "Client::MethodNotAllowed"


def test_an_oversized_body_is_refused_before_reading_it(sim):
    import socket

    host, port = sim.admin_url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"PUT /1.0/hosting/web/a/email HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
        answer = connection.makefile("rb").read()
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"\r\nX-Ovh-QueryID: " in head
    assert json.loads(body)["message"] == "Request body too large: at most 1048576 bytes"


def test_a_bug_in_the_simulator_answers_500_with_a_query_id(sim, monkeypatch):
    from ovhsim.app import Simulator

    def broken(self, req):
        raise RuntimeError("a bug")

    monkeypatch.setattr(Simulator, "handle", broken)
    answer = requests.get(sim.url + "/1.0/hosting/web", timeout=10)
    assert answer.status_code == 500 and answer.headers["X-Ovh-QueryID"]
    assert answer.json() == {"class": "Server::InternalServerError", "message": "ovhsim internal error"}


def test_admin_index_lists_every_route(sim):
    index = sim.admin("GET", "/_sim/")
    assert "GET /1.0/hosting/web/{serviceName}/email/bounces" in index["api"]
    assert "POST /_sim/clock/advance" in index["admin"]


def test_admin_lists_records_and_clears_the_request_log(sim, client, hosting):
    names = [hosting("a-1.cluster021.hosting.ovh.net"), hosting("b-1.cluster021.hosting.ovh.net", state="ko")]
    assert [(r["service_name"], r["state"]) for r in sim.admin("GET", "/_sim/hostings")] == \
        [(names[0], "ok"), (names[1], "ko")]
    client.get("/hosting/web")
    assert sim.admin("GET", "/_sim/requests")
    sim.admin("DELETE", "/_sim/requests")
    assert sim.admin("GET", "/_sim/requests") == []


def test_empty_bounces_and_volumes_may_be_404(sim, client, hosting):
    name = hosting()
    assert client.get(f"/hosting/web/{name}/email/bounces", limit=10) == []
    assert client.get(f"/hosting/web/{name}/email/volumes") == []
    sim.admin("POST", "/_sim/config", {"empty_as_404": True})
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client.get(f"/hosting/web/{name}/email/bounces", limit=10)
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client.get(f"/hosting/web/{name}/email/volumes")
    sim.admin("POST", "/_sim/send", {"service_name": name, "count": 1, "bounce_rate": 1})
    assert len(client.get(f"/hosting/web/{name}/email/bounces", limit=10)) == 1
    assert len(client.get(f"/hosting/web/{name}/email/volumes")) == 1
