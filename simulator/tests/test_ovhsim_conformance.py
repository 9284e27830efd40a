# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every answer of the simulator on OVH's routes validates against OVH's own OpenAPI description
(``data/ovh-openapi-hosting-email.json``, a copy of the schema OVH publishes): types, enums, nullability,
no field OVH does not describe, date-times with an offset, and the request fields OVH marks required."""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path

import jsonschema
import ovh.exceptions
import pytest

OPENAPI = json.loads((Path(__file__).parent / "data" / "ovh-openapi-hosting-email.json").read_text())
STATES = ["ok", "force", "ko", "bounce", "spam"]

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time_with_offset(value) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value).utcoffset() is not None


def _strict(schema):
    """OpenAPI 3.0 -> JSON Schema: ``nullable`` becomes a null alternative, objects admit no unknown field."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _strict(value) for key, value in schema.items() if key not in ("readOnly", "example")}
    if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    if schema.pop("nullable", False):
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


COMPONENTS = _strict(copy.deepcopy(OPENAPI["components"]))


def validate(instance, schema) -> None:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": COMPONENTS, **_strict(schema)}
    jsonschema.Draft202012Validator(root, format_checker=FORMATS).validate(instance)


def response_schema(path: str, method: str = "get") -> dict:
    return OPENAPI["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.fixture
def fleet(sim):
    """One hosting in each e-mail state, with mail history, bounces, tasks and a report recipient on some."""
    sim.admin("POST", "/_sim/seed", {"fleet": 12, "profile": "mixed", "seed": 3})
    names = []
    for state in STATES + ["spam"]:
        name = f"{state}-{len(names) + 1}.cluster021.hosting.ovh.net"
        sim.admin("POST", "/_sim/hostings", {"service_name": name, "offer": "pro", "email": "ops@example.com"})
        sim.admin("POST", "/_sim/send", {"service_name": name, "count": 30, "bounce_rate": 0.2})
        sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": state})
        names.append(name)
    sim.admin("POST", "/_sim/config", {"action_delay": 600})
    client = sim.client()
    client.post(f"/hosting/web/{names[-1]}/email/request", action="PURGE")  # -> purging
    client.post(f"/hosting/web/{names[STATES.index('ok')]}/email/request", action="BLOCK")
    return client.get("/hosting/web")


def test_the_copy_of_the_schema_covers_the_routes():
    assert set(OPENAPI["paths"]) >= {"/hosting/web", "/hosting/web/{serviceName}/email",
                                     "/hosting/web/{serviceName}/email/bounces"}


def test_every_get_route_answers_what_the_schema_describes(sim, client, fleet):
    seen_states, checked = set(), set()
    for name in fleet:
        for template, operations in OPENAPI["paths"].items():
            if "get" not in operations:
                continue
            paths = [template.replace("{serviceName}", name)]
            if "{id}" in template:
                paths = [paths[0].replace("{id}", str(task_id)) for task_id in client.get(f"/hosting/web/{name}/tasks")]
            for path in paths:
                query = {"limit": 100} if path.endswith("/bounces") else {}
                answer = client.get(path, **query)
                validate(answer, response_schema(template))
                checked.add(template)
                if template.endswith("/email"):
                    seen_states.add(answer["state"])
    assert seen_states == set(STATES) | {"purging"}
    assert checked == {path for path, operations in OPENAPI["paths"].items() if "get" in operations}


def test_the_validator_catches_what_ovh_would_not_send():
    email = {"bounce": 1, "email": None, "maxPerDay": 2, "sent": 3, "sentToday": 0, "state": "ok"}
    validate(email, {"$ref": "#/components/schemas/hosting.web.email"})
    for broken in [dict(email, state="blocked"), dict(email, sent="3"), dict(email, colour=1),
                   dict(email, maxPerDay=None)]:
        with pytest.raises(jsonschema.ValidationError):
            validate(broken, {"$ref": "#/components/schemas/hosting.web.email"})
    with pytest.raises(jsonschema.ValidationError):
        validate({"date": "2026-11-25T10:00:00", "volume": 1},
                 {"$ref": "#/components/schemas/hosting.web.mail.VolumeHistory"})


def test_put_email_takes_the_schema_object(client, fleet):
    name = fleet[0]
    body = client.get(f"/hosting/web/{name}/email")
    validate(body, OPENAPI["paths"]["/hosting/web/{serviceName}/email"]["put"]["requestBody"]["content"]
             ["application/json"]["schema"])
    client.put(f"/hosting/web/{name}/email", **dict(body, email="ops@example.org"))
    assert client.get(f"/hosting/web/{name}/email")["email"] == "ops@example.org"


@pytest.mark.parametrize("template, method", [(p, m) for p, ops in OPENAPI["paths"].items() for m, op in ops.items()
                                              if isinstance(op, dict) and "requestBody" in op
                                              and p.startswith("/hosting/web/{serviceName}/email")])
def test_required_request_fields_are_required(client, fleet, template, method):
    schema = OPENAPI["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"]
    name = next(n for n in fleet if n.startswith("ko-"))
    for field in schema.get("required", []):
        with pytest.raises(ovh.exceptions.BadParametersError, match=re.escape(field)):
            client.call(method.upper(), template.replace("{serviceName}", name), {})


def test_enum_values_come_from_the_schema(client, fleet):
    request = OPENAPI["paths"]["/hosting/web/{serviceName}/email/request"]["post"]["requestBody"]
    actions = OPENAPI["components"]["schemas"]["hosting.web.mail.ActionEnum"]["enum"]
    assert request["content"]["application/json"]["schema"]["properties"]["action"]["$ref"].endswith("ActionEnum")
    name = next(n for n in fleet if n.startswith("bounce-"))
    for action in actions:
        try:
            client.post(f"/hosting/web/{name}/email/request", action=action)
        except ovh.exceptions.APIError as error:  # refused by the state, never as an unknown value
            assert error.response.status_code in (403, 409)
