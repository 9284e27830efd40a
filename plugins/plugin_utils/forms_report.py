# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet forms report: what ``forms.yml`` found on each hosting, judged.

Each hosting brings the ``form_captcha_result`` the ``form_captcha`` role leaves (transport, mode, state, the
``mail_scripts_audit`` result, the guard), or the ``form_captcha_failure`` the play's rescue recorded
(``{task, message}``), or neither (unreachable, or stopped before the role's end). The document is what the
``forms_report`` role writes as ``forms.json`` and renders as ``forms.html`` and ``forms-junit.xml``; ``summary``
is the part of one hosting that the e-mail report shows beside a hosting that sends spam.

A form that sends mail is protected when a Captcha token is verified server-side before the mail goes: the
role's guard covers the script it posts to (``guard.protected``, deployed in this run), or the audit found the
verification (``verified_by``: in the handler, or in a guard PHP prepends through ``.user.ini``). Every other form
that sends mail is unprotected, the audit's ``unguarded_forms`` (a WordPress hook the guard cannot stand in front
of) among them unless their handler verifies a token itself.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Mapping

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.bounce_window import OVH_ZONE, reference_time
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_text import terminal

SCHEMA_VERSION = 1
# Worst first: the order of the report's table.
STATUSES = ("failed", "unprotected", "protected", "no_mail_form", "not_audited")
NO_RESULT = ("the form_captcha role left no result: the host was unreachable, or the play stopped before the "
             "role's end (see the play's output)")
AUDIT_KEYS = ("findings", "forms", "mail_scripts", "unguarded_forms")


class FormsReportError(ValueError):
    """What the report cannot be made of, in words naming it."""


def anchor(name):
    """The fragment id of a hosting in forms.html: hidden characters shown, then percent-encoded."""
    return "hosting-" + urllib.parse.quote(terminal(name), safe="")


def judge(hostings, previous=None, now=None):
    """The report document of plain ``{hosting, service_name, result, failure}`` entries.

    ``previous`` is the last ``forms.json`` (parsed, or its text): with the same content, its ``generated_at``
    is kept, so that writing an unchanged report is no change. ``now`` (ISO 8601) fixes the time otherwise.
    """
    if not isinstance(hostings, list) or not all(isinstance(item, Mapping) for item in hostings):
        raise FormsReportError("forms_report expects a list of hostings, each a dict with hosting, result, failure")
    entries = []
    seen = set()
    for item in hostings:
        name = item.get("hosting")
        if not isinstance(name, str) or not name:
            raise FormsReportError("forms_report: every hosting needs a name (hosting), got %r" % (name,))
        if name in seen:
            raise FormsReportError("forms_report: the hosting %s is listed twice" % name)
        seen.add(name)
        entries.append(hosting_entry(name, item.get("result"), item.get("failure"), item.get("service_name")))
    entries.sort(key=lambda entry: entry["hosting"])
    document = {"schema_version": SCHEMA_VERSION, "totals": _totals(entries), "hostings": entries}
    digest = _digest(document)
    previous = _parsed(previous)
    if previous.get("content_digest") == digest and previous.get("generated_at"):
        generated_at = previous["generated_at"]
    else:
        generated_at = reference_time(now).astimezone(OVH_ZONE).replace(microsecond=0).isoformat()
    return {"schema_version": SCHEMA_VERSION, "generated_at": generated_at, "content_digest": digest, **document}


