# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OAuth2 service accounts, their access tokens, and IAM policies.

A service account gets tokens from ``POST /auth/oauth2/token`` (client credentials, RFC 6749 section 4.4) and
sends them as ``Authorization: Bearer``. What it may do is what IAM policies allow: a policy lists identities
(``urn:v1:eu:identity:credential:<account>/oauth2-<client_id>``), resources (``urn:v1:eu:resource:webHosting:
<serviceName>``) and allowed actions (``webHosting:apiovh:email/get``); ``*`` in a resource or an action matches
any characters.

OVH's answers that are known are followed: the token answer (``access_token``, ``token_type: Bearer``,
``expires_in``, ``scope: all``) and the IAM refusal (403 "User not granted for this request" with
``details.unauthorizedActionsByIAM``). Where OVH's exact answer is not known, the simulator's choice is RFC 6749's
error object for the token endpoint (``invalid_client`` 401, ``unsupported_grant_type`` 400, ``invalid_request``
400) and 401 ``Client::Unauthorized`` "Invalid or expired token" for a bearer token that is unknown, expired or
of a revoked account.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hmac
import re
import secrets
import string
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qs, unquote_plus

from .errors import ApiError

ACCOUNT = "xx1111-ovh"  # the simulated OVH account (NIC handle) the service accounts belong to
RESOURCE_PREFIX = "urn:v1:eu:resource:webHosting:"
DEFAULT_TOKEN_LIFETIME = 3600
MAX_TOKEN_LIFETIME = 86400
# OVH's action names of the routes this simulator serves (its schema's x-iam-actions)
ACTIONS = ("webHosting:apiovh:get", "webHosting:apiovh:edit", "webHosting:apiovh:email/get",
           "webHosting:apiovh:email/edit", "webHosting:apiovh:email/bounces/get",
           "webHosting:apiovh:email/volumes/get", "webHosting:apiovh:email/request/create",
           "webHosting:apiovh:tasks/get", "webHosting:apiovh:abuseState/get")
_ALPHABET = string.ascii_letters + string.digits
_PATTERN_TEXT = re.compile(r"^[\x21-\x7e]{1,512}$")


def resource_urn(service_name: str) -> str:
    return RESOURCE_PREFIX + service_name


def identity_urn(client_id: str) -> str:
    return f"urn:v1:eu:identity:credential:{ACCOUNT}/oauth2-{client_id}"


def matches(pattern: str, value: str) -> bool:
    return _pattern(pattern).fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern:
    return re.compile("".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", text)))


class TokenError(Exception):
    """A refusal of the token endpoint, as RFC 6749 section 5.2 shapes it."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


def not_granted(action: str) -> ApiError:
    """OVH's answer to a call that no policy allows (its IAM troubleshooting guide)."""
    return ApiError(403, "User not granted for this request",
                    details={"unauthorizedActionsByAuthentication": "", "unauthorizedActionsByIAM": action})


def invalid_token() -> ApiError:
    return ApiError(401, "Invalid or expired token", error_class="Client::Unauthorized")


@dataclass
class ServiceAccount:
    client_id: str
    client_secret: str
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    revoked: bool = False

    @property
    def identity(self) -> str:
        return identity_urn(self.client_id)


@dataclass
class Policy:
    name: str
    identities: list
    resources: list
    allow: list
    id: str = field(default_factory=lambda: secrets.token_hex(8))

    def allows(self, identity: str, action: str, resource: str | None) -> bool:
        """``resource`` None: the action on any resource (a listing is filtered afterwards)."""
        return (identity in self.identities and any(matches(pattern, action) for pattern in self.allow)
                and (resource is None or any(matches(pattern, resource) for pattern in self.resources)))


def validate_policy(body) -> Policy:
    if not isinstance(body, dict):
        raise ApiError(400, "a policy is a JSON object {name, identities, resources, allow}")
    unknown = sorted(set(body) - {"name", "identities", "resources", "allow"})
    if unknown:
        raise ApiError(400, f"unknown policy field(s): {', '.join(unknown)}")
    name = body.get("name", "policy")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "name must be a non-empty string")
    lists = {}
    for key in ("identities", "resources", "allow"):
        value = body.get(key)
        if not isinstance(value, list) or not value or not all(
                isinstance(item, str) and _PATTERN_TEXT.match(item) for item in value):
            raise ApiError(400, f"{key} must be a non-empty list of strings without spaces")
        lists[key] = list(value)
    return Policy(name, **lists)


