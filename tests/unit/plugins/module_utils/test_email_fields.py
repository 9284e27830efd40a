# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts format, bounce categories, ordering by parsed timezone-aware dates."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import (
    BOUNCE_CATEGORIES,
    bounce_category,
    bounce_facts,
    email_facts,
    parse_datetime,
    volume_facts,
)


def test_email_facts_are_snake_case():
    raw = {"bounce": 40, "email": "ops@example.com", "maxPerDay": 1000, "sent": 1234, "sentToday": 12,
           "state": "force"}
    assert email_facts("a.example", raw) == {
        "service_name": "a.example", "state": "force", "sending": True, "report_recipient": "ops@example.com",
        "sent_total": 1234, "sent_today": 12, "bounced_total": 40, "max_per_day": 1000,
    }


@pytest.mark.parametrize("state, sending", [("ok", True), ("force", True), ("ko", False), ("bounce", False),
                                            ("spam", False), ("purging", False)])
def test_sending(state, sending):
    assert email_facts("a.example", {"state": state})["sending"] is sending


def test_empty_recipient_is_null():
    assert email_facts("a.example", {"state": "ok", "email": ""})["report_recipient"] is None


@pytest.mark.parametrize("message, category", [
    ("550 5.1.1 <a@example.org>: Recipient address rejected: User unknown in virtual mailbox table", "unknown_user"),
    ("550 5.1.1 The email account that you tried to reach does not exist.", "unknown_user"),
    ("550 No such user here", "unknown_user"),
    ("552 5.2.2 The email account that you tried to reach is over quota.", "mailbox_full"),
    ("452 4.2.2 Mailbox full", "mailbox_full"),
    ("550 5.7.1 Message rejected as spam by Content Filtering.", "rejected_as_spam"),
    ("554 5.7.1 Service unavailable; Client host [1.2.3.4] blocked using zen.spamhaus.org", "rejected_as_spam"),
    ("550 5.7.1 Recipient address rejected: spam suspected", "rejected_as_spam"),
    ("550 5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy", "other"),
    ("554 5.2.2 mailbox not found: <a@example.org>", "unknown_user"),
    ("450 4.2.0 <a@x.org>: Recipient address rejected: Greylisted, please try again in 300 seconds", "temporary"),
    ("554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain x.invalid", "domain_not_found"),
    ("550 5.1.1 <a@x.org>... rejected", "unknown_user"),
    ("552 5.2.2 storage allocation exceeded", "mailbox_full"),
    ("451 4.3.0 Local problem", "temporary"),
    ("Host or domain name not found. Name service error for name=example.invalid type=MX", "domain_not_found"),
    ("550 5.1.2 Domain does not exist", "domain_not_found"),
    ("421 4.7.0 Try again later, closing connection.", "temporary"),
    ("450 4.2.0 Greylisted, please retry in 5 minutes", "temporary"),
    ("Connection timed out", "temporary"),
    ("something odd happened", "other"),
    ("", "other"),
    (None, "other"),
])
def test_bounce_category(message, category):
    assert category in BOUNCE_CATEGORIES
    assert bounce_category(message) == category


def test_bounces_newest_first_by_instant_not_text():
    bounces = [
        {"date": "2026-11-25T10:00:00+01:00", "to": "a@x.org", "message": "550 5.1.1 User unknown"},  # 09:00Z
        {"date": "2026-11-25T09:30:00+00:00", "to": "b@x.org", "message": "552 5.2.2 Mailbox full"},  # 09:30Z
        {"date": "2026-11-25T03:45:00-05:00", "to": "c@x.org", "message": "spam"},  # 08:45Z
    ]
    assert [b["to"] for b in bounce_facts(bounces)] == ["b@x.org", "a@x.org", "c@x.org"]
    assert bounce_facts(bounces)[0] == {"date": "2026-11-25T09:30:00+00:00", "to": "b@x.org",
                                        "message": "552 5.2.2 Mailbox full", "category": "mailbox_full"}


def test_volumes_oldest_first():
    volumes = [{"date": "2026-11-25T00:00:00+01:00", "volume": 3}, {"date": "2026-11-23T00:00:00+01:00", "volume": 1},
               {"date": "2026-11-24T00:00:00Z", "volume": 2}]
    assert [v["volume"] for v in volume_facts(volumes)] == [1, 2, 3]


def test_unparseable_dates_sort_as_oldest():
    bounces = [{"date": "yesterday", "to": "old@x.org"}, {"date": "2026-11-25T10:00:00+01:00", "to": "new@x.org"}]
    assert [b["to"] for b in bounce_facts(bounces)] == ["new@x.org", "old@x.org"]


def test_parse_datetime_is_timezone_aware():
    assert parse_datetime("2026-11-25T10:00:00+01:00").utcoffset().total_seconds() == 3600
    assert parse_datetime("2026-11-25T10:00:00Z").utcoffset().total_seconds() == 0
    assert parse_datetime("2026-11-25T10:00:00").tzinfo is not None
    assert parse_datetime("nope") is None and parse_datetime(None) is None
