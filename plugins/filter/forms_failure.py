# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: forms_failure
short_description: A hosting's failure as the forms report records it, with no secret in it
version_added: 0.2.0
author: mailops maintainers
description:
  - In the rescue of a block, turns the failed task's result (C(ansible_failed_result)) into the
    C(form_captcha_failure) fact that P(mailops.ovh_hosting.forms_report#filter) reports -
    C({task, message}).
  - The message is the result's C(msg) (a list joined by C(; )); without one, the message of the failed items of a
    loop, else the first line of C(stderr); a result hidden by C(no_log) gives a message saying so and nothing of
    it.
  - Every value of O(secrets) that is not empty is replaced by C(********) wherever it shows in the message - as it
    is, as JSON or Python would quote it, or percent-encoded. Give the secrets the failed task could have seen,
    such as the FTPS password and the Captcha secret key.
  - A message longer than O(max_length) characters is cut there, with an ellipsis.
options:
  _input:
    description: The failed task's result, C(ansible_failed_result).
    type: raw
    required: true
  task:
    description: The failed task (C(ansible_failed_task)), or its name; its C(name), else its C(action), is kept.
    type: raw
  secrets:
    description: Texts that must not be recorded; V(null) and empty items are ignored.
    type: list
    elements: raw
    default: []
  max_length:
    description: The longest message kept, in characters.
    type: int
    default: 2000
"""

EXAMPLES = r"""
- name: Audit a site, keeping a failure for the report
  block:
    - name: Audit and guard
      ansible.builtin.include_role:
        name: mailops.ovh_hosting.form_captcha
  rescue:
    - name: Note the failure, without a secret
      ansible.builtin.set_fact:
        form_captcha_failure: >-
          {{ ansible_failed_result | mailops.ovh_hosting.forms_failure(task=ansible_failed_task,
               secrets=[form_captcha_ftp_password | default(none), form_captcha_secret_key | default(none)]) }}
"""

RETURN = r"""
_value:
  description: The failure.
  type: dict
  contains:
    task:
      description: The name of the failed task, or null.
      type: str
    message:
      description: What it said, secrets replaced.
      type: str
"""

import json
import urllib.parse
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

MASK = "********"
HIDDEN = "the failed task's output is hidden (no_log): see the task, not its message"
NO_MESSAGE = "failed without a message"


def forms_failure(result, task=None, secrets=(), max_length=2000):
    try:
        max_length = int(max_length)
    except (TypeError, ValueError):
        raise AnsibleFilterError("forms_failure: max_length must be a number, got %r" % (max_length,)) from None
    if isinstance(secrets, (str, bytes)) or not isinstance(secrets, (list, tuple)):
        raise AnsibleFilterError("forms_failure: secrets must be a list of texts")
    message = redact(_message(result), secrets)
    if len(message) > max_length:
        message = message[:max(0, max_length - 1)] + "…"
    return {"task": redact(_task_name(task), secrets) or None, "message": message}


def redact(text, secrets):
    """``text`` with every form of each secret replaced by the mask, the longest secrets first."""
    text = "" if text is None else str(text)
    forms = set()
    for secret in secrets:
        if secret is None or secret == "":
            continue
        secret = str(secret)
        forms.update((secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], urllib.parse.quote(secret, safe=""),
                      urllib.parse.quote_plus(secret)))
    for form in sorted((form for form in forms if form), key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def _message(result):
    if not isinstance(result, Mapping):
        return NO_MESSAGE if result is None else str(result)
    if result.get("censored"):
        return HIDDEN
    message = _text(result.get("msg"))
    if message:
        return message
    items = [item for item in result.get("results") or [] if isinstance(item, Mapping) and item.get("failed")]
    if items:
        return "; ".join(HIDDEN if item.get("censored") else _text(item.get("msg")) or NO_MESSAGE for item in items)
    stderr = _text(result.get("stderr")).strip()
    return stderr.splitlines()[0] if stderr else NO_MESSAGE


def _task_name(task):
    if isinstance(task, Mapping):
        return _text(task.get("name") or task.get("action"))
    return _text(task)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(item) for item in value)
    return str(value)


class FilterModule:
    def filters(self):
        return {"forms_failure": forms_failure}
