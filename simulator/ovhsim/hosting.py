# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One web hosting: its stored record and the OVH objects the API shows of it."""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from .clock import day_start, iso

STATES = ("ok", "force", "ko", "bounce", "spam", "purging")
SENDING_STATES = ("ok", "force")
ACTIONS = ("BLOCK", "PURGE", "UNBLOCK")

# OVH offer code -> hourly mail() quota [guide: hosting technical specificities]
HOURLY_QUOTA = {
    "hosting-free-100m": 10,
    "START": 20,
    "PERSO": 100,
    "PRO": 200,
    "PERFORMANCE_1": 2000,
    "PERFORMANCE_2": 2000,
    "PERFORMANCE_3": 2000,
    "PERFORMANCE_4": 2000,
}
OFFER_ALIASES = {"free": "hosting-free-100m", "starter": "START", "start": "START", "perso": "PERSO", "pro": "PRO",
                 "performance": "PERFORMANCE_1"}
OFFER_ALIASES.update({offer.lower(): offer for offer in HOURLY_QUOTA})

SERVICE_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
BOUNCE_LOG_CAP = 500
TASKS_CAP = 100


def normalize_offer(offer: str) -> str:
    code = OFFER_ALIASES.get(str(offer).lower())
    if code is None:
        raise ValueError(f"unknown offer {offer!r}: expected one of starter, perso, pro, performance, "
                         f"{', '.join(HOURLY_QUOTA)}")
    return code


