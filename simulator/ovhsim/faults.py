# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults, deterministic for a given seed and sequence of requests.

Settings are a list of rules; the first rule whose ``route`` (a glob on the path under /1.0, ``*`` matching
``/`` too) and ``method`` match a request decides for it. Without ``route`` a rule covers every /1.0 route
except ``/auth/*``, so the ``ovh`` client can still read the time. One uniform draw per request picks at most
one outcome: connection reset, 429, 5xx, or (PUT/POST only) "applied then answered 5xx".
"""
from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import asdict, dataclass, fields

from .auth import path_matches
from .errors import ApiError

HTML_ERROR = ("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1>"
              "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
ERROR_BODIES = {
    500: {"class": "Server::InternalServerError", "message": "Internal server error"},
    502: {"class": "Server::BadGateway", "message": "Bad gateway"},
    503: {"class": "Server::ServiceUnavailable", "message": "Service temporarily unavailable, please retry later"},
}


_NUMBERS = {"latency_ms", "jitter_ms", "error_rate", "error_status", "rate_429", "retry_after", "reset_rate",
            "apply_then_fail_rate"}


def _numeric(value):
    """A numeric string as its number ("503" -> 503, "0.3" -> 0.3), as the other admin routes take numbers from
    templating tools; anything else as it is, for the checks to name. For the rules' numbers and the seed."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


@dataclass
class FaultRule:
    route: str | None = None
    method: str | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    html_errors: bool = False
    rate_429: float = 0.0
    retry_after: int = 1
    reset_rate: float = 0.0
    apply_then_fail_rate: float = 0.0

    @classmethod
    def parse(cls, data: dict) -> "FaultRule":
        if not isinstance(data, dict):
            raise ApiError(400, f"a fault rule must be a JSON object, got {data!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ApiError(400, f"Unknown fault setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        rule = cls(**{name: _numeric(value) if name in _NUMBERS else value for name, value in data.items()})
        for name in ("route", "method"):
            value = getattr(rule, name)
            if value is not None and not isinstance(value, str):
                raise ApiError(400, f"{name} must be a string, got {value!r}")
        for name in ("error_rate", "rate_429", "reset_rate", "apply_then_fail_rate"):
            value = getattr(rule, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:  # NaN too
                raise ApiError(400, f"{name} must be a number from 0 to 1, got {value!r}")
        for name in ("latency_ms", "jitter_ms", "retry_after"):
            value = getattr(rule, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < math.inf:
                raise ApiError(400, f"{name} must be a number >= 0, got {value!r}")
        if isinstance(rule.html_errors, str) and rule.html_errors.lower() in ("true", "false"):
            rule.html_errors = rule.html_errors.lower() == "true"  # as the admin API's other booleans
        if not isinstance(rule.html_errors, bool):  # "false" or 1 must not turn HTML errors on
            raise ApiError(400, f"html_errors must be true or false, got {rule.html_errors!r}")
        if not isinstance(rule.error_status, int) or rule.error_status not in REASONS:
            raise ApiError(400, f"error_status must be 500, 502 or 503, got {rule.error_status!r}")
        if rule.method is not None:
            rule.method = rule.method.upper()
        if rule.reset_rate + rule.rate_429 + rule.error_rate + rule.apply_then_fail_rate > 1:
            raise ApiError(400, "reset_rate + rate_429 + error_rate + apply_then_fail_rate must not exceed 1")
        return rule

    def covers(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if self.route is None:
            return not path.startswith("/auth/")
        return path_matches(self.route, path)


@dataclass
class Decision:
    rule: FaultRule               # the rule that decided: status, HTML or not, Retry-After
    latency: float = 0.0          # seconds to wait before answering
    outcome: str | None = None    # None, "reset", "429", "error", "apply_then_fail"

    def error_response(self) -> tuple[int, dict, bytes]:
        """(status, headers, body) of the injected failure."""
        rule = self.rule
        if self.outcome == "429":
            body = b'{"class":"Client::TooManyRequests","message":"Too many requests, retry later"}'
            return 429, {"Retry-After": str(rule.retry_after), "Content-Type": "application/json"}, body
        status = rule.error_status
        if rule.html_errors:
            page = HTML_ERROR.format(status=status, reason=REASONS[status])
            return status, {"Content-Type": "text/html"}, page.encode()
        return status, {"Content-Type": "application/json"}, json.dumps(ERROR_BODIES[status]).encode()


class Faults:
    def __init__(self, settings: dict | None = None):
        self._lock = threading.Lock()
        self.set(settings or {})

    def set(self, settings: dict) -> dict:
        """Accept ``{rules: [...], seed}`` or a single rule's fields plus ``seed``."""
        settings = dict(settings)
        seed = _numeric(settings.pop("seed", 0))
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ApiError(400, f"seed must be an integer, got {seed!r}")
        if "rules" in settings:
            rules = settings.pop("rules")
            if settings or not isinstance(rules, list):
                raise ApiError(400, "give either {rules: [...], seed} or one rule's fields")
            parsed = [FaultRule.parse(rule) for rule in rules]
        else:
            parsed = [FaultRule.parse(settings)] if settings else []
        with self._lock:
            self.rules, self.seed = parsed, seed
            self._rng = random.Random(seed)
        return self.settings()

    def clear(self) -> dict:
        return self.set({})

    def settings(self) -> dict:
        return {"rules": [asdict(rule) for rule in self.rules], "seed": self.seed}

    def decide(self, method: str, path: str) -> Decision | None:
        rules = self.rules
        if not rules:
            return None
        rule = next((r for r in rules if r.covers(method, path)), None)
        if rule is None:
            return None
        with self._lock:
            jitter, draw = self._rng.random(), self._rng.random()
        decision = Decision(rule, latency=(rule.latency_ms + jitter * rule.jitter_ms) / 1000)
        thresholds = [("reset", rule.reset_rate), ("429", rule.rate_429), ("error", rule.error_rate)]
        if method in ("PUT", "POST"):
            thresholds.append(("apply_then_fail", rule.apply_then_fail_rate))
        for outcome, rate in thresholds:
            if draw < rate:
                decision.outcome = outcome
                break
            draw -= rate
        return decision