class Iam:
    """Service accounts, tokens and policies; the simulator's lock serializes every use."""

    def __init__(self):
        self.accounts: dict[str, ServiceAccount] = {}
        self.tokens: dict[str, dict] = {}     # access token -> {client_id, expires_at}
        self.policies: list[Policy] = []

    def create_account(self, token_lifetime: int = DEFAULT_TOKEN_LIFETIME) -> ServiceAccount:
        account = ServiceAccount(_random(16).lower(), _random(32), token_lifetime)
        self.accounts[account.client_id] = account
        return account

    def add_policy(self, policy: Policy) -> Policy:
        self.policies.append(policy)
        return policy

    def account(self, client_id: str) -> ServiceAccount:
        account = self.accounts.get(client_id)
        if account is None:
            raise ApiError(404, f"Unknown client id {client_id!r}")
        return account

    def revoke(self, client_id: str) -> None:
        self.account(client_id).revoked = True
        self.expire_tokens(client_id)

    def expire_tokens(self, client_id: str) -> int:
        """End every token of the account now (its client does not know it yet); returns how many."""
        self.account(client_id)
        ended = [token for token, data in self.tokens.items() if data["client_id"] == client_id]
        for token in ended:
            del self.tokens[token]
        return len(ended)

    # --- the token endpoint ------------------------------------------------------------------------------------

    def issue_token(self, headers, body: str, now: float) -> dict:
        """``POST /auth/oauth2/token``: client credentials from Basic auth or the form body."""
        form = {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}
        if form.get("grant_type") != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
        client_id, client_secret = _basic_credentials(headers.get("Authorization") or "")
        if client_id is None:
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not client_id or client_secret is None:
            raise TokenError(400, "invalid_request", "client_id and client_secret are required")
        account = self.accounts.get(client_id)
        if account is None or account.revoked or not hmac.compare_digest(
                account.client_secret.encode(), client_secret.encode()):
            raise TokenError(401, "invalid_client", "invalid client credentials")
        self.tokens = {token: data for token, data in self.tokens.items() if data["expires_at"] > now}
        token = _random(48)
        self.tokens[token] = {"client_id": client_id, "expires_at": now + account.token_lifetime}
        return {"access_token": token, "token_type": "Bearer", "expires_in": account.token_lifetime,
                "scope": "all"}

    # --- API requests ------------------------------------------------------------------------------------------

    def authenticate(self, authorization: str, now: float) -> ServiceAccount:
        scheme, _space, token = authorization.partition(" ")
        data = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if data is None or data["expires_at"] <= now:
            raise invalid_token()
        account = self.accounts.get(data["client_id"])
        if account is None or account.revoked:
            raise invalid_token()
        return account

    def allows(self, account: ServiceAccount, action: str, resource: str | None) -> bool:
        return any(policy.allows(account.identity, action, resource) for policy in self.policies)

    def authorize(self, account: ServiceAccount, action: str, resource: str | None) -> None:
        if not self.allows(account, action, resource):
            raise not_granted(action)

    def to_dict(self) -> dict:
        return {"accounts": [asdict(account) for account in self.accounts.values()], "tokens": self.tokens,
                "policies": [asdict(policy) for policy in self.policies]}

    @classmethod
    def from_dict(cls, data: dict) -> "Iam":
        iam = cls()
        iam.accounts = {item["client_id"]: ServiceAccount(**item) for item in data.get("accounts", [])}
        iam.tokens = dict(data.get("tokens", {}))
        iam.policies = [Policy(**item) for item in data.get("policies", [])]
        return iam


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _position in range(length))


def _basic_credentials(header: str):
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, separator, client_secret = decoded.partition(":")
    if not separator:
        return None, None
    # RFC 6749 section 2.3.1: form-urlencoded before Basic encoding
    return unquote_plus(client_id), unquote_plus(client_secret)
