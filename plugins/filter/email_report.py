# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: email_report
short_description: The fleet e-mail report, judged against a policy
version_added: 0.1.0
author: mailops maintainers
description:
  - Turns the facts of M(mailops.ovh_hosting.email_info) into the document that the role
    C(mailops.ovh_hosting.email_report) writes as C(report.json) and renders as HTML, Markdown and JUnit.
    The schema is described in C(docs/report-schema.md).
  - Each hosting is judged against the policy; a violation is a state not allowed, a bounce ratio (bounces since
    midnight, Europe/Paris time, over the mails sent today, one window; see P(mailops.ovh_hosting.bounce_ratio#filter))
    over the threshold, or no report recipient when one is required.
  - Hostings that could not be read (O(unreadable)) are listed apart, with the failed call, its status, OVH's
    message and query id; they are not judged, and the role fails on them after writing the files.
  - The document holds no clock time of its own except C(generated_at). Given the O(previous) report with the same
    content, it keeps that report's C(generated_at), so writing an unchanged report is no change.
extends_documentation_fragment:
  - mailops.ovh_hosting.report_policy
options:
  _input:
    description: The facts of the hostings, as the C(hostings) that M(mailops.ovh_hosting.email_info) returns.
    type: list
    elements: dict
    required: true
  unreadable:
    description:
      - The hostings that could not be read, as the C(unreadable) that M(mailops.ovh_hosting.email_info) returns
        when some failed, each with C(service_name) and optionally C(call), C(status), C(query_id), C(message).
    type: list
    elements: dict
    default: []
  previous:
    description: The previous report (C(report.json) parsed), to keep its C(generated_at) when nothing changed.
    type: dict
  forms:
    description:
      - The fleet forms report (C(forms.json) parsed, as C(forms.yml) writes it beside the e-mail report; see
        P(mailops.ovh_hosting.forms_report#filter)).
      - Each hosting in state C(spam) that it covers (by service name) gets C(forms) - its forms summary and the link
        to its entry, C(forms.html#<id>).
    type: dict
  forms_href:
    description: The address of C(forms.html) as the e-mail report's pages reach it.
    type: str
    default: forms.html
"""

EXAMPLES = r"""
- name: Gather the fleet; a hosting that cannot be read fails the task but not the play
  mailops.ovh_hosting.email_info:
    bounces: 100
    volumes: true
  register: fleet
  failed_when: fleet is failed and fleet.unreadable is not defined

- name: Judge it, listing the hostings that could not be read
  ansible.builtin.set_fact:
    report: >-
      {{ fleet.hostings | mailops.ovh_hosting.email_report(max_bounce_ratio=0.05, require_recipient=true,
                                                           unreadable=fleet.unreadable | default([])) }}

- name: Fail on violations and on unread hostings
  ansible.builtin.assert:
    that:
      - report.totals.violating == 0
      - report.totals.unreadable == 0
"""

RETURN = r"""
_value:
  description: The report, schema version 1 (C(docs/report-schema.md)).
  type: dict
  contains:
    schema_version:
      description: Version of the schema, 1.
      type: int
    generated_at:
      description: When this content was first reported, ISO 8601 in Europe/Paris time with its offset.
      type: str
    content_digest:
      description: SHA-256 of the content other than RV(_value.generated_at) and itself.
      type: str
    policy:
      description: The thresholds the hostings were judged against.
      type: dict
    volume_window:
      description: First and last day (C(YYYY-MM-DD)) and number of days of the volume history.
      type: dict
    totals:
      description: Fleet totals, with a count per state and the number of hostings that could not be read.
      type: dict
    hostings:
      description: One entry per hosting, sorted by service name, with its facts, bounce figures, volume
        history and violations; with O(forms), a hosting in state C(spam) that the forms report covers has
        C(forms) (C(status), C(mail_scripts), C(mail_forms), C(unprotected_forms), C(smtp_settings),
        C(php_syntax_errors), C(guard_deployed), C(href)).
      type: list
      elements: dict
    unreadable:
      description: The hostings that could not be read, sorted by service name, each with C(service_name),
        C(call), C(status), C(query_id) and C(message).
      type: list
      elements: dict
"""

import datetime
import hashlib
import json

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_state import SENDING_STATES, STATES
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.bounce_window import (
    DEFAULT_WINDOW_HOURS,
    OVH_ZONE,
    bounce_ratio,
    parse_date,
    recent_bounces,
    reference_time,
)
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.forms_report import FormsReportError, index
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.plain_data import plain_copy

SCHEMA_VERSION = 1
# The e-mail state whose hostings the report links to their forms findings: the form that sends spam is the
# usual cause.
FORMS_LINKED_STATE = "spam"
FACT_FIELDS = ("service_name", "state", "sending", "report_recipient", "sent_total", "sent_today",
               "bounced_total", "max_per_day")


def _day(value):
    """The calendar day of an OVH date, in the date's own offset (as the panel's chart shows it)."""
    return parse_date(value).date()


def _volume_window(hostings, days, now):
    """The ``days`` days ending on the newest day of any hosting's history (today without history)."""
    newest = [_day(point["date"]) for hosting in hostings for point in hosting.get("volumes") or [] if point.get("date")]
    end = max(newest) if newest else reference_time(now).date()
    start = end - datetime.timedelta(days=days - 1)
    return start, end


def _daily_volumes(volumes, start, end):
    per_day = {}
    for point in volumes or []:
        if point.get("date"):
            day = _day(point["date"])
            per_day[day] = per_day.get(day, 0) + int(point.get("volume") or 0)
    series = []
    day = start
    while day <= end:
        series.append({"date": day.isoformat(), "volume": per_day.get(day, 0)})
        day += datetime.timedelta(days=1)
    return series


def _violations(entry, policy):
    found = []
    if entry["state"] not in policy["allowed_states"]:
        found.append({
            "rule": "state_not_allowed",
            "message": f"state {entry['state']} is not allowed (allowed: {', '.join(policy['allowed_states'])})",
        })
    limit = policy["max_bounce_ratio"]
    if limit is not None and entry["bounce_ratio"] is not None and entry["bounce_ratio"] > limit:
        found.append({
            "rule": "bounce_ratio",
            "message": (f"{entry['bounces_today']} bounces today for {entry['sent_today']} "
                        f"mails sent today: {entry['bounce_ratio']:.1%}, over {limit:.1%}"),
        })
    if policy["require_recipient"] and not entry["report_recipient"]:
        found.append({"rule": "no_report_recipient", "message": "no report recipient: the daily error report goes nowhere"})
    return found


def _hosting_entry(hosting, policy, window, latest_bounces, now):
    entry = {field: hosting.get(field) for field in FACT_FIELDS}
    for counter in ("sent_total", "sent_today", "bounced_total", "max_per_day"):
        entry[counter] = int(entry[counter] or 0)
    entry["sending"] = entry["state"] in SENDING_STATES
    entry["report_recipient"] = entry["report_recipient"] or None

    figures = bounce_ratio(hosting, min_sent=policy["min_sent"], hours=policy["bounce_window_hours"], now=now)
    # The ratio's window is OVH's day (as sent_today's); the last 24 hours are shown beside it.
    entry["bounces_today"] = figures["bounces"]
    entry["bounces_24h"] = len(recent_bounces(hosting.get("bounces"), hours=policy["bounce_window_hours"], now=now))
    entry["bounce_ratio"] = figures["ratio"]
    entry["lifetime_bounce_ratio"] = (round(entry["bounced_total"] / entry["sent_total"], 4)
                                      if entry["sent_total"] else None)

    bounces = sorted(hosting.get("bounces") or [], key=lambda bounce: parse_date(bounce["date"]), reverse=True)
    categories = {}
    for bounce in bounces:
        category = bounce.get("category") or "other"
        categories[category] = categories.get(category, 0) + 1
    entry["bounce_categories"] = dict(sorted(categories.items()))
    entry["latest_bounces"] = [
        {"date": parse_date(bounce["date"]).astimezone(OVH_ZONE).replace(microsecond=0).isoformat(), "to": bounce.get("to"), "message": bounce.get("message"),
         "category": bounce.get("category") or "other"}
        for bounce in bounces[:latest_bounces]
    ]
    entry["volumes"] = _daily_volumes(hosting.get("volumes"), *window)
    entry["violations"] = _violations(entry, policy)
    entry["compliant"] = not entry["violations"]
    return entry


def _unreadable_entries(unreadable, hostings):
    """The hostings that could not be read, in the report's shape, sorted by name."""
    if not isinstance(unreadable, list) or not all(isinstance(item, dict) for item in unreadable):
        raise AnsibleFilterError(
            "email_report: unreadable expects a list of dicts, as email_info returns in 'unreadable'")
    read = {hosting["service_name"] for hosting in hostings}
    entries = []
    for item in unreadable:
        name = item.get("service_name")
        if not name:
            raise AnsibleFilterError(f"email_report: every unreadable hosting needs a service_name, got {item!r}")
        if name in read:
            raise AnsibleFilterError(f"email_report: {name} is both among the hostings read and the unreadable ones")
        status = item.get("status")
        entries.append({
            "service_name": str(name),
            "call": item.get("call") or None,
            "status": None if status in (None, "") else int(status),
            "query_id": item.get("query_id") or None,
            "message": str(item.get("message") or "") or None,
        })
    return sorted(entries, key=lambda entry: entry["service_name"])


def _totals(entries, unreadable):
    states = dict.fromkeys(STATES, 0)
    for entry in entries:
        states[entry["state"]] = states.get(entry["state"], 0) + 1
    return {
        "hostings": len(entries),
        "sending": sum(1 for entry in entries if entry["sending"]),
        "violating": sum(1 for entry in entries if entry["violations"]),
        "sent_total": sum(entry["sent_total"] for entry in entries),
        "sent_today": sum(entry["sent_today"] for entry in entries),
        "bounced_total": sum(entry["bounced_total"] for entry in entries),
        "bounces_24h": sum(entry["bounces_24h"] for entry in entries),
        "bounces_today": sum(entry["bounces_today"] for entry in entries),
        "states": states,
        "unreadable": len(unreadable),
    }


def _names(value):
    """A list of names from a list or a comma-separated string (as ``-e`` gives it)."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return [str(name) for name in value]


def _digest(document):
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def email_report(hostings, *args, forms=None, forms_href="forms.html", **policy):
    """The filter: a plain copy of what Ansible hands it (read once), judged."""
    if forms is not None:
        try:
            forms = index(plain_copy(forms), href=forms_href)
        except FormsReportError as error:
            raise AnsibleFilterError(f"email_report: forms is not the forms report: {error}") from None
    return judge(plain_copy(hostings), *args, forms=forms, **policy)


def judge(hostings, allowed_states=("ok", "force"), max_bounce_ratio=0.1, min_sent=20,
          require_recipient=False, latest_bounces=5, days=30, previous=None, now=None, unreadable=None, forms=None):
    """The report document of plain hosting facts (the email_report_files action hands them plain already).

    ``forms``, the forms report's summaries by service name (``plugin_utils.forms_report.index``), adds
    ``forms`` to each hosting in state spam that it covers; without it the document is as before."""
    if not isinstance(hostings, list) or not all(isinstance(hosting, dict) for hosting in hostings):
        raise AnsibleFilterError("email_report expects a list of hosting facts, as email_info returns in 'hostings'")
    if int(days) < 1:
        raise AnsibleFilterError(f"email_report: days must be at least 1, got {days}")
    for hosting in hostings:
        if not hosting.get("service_name") or hosting.get("state") is None:
            raise AnsibleFilterError(f"email_report: every hosting needs service_name and state, got {hosting!r}")
    policy = {
        "allowed_states": _names(allowed_states),
        "max_bounce_ratio": None if max_bounce_ratio is None else float(max_bounce_ratio),
        "min_sent": int(min_sent),
        "require_recipient": boolean(require_recipient, strict=False),
        "bounce_window_hours": DEFAULT_WINDOW_HOURS,
    }
    try:
        window = _volume_window(hostings, int(days), now)
        entries = [_hosting_entry(hosting, policy, window, int(latest_bounces), now)
                   for hosting in sorted(hostings, key=lambda hosting: hosting["service_name"])]
        for entry in entries:
            if forms and entry["state"] == FORMS_LINKED_STATE and entry["service_name"] in forms:
                entry["forms"] = dict(forms[entry["service_name"]])
        unread = _unreadable_entries(unreadable or [], hostings)
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError(f"email_report: unreadable hosting facts: {exc}") from exc

    document = {
        "schema_version": SCHEMA_VERSION,
        "policy": policy,
        "volume_window": {"start": window[0].isoformat(), "end": window[1].isoformat(), "days": int(days)},
        "totals": _totals(entries, unread),
        "hostings": entries,
        "unreadable": unread,
    }
    digest = _digest(document)
    previous = previous if isinstance(previous, dict) else {}
    if previous.get("content_digest") == digest and previous.get("generated_at"):
        generated_at = previous["generated_at"]
    else:
        # One clock on the page: OVH's, Europe/Paris, with its offset, as the bounce dates.
        generated_at = reference_time(now).astimezone(OVH_ZONE).replace(microsecond=0).isoformat()
    return {"schema_version": SCHEMA_VERSION, "generated_at": generated_at, "content_digest": digest, **document}


class FilterModule:
    def filters(self):
        return {"email_report": email_report}