def hosting_entry(name, result, failure, service_name=None):
    """One hosting of the report."""
    entry = {
        "hosting": name,
        "service_name": str(service_name or name),
        "id": anchor(name),
        "status": "failed",
        "transport": None,
        "mode": None,
        "state": None,
        "guard": {"deployed": False, "protected": []},
        "mail_scripts": [],
        "mail_forms": 0,
        "protected_forms": [],
        "unprotected_forms": [],
        "smtp_settings": [],
        "php_syntax_errors": [],
        "php_lint": None,
        "not_read": 0,
        "failure": None,
    }
    if failure is not None:
        entry["failure"] = _failure(failure)
        return entry
    if result is None:
        entry["failure"] = {"task": None, "message": NO_RESULT}
        return entry
    problem = _result_problem(result)
    if problem:
        entry["failure"] = {"task": None, "message": "form_captcha_result is not what the form_captcha role leaves: "
                                                     + problem}
        return entry
    guard = result.get("guard") or {}
    entry.update(transport=_text(result.get("transport")), mode=_text(result.get("mode")),
                 state=_text(result.get("state")))
    entry["guard"] = {"deployed": _boolean(guard.get("deployed")),
                      "protected": sorted(str(path) for path in guard.get("protected") or [])}
    if entry["state"] == "absent":
        entry["status"] = "not_audited"
        return entry
    audit = result["audit"]
    entry["mail_scripts"] = sorted(str(path) for path in audit.get("mail_scripts") or [])
    entry["protected_forms"], entry["unprotected_forms"] = _forms(audit, entry["guard"])
    entry["mail_forms"] = len(entry["protected_forms"]) + len(entry["unprotected_forms"])
    findings = audit.get("findings") or []
    entry["smtp_settings"] = [
        {"file": item.get("file"), "line": _line(item.get("line")), "setting": item.get("setting") or item.get("message")}
        for item in findings if item.get("rule") == "smtp_settings"]
    entry["php_syntax_errors"] = [
        {"file": item.get("file"), "line": _line(item.get("line")), "message": item.get("php_message") or item.get("message")}
        for item in findings if item.get("rule") == "php_syntax_error"]
    entry["php_lint"] = None if audit.get("php_lint") is None else _boolean(audit.get("php_lint"))
    # The audit's files left out; named skipped before mail_scripts_audit 0.2.0.
    entry["not_read"] = len(audit.get("not_read", audit.get("skipped")) or [])
    if entry["unprotected_forms"]:
        entry["status"] = "unprotected"
    elif entry["protected_forms"]:
        entry["status"] = "protected"
    else:
        entry["status"] = "no_mail_form"
    return entry


def summary(entry, href):
    """What the e-mail report shows of one hosting of this report: its status and counts, and the link to it."""
    return {
        "status": entry["status"],
        "mail_scripts": len(entry["mail_scripts"]),
        "mail_forms": entry["mail_forms"],
        "unprotected_forms": len(entry["unprotected_forms"]),
        "smtp_settings": len(entry["smtp_settings"]),
        "php_syntax_errors": len(entry["php_syntax_errors"]),
        "guard_deployed": entry["guard"]["deployed"],
        "href": "%s#%s" % (href, entry["id"]),
    }


def problems(document, fail_on_unprotected=False, folder=None):
    """What fails a run over this report, one line each, safe for a terminal; empty when it passes: no hosting,
    the hostings that failed, and with ``fail_on_unprotected`` each form that sends mail unprotected."""
    where = (folder.rstrip("/") + "/") if folder else ""
    totals = document["totals"]
    lines = []
    if totals["hostings"] == 0:
        lines.append("No hosting in the forms report (the play matched no host), so no forms report was written.")
    failed = [entry for entry in document["hostings"] if entry["status"] == "failed"]
    if failed:
        lines.append("The forms audit failed on %d of %d hosting(s) (%sforms.html):"
                     % (len(failed), totals["hostings"], terminal(where)))
        for entry in failed:
            parts = [entry["hosting"], entry["failure"]["task"], entry["failure"]["message"]]
            lines.append(": ".join(terminal(part) for part in parts if part))
    unprotected = [entry for entry in document["hostings"] if entry["status"] == "unprotected"]
    if fail_on_unprotected and unprotected:
        lines.append("%d hosting(s) have forms that send mail without protection (%sforms-junit.xml):"
                     % (len(unprotected), terminal(where)))
        for entry in unprotected:
            for form in entry["unprotected_forms"]:
                lines.append("%s: %s line %s posts to %s: %s" % tuple(terminal(part) for part in (
                    entry["hosting"], form["file"], form["line"], form["posts_to"] or form["entry"], form["reason"])))
    return lines


def index(document, href="forms.html"):
    """The summary of each hosting of a forms report (forms.json parsed), by service name, linking to ``href``
    (forms.html, as the e-mail report reaches it); FormsReportError when it is no forms report."""
    if not isinstance(document, Mapping) or document.get("schema_version") != SCHEMA_VERSION:
        raise FormsReportError("it is not a forms report of schema version %d (forms.json, as forms.yml writes it)"
                               % SCHEMA_VERSION)
    hostings = document.get("hostings")
    if not isinstance(hostings, list):
        raise FormsReportError("its hostings are not a list")
    found = {}
    for entry in hostings:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("service_name"), str) \
                or not isinstance(entry.get("id"), str) or entry.get("status") not in STATUSES:
            raise FormsReportError("a hosting of it has no service_name, id or status: %r" % (entry,))
        try:
            found[entry["service_name"]] = summary(entry, href)
        except (KeyError, TypeError) as error:
            raise FormsReportError("the hosting %s lacks %s" % (entry["service_name"], error)) from None
    return found


