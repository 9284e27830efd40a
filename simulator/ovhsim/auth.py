# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Application keys, consumer keys with access rules, and the OVH request signature.

The checks run in OVH's order: application key, consumer key, timestamp, signature, then the access rules.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass, field

from .errors import ApiError

# OVH rejects requests whose X-Ovh-Timestamp is too far from its clock; the window is not published.
TIMESTAMP_SKEW = 300
FULL_RIGHTS = [{"method": method, "path": "/*"} for method in ("GET", "POST", "PUT", "DELETE")]
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_ALPHABET = string.ascii_letters + string.digits
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signature(application_secret: str, consumer_key: str, method: str, url: str, body: str, timestamp: str) -> str:
    """``$1$`` + sha1 of AS+CK+METHOD+URL+BODY+TIMESTAMP joined by '+', as the ``ovh`` client computes it."""
    payload = "+".join([application_secret, consumer_key, method.upper(), url, body, str(timestamp)])
    return "$1$" + hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _position in range(length))


def rule_matches(rule: dict, method: str, path: str) -> bool:
    return rule["method"].upper() == method.upper() and path_matches(rule["path"], path)


def path_matches(rule_path: str, path: str) -> bool:
    """``*`` matches any characters, ``/`` included; ``/x/*`` does not cover ``/x`` itself."""
    return _rule_pattern(rule_path).fullmatch(path) is not None


@functools.lru_cache(maxsize=1024)
def _rule_pattern(rule_path: str) -> re.Pattern:
    return re.compile("".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", rule_path)))


def validate_rules(rules) -> list[dict]:
    """Access rules as given to POST /auth/credential or the admin API; raises a 400 naming what is wrong."""
    if not isinstance(rules, list) or not rules:
        raise ApiError(400, "accessRules must be a non-empty list of {method, path}")
    checked = []
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) - {"method", "path"}:
            raise ApiError(400, f"Invalid access rule {rule!r}: expected {{method, path}}")
        method, path = rule.get("method"), rule.get("path")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise ApiError(400, f"Invalid access rule method {method!r}: expected one of {', '.join(METHODS)}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ApiError(400, f"Invalid access rule path {path!r}: it must start with /")
        checked.append({"method": method.upper(), "path": path})
    return checked


@dataclass
class Credential:
    consumer_key: str
    application_key: str
    credential_id: int
    rules: list = field(default_factory=list)
    created: float = 0.0
    revoked: bool = False

    def allows(self, method: str, path: str) -> bool:
        return any(rule_matches(rule, method, path) for rule in self.rules)

    def to_dict(self) -> dict:
        return {"consumer_key": self.consumer_key, "application_key": self.application_key,
                "credential_id": self.credential_id, "rules": self.rules, "created": self.created,
                "revoked": self.revoked}


class KeyRing:
    """Applications (key -> secret) and consumer keys. One default application holds the full-rights key."""

    def __init__(self):
        self.applications: dict[str, dict] = {}
        self.credentials: dict[str, Credential] = {}
        self.default_application_key = ""
        self.default_consumer_key = ""
        self._next_id = 1

    @classmethod
    def generate(cls, now: float) -> "KeyRing":
        ring = cls()
        application = ring.add_application()
        ring.default_application_key = application["application_key"]
        ring.default_consumer_key = ring.add_credential(application["application_key"], FULL_RIGHTS, now).consumer_key
        return ring

    def add_application(self) -> dict:
        application = {"application_key": _token(16), "application_secret": _token(32),
                       "application_id": self._take_id()}
        self.applications[application["application_key"]] = application
        return application

    def add_credential(self, application_key: str, rules: list, now: float) -> Credential:
        credential = Credential(_token(32), application_key, self._take_id(), validate_rules(rules), now)
        self.credentials[credential.consumer_key] = credential
        return credential

    def revoke(self, consumer_key: str) -> None:
        credential = self.credentials.get(consumer_key)
        if credential is None:
            raise ApiError(404, f"Unknown consumer key {consumer_key!r}")
        credential.revoked = True

    def exports(self, consumer_key: str, endpoint: str) -> dict:
        credential = self.credentials[consumer_key]
        application = self.applications[credential.application_key]
        return {"endpoint": endpoint, "application_key": application["application_key"],
                "application_secret": application["application_secret"], "consumer_key": consumer_key}

    def _take_id(self) -> int:
        self._next_id += 1
        return 1000 + self._next_id

    def authenticate(self, headers, method: str, url: str, body: str, path: str, real_now: float) -> Credential:
        """Check one signed request; raise the ApiError OVH would answer."""
        application = self.applications.get(headers.get("X-Ovh-Application") or "")
        if application is None:
            raise ApiError(403, "Invalid application key", error_code="INVALID_KEY")
        consumer_key = headers.get("X-Ovh-Consumer")
        if not consumer_key:
            raise ApiError(403, "You must login first", error_code="NOT_CREDENTIAL")
        credential = self.credentials.get(consumer_key)
        if credential is None or credential.revoked or credential.application_key != application["application_key"]:
            raise ApiError(403, "This credential is not valid", error_code="INVALID_CREDENTIAL")
        timestamp = headers.get("X-Ovh-Timestamp") or ""
        # ASCII digits only, and few of them: str.isdigit() takes "²", and int() refuses 5,000 digits
        if not _TIMESTAMP.fullmatch(timestamp) or abs(int(timestamp) - real_now) > TIMESTAMP_SKEW:
            raise ApiError(400, "Invalid timestamp", error_code="INVALID_TIMESTAMP")
        expected = signature(application["application_secret"], consumer_key, method, url, body, timestamp)
        if not hmac.compare_digest(expected.encode(), (headers.get("X-Ovh-Signature") or "").encode()):
            raise ApiError(400, "Invalid signature", error_code="INVALID_SIGNATURE")
        if not credential.allows(method, path):
            raise ApiError(403, "This call has not been granted", error_code="NOT_GRANTED_CALL")
        return credential

    def to_dict(self) -> dict:
        return {"applications": self.applications, "credentials": [c.to_dict() for c in self.credentials.values()],
                "default_application_key": self.default_application_key,
                "default_consumer_key": self.default_consumer_key, "next_id": self._next_id}

    @classmethod
    def from_dict(cls, data: dict) -> "KeyRing":
        ring = cls()
        ring.applications = data["applications"]
        ring.credentials = {c["consumer_key"]: Credential(**c) for c in data["credentials"]}
        ring.default_application_key = data["default_application_key"]
        ring.default_consumer_key = data["default_consumer_key"]
        ring._next_id = data["next_id"]
        return ring
