# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring hostings' script e-mails to what is wanted: read -> plan -> act -> wait, for one hosting or many.

Every hosting is decided on its own, concurrently, under the client's one rate limit; the waits of all of them
run together (one read per waiting hosting 1, 2 and 3 s after its request, then every ``wait_sleep`` seconds), so
blocking 200 hostings waits about one action's delay, not 200 of them. A hosting that fails never stops the others: its Converged holds the error.

Freshness: a hosting handed in with ``known`` facts (read earlier in the same run, by the inventory plugin or a
batch read) is decided from them, and costs no call when it complies. A hosting about to change is read again
first, and decided again from what OVH says now: a stale view never causes a wrong action. A hosting that
complied in the facts and changed since is seen by the next run.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from . import email_state
from .errors import HostingApiError, failure_fact
from .fleet import gather
from .waiter import WaitTimeout, timeout_message

EXPECTED = {
    "blocked": "blocked (ko, bounce or spam)",
    "unblocked": "sending (ok or force)",
    "purged": "purged and sending (ok or force)",
}
NOT_PURGING = "anything but purging (a purge was in progress)"
# A hosting whose state keeps moving under other clients' requests is decided again at most this many times.
MAX_DECISIONS = 4
# A wait reads the state 1, 2 and 3 s after it starts, then every wait_sleep s. OVH applies a request
# asynchronously, so a read at once would only see the state before it; many actions end within seconds, and
# a wait of a minute costs one read more than reading every 3 s from the start.
FIRST_READ_GAPS = (1, 1, 1)


@dataclass(frozen=True)
class Wanted:
    """What one hosting should look like. ``state``: a DESIRED_STATES value or None (not managed);
    ``report_recipient``: an address, ``""`` to clear it, None (not managed); ``known``: the OVH e-mail object
    (``state``, ``email``, counters) read earlier in this run, or None."""

    service_name: str
    state: str | None = None
    report_recipient: str | None = None
    allow_force: bool = False
    known: dict | None = None

    @property
    def recipient(self):
        """The recipient to hold, None meaning none; only meaningful when ``report_recipient`` is not None."""
        return self.report_recipient or None


@dataclass
class Converged:
    """What happened to one hosting. ``before``/``after`` are OVH e-mail objects; ``error`` is a HostingApiError,
    a TransitionRefused or a WaitTimeout; ``changed`` is true once a write was made (or would be, in check mode),
    also when a later step failed."""

    service_name: str
    before: dict | None = None
    after: dict | None = None
    actions: list = field(default_factory=list)
    changed: bool = False
    error: Exception | None = None
    # Another request was in progress (HTTP 409): its result was waited for rather than failing.
    met_pending: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def failure(self) -> dict:
        """The error as the module returns it: hosting, call, status, query id, message and one-line summary.
        Always this hosting's, also for an error raised before any call of its own (the clock's, say)."""
        error = self.error
        if isinstance(error, HostingApiError):
            return failure_fact(self.service_name, error, call=error.call, status=error.status,
                                query_id=error.query_id)
        return failure_fact(self.service_name, error)

    def message(self) -> str:
        return self.failure()["summary"]


def complies(wanted: Wanted, email: dict) -> bool:
    """True when ``email`` already shows what is wanted (a purge in progress complies with nothing)."""
    state = email.get("state")
    if wanted.state and (email_state.must_wait_first(state) or not email_state.satisfies(wanted.state, state)):
        return False
    if wanted.report_recipient is not None and wanted.recipient != (email.get("email") or None):
        return False
    return True


class _Hosting:
    """One hosting's way through decide -> (wait -> decide)* -> done."""

    def __init__(self, wanted):
        self.wanted = wanted
        self.result = Converged(wanted.service_name)
        self.fresh = None  # an e-mail object just read, to decide from
        self.awaiting = None  # (predicate, expected, then): what a wait waits for, and what to do once it holds
        self.deadline = None
        self.seen = []  # every state read, for messages
        self.reads = 0
        self.decisions = 0
        self.done = False
        self.wait_reads = 0
        self.wait_seen = []
        self.wait_polls = 0  # the reads a wait has scheduled, for their spacing
        self.next_read = None  # when the wait reads the state next (the Converger's clock)

    def observe(self, email):
        self.reads += 1
        _note_state(self.seen, email)