@dataclass
class Hosting:
    service_name: str
    offer: str = "PERSO"
    created: float = 0.0
    state: str = "ok"
    email: str | None = None
    sent: int = 0
    sent_today: int = 0
    bounce: int = 0
    bounced_today: int = 0
    bounce_log: list = field(default_factory=list)     # [{at, to, message}], oldest first, capped
    volumes: dict = field(default_factory=dict)        # Paris day -> mails sent that day
    queue: list = field(default_factory=list)          # [{at, count, recipients, bouncing, bounce_rate, index}]
    ledger: dict = field(default_factory=lambda: {"accepted": 0, "delivered": 0, "purged": 0, "expired": 0})
    quota_hour: int = 0
    quota_used: int = 0
    window: list = field(default_factory=list)         # [[hour, delivered, bounced]] for the bounce ratio
    pending: dict | None = None                        # {action, due, task_id, target}
    tasks: list = field(default_factory=list)
    display_name: str | None = None                    # set by PUT /hosting/web/{sn}; None: the name's label

    @property
    def hourly_quota(self) -> int:
        return HOURLY_QUOTA[self.offer]

    @property
    def max_per_day(self) -> int:
        return self.hourly_quota * 24

    @property
    def sending(self) -> bool:
        return self.state in SENDING_STATES

    @property
    def queue_size(self) -> int:
        return sum(batch["count"] for batch in self.queue)

    def ledger_view(self) -> dict:
        return {"accepted": self.ledger["accepted"], "delivered": self.ledger["delivered"],
                "queued": self.queue_size, "purged": self.ledger["purged"], "expired": self.ledger["expired"]}

    def add_bounce(self, at: float, to: str, message: str) -> None:
        self.bounce_log.append({"at": at, "to": to, "message": message})
        if len(self.bounce_log) > BOUNCE_LOG_CAP:
            del self.bounce_log[: len(self.bounce_log) - BOUNCE_LOG_CAP]

    def add_task(self, task: dict) -> None:
        self.tasks.append(task)
        if len(self.tasks) > TASKS_CAP:
            del self.tasks[: len(self.tasks) - TASKS_CAP]

    # --- OVH objects ---------------------------------------------------------------------------------------

    def email_object(self) -> dict:
        """hosting.web.email"""
        return {"bounce": self.bounce, "email": self.email, "maxPerDay": self.max_per_day, "sent": self.sent,
                "sentToday": self.sent_today, "state": self.state}

    def bounce_objects(self, limit: int) -> list[dict]:
        """hosting.web.mail.Bounce[], newest first."""
        return [{"date": iso(entry["at"]), "message": entry["message"], "to": entry["to"]}
                for entry in reversed(self.bounce_log[-limit:])]

    def volume_objects(self, today: str) -> list[dict]:
        """hosting.web.mail.VolumeHistory[], oldest first: one point per Paris day from the oldest day kept to
        ``today``, 0 on a day the scripts sent nothing; none for a hosting that never sent."""
        if not self.volumes:
            return []
        first, last = date.fromisoformat(min(self.volumes)), date.fromisoformat(max(today, *self.volumes))
        days = [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]
        return [{"date": iso(day_start(day)), "volume": self.volumes.get(day, 0)} for day in days]

    def abuse_state(self) -> dict:
        mailsout = {"ok": "ok", "force": "ok", "ko": "ko", "bounce": "bounce", "spam": "spam", "purging": "ko"}
        return {"accessState": "ok", "mailsoutState": mailsout[self.state], "outState": "ok", "webState": "ok"}

    def service_object(self) -> dict:
        """hosting.web.ServiceWithIAM, with plausible values derived from the name."""
        label = self.service_name.split(".")[0]
        cluster = next((part for part in self.service_name.split(".") if part.startswith("cluster")), "cluster021")
        digest = int(hashlib.sha1(self.service_name.encode()).hexdigest(), 16)
        login = re.sub(r"[^a-z0-9]", "", label)[:8] + str(digest % 1000)
        ip_suffix = digest % 200 + 20
        return {
            "availableBoostOffer": [],
            "boostOffer": None,
            "cluster": cluster,
            "clusterIp": f"213.186.33.{ip_suffix}",
            "clusterIpv6": f"2001:41d0:1:1b00:213:186:33:{ip_suffix}",
            "countriesIp": [{"country": "FR", "ip": f"213.186.33.{ip_suffix}",
                             "ipv6": f"2001:41d0:1:1b00:213:186:33:{ip_suffix}"}],
            "datacenter": "gra3",
            "defaultAttachedDomain": self.service_name,
            "displayName": label if self.display_name is None else self.display_name,
            "filer": f"{digest % 90 + 10}",
            "hasCdn": False,
            "hasHostedSsl": False,
            "home": f"/homez.{digest % 900 + 100}/{login}",
            "hostingIp": f"213.186.33.{ip_suffix}",
            "hostingIpv6": f"2001:41d0:1:1b00:213:186:33:{ip_suffix}",
            "iam": {"displayName": label, "id": str(uuid.UUID(int=digest % (1 << 128))), "tags": None,
                    "urn": f"urn:v1:eu:resource:webHosting:{self.service_name}"},
            "lastOvhConfigScan": iso(self.created),
            "multipleSSL": False,
            "offer": self.offer,
            "operatingSystem": "linux",
            "phpVersions": [{"support": "SUPPORTED", "version": "8.3"}, {"support": "SUPPORTED", "version": "8.2"},
                            {"support": "SECURITY_FIXES", "version": "8.1"},
                            {"support": "END_OF_LIFE", "version": "7.4"}],
            "primaryLogin": login,
            "quotaSize": {"unit": "MB", "value": 250000.0 if self.offer != "START" else 100000.0},
            "quotaUsed": {"unit": "MB", "value": float(digest % 50000) / 10},
            "recommendedOffer": None,
            "resourceType": "shared",
            "serviceManagementAccess": {
                "ftp": {"port": 21, "url": f"ftp.{cluster}.hosting.ovh.net"},
                "http": {"port": 80, "url": f"{login}.{cluster}.hosting.ovh.net"},
                "ssh": {"port": 22, "url": f"ssh.{cluster}.hosting.ovh.net"},
            },
            "serviceName": self.service_name,
            "state": "active",
            "token": hashlib.md5(self.service_name.encode()).hexdigest(),
            "trafficQuotaSize": None,
            "trafficQuotaUsed": None,
            "updates": [],
        }

    def record(self) -> dict:
        """The admin view: everything, with the queue summarized."""
        return {
            "service_name": self.service_name, "offer": self.offer, "created": iso(self.created), "state": self.state,
            "email": self.email, "sent": self.sent, "sent_today": self.sent_today, "bounce": self.bounce,
            "bounced_today": self.bounced_today, "max_per_day": self.max_per_day,
            "hourly_quota": self.hourly_quota, "quota_used_this_hour": self.quota_used,
            "queue_size": self.queue_size,
            "queue": [{"accepted": iso(batch["at"]), "count": batch["count"]} for batch in self.queue],
            "pending_action": None if self.pending is None else {
                "action": self.pending["action"], "due": iso(self.pending["due"]), "task_id": self.pending["task_id"]},
            "ledger": self.ledger_view(), "bounce_log_size": len(self.bounce_log), "tasks": len(self.tasks),
        }

    def to_dict(self) -> dict:
        """The fields as they are, for ``json.dumps`` at once: no deep copy of the bounce log, queue and tasks."""
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "Hosting":
        return cls(**data)
