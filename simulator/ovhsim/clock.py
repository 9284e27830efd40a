# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated clock: real time plus an offset that the admin API moves forward.

Only the mail-flow model reads this clock. Request signatures and ``/auth/time`` use real time, so that an
``ovh`` client that computed its time delta once keeps working after the clock is advanced.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600
DAY = 86400


class Clock:
    def __init__(self, offset: float = 0.0, real_time=time.time):
        self.offset = float(offset)
        self._real_time = real_time

    def now(self) -> float:
        return self._real_time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds


def iso(timestamp: float) -> str:
    """ISO 8601 with the Europe/Paris offset, as OVH writes dates: 2026-11-25T10:00:00+01:00."""
    return datetime.fromtimestamp(int(timestamp), PARIS).isoformat()


def day_of(timestamp: float) -> str:
    """The Paris calendar day of a timestamp, YYYY-MM-DD."""
    return datetime.fromtimestamp(timestamp, PARIS).date().isoformat()


def day_start(day: str) -> float:
    """Timestamp of midnight, Europe/Paris, at the start of a YYYY-MM-DD day."""
    return datetime.fromisoformat(day).replace(tzinfo=PARIS).timestamp()


def next_midnight(timestamp: float) -> float:
    """The first Paris midnight strictly after a timestamp (DST days have 23 or 25 hours)."""
    today = datetime.fromtimestamp(timestamp, PARIS).date()
    return datetime.combine(today + timedelta(days=1), datetime.min.time(), PARIS).timestamp()


def hour_of(timestamp: float) -> int:
    """The hour slot used by the hourly mail() quota (Paris offsets are whole hours, so UTC hours align)."""
    return int(timestamp // HOUR)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)?", re.IGNORECASE)
_UNIT = {"d": DAY, "h": HOUR, "m": 60, "s": 1, None: 1}


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '24h', '3d', '1h30m' -> seconds. Raises ValueError on anything else."""
    text = text.strip()
    position, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != position or not match.group(0):
            break
        total += float(match.group(1)) * _UNIT[match.group(2) and match.group(2).lower()]
        position = match.end()
        while position < len(text) and text[position] == " ":
            position += 1
    if not text or position != len(text):
        raise ValueError(f"not a duration: {text!r} (examples: 90s, 15m, 24h, 3d, 1h30m)")
    return total
