# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounce ratio that the policy guard and the report judge a hosting by.

Bounces in the last ``hours`` (24 by default) divided by ``sent_today``. A hosting that sent fewer than
``min_sent`` mails today is not judged (three mails and one bounce is not a spam wave). OVH dates carry an
offset, so every comparison is between timezone-aware datetimes.
"""

from __future__ import annotations

import datetime

DEFAULT_WINDOW_HOURS = 24


def parse_date(value):
    """An aware datetime from an OVH date (ISO 8601 with offset); a naive value is taken as UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def reference_time(now=None):
    """``now`` as an aware datetime; the current time when not given."""
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    return parse_date(now)


def recent_bounces(bounces, hours=DEFAULT_WINDOW_HOURS, now=None):
    """The bounces dated within ``hours`` before ``now`` (later ones too: clocks differ), newest first."""
    since = reference_time(now) - datetime.timedelta(hours=hours)
    dated = [(parse_date(bounce["date"]), bounce) for bounce in bounces or [] if bounce.get("date")]
    return [bounce for when, bounce in sorted(dated, key=lambda pair: pair[0], reverse=True) if when >= since]


def bounce_ratio(hosting, min_sent=0, hours=DEFAULT_WINDOW_HOURS, now=None):
    """How a hosting bounces: ``{bounces, sent, ratio, judged}``.

    ``ratio`` is ``None`` when the hosting sent fewer than ``min_sent`` mails today (or none at all), and
    ``judged`` says whether a threshold may be applied to it.
    """
    bounces = len(recent_bounces(hosting.get("bounces"), hours=hours, now=now))
    sent = int(hosting.get("sent_today") or 0)
    judged = sent > 0 and sent >= int(min_sent or 0)
    return {
        "bounces": bounces,
        "sent": sent,
        "ratio": round(bounces / sent, 4) if judged else None,
        "judged": judged,
        "window_hours": hours,
    }
