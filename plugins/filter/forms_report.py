# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: forms_report
short_description: The fleet forms report, judged from what the form_captcha role left on each host
version_added: 0.2.0
author: mailops maintainers
description:
  - Reads, from the host vars of each hosting given, the C(form_captcha_result) that the role
    C(mailops.ovh_hosting.form_captcha) sets at its end, or the C(form_captcha_failure) (C(task), C(message)) that
    the rescue of C(forms.yml) records when the role failed there (see P(mailops.ovh_hosting.forms_failure#filter)),
    and judges them into the document that the role C(mailops.ovh_hosting.forms_report) writes as C(forms.json)
    and renders as C(forms.html) and C(forms-junit.xml).
  - Per hosting - the scripts that send mail, the forms that send mail, protected or not, the SMTP settings and the
    PHP syntax errors the audit found, and whether the guard is deployed.
  - A form that sends mail is protected when a Captcha token is verified server-side before the mail goes - the
    guard deployed covers the script it posts to (C(guard.protected)), or the audit found the verification
    (C(verified_by) - in its handler, or in a guard that PHP prepends through C(.user.ini)). Every other form that
    sends mail is unprotected, with the reason; the forms the guard cannot stand in front of (the audit's
    C(unguarded_forms), a WordPress hook) are unprotected unless their handler verifies a token itself.
  - A hosting with neither fact (unreachable, or stopped before the role's end) is reported as failed, never as a
    pass; so is one whose C(form_captcha_result) is not what the role leaves, saying what is wrong with it.
  - The status of a hosting is V(failed), V(unprotected) (at least one form that sends mail is unprotected),
    V(protected) (every such form is), V(no_mail_form) or V(not_audited) (C(form_captcha_state=absent)).
  - Given the O(previous) report with the same content, the document keeps its C(generated_at), so writing an
    unchanged report is no change.
options:
  _input:
    description: The hostings, by inventory name (such as C(ansible_play_hosts_all) of the play that ran the role).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  previous:
    description: The previous report, C(forms.json) parsed or as text; anything else is no previous report.
    type: raw
  now:
    description: The report's time when its content changed, ISO 8601 with an offset; the current time by default.
    type: str
"""

EXAMPLES = r"""
- name: Judge what the role found on every host of the play
  ansible.builtin.set_fact:
    forms: "{{ ansible_play_hosts_all | mailops.ovh_hosting.forms_report(hostvars) }}"
  run_once: true
  delegate_to: localhost
  delegate_facts: true

- name: Fail when a form that sends mail is unprotected
  ansible.builtin.assert:
    that: hostvars.localhost.forms.totals.unprotected == 0
    fail_msg: >-
      {{ hostvars.localhost.forms.hostings | selectattr('status', 'eq', 'unprotected')
         | map(attribute='hosting') | join(', ') }}
  run_once: true
"""

RETURN = r"""
_value:
  description: The report, schema version 1.
  type: dict
  contains:
    schema_version:
      description: V(1).
      type: int
    generated_at:
      description: When this content was first reported, ISO 8601 in Europe/Paris time with its offset.
      type: str
    content_digest:
      description: C(sha256:) and the hex SHA-256 of the canonical JSON of every field but C(generated_at) and itself.
      type: str
    totals:
      description:
        - C(hostings); C(statuses), a count per status, every status present; C(failed) and C(unprotected)
          (hostings); C(unprotected_forms), C(mail_forms), C(mail_scripts), C(smtp_settings),
          C(php_syntax_errors) (sums); C(guard_deployed) (hostings).
      type: dict
    hostings:
      description:
        - One entry per hosting, sorted by C(hosting) - C(hosting) (the inventory name), C(service_name)
          (C(ovh_service_name), else the inventory name), C(id) (its fragment id in C(forms.html)), C(status),
          C(transport), C(mode), C(state), C(guard) (C(deployed), C(protected)), C(mail_scripts),
          C(mail_forms) (the number of forms that send mail), C(protected_forms) (C(file), C(line), C(posts_to),
          C(entry), C(handler), C(widget), C(protection) - V(guard) or V(verified)), C(unprotected_forms) (the
          same, with C(reason) in place of C(protection)), C(smtp_settings) (C(file), C(line), C(setting)),
          C(php_syntax_errors) (C(file), C(line), C(message)), C(php_lint) (whether the syntax was checked),
          C(not_read) (files the audit left out), C(failure) (C(task), C(message)) or null.
      type: list
      elements: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.forms_report import FormsReportError, judge
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.plain_data import plain_copy


def forms_report(hosts, hostvars, previous=None, now=None):
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError("forms_report: hostvars must be the play's hostvars, got a %s"
                                 % type(hostvars).__name__)
    if isinstance(hosts, str):
        hosts = [name.strip() for name in hosts.split(",") if name.strip()]
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("forms_report expects a list of host names, got a %s" % type(hosts).__name__)
    hostings = []
    for name in hosts:
        name = str(name)
        host_vars = _host_vars(hostvars, name)
        hostings.append({
            "hosting": name,
            "service_name": host_vars.get("ovh_service_name") or name,
            # One plain copy of each, read once (ansible-core 2.19 hands lazy containers).
            "result": plain_copy(host_vars.get("form_captcha_result")),
            "failure": plain_copy(host_vars.get("form_captcha_failure")),
        })
    try:
        return judge(hostings, previous=plain_copy(previous), now=now)
    except FormsReportError as error:
        raise AnsibleFilterError(str(error)) from None
    except (TypeError, ValueError) as error:  # a date for now that is none, say
        raise AnsibleFilterError("forms_report: %s" % error) from None


def _host_vars(hostvars, name):
    try:
        return hostvars[name] if name in hostvars else {}
    except KeyError:
        return {}


class FilterModule:
    def filters(self):
        return {"forms_report": forms_report}
