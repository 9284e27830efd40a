# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OVH API routes under /1.0, with OVH's validation and error messages."""
from __future__ import annotations

import re
import time

from .auth import validate_rules
from .clock import day_of, iso
from .errors import ApiError, bad_request, not_found
from .hosting import ACTIONS
from .iam import resource_urn
from .router import Router

API = Router("/1.0", "Got an invalid (or empty) URL")
EMAIL_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
EMAIL_FIELDS = ("bounce", "email", "maxPerDay", "sent", "sentToday", "state")
TASK_STATUSES = ("cancelled", "doing", "done", "init", "todo")
MAX_ADDRESS = 254           # RFC 5321's limit on a forward path, less the angle brackets
MAX_DISPLAY_NAME = 50      # "(max 50 chars)" in OVH's description of hosting.web.Service displayName
SERVICE_FIELDS_WRITABLE = ("displayName",)
# OVH's ``long``: ASCII digits with an optional minus sign, nothing Python's int() also takes ("+5", " 5",
# "1_0", Arabic-Indic or fullwidth digits), within 64 bits.
LONG = re.compile(r"-?[0-9]{1,19}")
LONG_RANGE = range(-(1 << 63), 1 << 63)


def valid_recipient(value) -> bool:
    """A report recipient: an e-mail address, or None for none."""
    return value is None or (isinstance(value, str) and len(value) <= MAX_ADDRESS
                             and len(value.partition("@")[0]) <= 64 and EMAIL_ADDRESS.match(value) is not None)


def parse_long(text: str) -> int | None:
    """``text`` as OVH's ``long``, or None if it is not one."""
    if not LONG.fullmatch(text):
        return None
    value = int(text)
    return value if value in LONG_RANGE else None


# --- /auth ----------------------------------------------------------------------------------------------------

@API.route("GET", "/auth/time", auth=False)
def auth_time(sim, req):
    return int(time.time())


@API.route("POST", "/auth/credential", auth=False)
def create_credential(sim, req):
    """Create a consumer key; the simulator validates it at once (no login page)."""
    application_key = req.headers.get("X-Ovh-Application") or ""
    if application_key not in sim.keys.applications:
        raise ApiError(403, "Invalid application key", error_code="INVALID_KEY")
    body = _object(req.json)
    unknown = sorted(set(body) - {"accessRules", "redirection", "allowedIPs"})
    if unknown:
        raise bad_request(f"Unknown parameter(s): {', '.join(unknown)}")
    if "accessRules" not in body:
        raise bad_request("[accessRules] Missing parameter(s): accessRules")
    credential = sim.keys.add_credential(application_key, validate_rules(body["accessRules"]), time.time())
    sim.save_keys()
    return {"consumerKey": credential.consumer_key, "state": "validated",
            "validationUrl": f"http://{req.host}/_sim/validated?credentialToken={credential.credential_id}"}


@API.route("GET", "/auth/currentCredential")
def current_credential(sim, req):
    """For a consumer key only: what OVH answers a service account here is not known."""
    if req.service_account is not None:
        raise bad_request("/auth/currentCredential describes a consumer key; this request carries an OAuth2 token")
    credential = req.credential
    application = sim.keys.applications[credential.application_key]
    return {"allowedIPs": None, "applicationId": application["application_id"],
            "creation": iso(credential.created), "credentialId": credential.credential_id, "expiration": None,
            "lastUse": iso(time.time()), "ovhSupport": False, "rules": credential.rules, "status": "validated"}


# --- /hosting/web -----------------------------------------------------------------------------------------------

@API.route("GET", "/hosting/web", action="webHosting:apiovh:get")
def list_hostings(sim, req):
    """A service account sees the hostings on which a policy allows it webHosting:apiovh:get."""
    names = sorted(sim.model.hostings)
    if req.service_account is not None:
        names = [name for name in names if sim.iam.allows(req.service_account, "webHosting:apiovh:get",
                                                          resource_urn(name))]
    return names


@API.route("GET", "/hosting/web/{serviceName}", action="webHosting:apiovh:get")
def get_hosting(sim, req, serviceName):
    return sim.model.get(serviceName).service_object()


@API.route("PUT", "/hosting/web/{serviceName}", action="webHosting:apiovh:edit")
def put_hosting(sim, req, serviceName):
    """hosting.web.Service: only ``displayName`` is writable (null gives the default back); other fields may be
    sent back unchanged, as for PUT /email."""
    hosting = sim.model.get(serviceName)
    body = _object(req.json)
    current = hosting.service_object()
    unknown = sorted(set(body) - set(current))
    if unknown:
        raise bad_request(f"Unknown field(s) for hosting.web.Service: {', '.join(unknown)}")
    read_only = sorted(name for name in body if name not in SERVICE_FIELDS_WRITABLE and body[name] != current[name])
    if read_only:
        raise bad_request(f"Read-only field(s) cannot be changed: {', '.join(read_only)}")
    if "displayName" in body:
        name = body["displayName"]
        if name is not None and (not isinstance(name, str) or len(name) > MAX_DISPLAY_NAME):
            raise bad_request(f"[displayName] Given data ({name!r}) is not a string of at most "
                              f"{MAX_DISPLAY_NAME} characters")
        sim.model.set_display_name(serviceName, name)
    return None


