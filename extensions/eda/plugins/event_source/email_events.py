# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event source: polls the fleet's e-mail state and emits an event when a hosting changes."""

from __future__ import annotations

DOCUMENTATION = r"""
---
short_description: Watch the e-mail state of OVHcloud web hostings.
description:
  - Polls every hosting's C(GET /hosting/web/{sn}/email) every O(interval) seconds (N + 1 calls a poll, plus the
    bounces of the hostings whose bounce counter moved) with the collection's API client, and puts an event
    on the queue when a hosting changes state, bounces over O(max_bounce_ratio), sends faster than
    O(max_per_hour), or cannot be read.
  - The first poll sets the baseline and emits nothing unless O(emit_initial). A condition that persists is
    emitted once. With O(state_file) a restart does not replay old events.
  - A hosting whose state or bounces cannot be read gives one C(unreadable) event (call, status, OVH query id)
    while the failure lasts. After a failed bounce read its bounce counter is not taken as read, so that the
    next poll reads the bounces again.
  - 'Each event is C({"email_event": {id, service_name, kind, previous, current, time}}).'
options:
  endpoint:
    description: ovh-eu, ovh-ca, ovh-us or an http(s)://host[:port]/1.0 URL; else OVH_ENDPOINT or ovh.conf.
  application_key:
    description: Else OVH_APPLICATION_KEY or ovh.conf.
  application_secret:
    description: Else OVH_APPLICATION_SECRET or ovh.conf. Never logged nor emitted.
  consumer_key:
    description: Else OVH_CONSUMER_KEY or ovh.conf. Never logged nor emitted.
  client_id:
    description: An OAuth2 service account instead of the three above (mixing both sets is refused); else
      OVH_CLIENT_ID or ovh.conf. Never logged nor emitted.
  client_secret:
    description: Else OVH_CLIENT_SECRET or ovh.conf. Never logged nor emitted.
  timeout:
    description:
      - Deadline in seconds of each HTTP attempt, from connecting to the last byte of the answer, as the modules'
        O(timeout); each retry has its own.
    default: 30
  retries:
    description: Retries of a failed read.
    default: 4
  rate_limit:
    description: Requests per second, client side. A poll that takes longer than O(interval) is followed at once.
  concurrency:
    description: Hostings read at a time.
    default: 8
  interval:
    description: Seconds between the starts of two polls.
    default: 60
  max_bounce_ratio:
    description: Bounces in the window over mails sent today, as the email_policy guard judges it.
    default: 0.05
  min_sent:
    description: A hosting that sent fewer mails today is not judged on its bounce ratio.
    default: 20
  window_hours:
    description: Bounce window.
    default: 24
  max_per_hour:
    description: A rise of sentToday faster than this many mails an hour between two polls is a send_spike.
    default: 200
  spike_factor:
    description:
      - A rise of sentToday faster than this multiple of the hosting's usual rate (its average between earlier
        polls) is a send_spike too, when it is at least O(min_sent) mails.
    default: 10
  emit_initial:
    description: Emit the conditions found by the first poll.
    default: false
  state_file:
    description:
      - JSON file keeping the baseline and the emitted conditions across restarts. Its folder must exist and be
        writable, else the source fails at start. A poll whose save fails still emits its events, and logs it.
"""

EXAMPLES = r"""
- name: Watch the fleet
  hosts: localhost
  sources:
    - mailops.ovh_hosting.email_events:
        interval: 60
        rate_limit: 1
        max_bounce_ratio: 0.05
        state_file: /var/lib/eda/email_events.json
  rules:
    - name: Block a hosting over the ratio
      condition: event.email_event.kind == "bounce_ratio_over"
      action:
        run_playbook:
          name: mailops.ovh_hosting.block
"""

# pylint: disable=wrong-import-position  # DOCUMENTATION comes first, as in every ansible.eda source
import asyncio
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from datetime import datetime, timezone


def _collections_root():
    """The folder holding ``ansible_collections/`` that this file was loaded from, or None.

    ansible-rulebook runs a source with ``runpy.run_path`` from the collection's folder, without Ansible's
    collection loader: the collection's own Python is importable once that folder is on ``sys.path``. The path is
    not resolved, so that a collection linked under ANSIBLE_COLLECTIONS_PATH is found through the link.
    """
    parts = os.path.abspath(__file__).split(os.sep)
    if len(parts) > 8 and parts[-8:-5] == ["ansible_collections", "mailops", "ovh_hosting"]:
        return os.sep.join(parts[:-8])
    return None


