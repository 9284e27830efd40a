# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVH e-mail objects to snake_case facts, bounce categories, sorting by parsed date, and the report recipient's
address check.

The facts format is the contract shared by ``email_info``, ``email`` and the ``hostings`` inventory plugin.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .email_state import is_sending

BOUNCE_CATEGORIES = ("unknown_user", "mailbox_full", "rejected_as_spam", "domain_not_found", "temporary", "other")

# First match wins. What the message says outranks its status code: "554 5.2.2 mailbox not found" is an unknown
# user although 5.2.2 means a full mailbox; a greylisting "Recipient address rejected" is temporary.
_CATEGORY_PATTERNS = (
    ("mailbox_full", re.compile(
        r"mailbox (?:is )?full|over ?quota|quota (?:exceeded|exceed)|exceeded (?:the )?(?:storage|quota)"
        r"|insufficient (?:system )?storage|mailbox size limit|user is over", re.I)),
    ("domain_not_found", re.compile(
        r"domain not found|no such domain|host (?:or domain name )?not found|non-?existent domain|nxdomain|no mx"
        r"|unrouteable|unroutable|name or service not known|domain (?:does not|doesn't) exist", re.I)),
    ("rejected_as_spam", re.compile(
        r"spam|blacklist|blocklist|block list|black list|reputation|dnsbl|\brbl\b", re.I)),
    ("temporary", re.compile(r"try again|temporar|greylist|deferred|timed? ?out|too many connections", re.I)),
    ("unknown_user", re.compile(
        r"user unknown|unknown user|no such (?:user|mailbox|recipient)|unknown recipient|invalid recipient"
        r"|recipient (?:unknown|not found)|does not exist|doesn't exist|mailbox (?:unavailable|not found)"
        r"|account (?:is )?(?:disabled|inactive)", re.I)),
    # Enhanced status codes (RFC 3463) when the words say nothing known.
    ("mailbox_full", re.compile(r"\b[45]\.2\.2\b")),
    ("domain_not_found", re.compile(r"\b5\.1\.2\b|\b5\.4\.4\b")),
    ("unknown_user", re.compile(r"\b5\.1\.[016]\b")),
    ("temporary", re.compile(r"^\s*4\d\d\b|\b4\.\d{1,3}\.\d{1,3}\b")),
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def bounce_category(message) -> str:
    """The category of a bounce from its SMTP message: one of BOUNCE_CATEGORIES."""
    if not message:
        return "other"
    for category, pattern in _CATEGORY_PATTERNS:
        if pattern.search(message):
            return category
    return "other"


def parse_datetime(text) -> datetime | None:
    """An OVH ISO 8601 datetime as a timezone-aware datetime (UTC when it carries no offset), or None."""
    if not text or not isinstance(text, str):
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _sort_key(item):
    # Unparseable dates sort as the oldest, so they never hide recent entries.
    return parse_datetime(item.get("date")) or _EPOCH


def email_facts(service_name: str, email: dict) -> dict:
    """The facts of ``GET /hosting/web/{sn}/email``."""
    state = email.get("state")
    return {
        "service_name": service_name,
        "state": state,
        "sending": is_sending(state),
        "report_recipient": email.get("email") or None,
        "sent_total": email.get("sent"),
        "sent_today": email.get("sentToday"),
        "bounced_total": email.get("bounce"),
        "max_per_day": email.get("maxPerDay"),
    }


def email_object(facts: dict) -> dict:
    """The OVH e-mail object that ``email_facts`` were made from (facts handed back in by a play)."""
    return {
        "state": facts.get("state"),
        "email": facts.get("report_recipient") or None,
        "sent": facts.get("sent_total"),
        "sentToday": facts.get("sent_today"),
        "bounce": facts.get("bounced_total"),
        "maxPerDay": facts.get("max_per_day"),
    }


def bounce_facts(bounces) -> list:
    """``hosting.web.mail.Bounce`` objects, newest first, each with its ``category``."""
    facts = [
        {
            "date": bounce.get("date"),
            "to": bounce.get("to"),
            "message": bounce.get("message"),
            "category": bounce_category(bounce.get("message")),
        }
        for bounce in bounces or ()
    ]
    return sorted(facts, key=_sort_key, reverse=True)


def volume_facts(volumes) -> list:
    """``hosting.web.mail.VolumeHistory`` objects, oldest first."""
    facts = [{"date": volume.get("date"), "volume": volume.get("volume")} for volume in volumes or ()]
    return sorted(facts, key=_sort_key)


# The report recipient (the e-mail object's ``email``): a plain address, as OVH takes it.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + _LABEL
                      + r"(?:\." + _LABEL + r")+$")


def address_problem(address):
    """Why ``address`` can't receive the error report, or None."""
    if len(address) > 254 or not _ADDRESS.fullmatch(address) or len(address.split("@")[0]) > 64:
        return "report_recipient %r is not an e-mail address (expected such as ops@example.com, or \"\" to clear)" % (
            address,)
    return None