@API.route("GET", "/hosting/web/{serviceName}/email", action="webHosting:apiovh:email/get")
def get_email(sim, req, serviceName):
    return sim.model.get(serviceName).email_object()


@API.route("PUT", "/hosting/web/{serviceName}/email", action="webHosting:apiovh:email/edit")
def put_email(sim, req, serviceName):
    """Only ``email`` is writable; read-only fields may be sent back unchanged, as the panel does."""
    hosting = sim.model.get(serviceName)
    body = _object(req.json)
    unknown = sorted(set(body) - set(EMAIL_FIELDS))
    if unknown:
        raise bad_request(f"Unknown field(s) for hosting.web.email: {', '.join(unknown)}")
    current = hosting.email_object()
    read_only = sorted(name for name in body if name != "email" and body[name] != current[name])
    if read_only:
        raise bad_request(f"Read-only field(s) cannot be changed: {', '.join(read_only)}")
    if "email" in body:
        email = body["email"]
        if not valid_recipient(email):
            raise bad_request(f"[email] Given data ({email!r}) is not a valid e-mail address")
        sim.model.set_report_recipient(serviceName, email)
    return None


@API.route("GET", "/hosting/web/{serviceName}/email/bounces", action="webHosting:apiovh:email/bounces/get")
def get_bounces(sim, req, serviceName):
    hosting = sim.model.get(serviceName)
    values = req.query.get("limit")
    if not values or values[-1] == "":
        raise bad_request("[limit] Missing parameter(s): limit")
    limit = parse_long(values[-1])
    if limit is None:
        raise bad_request(f"[limit] Given data ({values[-1][:64]}) is not valid for type long")
    if not 1 <= limit <= 100:
        raise bad_request(f"[limit] Given data ({limit}) must be between 1 and 100")
    return _listing(sim, hosting.bounce_objects(limit))


@API.route("POST", "/hosting/web/{serviceName}/email/request", action="webHosting:apiovh:email/request/create")
def request_action(sim, req, serviceName):
    sim.model.get(serviceName)
    body = _object({} if req.json is None else req.json)
    unknown = sorted(set(body) - {"action"})
    if unknown:
        raise bad_request(f"Unknown parameter(s): {', '.join(unknown)}")
    if "action" not in body:
        raise bad_request("[action] Missing parameter(s): action")
    if body["action"] not in ACTIONS:
        raise bad_request(f"[action] Given data ({body['action']}) does not belong to the "
                          f"hosting.web.mail.ActionEnum enumeration ({', '.join(ACTIONS)})")
    return sim.model.request_action(serviceName, body["action"])


@API.route("GET", "/hosting/web/{serviceName}/email/volumes", action="webHosting:apiovh:email/volumes/get")
def get_volumes(sim, req, serviceName):
    return _listing(sim, sim.model.get(serviceName).volume_objects(today=day_of(sim.model.clock.now())))


@API.route("GET", "/hosting/web/{serviceName}/tasks", action="webHosting:apiovh:tasks/get")
def list_tasks(sim, req, serviceName):
    hosting = sim.model.get(serviceName)
    function = (req.query.get("function") or [None])[-1]
    status = (req.query.get("status") or [None])[-1]
    if status is not None and status not in TASK_STATUSES:
        raise bad_request(f"[status] Given data ({status}) does not belong to the hosting.web.task.StatusEnum "
                          f"enumeration")
    return [task["id"] for task in hosting.tasks
            if (function is None or function in task["function"]) and (status is None or task["status"] == status)]


@API.route("GET", "/hosting/web/{serviceName}/tasks/{id}", action="webHosting:apiovh:tasks/get")
def get_task(sim, req, serviceName, id):  # noqa: A002 - OVH's parameter name
    hosting = sim.model.get(serviceName)
    task_id = parse_long(id)  # at OVH a malformed or negative id is a missing object, not a bad request
    for task in hosting.tasks:
        if task["id"] == task_id:
            return task
    raise not_found("The requested object (id = %s) does not exist" % id[:64])


@API.route("GET", "/hosting/web/{serviceName}/abuseState", action="webHosting:apiovh:abuseState/get")
def abuse_state(sim, req, serviceName):
    return sim.model.get(serviceName).abuse_state()


def _listing(sim, items: list) -> list:
    """OVH may answer 404 rather than [] when there is nothing (the panel treats both alike): a config switch."""
    if not items and sim.model.config["empty_as_404"]:
        raise not_found("The requested object does not exist")
    return items


def _object(body) -> dict:
    if body is None:
        raise bad_request("Missing request body: a JSON object is expected")
    if not isinstance(body, dict):
        raise bad_request("Invalid request body: a JSON object is expected")
    return body