if _collections_root() and _collections_root() not in sys.path:
    sys.path.insert(0, _collections_root())

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import fleet
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HostingApi
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import bounce_facts, email_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import hosting_path
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.bounce_window import bounce_ratio, parse_date

LOG = logging.getLogger("mailops.ovh_hosting.email_events")

BOUNCES_READ = 100  # the API's largest page: the window's bounces of a hosting in a spam wave
DEFAULTS = {
    "timeout": 30, "retries": 4, "rate_limit": None, "concurrency": 8, "interval": 60, "max_bounce_ratio": 0.05,
    "min_sent": 20, "window_hours": 24, "max_per_hour": 200, "spike_factor": 10, "emit_initial": False,
    "state_file": None,
}
_NUMBERS = {  # argument: (type, smallest allowed, whether the smallest is excluded)
    "timeout": (float, 0, True), "retries": (int, 0, False), "rate_limit": (float, 0, True),
    "concurrency": (int, 1, False), "interval": (float, 0, True), "max_bounce_ratio": (float, 0, True),
    "min_sent": (int, 0, False), "window_hours": (float, 0, True), "max_per_hour": (float, 0, True),
    "spike_factor": (float, 1, True),
}
_TEXT = ("endpoint", "application_key", "application_secret", "consumer_key", "client_id", "client_secret",
         "state_file")


class ArgumentError(ValueError):
    """A bad source argument; the message names it."""


def settings(args) -> dict:
    """The source's arguments with their defaults, checked; ArgumentError names the first bad one."""
    args = dict(args or {})
    unknown = sorted(set(args) - set(DEFAULTS) - set(_TEXT))
    if unknown:
        raise ArgumentError("email_events: unknown argument(s) %s" % ", ".join(unknown))
    result = dict(DEFAULTS)
    for name, value in args.items():
        if value is None or (name == "state_file" and value == ""):
            continue  # unset; a rulebook's template renders an unset state_file as ""
        if isinstance(value, str) and name in _NUMBERS:
            value = _number(value)  # a rulebook's template renders numbers as text
        if isinstance(value, str) and name == "emit_initial" and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if name in _NUMBERS:
            kind, low, strict = _NUMBERS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise ArgumentError("email_events: %s must be a%s number, got %r"
                                    % (name, "n integer" if kind is int else "", value))
            if value < low or (strict and value == low):
                raise ArgumentError("email_events: %s must be %s %s, got %r"
                                    % (name, "more than" if strict else "at least", low, value))
            value = kind(value)
        elif name == "emit_initial":
            if not isinstance(value, bool):
                raise ArgumentError("email_events: emit_initial must be true or false, got %r" % (value,))
        elif not isinstance(value, str) or not value:
            raise ArgumentError("email_events: %s must be a non-empty string" % name)  # the value may be a secret
        result[name] = value
    if result["state_file"]:
        _check_state_file(result["state_file"])
    return result


