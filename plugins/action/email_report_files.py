# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of email_report_files (documented in plugins/modules/email_report_files.py): judge, render and write
the report's files on the controller, in this process, with no module to run."""

from __future__ import annotations

import json
import os
import tempfile
import urllib.parse

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import judge
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.forms_report import FormsReportError, index
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.report_files import FILES, render_all

ARGUMENT_SPEC = {
    "hostings": {"type": "list", "elements": "dict", "required": True},
    "unreadable": {"type": "list", "elements": "dict", "default": []},
    "dir": {"type": "path", "required": True},
    "title": {"type": "str", "default": "E-mail scripts report"},
    "allowed_states": {"type": "list", "elements": "str", "default": ["ok", "force"]},
    "max_bounce_ratio": {"type": "raw", "default": 0.1},  # a number, or None not to judge ratios
    "min_sent": {"type": "int", "default": 20},
    "require_recipient": {"type": "bool", "default": False},
    "latest_bounces": {"type": "int", "default": 5},
    "days": {"type": "int", "default": 30},
    "now": {"type": "str"},
    # forms.json of forms.yml: null, the one in dir when there is one; "", none.
    "forms_report": {"type": "path"},
}
FORMS_JSON = "forms.json"
DIFF_LIMIT = 64 * 1024  # characters: larger files are said to change, not shown


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        folder = os.path.abspath(os.path.expanduser(args["dir"]))
        try:
            forms = _forms(folder, args["forms_report"])
        except FormsReportError as error:
            return dict(result, failed=True, msg="email_report_files: %s" % error)
        try:
            # Task arguments come templated and plain: judged as they are, with no copy.
            document = judge(
                args["hostings"], allowed_states=args["allowed_states"],
                max_bounce_ratio=args["max_bounce_ratio"], min_sent=args["min_sent"],
                require_recipient=args["require_recipient"], latest_bounces=args["latest_bounces"],
                days=args["days"], now=args["now"], unreadable=args["unreadable"],
                previous=_previous(folder), forms=forms)
        except AnsibleError as error:
            return dict(result, failed=True, msg=str(error))
        except (TypeError, ValueError) as error:  # a policy figure that is no number
            return dict(result, failed=True, msg="email_report_files: %s" % error)
        texts = render_all(document, args["title"])
        before = {name: _read(os.path.join(folder, name)) for name in FILES}
        written = [name for name in FILES if before[name] != texts[name]]
        if written and not self._task.check_mode:
            try:
                _write(folder, {name: texts[name] for name in written})
            except OSError as error:
                return dict(result, failed=True, msg="email_report_files: could not write %s: %s" % (folder, error))
        result.update(
            changed=bool(written), dir=folder, written=written, generated_at=document["generated_at"],
            totals=document["totals"], unreadable=document["unreadable"],
            violating=[{"service_name": entry["service_name"],
                        "messages": [violation["message"] for violation in entry["violations"]]}
                       for entry in document["hostings"] if entry["violations"]])
        if self._task.diff and written:
            result["diff"] = [_diff(folder, name, before[name], texts[name]) for name in written]
        return result


def _forms(folder, path):
    """The forms report's summaries by service name, linked from the report's folder; None without a report.

    ``path`` None: forms.json in ``folder`` if there is one; "": none; else that file, which must be a forms
    report."""
    if path == "":
        return None
    given = path is not None
    path = os.path.abspath(os.path.expanduser(path)) if given else os.path.join(folder, FORMS_JSON)
    if not given and not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise FormsReportError("could not read the forms report %s: %s" % (
            path, error.strerror if isinstance(error, OSError) and error.strerror else error)) from None
    page = os.path.join(os.path.dirname(path), "forms.html")
    href = "/".join(urllib.parse.quote(part) for part in os.path.relpath(page, folder).split(os.sep))
    try:
        return index(document, href=href)
    except FormsReportError as error:
        raise FormsReportError("the forms report %s is not one: %s" % (path, error)) from None


def _previous(folder):
    """The previous report.json, parsed, or None (missing, unreadable or not JSON: the report is new)."""
    text = _read(os.path.join(folder, "report.json"))
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _write(folder, texts):
    """Each file under a temporary name in the folder, then renamed over the old one: never half written."""
    os.makedirs(folder, mode=0o755, exist_ok=True)
    for name, text in texts.items():
        handle, temporary = tempfile.mkstemp(prefix=".%s." % name, dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, os.path.join(folder, name))
        except BaseException:
            os.unlink(temporary)
            raise


def _diff(folder, name, before, after):
    path = os.path.join(folder, name)
    if len(after) > DIFF_LIMIT or len(before or "") > DIFF_LIMIT:
        return {"before_header": path, "after_header": path,
                "before": "(%d characters, not shown)\n" % len(before or ""),
                "after": "(%d characters, not shown)\n" % len(after)}
    return {"before_header": path, "after_header": path, "before": before or "", "after": after}
