# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin API under /_sim: what tests, the CLI and demos use to drive the simulator. Never under /1.0,
never signed, never faulted, never in the request log."""
from __future__ import annotations

import time

from .errors import ApiError, bad_request
from .hosting import SERVICE_NAME, normalize_offer
from .iam import DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, RESOURCE_PREFIX, validate_policy
from .router import Router
from .routes import API, valid_recipient
from .seed import MAX_FLEET, PROFILES, seed_fleet

ADMIN = Router("/_sim", "Unknown admin route")
SEND_LIMIT = 1_000_000


@ADMIN.route("GET", "/", auth=False)
def index(sim, req):
    """What this server offers: the OVH routes and the admin routes."""
    return {"api": [f"{r.method} /1.0{r.template}" for r in API.routes],
            "admin": [f"{r.method} /_sim{r.template}" for r in ADMIN.routes]}


@ADMIN.route("GET", "/credentials", auth=False)
def credentials(sim, req):
    return sim.keys.exports(sim.keys.default_consumer_key, sim.endpoint(req))


@ADMIN.route("POST", "/keys", auth=False)
def create_key(sim, req):
    body = _fields(req.json, required={"rules"}, optional=set())
    credential = sim.keys.add_credential(sim.keys.default_application_key, body["rules"], time.time())
    sim.save_keys()
    return sim.keys.exports(credential.consumer_key, sim.endpoint(req))


@ADMIN.route("POST", "/keys/revoke", auth=False)
def revoke_key(sim, req):
    body = _fields(req.json, required={"consumer_key"}, optional=set())
    if body["consumer_key"] == sim.keys.default_consumer_key:
        raise bad_request("The full-rights key cannot be revoked")
    sim.keys.revoke(body["consumer_key"])
    sim.save_keys()
    return None


@ADMIN.route("POST", "/service-accounts", auth=False)
def create_service_account(sim, req):
    """An OAuth2 service account; with ``actions``, a policy that allows them on ``resources`` (by default every
    hosting). Answers its exports: endpoint, client_id, client_secret, and its identity URN for policies."""
    body = _fields(req.json or {}, required=set(), optional={"actions", "resources", "token_lifetime"})
    lifetime = _integer(body, "token_lifetime", DEFAULT_TOKEN_LIFETIME, 1, MAX_TOKEN_LIFETIME)
    if "resources" in body and "actions" not in body:
        raise bad_request("resources are those of the actions: give actions too")
    policy = None
    if "actions" in body:
        policy = validate_policy({"name": "service account", "identities": ["pending"],
                                  "resources": body.get("resources", [RESOURCE_PREFIX + "*"]),
                                  "allow": body["actions"]})
    account = sim.iam.create_account(lifetime)
    if policy is not None:
        policy.identities = [account.identity]
        sim.iam.add_policy(policy)
    sim.save_iam()
    return {"endpoint": sim.endpoint(req), "client_id": account.client_id, "client_secret": account.client_secret,
            "identity": account.identity}


@ADMIN.route("GET", "/service-accounts/{client_id}", auth=False)
def get_service_account(sim, req, client_id):
    account = sim.iam.account(client_id)
    return {"client_id": account.client_id, "identity": account.identity, "revoked": account.revoked,
            "token_lifetime": account.token_lifetime}


@ADMIN.route("POST", "/service-accounts/revoke", auth=False)
def revoke_service_account(sim, req):
    """The account's tokens end now and it gets no new one."""
    body = _fields(req.json, required={"client_id"}, optional=set())
    sim.iam.revoke(body["client_id"])
    sim.save_iam()
    return None


@ADMIN.route("POST", "/service-accounts/expire-tokens", auth=False)
def expire_tokens(sim, req):
    """End the account's tokens now, before the expires_in its client was told: the next call gets a 401."""
    body = _fields(req.json, required={"client_id"}, optional=set())
    expired = sim.iam.expire_tokens(body["client_id"])
    sim.save_iam()
    return {"expired": expired}


@ADMIN.route("GET", "/iam/policies", auth=False)
def list_policies(sim, req):
    return [vars(policy) for policy in sim.iam.policies]


@ADMIN.route("POST", "/iam/policies", auth=False)
def create_policy(sim, req):
    """``{name, identities, resources, allow}``, as OVH's POST /iam/policy takes them (``allow`` as a list of
    action names rather than of ``{action}`` objects)."""
    policy = sim.iam.add_policy(validate_policy(req.json))
    sim.save_iam()
    return vars(policy)


@ADMIN.route("GET", "/validated", auth=False)
def validated(sim, req):
    return {"state": "validated"}


@ADMIN.route("POST", "/reset", auth=False)
def reset(sim, req):
    sim.reset()
    return None