class Converger:
    """Converge many hostings; ``run(wanted_list)`` returns a Converged per hosting, in the input order.

    ``sleep`` and ``clock`` (monotonic) are injectable for tests; the waits share one clock.
    """

    def __init__(self, api, check_mode=False, wait=True, wait_timeout=900, wait_sleep=3, concurrency=8,
                 sleep=None, clock=None):
        self.api = api
        self.check_mode = check_mode
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.wait_sleep = wait_sleep
        self.concurrency = concurrency
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()

    def run(self, wanted_list) -> list:
        hostings = [_Hosting(wanted) for wanted in wanted_list]
        self._each(hostings, self._decide)
        while True:
            waiting = [hosting for hosting in hostings if not hosting.done and hosting.awaiting]
            if not waiting:
                break
            now = self.clock()
            self._each([hosting for hosting in waiting if hosting.fresh is None and hosting.next_read <= now],
                       self._poll)
            for hosting in waiting:
                self._judge_wait(hosting)
            deciding = [hosting for hosting in hostings if not hosting.done and not hosting.awaiting]
            if deciding:
                self._each(deciding, self._decide)
                continue
            still = [hosting for hosting in waiting if not hosting.done and hosting.awaiting]
            if still:
                self.sleep(max(0, min(hosting.next_read for hosting in still) - self.clock()))
        return [hosting.result for hosting in hostings]

    # The steps

    def _each(self, hostings, step):
        """``step(client, hosting)`` for each, concurrently; an error ends that hosting only."""
        def one(client, service_name):
            try:
                step(client, by_name[service_name])
            except email_state.TransitionRefused as refusal:
                self._fail(by_name[service_name], refusal)

        by_name = {hosting.wanted.service_name: hosting for hosting in hostings}
        if by_name:
            # gather keeps each HostingApiError in its Outcome, and counts them to stop early on an outage.
            for outcome in gather(self.api, list(by_name), one, concurrency=self.concurrency):
                if not outcome.ok:
                    self._fail(by_name[outcome.service_name], outcome.error)

    def _fail(self, hosting, error):
        hosting.result.error = error
        hosting.done = True

    def _decide(self, client, hosting):
        """Read (unless known facts show compliance), plan, act unless in check mode, and say what to wait for."""
        wanted, result = hosting.wanted, hosting.result
        hosting.decisions += 1
        email = hosting.fresh
        if email is None and wanted.known is not None and hosting.decisions == 1:
            if complies(wanted, wanted.known):
                result.before = result.after = wanted.known
                hosting.done = True
                return
        if email is None:
            email = self._read(client, hosting)
        hosting.fresh = None
        if result.before is None:
            result.before = email
        if hosting.decisions > MAX_DECISIONS:
            raise email_state.TransitionRefused(
                "the state kept changing under other requests (seen: %s): decided %d times, giving up"
                % (" -> ".join(map(str, hosting.seen)), MAX_DECISIONS))
        state = email.get("state")
        if wanted.state and email_state.must_wait_first(state):
            self._await(hosting, lambda e: not email_state.must_wait_first(e.get("state")), NOT_PURGING, "decide",
                        current=email)
            return
        plan = email_state.plan(state, wanted.state, wanted.allow_force) if wanted.state else None
        recipient_now = email.get("email") or None
        recipient = recipient_now if wanted.report_recipient is None else wanted.recipient
        predicted = dict(email, email=recipient)
        if plan:
            predicted["state"] = plan.predicted
        result.after = predicted
        if plan and plan.action:
            result.actions.append(plan.action)
        if recipient != recipient_now:
            if not self.check_mode:
                client.set_report_recipient(wanted.service_name, recipient)
            result.changed = True
        if plan and plan.action:
            if self.check_mode:
                result.changed = True
            else:
                if self._request(client, hosting, plan.action) == "pending":
                    return
                result.changed = True
                if self.wait:
                    self._await(hosting, self._satisfied(wanted), EXPECTED[wanted.state], "done")
                    return
        hosting.done = True

    def _request(self, client, hosting, action):
        """Send ``action``, never twice blindly; "sent", or "pending" when another request was in progress.

        After an ambiguous failure (5xx, connection error, timeout, unreadable answer) the state is re-read.
        Applied (or purging, for PURGE): sent. Still a state the action applies to: sent again, and a 409 then
        means the first is pending, so sent; a 403 means the state moved on, so it is read once more and sent if
        the action took effect. Otherwise an error naming the state. With no retry left (``retries: 0``
        included) the state is still read once. A 409 on the first try is another client's request: its result
        is waited for, then the hosting is decided again; a 403 on the first try whose re-read shows another state
        (one reached since the read, by someone else) is decided again too.
        """
        service_name = hosting.wanted.service_name
        attempt = 1
        while True:
            try:
                client.request_action(service_name, action)
                return "sent"
            except HostingApiError as error:
                if error.status == 409:
                    if attempt > 1:
                        return "sent"
                    hosting.result.met_pending = True
                    state_then = hosting.seen[-1] if hosting.seen else None
                    return self._decide_again(hosting, action, lambda e: (self._satisfied(hosting.wanted)(e)
                                                                          or e.get("state") != state_then),
                                              "the end of the request already in progress")
                if attempt == 1 and error.status == 403:
                    # Between the read and the request the state may have moved on (another client's request took
                    # effect): read once more, and decide again from the new state. A 403 from the state decided
                    # from (a right not granted, say) stands.
                    state_then = hosting.seen[-1] if hosting.seen else None
                    email = self._read(client, hosting)
                    if email.get("state") == state_then:
                        raise
                    return self._decide_again(hosting, action, lambda e: True, "a decision from the new state",
                                              current=email)
                if attempt > 1 and error.status == 403:
                    if email_state.action_took_effect(action, self._state(client, hosting)):
                        return "sent"
                    raise
                if not error.ambiguous:
                    raise
                if attempt > client.retries:
                    try:
                        state = self._state(client, hosting)
                    except HostingApiError:
                        state = None
                    if email_state.action_took_effect(action, state):
                        return "sent"
                    raise _maybe_applied(error, "no retry is left (retries: %d), so it is not sent again"
                                         % client.retries)
                self.sleep(client.backoff_delay(attempt))
                state = self._state(client, hosting)
                if email_state.action_took_effect(action, state):
                    return "sent"
                if not email_state.action_applies(action, state):
                    raise _maybe_applied(error, "the state is now %r, from which %s does not apply, so it is not "
                                                "sent again" % (state, action))
                attempt += 1

    def _read(self, client, hosting):
        email = client.get_email(hosting.wanted.service_name)
        hosting.observe(email)
        return email

    def _state(self, client, hosting):
        return self._read(client, hosting).get("state")

    def _decide_again(self, hosting, action, predicate, expected, current=None):
        """``action`` was not sent: wait for ``predicate`` (at once when ``current`` holds), then decide again."""
        hosting.result.actions.remove(action)
        self._await(hosting, predicate, expected, "decide", current=current)
        return "pending"

    @staticmethod
    def _satisfied(wanted):
        return lambda email: email_state.satisfies(wanted.state, email.get("state"))

    # Waiting

    def _await(self, hosting, predicate, expected, then, current=None):
        """Wait for ``predicate``; ``current``, an object just read, stands for the first read of the wait."""
        hosting.awaiting = (predicate, expected, then)
        hosting.deadline = self.clock() + self.wait_timeout
        hosting.fresh = current
        hosting.wait_reads = 1 if current is not None else 0
        hosting.wait_seen = [current.get("state")] if current is not None else []
        hosting.wait_polls = 0
        if current is None:
            self._schedule_read(hosting)

    def _schedule_read(self, hosting):
        """The next read of a wait: FIRST_READ_GAPS apart at first, then every ``wait_sleep``, and one at the
        deadline, which ends the wait if the state still isn't there."""
        gaps = FIRST_READ_GAPS
        gap = gaps[hosting.wait_polls] if hosting.wait_polls < len(gaps) else self.wait_sleep
        hosting.wait_polls += 1
        hosting.next_read = min(self.clock() + min(gap, self.wait_sleep), hosting.deadline)

    def _poll(self, client, hosting):
        email = self._read(client, hosting)
        hosting.fresh = email
        hosting.wait_reads += 1
        _note_state(hosting.wait_seen, email)

    def _judge_wait(self, hosting):
        if hosting.done or hosting.fresh is None:
            return
        predicate, expected, then = hosting.awaiting
        email = hosting.fresh
        if predicate(email):
            hosting.awaiting = None
            if then == "done":
                hosting.result.after = email
                hosting.fresh = None
                hosting.done = True
            # "decide": the next decision starts from this read
            return
        if hosting.deadline - self.clock() <= 0:
            hosting.result.after = email
            self._fail(hosting, WaitTimeout(
                timeout_message(self.wait_timeout, expected, hosting.wait_reads, hosting.wait_seen),
                last_email=email))
            return
        hosting.fresh = None
        self._schedule_read(hosting)


def _note_state(seen, email):
    """Add the state of ``email`` to ``seen`` unless it is the last one there (a message lists the changes)."""
    state = email.get("state")
    if not seen or seen[-1] != state:
        seen.append(state)


def _maybe_applied(error, why):
    """The error of a request that failed ambiguously and is not sent again."""
    return HostingApiError(
        "%s (the request may or may not have been applied); %s" % (error.message, why),
        service_name=error.service_name, method=error.method, path=error.path, status=error.status,
        query_id=error.query_id, error_code=error.error_code,
    )


def converge(api, wanted_list, **settings) -> list:
    """``Converger(api, **settings).run(wanted_list)``."""
    return Converger(api, **settings).run(wanted_list)
