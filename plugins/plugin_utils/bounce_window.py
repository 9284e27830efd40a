# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounce ratio that the policy guard, the report and the diagnosis judge a hosting by.

Both figures cover one window: OVH's day. ``sent_today`` (OVH's ``sentToday``) counts the mails sent since
midnight, Europe/Paris time, so the ratio counts the bounces dated since that same midnight (and within ``hours``
before ``now``, 24 by default, which never cuts a day short). Dividing the bounces of the last 24 hours by the
mails of the morning inflated the ratio early in the day (28.6 % on 21 mails at 08:21 for a hosting bouncing
5 %). A hosting that sent fewer than ``min_sent`` mails today is not judged (three mails and one bounce is not a
spam wave). OVH dates carry an offset, so every comparison is between timezone-aware datetimes.
"""

from __future__ import annotations

import datetime

try:
    from zoneinfo import ZoneInfo
    OVH_ZONE = ZoneInfo("Europe/Paris")
except Exception:  # pylint: disable=broad-except  # no tz database: central European time without summer time
    OVH_ZONE = datetime.timezone(datetime.timedelta(hours=1), "CET")

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import parse_datetime

DEFAULT_WINDOW_HOURS = 24


def parse_date(value):
    """An aware datetime from an OVH date, read as the facts are (``email_fields.parse_datetime``: ISO 8601, a naive
    value taken as UTC); ``ValueError`` when it is no date."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=datetime.timezone.utc)
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    return parsed


def reference_time(now=None):
    """``now`` as an aware datetime; the current time when not given."""
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    return parse_date(now)


def day_start(now=None):
    """Midnight, Europe/Paris time, of the day of ``now``: when OVH resets ``sentToday``."""
    local = reference_time(now).astimezone(OVH_ZONE)
    return datetime.datetime.combine(local.date(), datetime.time(), tzinfo=OVH_ZONE)


def recent_bounces(bounces, hours=DEFAULT_WINDOW_HOURS, now=None, since=None):
    """The bounces dated within ``hours`` before ``now``, and not before ``since`` when given (later ones too:
    clocks differ), newest first."""
    start = reference_time(now) - datetime.timedelta(hours=hours)
    if since is not None:
        start = max(start, since)
    dated = [(parse_date(bounce["date"]), bounce) for bounce in bounces or [] if bounce.get("date")]
    return [bounce for when, bounce in sorted(dated, key=lambda pair: pair[0], reverse=True) if when >= start]


def bounce_ratio(hosting, min_sent=0, hours=DEFAULT_WINDOW_HOURS, now=None):
    """How a hosting bounces today: ``{bounces, sent, ratio, judged, window_hours, window_start}``.

    ``bounces`` are those since midnight (Europe/Paris) and within ``hours``, ``sent`` is ``sent_today``: the
    same window. ``ratio`` is ``None`` when the hosting sent fewer than ``min_sent`` mails today (or none at
    all), and ``judged`` says whether a threshold may be applied to it.
    """
    since = day_start(now)
    bounces = len(recent_bounces(hosting.get("bounces"), hours=hours, now=now, since=since))
    sent = int(hosting.get("sent_today") or 0)
    judged = sent > 0 and sent >= int(min_sent or 0)
    return {
        "bounces": bounces,
        "sent": sent,
        "ratio": round(bounces / sent, 4) if judged else None,
        "judged": judged,
        "window_hours": hours,
        "window_start": since.isoformat(),
    }