@ADMIN.route("POST", "/seed", auth=False)
def seed(sim, req):
    body = _fields(req.json or {}, required=set(), optional={"fleet", "profile", "seed"})
    fleet = _integer(body, "fleet", 10, 0, MAX_FLEET)
    profile = body.get("profile", "mixed")
    if profile not in PROFILES:
        raise bad_request(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    return {"service_names": seed_fleet(sim.model, fleet, profile, _integer(body, "seed", 0, 0, 2**63))}


@ADMIN.route("POST", "/hostings", auth=False)
def create_hosting(sim, req):
    body = _fields(req.json, required={"service_name"},
                   optional={"offer", "state", "email", "sent", "sent_today", "bounce"})
    name = body.pop("service_name")
    if not isinstance(name, str) or not SERVICE_NAME.match(name):
        raise bad_request(f"service_name {name!r} is not a hosting name (e.g. shop-1.cluster021.hosting.ovh.net)")
    if "offer" in body:
        try:
            body["offer"] = normalize_offer(body["offer"])
        except ValueError as error:
            raise bad_request(str(error)) from None
    email = body.get("email")
    if not valid_recipient(email):
        raise bad_request(f"email {email!r} is not a valid address")
    for counter in ("sent", "sent_today", "bounce"):
        if counter in body:
            body[counter] = _integer(body, counter, 0, 0, 2**53)
    return sim.model.upsert(name, **body).record()


@ADMIN.route("GET", "/hostings", auth=False)
def list_hostings(sim, req):
    return [hosting.record() for _name, hosting in sorted(sim.model.hostings.items())]


@ADMIN.route("GET", "/hostings/{service_name}", auth=False)
def get_hosting(sim, req, service_name):
    return sim.model.get(service_name).record()


@ADMIN.route("POST", "/send", auth=False)
def send(sim, req):
    body = _fields(req.json, required={"service_name", "count"},
                   optional={"bounce_rate", "recipients", "bouncing"})
    sim.model.get(body["service_name"])
    count = _integer(body, "count", 1, 0, SEND_LIMIT)
    bounce_rate = _number(body, "bounce_rate", 0.0, 0, 1)
    lists = {}
    for name in ("recipients", "bouncing"):
        value = body.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise bad_request(f"{name} must be a list of addresses or domains")
        lists[name] = value
    return sim.model.send(body["service_name"], count, bounce_rate, **lists)


@ADMIN.route("POST", "/flag-spam", auth=False)
def flag_spam(sim, req):
    body = _fields(req.json, required={"service_name"}, optional=set())
    sim.model.flag_spam(body["service_name"])
    return None


@ADMIN.route("GET", "/clock", auth=False)
def clock(sim, req):
    return sim.clock_view()


@ADMIN.route("POST", "/clock/advance", auth=False)
def advance_clock(sim, req):
    body = _fields(req.json, required={"seconds"}, optional=set())
    sim.advance_clock(_number(body, "seconds", 0, 0, 10 * 365 * 86400))
    return sim.clock_view()


@ADMIN.route("GET", "/config", auth=False)
def get_config(sim, req):
    return sim.model.config


@ADMIN.route("POST", "/config", auth=False)
def set_config(sim, req):
    body = _fields(req.json, required=set(), optional=set(sim.model.config))
    limits = {"action_delay": (0, 86400), "bounce_threshold": (0, 1), "bounce_window": (3600, 30 * 86400),
              "bounce_min_mails": (1, 10**6)}
    sim.model.config.update({name: _boolean(body, name) if name not in limits else
                             _number(body, name, None, *limits[name]) for name in body})
    sim.save_config()
    return sim.model.config


@ADMIN.route("GET", "/faults", auth=False)
def get_faults(sim, req):
    return sim.faults.settings()


@ADMIN.route("POST", "/faults", auth=False)
def set_faults(sim, req):
    if not isinstance(req.json, dict):
        raise bad_request("fault settings must be a JSON object")
    settings = sim.faults.set(req.json)
    sim.save_faults()
    return settings


@ADMIN.route("DELETE", "/faults", auth=False)
def clear_faults(sim, req):
    settings = sim.faults.clear()
    sim.save_faults()
    return settings


@ADMIN.route("GET", "/ledger", auth=False)
def ledger(sim, req):
    return sim.model.ledger()


@ADMIN.route("GET", "/outbox", auth=False)
def outbox(sim, req):
    return sim.store.load_outbox(limit=10_000)


@ADMIN.route("GET", "/requests", auth=False)
def requests_log(sim, req):
    return list(sim.requests)


@ADMIN.route("DELETE", "/requests", auth=False)
def clear_requests_log(sim, req):
    sim.requests.clear()
    return None


NAME_FIELDS = {"service_name", "consumer_key", "client_id", "profile"}  # looked up by value: a list or number would crash it


def _fields(body, required: set, optional: set) -> dict:
    if not isinstance(body, dict):
        raise bad_request("a JSON object is expected")
    missing = sorted(required - set(body))
    unknown = sorted(set(body) - required - optional)
    if missing:
        raise bad_request(f"missing field(s): {', '.join(missing)}")
    if unknown:
        raise bad_request(f"unknown field(s): {', '.join(unknown)} (known: {', '.join(sorted(required | optional))})")
    for name in sorted(NAME_FIELDS & set(body)):
        if not isinstance(body[name], str):
            raise bad_request(f"{name} must be a string, got {body[name]!r}")
    return dict(body)


def _integer(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = _number(body, name, default, low, high)
    if value != int(value):
        raise ApiError(400, f"{name} must be an integer from {low} to {high}, got {body[name]!r}")
    return int(value)


def _boolean(body: dict, name: str) -> bool:
    value = body[name]
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ApiError(400, f"{name} must be true or false, got {value!r}")
    return value


def _number(body: dict, name: str, default, low: float, high: float):
    """A number in range. Numeric strings are accepted: templating tools (Ansible's uri) may send "38" for 38."""
    value = body.get(name, default)
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value) if isinstance(value, str) else value
        if not isinstance(number, (int, float)) or not low <= number <= high:
            raise ValueError
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be a number from {low} to {high}, got {value!r}") from None
    return number
