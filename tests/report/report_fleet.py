# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small fleet of hosting facts, as email_info returns them, dated relative to a given time.

Every case the report must show: a healthy sender, a forced one, a blocked one, one flagged spam, one bouncing
over the threshold while still sending, one that sends too little to be judged, and one with no history.
"""

from __future__ import annotations

import datetime

PARIS = datetime.timezone(datetime.timedelta(hours=1))
# The time the rendered fixtures are judged as of (email_report_as_of): early afternoon in Paris, so that OVH's day,
# which starts at midnight in Paris, holds the fixture's bounces of the last hours whatever the hour tests run at.
AS_OF = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)
MESSAGES = {
    "unknown_user": "550 5.1.1 <{to}>: Recipient address rejected: User unknown",
    "mailbox_full": "452 4.2.2 <{to}>: Mailbox full",
    "rejected_as_spam": "550 5.7.1 Message rejected as spam",
    "domain_not_found": "550 5.1.2 Host or domain name not found",
}


def _volumes(now, daily):
    today = now.astimezone(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    days = len(daily)
    return [{"date": (today - datetime.timedelta(days=days - 1 - index)).isoformat(), "volume": volume}
            for index, volume in enumerate(daily)]


def _bounces(now, count, spacing_minutes, categories):
    bounces = []
    for index in range(count):
        category = categories[index % len(categories)]
        to = f"user{index}@example.org"
        when = now.astimezone(PARIS) - datetime.timedelta(minutes=spacing_minutes * (index + 1))
        bounces.append({"date": when.replace(microsecond=0).isoformat(), "to": to,
                        "message": MESSAGES[category].format(to=to), "category": category})
    return bounces


def _hosting(name, state, recipient, sent_total, sent_today, bounced_total, volumes, bounces):
    return {"service_name": name, "state": state, "sending": state in ("ok", "force"),
            "report_recipient": recipient, "sent_total": sent_total, "sent_today": sent_today,
            "bounced_total": bounced_total, "max_per_day": 2400, "bounces": bounces, "volumes": volumes}


def fleet(now):
    """Seven hostings; the violating ones are ko, spam and bouncy (and noreport when a recipient is required)."""
    wave = [40 + (day * 7) % 23 for day in range(30)]
    return [
        _hosting("healthy.cluster021.hosting.ovh.net", "ok", "ops@example.com", 1520, 60, 12,
                 _volumes(now, wave), _bounces(now, 2, 300, ["mailbox_full"])),
        _hosting("forced.cluster021.hosting.ovh.net", "force", "ops@example.com", 880, 30, 40,
                 _volumes(now, [20] * 30), _bounces(now, 3, 200, ["unknown_user"])),
        _hosting("blocked.cluster022.hosting.ovh.net", "ko", "ops@example.com", 300, 0, 5,
                 _volumes(now, [10] * 20 + [0] * 10), []),
        _hosting("spammer.cluster022.hosting.ovh.net", "spam", None, 9000, 0, 2500,
                 _volumes(now, [5] * 25 + [800, 1900, 2400, 2400, 0]),
                 _bounces(now, 8, 90, ["rejected_as_spam", "unknown_user", "domain_not_found"])),
        _hosting("bouncy.cluster023.hosting.ovh.net", "ok", "web@example.com", 400, 40, 30,
                 _volumes(now, [0] * 28 + [12, 40]), _bounces(now, 12, 60, ["unknown_user", "mailbox_full"])),
        _hosting("quiet.cluster023.hosting.ovh.net", "ok", "web@example.com", 20, 3, 2,
                 _volumes(now, [1] * 30), _bounces(now, 2, 30, ["unknown_user"])),
        _hosting("noreport.cluster024.hosting.ovh.net", "ok", None, 0, 0, 0, [], []),
    ]


def unreadable():
    """Two hostings email_info could not read, as it returns them in 'unreadable' (in its order, not sorted): one
    answered 500 after every retry, one never answered. The message is long and has markup, as OVH's may."""
    return [
        {"service_name": "reset.cluster025.hosting.ovh.net", "call": None, "status": None, "query_id": None,
         "message": "connection error or timeout: ('Connection aborted.', ConnectionResetError(104, "
                    "'Connection reset by peer')) <while reading the answer of a very long and unbroken request>"},
        {"service_name": "down.cluster025.hosting.ovh.net",
         "call": "GET /hosting/web/down.cluster025.hosting.ovh.net/email", "status": 500,
         "query_id": "EU.ext-1.6745aa12.3141.59265358979", "message": "Internal server error"},
    ]


SPAM, BLOCKED, BOUNCE, PURGING, FORCED, BOUNCY, NO_RECIPIENT = 10, 10, 5, 3, 20, 10, 12


def large_fleet(now, size=1000):
    """``size`` hostings as a real fleet looks when a report is needed: most healthy, with 30 days of volumes each
    and a few bounces for some; ten spam, ten blocked, a few in bounce or purging, ten bouncing over the threshold
    while still sending, twelve without a report recipient. Each hosting with a problem has a full bounce history
    (100, email_info's default in the report role)."""
    kinds = (["spam"] * SPAM + ["ko"] * BLOCKED + ["bounce"] * BOUNCE + ["purging"] * PURGING + ["force"] * FORCED
             + ["bouncy"] * BOUNCY + ["norecipient"] * NO_RECIPIENT)
    kinds += ["ok"] * (size - len(kinds))
    hostings = []
    for index, kind in enumerate(kinds):
        # Spread the problems over the names, as they are in a real fleet (not all at the top of the list).
        number = (index * 389) % size
        name = f"site-{number:04d}.cluster{20 + number % 40:03d}.hosting.ovh.net"
        state = kind if kind in ("spam", "ko", "bounce", "purging", "force") else "ok"
        daily = [(number * 7 + day * 13) % 90 + 10 for day in range(30)]
        problem = kind not in ("ok", "force")
        if kind == "bouncy":
            bounces = _bounces(now, 100, 10, ["unknown_user", "mailbox_full", "domain_not_found"])
            sent_today = 120
        elif problem:
            bounces = _bounces(now, 100, 25, ["rejected_as_spam", "unknown_user", "domain_not_found"])
            sent_today = 0 if state != "ok" else 40
        else:
            bounces = _bounces(now, number % 3, 240, ["mailbox_full"])
            sent_today = daily[-1]
        recipient = None if kind == "norecipient" else f"webmaster@site-{number:04d}.example.com"
        hostings.append(_hosting(name, state, recipient, sum(daily) * 12, sent_today, len(bounces) * 4,
                                 _volumes(now, daily), bounces))
    return hostings
