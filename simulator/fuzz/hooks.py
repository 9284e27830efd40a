# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schemathesis hooks for fuzzing ovhsim with OVH's OpenAPI (``run.sh``; "Fuzzing" in ../README.md).

- Every request is signed as the ``ovh`` client signs it, on the prepared request, so that the signature covers
  the exact URL and body sent (the key: OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY).
- ``serviceName`` takes the seeded fleet's names (OVHSIM_FUZZ_FLEET, the dictionary file run.sh writes) as
  examples, which the examples and coverage phases use; the fuzzing phase draws from the same dictionary.
- OVH's spec is amended where OVH's API, or its own descriptions, say more than its schemas (``amend``); the
  README's "Fuzzing" section lists each point and its source. Amending keeps every check on.
"""
from __future__ import annotations

import json
import os

import schemathesis

from ovhsim.testing import OvhSigner

SIGNER = OvhSigner.from_env()
UNKNOWN_SERVICE = "unknown-1.cluster021.hosting.ovh.net"
OVH_ERROR = {
    "type": "object",
    "required": ["class", "message"],
    "properties": {
        "class": {"type": "string", "pattern": "^(Client|Server)::"},
        "message": {"type": "string", "minLength": 1},
        "errorCode": {"type": "string"},     # authentication errors only, with httpCode
        "httpCode": {"type": "string"},
    },
    "additionalProperties": False,
}
QUERY_ID = {"description": "OVH's id of the call", "required": True, "schema": {"type": "string", "minLength": 1}}
ERRORS = {
    "400": "invalid parameters, body, timestamp or signature",
    "403": "unknown key or credential, call not granted, or an action the e-mail state does not allow",
    "404": "unknown hosting or object",
    "409": "another request is pending",
}


def documented_errors(path: str, method: str) -> list[str]:
    statuses = ["400", "403"]
    if "{" in path:
        statuses.append("404")
    if method == "post" and path.endswith("/email/request"):
        statuses.append("409")
    return statuses


def amend(raw_schema: dict) -> None:
    """OVH's spec with what its schemas leave out."""
    schemas = raw_schema["components"]["schemas"]
    for path, item in raw_schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            # Only 200 is documented; OVH's errors are JSON, and every answer has a query id.
            for status in documented_errors(path, method):
                responses.setdefault(status, {"description": ERRORS[status],
                                              "content": {"application/json": {"schema": OVH_ERROR}}})
            for response in responses.values():
                response.setdefault("headers", {})["X-Ovh-QueryID"] = QUERY_ID
            # OVH refuses a field its schema does not describe: "Received not described parameters".
            if "requestBody" in operation:
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                if "$ref" in body:
                    body = schemas[body["$ref"].rsplit("/", 1)[1]]
                body.setdefault("additionalProperties", False)
            # limit: "( default : 20 / max : 100 )" in OVH's description; below 1 is refused (the simulator's choice).
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "limit":
                    parameter["schema"].update(minimum=1, maximum=100)
    # displayName: "(max 50 chars)" in OVH's description.
    schemas["hosting.web.Service"]["properties"]["displayName"]["maxLength"] = 50
    # The report recipient is an address of at most 254 characters (RFC 5321), or null for none.
    schemas["hosting.web.email"]["properties"]["email"].update(format="email", maxLength=254)


def fleet() -> list[str]:
    """The seeded fleet's names, one JSON string a line."""
    with open(os.environ["OVHSIM_FUZZ_FLEET"], encoding="utf-8") as names:
        return [json.loads(line) for line in names if line.strip()]


def bind_service_names(raw_schema: dict, names: list[str]) -> None:
    """The fleet's names, and one unknown name, as the examples of every ``serviceName``."""
    examples = {f"fleet-{index}": {"value": name} for index, name in enumerate(names)}
    examples["unknown"] = {"value": UNKNOWN_SERVICE}
    for item in raw_schema["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "serviceName":
                    parameter["examples"] = examples


@schemathesis.hook
def before_load_schema(context, raw_schema):  # pylint: disable=unused-argument
    amend(raw_schema)
    bind_service_names(raw_schema, fleet())


@schemathesis.hook
def before_call(context, case, kwargs):  # pylint: disable=unused-argument
    kwargs["auth"] = SIGNER
