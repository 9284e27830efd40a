# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApiError: one failed call, described so that an operator (and OVH support) can act on it."""

from __future__ import annotations

import re

# A quoted service name in a path; access rules use "*" in its place.
_SERVICE_SEGMENT = re.compile(r"^(/hosting/web/)[^/?]+")


# The errorCode values with which OVH refuses a request's keys rather than the request.
CREDENTIALS_REFUSED = ("INVALID_CREDENTIAL", "NOT_CREDENTIAL", "INVALID_KEY", "INVALID_SIGNATURE")


def access_rule_for(method: str, path: str) -> str:
    """The consumer-key access rule that covers ``method path``, e.g. ``POST /hosting/web/*/email/request``."""
    path = path.split("?", 1)[0]
    return "%s %s" % (method.upper(), _SERVICE_SEGMENT.sub(r"\1*", path))


class HostingApiError(Exception):
    """A call to the OVH API failed; ``str()`` names the hosting, the call, the status, OVH's message and query id.

    ``ambiguous`` is true when the request may have been applied although it failed (5xx, connection error,
    timeout, unreadable answer): the caller must re-read the state before sending it again.
    """

    def __init__(self, message, service_name=None, method=None, path=None, status=None, query_id=None,
                 error_code=None, ambiguous=False, retry_after=None, iam_actions=None):
        super().__init__(message)
        self.message = message
        self.service_name = service_name
        self.method = method
        self.path = path
        self.status = status
        self.query_id = query_id
        self.error_code = error_code
        self.ambiguous = ambiguous
        self.retry_after = retry_after
        # OVH's IAM names the actions it refused in details.unauthorizedActionsByIAM (a comma-separated string)
        self.iam_actions = iam_actions

    @property
    def not_granted(self) -> bool:
        """True when the consumer key lacks the access rule for this call."""
        return self.status == 403 and (
            self.error_code == "NOT_GRANTED_CALL" or "not been granted" in (self.message or "")
        )

    @property
    def credentials_refused(self) -> bool:
        """True when OVH refuses the keys themselves (invalid, revoked, expired, badly signed), whatever the call."""
        return self.error_code in CREDENTIALS_REFUSED or (
            self.status == 400 and "invalid signature" in (self.message or "").lower())

    @property
    def required_access_rule(self) -> str | None:
        if self.method and self.path:
            return access_rule_for(self.method, self.path)
        return None

    @property
    def call(self) -> str | None:
        """``METHOD /path`` of the failed call, or None."""
        if self.method and self.path:
            return "%s %s" % (self.method, self.path)
        return None

    @property
    def hint(self) -> str | None:
        """What to do about it, when OVH's answer says: the access rule to add, or the keys to check."""
        if self.status == 403 and self.iam_actions:
            where = " on hosting %s" % self.service_name if self.service_name else ""
            return "The service account needs the IAM action '%s'%s: add it to one of its policies" % (
                self.iam_actions, where)
        if self.not_granted and self.required_access_rule:
            return "The consumer key needs the access rule '%s'" % self.required_access_rule
        if self.status == 403 and self.credentials_refused:
            return "The consumer key or application key is invalid, expired or not validated yet"
        return None

    def fact(self) -> dict:
        """The failure as structured data: what modules return per hosting, and what the report lists."""
        return failure_fact(self.service_name, self, call=self.call, status=self.status, query_id=self.query_id)

    def __str__(self):
        parts = []
        if self.service_name:
            parts.append("hosting %s" % self.service_name)
        if self.method and self.path:
            parts.append("%s %s" % (self.method, self.path))
        prefix = ": ".join(parts)
        detail = "HTTP %s" % self.status if self.status is not None else "no HTTP answer"
        if self.error_code:
            detail += " %s" % self.error_code
        text = "%s failed (%s): %s" % (prefix, detail, self.message) if prefix else self.message
        if self.query_id:
            text += " [OVH query id %s]" % self.query_id
        if self.hint:
            text += ". %s" % self.hint
        return text


def failure_fact(service_name, error, call=None, status=None, query_id=None) -> dict:
    """One hosting that failed, as modules return it and the report lists it; ``summary`` is the one-line message
    (``str(error)``, headed by the hosting), and ``message`` what OVH (or the rule that refused) said, with the hint."""
    message = getattr(error, "message", None) or str(error)
    summary = str(error)
    if service_name and not summary.startswith("hosting %s" % service_name):
        summary = "hosting %s: %s" % (service_name, summary)
    hint = getattr(error, "hint", None)
    if hint:
        message = "%s: %s" % (message, hint[0].lower() + hint[1:])
    return {
        "service_name": service_name,
        "call": call,
        "status": status,
        "query_id": query_id,
        "message": message,
        "summary": summary,
    }
