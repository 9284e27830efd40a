# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_policy role's rules, for every hosting of a play at once: settings, guard, requests, results.

The role runs once for the whole play (one module call per step, not one Ansible worker per hosting), so the
per-hosting variables are read here from each hosting's host vars rather than by Ansible per host:

- a hosting's value is its host var (inventory host_vars and group_vars, facts, extra vars);
- a value the play itself gives the role (play vars, role vars, include params) applies to every hosting, as
  Ansible's precedence has it, and is told apart from the first host's own value by comparing the two;
- a name that is no inventory host (``-e hostings``) takes the values of the role's context;
- otherwise the role's default (``DEFAULTS``, the documented one: the role's defaults file does not set these, so
  that a value seen in the role's context is known to come from the play or the inventory).

A hosting is read once: by the inventory in this run, else by ``email`` as it decides; the role reads the state
itself only of the hostings whose guard is on, and hands that read on. The guard is weighed from that read: a hosting whose counters cannot reach the threshold
(bounced_total / sent_today at most the ratio, bounces today being a part of bounced_total) is judged without
reading its bounces; only the others get a bounce read.
"""

from __future__ import annotations

import math
import time

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import address_problem, email_object
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, complies
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.bounce_window import bounce_ratio
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import terminal

# The per-hosting variables, the setting each one gives, and the role's documented default.
VARIABLES = {
    "email_policy_service_name": "service_name",
    "email_policy_state": "state",
    "email_policy_report_recipient": "report_recipient",
    "email_policy_allow_force": "allow_force",
    "email_policy_guard_max_bounce_ratio": "guard_max_ratio",
    "email_policy_guard_min_sent": "guard_min_sent",
    "email_policy_guard_action": "guard_action",
}
DEFAULTS = {
    "service_name": None,  # the hosting's ovh_service_name, else its inventory name
    "state": "unmanaged",
    "report_recipient": None,
    "allow_force": False,
    "guard_max_ratio": None,
    "guard_min_sent": 20,
    "guard_action": "block",
}
STATES = email_state.DESIRED_STATES + ("unmanaged",)
GUARD_ACTIONS = ("block", "report")
# Facts the inventory read longer ago than this (its cache) are read again.
DEFAULT_FACTS_MAX_AGE = 300
# Clocks of the controller and of a cache written elsewhere may differ a little.
_CLOCK_SLACK = 60


class PolicyError(ValueError):
    """Settings that can't be applied; the message names each hosting and variable."""


def settings(targets, hostvars, context, first, forced_state=None, facts_max_age=DEFAULT_FACTS_MAX_AGE, now=None):
    """The settings of each target hosting, with ``current``: its inventory facts when fresh, else None.

    ``context`` holds the role's variables as the role's own context resolves them on host ``first`` (the one
    the role runs on), ``hostvars`` every inventory host's variables.
    """
    now = time.time() if now is None else now
    first_vars = _host_vars(hostvars, first)
    play_values = {
        setting: context[name] for name, setting in VARIABLES.items()
        if name in context and (name not in first_vars or first_vars[name] != context[name])
    }
    problems, result = [], []
    for target in _names(targets):
        # A name that is no inventory host (-e hostings) has no vars of its own: it takes the role's context.
        host_vars = _host_vars(hostvars, target, context)
        entry = {"host": target}
        for name, setting in VARIABLES.items():
            if setting in play_values:
                entry[setting] = play_values[setting]
            elif name in host_vars:
                entry[setting] = host_vars[name]
            else:
                entry[setting] = DEFAULTS[setting]
        if forced_state is not None:
            entry["state"] = forced_state
        if not entry["service_name"]:
            entry["service_name"] = host_vars.get("ovh_service_name") or target
        problems += _normalise(entry)
        entry["current"] = _fresh_facts(host_vars, facts_max_age, now)
        # Read by the role first: a guard needs the counters. The others are read once, by email as it decides
        # (a read of the role's handed on would only be read again before a write).
        entry["read_first"] = entry["current"] is None and entry["guard_max_ratio"] is not None
        result.append(entry)
    names = [entry["service_name"] for entry in result]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append("each hosting may be targeted once, got twice or more: %s" % ", ".join(twice))
    if problems:
        raise PolicyError("email_policy: " + "; ".join(problems))
    return result


def _names(targets):
    if isinstance(targets, str):
        return [name.strip() for name in targets.split(",") if name.strip()]
    return [str(name).strip() for name in targets or [] if str(name).strip()]


def _host_vars(hostvars, host, otherwise=None):
    """The variables of ``host``, or ``otherwise`` (else nothing) when it is no inventory host."""
    try:
        return hostvars[host] if host is not None else (otherwise or {})
    except KeyError:
        return otherwise or {}