def _check_state_file(path):
    """Refuse at start a state file that no poll could write: each poll's save would fail."""
    if os.path.isdir(path):
        raise ArgumentError("email_events: state_file %s: is a folder" % path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ArgumentError("email_events: state_file %s: its folder does not exist" % path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ArgumentError("email_events: state_file %s: its folder is not writable" % path)


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _now_text(now):
    return datetime.fromtimestamp(now, timezone.utc).isoformat()


def _failure(error):
    """An unreadable event's figures: the failed call, its status and OVH's query id (None when there was no answer)."""
    return {"call": error.call, "status": error.status, "query_id": error.query_id, "message": error.message}


def _unexpected(name, path, error):
    """A read that was answered (200) with what cannot be judged, as a failed call."""
    return HostingApiError("unexpected answer (%s: %s)" % (type(error).__name__, error), service_name=name,
                           method="GET", path=path, status=200)


def _event_id(service_name, kind, previous, current, when):
    text = json.dumps([service_name, kind, previous, current, when], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Watch:
    """The detector: one poll reads the fleet and returns the events since the previous poll."""

    def __init__(self, api, options, clock=time.time):
        self.api = api
        self.options = options
        self.clock = clock
        self.hostings = {}  # service_name -> {"state", "sent_today", "bounced_total", "bounces", "time"}
        self.active = {}  # "service_name kind" -> True while the condition lasts
        self.baseline_set = False
        self.load()

    # Persistence: a restart does not replay what was emitted.

    def load(self):
        path = self.options.get("state_file")
        if not path or not os.path.exists(path):
            return
        try:
            with open(path, encoding="utf-8") as handle:
                saved = json.load(handle)
            self.hostings = dict(saved["hostings"])
            self.active = dict(saved["active"])
            self.baseline_set = True
        except (OSError, ValueError, KeyError, TypeError) as error:
            LOG.warning("email_events: state_file %s not read (%s); a new baseline is set", path, error)

    def save(self):
        path = self.options.get("state_file")
        if not path:
            return
        folder = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".email_events.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"hostings": self.hostings, "active": self.active}, out)
            os.replace(temporary, path)  # atomic: a crash mid-write leaves the previous state
        except OSError:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    # One poll

    def poll(self) -> list:
        now = self.clock()
        names = self.api.list_hostings()
        outcomes = fleet.gather(self.api, names, lambda client, name: client.get_email(name),
                                concurrency=self.options["concurrency"])
        emit = self.baseline_set or self.options["emit_initial"]
        events = []
        for outcome in outcomes:
            try:
                events.extend(self._judge(outcome, now))
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                # An answer of an unexpected shape: this hosting is unreadable, the others are judged as ever.
                failure = _unexpected(outcome.service_name, hosting_path(outcome.service_name, "/email"), error)
                LOG.warning("email_events: %s", failure)
                events.extend(self._condition(outcome.service_name, "unreadable", True, None, _failure(failure), now))
        listed = set(names)
        self.hostings = {name: hosting for name, hosting in self.hostings.items() if name in listed}
        self.active = {key: True for key in self.active if key.split(" ", 1)[0] in listed}
        self.baseline_set = True
        try:
            self.save()
        except OSError as error:  # the events still go out: a replay after a restart is better than a loss
            LOG.error("email_events: state_file %s not written (%s)", self.options["state_file"], error)
        return events if emit else []

    def _judge(self, outcome, now):
        name = outcome.service_name
        if not outcome.ok:
            return self._condition(name, "unreadable", True, None, _failure(outcome.error), now)
        facts = email_facts(name, outcome.value)
        before = self.hostings.get(name)
        hosting = {"state": facts["state"], "sent_today": facts["sent_today"] or 0,
                   "bounced_total": facts["bounced_total"] or 0, "time": now,
                   "bounces": (before or {}).get("bounces", [])}
        events = []
        if before is not None and before["state"] != hosting["state"]:
            events.append(self._event(name, "state_changed", {"state": before["state"]},
                                      {"state": hosting["state"]}, now))
        elif before is None and self.options["emit_initial"] and hosting["state"] != "ok":
            events.append(self._event(name, "state_changed", None, {"state": hosting["state"]}, now))
        failed = None
        # Bounces are read only where the counter moved, or, for the initial events, where there are some.
        if (before is None and self.options["emit_initial"] and hosting["bounced_total"]) or (
                before is not None and hosting["bounced_total"] != before["bounced_total"]):
            try:
                hosting["bounces"] = self._read_bounces(name)
            except HostingApiError as error:
                LOG.warning("email_events: %s", error)
                failed = error
                # The counter is kept where it was read last, so that the next poll reads the bounces again.
                hosting["bounced_total"] = before["bounced_total"] if before is not None else 0
        events += self._condition(name, "unreadable", failed is not None, None,
                                  _failure(failed) if failed else None, now)
        if failed is None:  # without its bounces the ratio is unknown: a condition that lasts is left as it is
            judged = bounce_ratio({"bounces": hosting["bounces"], "sent_today": hosting["sent_today"]},
                                  min_sent=self.options["min_sent"], hours=self.options["window_hours"],
                                  now=_now_text(now))
            over = judged["judged"] and judged["ratio"] > self.options["max_bounce_ratio"]
            events += self._condition(name, "bounce_ratio_over", over, None,
                                      {"ratio": judged["ratio"], "bounces": judged["bounces"], "sent": judged["sent"],
                                       "max_bounce_ratio": self.options["max_bounce_ratio"]}, now)
        if before is not None:
            hours = max(now - before["time"], 1e-6) / 3600.0
            rise = hosting["sent_today"] - before["sent_today"]  # negative at midnight: no spike
            rate = max(rise, 0) / hours
            usual = before.get("usual_per_hour")
            # A few mails between two close polls is no spike, however high the hourly rate they make.
            spiking = rise >= max(self.options["min_sent"], 1) and (
                rate > self.options["max_per_hour"] or (usual is not None and rate > self.options["spike_factor"] * usual))
            events += self._condition(name, "send_spike", spiking, {"sent_today": before["sent_today"],
                                                                    "usual_per_hour": usual},
                                      {"sent_today": hosting["sent_today"], "per_hour": round(rate, 1),
                                       "max_per_hour": self.options["max_per_hour"]}, now)
            # The usual rate learns from calm polls only: a spike does not become the norm.
            if not spiking and rise >= 0:
                hosting["usual_per_hour"] = rate if usual is None else round(0.8 * usual + 0.2 * rate, 3)
            else:
                hosting["usual_per_hour"] = usual
        self.hostings[name] = hosting
        return events

    def _read_bounces(self, name):
        """The hosting's bounces; an answer that cannot be judged (no list, a date that cannot be read) is a failed read."""
        answer = self.api.get_bounces(name, BOUNCES_READ)
        try:
            bounces = bounce_facts(answer)
            for item in bounces:
                if item["date"]:
                    parse_date(item["date"])
        except (AttributeError, TypeError, ValueError) as error:
            raise _unexpected(name, hosting_path(name, "/email/bounces") + "?limit=%d" % BOUNCES_READ, error) from None
        return bounces

    def _condition(self, name, kind, present, previous, current, now):
        """An event when a condition starts; none while it lasts; it may fire again once it has ended."""
        key = "%s %s" % (name, kind)
        if not present:
            self.active.pop(key, None)
            return []
        if self.active.get(key):
            return []
        self.active[key] = True
        return [self._event(name, kind, previous, current, now)]

    def _event(self, name, kind, previous, current, now):
        when = _now_text(now)
        return {"email_event": {"id": _event_id(name, kind, previous, current, when), "service_name": name,
                                "kind": kind, "previous": previous, "current": current, "time": when}}


def client(options) -> HostingApi:
    return HostingApi(endpoint=options.get("endpoint"), application_key=options.get("application_key"),
                      application_secret=options.get("application_secret"),
                      consumer_key=options.get("consumer_key"), client_id=options.get("client_id"),
                      client_secret=options.get("client_secret"), timeout=options["timeout"],
                      retries=options["retries"], rate_limit=options["rate_limit"])


async def main(queue, args, polls=None):
    """Poll until cancelled (or ``polls`` times, for tests and ``__main__``)."""
    options = settings(args)
    loop = asyncio.get_running_loop()
    try:
        # Built in the executor too: it may read ovh.conf.
        api = await loop.run_in_executor(None, client, options)
    except HostingApiError as error:
        raise ArgumentError("email_events: %s" % error) from None
    watch = Watch(api, options)
    done = 0
    while polls is None or done < polls:
        started = time.monotonic()
        try:
            events = await loop.run_in_executor(None, watch.poll)
        except HostingApiError as error:  # the fleet list failed after its retries: try again next poll
            LOG.warning("email_events: poll failed: %s", error)
            events = []
        except Exception as error:  # pylint: disable=broad-exception-caught
            # The watch outlives any one poll; the error's type and text say what to fix.
            LOG.error("email_events: poll failed (%s): %s", type(error).__name__, error)
            events = []
        for event in events:
            await queue.put(event)
        done += 1
        if polls is not None and done >= polls:
            break
        spent = time.monotonic() - started
        if spent > options["interval"]:
            LOG.info("email_events: a poll took %.1f s, more than interval %.1f s (rate limit): polling at once",
                     spent, options["interval"])
        await asyncio.sleep(max(0.0, options["interval"] - spent))


if __name__ == "__main__":

    class MockQueue:
        async def put(self, event):
            print(json.dumps(event))

    asyncio.run(main(MockQueue(), {"interval": 5, "emit_initial": True}, polls=2))
