# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mail-flow model: the state machine of each hosting, mail delivery within quotas, the queue, the bounce
log, daily counters and reports, and the ledger.

Time only moves through ``sync``: every public method first runs, in order, whatever fell due on the simulated
clock since the last call (day changes, expiries, pending actions, hourly deliveries). Callers hold ``lock``
through the ``Simulator``; the methods here are not thread-safe on their own.

Ledger, per hosting: accepted = delivered + queued + purged + expired. A bounced mail counts as delivered (it
left the hosting; the remote server refused it).
"""
from __future__ import annotations

import math
import random

from .bounces import bounce_message
from .clock import DAY, HOUR, day_of, day_start, hour_of, iso, next_midnight
from .errors import ApiError, bad_request, conflict, not_found
from .hosting import SENDING_STATES, STATES, Hosting

QUEUE_LIFETIME = 72 * HOUR
VOLUME_HISTORY_DAYS = 90
OUTBOX_CAP = 10000
DEFAULT_CONFIG = {
    "action_delay": 2.0,        # simulated seconds between a request and the state change
    "bounce_threshold": 0.10,   # bounce ratio over the window that moves a hosting to `bounce` (x2 in `force`)
    "bounce_window": DAY,       # seconds
    "bounce_min_mails": 20,     # no verdict on fewer delivered mails than this in the window
    "empty_as_404": False,      # answer 404, not [], for empty bounces/volumes (OVH's choice is not documented)
}
# action -> {state before: state after}; `purging` is shown while a PURGE is pending.
TRANSITIONS = {
    "BLOCK": {"ok": "ko", "force": "ko"},
    "UNBLOCK": {"ko": "ok", "bounce": "force"},
    "PURGE": {"ko": "ok", "bounce": "ok", "spam": "ok"},
}
TASK_FUNCTION = {"BLOCK": "web/changeOutState", "UNBLOCK": "web/changeOutState",
                 "PURGE": "mailsout/flushMailsoutQueue"}
RECIPIENT_NAMES = ["contact", "jean.dupont", "marie.martin", "orders", "client", "info", "p.bernard", "sophie.l"]
RECIPIENT_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "outlook.fr", "yahoo.fr", "laposte.net", "sfr.fr",
                     "hotmail.com", "example.org"]


class MailModel:
    def __init__(self, clock, config: dict | None = None, hostings: dict | None = None,
                 processed_until: float | None = None, next_task_id: int = 1, seed: int = 0):
        self.clock = clock
        self.config = dict(DEFAULT_CONFIG, **(config or {}))
        self.hostings: dict[str, Hosting] = hostings or {}
        self.processed_until = processed_until if processed_until is not None else clock.now()
        self.next_task_id = next_task_id
        self.rng = random.Random(seed)
        self.outbox_new: list[dict] = []     # reports written since the last flush to the store
        self.dirty: set[str] = set()         # hostings changed since the last flush to the store
        self.next_due = self.processed_until  # earliest simulated time at which something falls due

    # --- time -------------------------------------------------------------------------------------------------

    def sync(self) -> float:
        """Run everything due up to now; return now. The model is then at now even when nothing fell due: the
        next hourly delivery and the bounce window are reckoned from ``processed_until``."""
        now = self.clock.now()
        if now >= self.next_due:
            self.run_until(now)
        else:  # next_due holds: no midnight, hour boundary or other event lies between the two
            self.processed_until = max(self.processed_until, now)
        return now

    def run_until(self, now: float) -> None:
        while True:
            event = self._next_event()
            if event > now:
                break
            self._process(event)
        self.processed_until = max(self.processed_until, now)
        self.next_due = self._next_event()

    def _next_event(self) -> float:
        return min([next_midnight(self.processed_until)]
                   + [self._due(hosting) for hosting in self.hostings.values() if hosting.pending or hosting.queue])

    def _due(self, hosting: Hosting) -> float:
        """The earliest time at which something falls due on one hosting (infinity when nothing will)."""
        due = math.inf
        if hosting.pending:
            due = max(hosting.pending["due"], self.processed_until)
        if hosting.queue:
            if hosting.sending:  # over the hourly quota: delayed to the next hour, never dropped
                due = min(due, (hour_of(self.processed_until) + 1) * HOUR)
            else:  # blocked: each batch expires 72 h after it was sent
                due = min(due, max(hosting.queue[0]["at"] + QUEUE_LIFETIME, self.processed_until))
        return due

    def _changed(self, hosting: Hosting) -> None:
        """One hosting's queue, state or pending action changed: only its own events can come sooner."""
        self.dirty.add(hosting.service_name)
        self.next_due = min(self.next_due, self._due(hosting))

    def _process(self, at: float) -> None:
        previous = self.processed_until
        self.processed_until = at
        if day_of(previous) != day_of(at):
            self._change_day(day_of(previous), at)
        for hosting in self.hostings.values():
            if hosting.queue and not hosting.sending and hosting.queue[0]["at"] + QUEUE_LIFETIME <= at:
                self._expire(hosting, at)
            if hosting.pending and hosting.pending["due"] <= at:
                self._apply_pending(hosting, at)
            if hosting.queue and hosting.sending:
                self._deliver(hosting, at)

    def _change_day(self, ended_day: str, at: float) -> None:
        """Midnight, Europe/Paris: the daily error report, then fresh daily counters."""
        oldest_kept = day_of(at - VOLUME_HISTORY_DAYS * DAY)
        for hosting in self.hostings.values():
            if hosting.email and hosting.bounced_today:
                self._write_report(hosting, ended_day, at)
            hosting.sent_today = 0
            hosting.bounced_today = 0
            for day in [day for day in hosting.volumes if day < oldest_kept]:
                del hosting.volumes[day]
            self.dirty.add(hosting.service_name)

    def _write_report(self, hosting: Hosting, day: str, at: float) -> None:
        start = day_start(day)
        bounces = [entry for entry in hosting.bounce_log if start <= entry["at"] < at]
        lines = [f"{iso(entry['at'])}  {entry['to']}  {entry['message']}" for entry in bounces]
        # the bounce log keeps only the newest BOUNCE_LOG_CAP bounces: say so rather than list fewer silently
        listed = ":" if len(lines) >= hosting.bounced_today else f"; the {len(lines)} most recent:"
        self.outbox_new.append({
            "to": hosting.email, "service_name": hosting.service_name, "date": iso(at),
            "subject": f"[{hosting.service_name}] Automated e-mails in error on {day}",
            "body": (f"Hello,\n\n{hosting.bounced_today} e-mail(s) sent by the scripts of {hosting.service_name} "
                     f"on {day} could not be delivered{listed}\n\n" + "\n".join(lines) + "\n"),
        })

    def _expire(self, hosting: Hosting, at: float) -> None:
        while hosting.queue and hosting.queue[0]["at"] + QUEUE_LIFETIME <= at:
            hosting.ledger["expired"] += hosting.queue.pop(0)["count"]
        self.dirty.add(hosting.service_name)

    # --- mail flow ----------------------------------------------------------------------------------------------

    def send(self, service_name: str, count: int, bounce_rate: float = 0.0, recipients: list | None = None,
             bouncing: list | None = None) -> dict:
        """A script hands ``count`` mails to mail(): delivered now within the hourly quota, else queued."""
        now = self.sync()
        hosting = self.get(service_name)
        batch = {"at": now, "count": count, "recipients": recipients or None, "bouncing": bouncing or [],
                 "bounce_rate": bounce_rate, "index": 0}
        hosting.ledger["accepted"] += count
        if count:
            hosting.queue.append(batch)
        delivered, bounced = self._deliver(hosting, now) if hosting.sending else (0, 0)
        self._changed(hosting)
        queued = batch["count"] if hosting.queue and hosting.queue[-1] is batch else 0
        return {"accepted": count, "delivered": delivered, "queued": queued, "bounced": bounced}

    def _deliver(self, hosting: Hosting, at: float) -> tuple[int, int]:
        """Deliver queued mails, oldest first, within the hourly quota, while the hosting may send."""
        hour = hour_of(at)
        if hosting.quota_hour != hour:
            hosting.quota_hour, hosting.quota_used = hour, 0
        delivered = bounced = 0
        while hosting.queue and hosting.sending and hosting.quota_used < hosting.hourly_quota:
            batch = hosting.queue[0]
            take = min(batch["count"], hosting.hourly_quota - hosting.quota_used)
            batch_bounced = self._deliver_batch(hosting, batch, take, at)
            delivered += take
            bounced += batch_bounced
            if batch["count"] == 0:
                hosting.queue.pop(0)
            if self._bounce_ratio_exceeded(hosting):
                hosting.state = "bounce"
        if delivered:
            self.dirty.add(hosting.service_name)
        return delivered, bounced

    def _deliver_batch(self, hosting: Hosting, batch: dict, take: int, at: float) -> int:
        bouncing = set(batch["bouncing"])
        bounced = 0
        for number in range(batch["index"], batch["index"] + take):
            to = self._recipient(batch["recipients"], number)
            if to in bouncing:
                hosting.add_bounce(at, to, bounce_message(to, self.rng, "unknown_user"))
                bounced += 1
            elif batch["bounce_rate"] and self.rng.random() < batch["bounce_rate"]:
                hosting.add_bounce(at, to, bounce_message(to, self.rng))
                bounced += 1
        batch["index"] += take
        batch["count"] -= take
        hosting.quota_used += take
        hosting.sent += take
        hosting.sent_today += take
        hosting.bounce += bounced
        hosting.bounced_today += bounced
        hosting.ledger["delivered"] += take
        day = day_of(at)
        hosting.volumes[day] = hosting.volumes.get(day, 0) + take
        hour = hour_of(at)
        if hosting.window and hosting.window[-1][0] == hour:
            hosting.window[-1][1] += take
            hosting.window[-1][2] += bounced
        else:
            hosting.window.append([hour, take, bounced])
        return bounced

    @staticmethod
    def _recipient(recipients: list | None, number: int) -> str:
        if not recipients:
            name = RECIPIENT_NAMES[number % len(RECIPIENT_NAMES)]
            domain = RECIPIENT_DOMAINS[(number // len(RECIPIENT_NAMES)) % len(RECIPIENT_DOMAINS)]
            return f"{name}{number}@{domain}"
        recipient = recipients[number % len(recipients)]
        return recipient if "@" in recipient else f"user{number}@{recipient}"

    def _bounce_ratio_exceeded(self, hosting: Hosting) -> bool:
        if not hosting.sending:
            return False
        oldest = hour_of(self.processed_until - self.config["bounce_window"])
        hosting.window[:] = [slot for slot in hosting.window if slot[0] > oldest]
        delivered = sum(slot[1] for slot in hosting.window)
        bounced = sum(slot[2] for slot in hosting.window)
        threshold = self.config["bounce_threshold"] * (2 if hosting.state == "force" else 1)
        return delivered >= self.config["bounce_min_mails"] and bounced / delivered > threshold

    # --- actions ------------------------------------------------------------------------------------------------

    def request_action(self, service_name: str, action: str) -> str:
        now = self.sync()
        hosting = self.get(service_name)
        if hosting.pending:
            raise conflict(f"A {hosting.pending['action']} request is already in progress on this hosting "
                           f"(task {hosting.pending['task_id']}); wait for it to end")
        target = TRANSITIONS[action].get(hosting.state)
        if target is None:
            raise ApiError(403, _refusal(action, hosting.state))
        task = self._new_task(hosting, TASK_FUNCTION[action], now)
        hosting.pending = {"action": action, "due": now + self.config["action_delay"], "task_id": task["id"],
                           "target": target}
        if action == "PURGE":
            hosting.state = "purging"
        self.dirty.add(service_name)
        self.run_until(now)  # a zero delay applies at once
        return f"Your {action} request has been registered (task {task['id']})"

    def _apply_pending(self, hosting: Hosting, at: float) -> None:
        pending, hosting.pending = hosting.pending, None
        if pending["action"] == "PURGE":
            hosting.ledger["purged"] += hosting.queue_size
            hosting.queue.clear()
        hosting.state = pending["target"]
        hosting.window.clear()  # the bounce ratio is measured again from here
        for task in hosting.tasks:
            if task["id"] == pending["task_id"]:
                task.update(status="done", doneDate=iso(at), lastUpdate=iso(at))
        self.dirty.add(hosting.service_name)

    def _new_task(self, hosting: Hosting, function: str, now: float) -> dict:
        task = {"id": self.next_task_id, "function": function, "status": "todo", "startDate": iso(now),
                "doneDate": None, "lastUpdate": iso(now), "objectId": hosting.service_name, "objectType": "Web"}
        self.next_task_id += 1
        hosting.add_task(task)
        return task

    def flag_spam(self, service_name: str) -> None:
        """Abuse detection: the hosting sent spam. Any pending request is cancelled."""
        now = self.sync()
        hosting = self.get(service_name)
        self._cancel_pending(hosting, now)
        hosting.state = "spam"
        self.dirty.add(service_name)

    def _cancel_pending(self, hosting: Hosting, now: float) -> None:
        if hosting.pending:
            for task in hosting.tasks:
                if task["id"] == hosting.pending["task_id"]:
                    task.update(status="cancelled", lastUpdate=iso(now))
            hosting.pending = None

    def set_report_recipient(self, service_name: str, email: str | None) -> None:
        self.sync()
        self.get(service_name).email = email
        self.dirty.add(service_name)

    def set_display_name(self, service_name: str, name: str | None) -> None:
        self.sync()
        self.get(service_name).display_name = name
        self.dirty.add(service_name)

    # --- fleet --------------------------------------------------------------------------------------------------

    def get(self, service_name: str) -> Hosting:
        hosting = self.hostings.get(service_name)
        if hosting is None:
            raise not_found()
        return hosting

    def upsert(self, service_name: str, offer: str | None = None, state: str | None = None, **fields) -> Hosting:
        """Create a hosting or change the given fields of one (state set directly, no delay)."""
        now = self.sync()
        hosting = self.hostings.get(service_name)
        if hosting is None:
            hosting = self.hostings[service_name] = Hosting(service_name, created=now)
        if offer is not None:
            hosting.offer = offer
        if state is not None:
            if state not in STATES or state == "purging":
                raise bad_request(f"state must be one of {', '.join(s for s in STATES if s != 'purging')}")
            self._cancel_pending(hosting, now)
            hosting.state = state
            hosting.window.clear()
        for name, value in fields.items():
            setattr(hosting, name, value)
        if state in SENDING_STATES:
            self._deliver(hosting, now)
        self._changed(hosting)
        return hosting

    def ledger(self) -> dict:
        views = {name: hosting.ledger_view() for name, hosting in sorted(self.hostings.items())}
        balanced = all(v["accepted"] == v["delivered"] + v["queued"] + v["purged"] + v["expired"]
                       for v in views.values())
        return {"hostings": views, "balanced": balanced}


def _refusal(action: str, state: str) -> str:
    if action == "UNBLOCK" and state == "spam":
        return "This hosting sent spam: its e-mails must be purged (PURGE) before they can be unblocked"
    if action == "UNBLOCK":
        return f"E-mails are not blocked (state {state}): nothing to unblock"
    if action == "BLOCK":
        return f"E-mails are already stopped (state {state}): nothing to block"
    return f"E-mails are being sent (state {state}): there is no queue to purge"