def _forms(audit, guard):
    """The forms that send mail, protected and unprotected, each sorted by file and line."""
    covered = set(guard["protected"]) if guard["deployed"] else set()
    unguarded = {}
    for item in audit.get("unguarded_forms") or []:
        unguarded[(item.get("file"), _line(item.get("line")))] = item
    protected, unprotected, seen = [], [], set()
    for form in audit.get("forms") or []:
        if not form.get("sends_mail"):
            continue
        key = (form.get("file"), _line(form.get("line")))
        seen.add(key)
        record = {"file": key[0], "line": key[1], "posts_to": form.get("posts_to"), "entry": form.get("entry"),
                  "handler": form.get("handler"), "widget": form.get("captcha")}
        if form.get("entry") and form["entry"] in covered:
            protected.append(dict(record, protection="guard"))
        elif form.get("verified_by"):
            protected.append(dict(record, protection="verified"))
        else:
            unprotected.append(dict(record, reason=_reason(record, unguarded.get(key), guard)))
    for key, item in unguarded.items():  # the audit lists its forms too: only a form it left out lands here
        if key not in seen:
            record = {"file": key[0], "line": key[1], "posts_to": item.get("entry"), "entry": item.get("entry"),
                      "handler": item.get("handler"), "widget": None}
            unprotected.append(dict(record, reason=_reason(record, item, guard)))
    return sorted(protected, key=_place), sorted(unprotected, key=_place)


def _place(form):
    return str(form["file"]), form["line"] or 0


def _reason(form, unguarded, guard):
    handler = form["handler"] or form["posts_to"] or "its handler"
    if unguarded is not None:
        why = ("the form_captcha guard cannot stand in front of it: %s; use the plugin's own Captcha"
               % (unguarded.get("reason") or "it posts to a script every form shares"))
    elif form["widget"]:
        why = "its %s widget is never verified server-side by %s" % (form["widget"], handler)
    else:
        why = "no Captcha: no widget on the form, no token verified by %s" % handler
    if guard["deployed"] and unguarded is None and form["entry"]:
        why += "; the guard deployed does not cover %s" % form["entry"]
    return why


def _result_problem(result):
    """What makes ``result`` something other than the role's form_captcha_result, or None."""
    if not isinstance(result, Mapping):
        return "a %s, not a dict" % type(result).__name__
    if result.get("state") not in ("present", "absent"):
        return "state is %r, not present or absent" % (result.get("state"),)
    guard = result.get("guard") or {}
    if not isinstance(guard, Mapping):
        return "guard is not a dict"
    if not isinstance(guard.get("protected") or [], list):
        return "guard.protected is not a list"
    if result["state"] == "present":
        audit = result.get("audit")
        if not isinstance(audit, Mapping):
            return "audit is not a dict"
        missing = [key for key in AUDIT_KEYS if key not in audit]
        if missing:
            return "its audit lacks %s (mail_scripts_audit returns them)" % ", ".join(missing)
        for key in AUDIT_KEYS:
            if not isinstance(audit[key], list) or (key != "mail_scripts"
                                                    and not all(isinstance(item, Mapping) for item in audit[key])):
                return "its audit's %s is not a list%s" % (key, "" if key == "mail_scripts" else " of dicts")
    return None


def _failure(failure):
    if isinstance(failure, Mapping):
        task = failure.get("task")
        message = failure.get("message")
    else:
        task, message = None, failure
    return {"task": _text(task) or None, "message": _text(message) or "failed without a message"}


def _totals(entries):
    def count(status):
        return sum(1 for entry in entries if entry["status"] == status)
    return {
        "hostings": len(entries),
        "statuses": {status: count(status) for status in STATUSES},
        "failed": count("failed"),
        "unprotected": count("unprotected"),
        "unprotected_forms": sum(len(entry["unprotected_forms"]) for entry in entries),
        "mail_forms": sum(entry["mail_forms"] for entry in entries),
        "mail_scripts": sum(len(entry["mail_scripts"]) for entry in entries),
        "smtp_settings": sum(len(entry["smtp_settings"]) for entry in entries),
        "php_syntax_errors": sum(len(entry["php_syntax_errors"]) for entry in entries),
        "guard_deployed": sum(1 for entry in entries if entry["guard"]["deployed"]),
    }


def _parsed(previous):
    if isinstance(previous, str):
        try:
            previous = json.loads(previous) if previous.strip() else None
        except ValueError:
            previous = None
    return previous if isinstance(previous, Mapping) else {}


def _digest(document):
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(value):
    return None if value is None else str(value)


def _line(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _boolean(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)