def _normalise(entry):
    """Check and convert one hosting's settings in place; the problems found, each naming hosting and variable."""
    where = "hosting %s: " % entry["host"]
    problems = []
    if entry["state"] not in STATES:
        problems.append("%semail_policy_state must be one of %s, got %r" % (where, ", ".join(STATES), entry["state"]))
    if entry["guard_action"] not in GUARD_ACTIONS:
        problems.append("%semail_policy_guard_action must be one of %s, got %r" % (
            where, ", ".join(GUARD_ACTIONS), entry["guard_action"]))
    if entry["report_recipient"] is not None and not isinstance(entry["report_recipient"], str):
        problems.append("%semail_policy_report_recipient must be an address, \"\" or null, got %r" % (
            where, entry["report_recipient"]))
    elif entry["report_recipient"] and address_problem(entry["report_recipient"]):
        problems.append("%semail_policy_%s" % (where, address_problem(entry["report_recipient"])))
    name_problem = service_name_problem(entry["service_name"]) if isinstance(entry["service_name"], str) else (
        "%r is no service name" % (entry["service_name"],))
    if name_problem:
        problems.append("%semail_policy_service_name: %s" % (where, name_problem))
    try:
        entry["allow_force"] = boolean(entry["allow_force"], strict=True)
    except TypeError:
        problems.append("%semail_policy_allow_force must be a boolean, got %r" % (where, entry["allow_force"]))
    ratio = entry["guard_max_ratio"]
    if ratio is not None and str(ratio).strip() != "":
        try:
            entry["guard_max_ratio"] = float(ratio)
            if not 0 <= entry["guard_max_ratio"] <= 1:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("%semail_policy_guard_max_bounce_ratio must be a share from 0 to 1 (such as 0.05) or "
                            "null, got %r" % (where, ratio))
    else:
        entry["guard_max_ratio"] = None
    try:
        entry["guard_min_sent"] = int(str(entry["guard_min_sent"]).strip())
        if entry["guard_min_sent"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("%semail_policy_guard_min_sent must be a whole number, 0 or more, got %r" % (
            where, entry["guard_min_sent"]))
    return problems


def _fresh_facts(host_vars, max_age, now):
    """The inventory's e-mail facts of this hosting, when read at most ``max_age`` seconds ago."""
    facts, read_at = host_vars.get("ovh_email"), host_vars.get("ovh_email_read_at")
    if not isinstance(facts, dict) or facts.get("state") not in email_state.STATES:
        return None
    try:
        age = now - float(read_at)
    except (TypeError, ValueError):
        return None
    return dict(facts) if -_CLOCK_SLACK <= age <= max_age and not math.isnan(age) else None


def judge(policy, reads, now=None):
    """Each hosting's facts, guard and request, from the reads made (``email_info`` results, latest last).

    Returns the policy entries, each with ``facts`` (None when unread), ``failure`` (the read's failure fact),
    ``guard``, ``needs_bounces`` (the counters let the guard trigger but no bounces were read) and ``request``
    (an entry of ``email``'s ``hostings``; None when nothing is managed, the facts show the hosting compliant, or
    it could not be read).
    """
    read, with_bounces, failures = {}, set(), {}
    for result in reads:
        for hosting in (result or {}).get("hostings") or []:
            read[hosting["service_name"]] = hosting
            if "bounces" in hosting:
                with_bounces.add(hosting["service_name"])
            failures.pop(hosting["service_name"], None)
        for unread in (result or {}).get("unreadable") or []:
            failures[unread["service_name"]] = unread
    judged = []
    for entry in policy:
        name = entry["service_name"]
        facts = read.get(name) or entry["current"]
        entry = dict(entry, facts=facts, failure=failures.get(name), needs_bounces=False, request=None)
        if facts is None and entry["failure"] is None and entry["guard_max_ratio"] is not None:
            entry["failure"] = {"service_name": name, "summary": "hosting %s: not read" % name}
        entry["guard"] = _guard_off(entry)
        if entry["failure"] is None:
            entry["needs_bounces"] = _weigh(entry["guard"], entry, facts if name in with_bounces else None, now)
            entry["request"] = _request(entry)
        judged.append(entry)
    return judged


def _guard_off(entry):
    return dict(max_ratio=entry["guard_max_ratio"], action=entry["guard_action"], triggered=False, judged=False,
                bounces=None, sent=None, ratio=None)


def _weigh(guard, entry, with_bounces, now) -> bool:
    """Fill ``guard`` from the facts (their bounces when read); True when the counters let it trigger but no
    bounces were read, so that they must be."""
    facts = entry["facts"]
    if entry["guard_max_ratio"] is None or facts is None:
        return False
    if with_bounces is not None:
        figures = bounce_ratio(with_bounces, min_sent=entry["guard_min_sent"], now=now)
        guard.update(bounces=figures["bounces"], sent=figures["sent"], ratio=figures["ratio"],
                     judged=figures["judged"], window_start=figures["window_start"])
        guard["triggered"] = figures["judged"] and figures["ratio"] > entry["guard_max_ratio"]
        return False
    sent = int(facts.get("sent_today") or 0)
    guard.update(sent=sent, judged=sent > 0 and sent >= entry["guard_min_sent"])
    total = facts.get("bounced_total")
    if not guard["judged"]:
        return False
    # Today's bounces are among bounced_total: at most that share can bounce today.
    if total is None or total / sent > entry["guard_max_ratio"]:
        return True
    guard["ratio_at_most"] = round(total / sent, 4)
    return False


def _request(entry):
    state = entry["state"]
    if entry["guard"]["triggered"] and entry["guard_action"] == "block":
        state = "blocked"
    entry["wanted"] = state
    if state == "unmanaged" and entry["report_recipient"] is None:
        return None
    if entry["facts"] is not None and complies(
            Wanted(entry["service_name"], None if state == "unmanaged" else state, entry["report_recipient"]),
            email_object(entry["facts"])):
        return None  # the rule email applies to facts handed in: no call, so no module run either
    request = {
        "service_name": entry["service_name"],
        "state": None if state == "unmanaged" else state,
        "report_recipient": entry["report_recipient"],
        "allow_force": entry["allow_force"],
        "current": entry["facts"],
    }
    # What is not managed is left out: email's choices refuse a null state.
    return {key: value for key, value in request.items() if value is not None}


def results(judged, applied):
    """What happened to each hosting, and why, from ``email``'s result (``applied``, None when not run)."""
    outcomes = {hosting["service_name"]: hosting for hosting in (applied or {}).get("hostings") or []}
    failures = {failure["service_name"]: failure for failure in (applied or {}).get("failed_hostings") or []}
    summary = []
    for entry in judged:
        name = entry["service_name"]
        outcome = outcomes.get(name) or {}
        failure = entry["failure"] or failures.get(name)
        before = outcome.get("before") or entry["facts"] or {}
        after = outcome.get("email") or before
        result = {
            "service_name": name,
            "changed": bool(outcome.get("changed")),
            "failed": failure is not None,
            "failure": failure.get("summary") if failure else None,
            "actions": outcome.get("actions") or [],
            "state_before": before.get("state"),
            "state_after": after.get("state"),
            "report_recipient_before": before.get("report_recipient"),
            "report_recipient_after": after.get("report_recipient"),
            "guard": entry["guard"],
        }
        result["why"] = _why(entry, result)
        summary.append(result)
    return summary


def summary(entries, check_mode=False) -> dict:
    """What the role prints, from ``results``: a line per hosting with something to say, the fleet's counts, and
    the failures. Every text is made safe for the terminal (OVH's messages are untrusted)."""
    said = [entry for entry in entries if entry["why"]]
    failures = [terminal(entry["failure"]) for entry in entries if entry["failed"]]
    counts = "%d of %d hosting(s) %s; guard triggered on %d; %d failed" % (
        sum(entry["changed"] for entry in entries), len(entries), "would change" if check_mode else "changed",
        sum(bool(entry["guard"]["triggered"]) for entry in entries), len(failures))
    return {
        "lines": [terminal("%s: %s" % (entry["service_name"], "; ".join(entry["why"]))) for entry in said] + [counts],
        "hostings": len(entries),
        "failures": failures,
    }


def _why(entry, result):
    why = []
    guard = entry["guard"]
    if guard["triggered"]:
        if guard["action"] != "block":
            verdict = "reported only"
        elif result["failed"] or result["actions"] or result["state_before"] in email_state.SENDING_STATES:
            verdict = "blocked"
        else:
            verdict = "kept blocked (%s)" % result["state_before"]
        why.append("guard: %d bounces today for %d mails sent today (%.1f%%, over %.1f%%): %s" % (
            guard["bounces"], guard["sent"], guard["ratio"] * 100, guard["max_ratio"] * 100, verdict))
    if result["actions"]:
        why.append("state: %s -> %s by %s (wanted %s)" % (
            result["state_before"], result["state_after"], ", ".join(result["actions"]), entry.get("wanted")))
    if result["report_recipient_before"] != result["report_recipient_after"]:
        why.append("report recipient: %s -> %s" % (result["report_recipient_before"] or "none",
                                                   result["report_recipient_after"] or "none"))
    if result["failed"]:
        why.append("failed: %s" % result["failure"])
    return why
