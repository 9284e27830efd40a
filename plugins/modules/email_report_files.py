#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller; this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: email_report_files
short_description: Judge a fleet's e-mail facts and write the report's four files on the controller
version_added: 0.2.0
description:
  - Judges the facts that M(mailops.ovh_hosting.email_info) returned against a policy, as the filter
    P(mailops.ovh_hosting.email_report#filter) does, and writes to O(dir) on the controller C(index.html),
    C(report.md), C(report.json) and C(junit.xml), from the templates of the role C(mailops.ovh_hosting.email_report),
    which uses it.
  - Renders in one pass with plain Jinja2, the same bytes as the template action gives; at a thousand hostings it
    takes a fraction of a second where four template tasks took seconds each.
  - Reads the previous C(report.json) of O(dir), if any, to keep its generation time when nothing changed, so
    writing an unchanged report is no change.
  - Each file is written under a temporary name, then renamed.
extends_documentation_fragment:
  - mailops.ovh_hosting.report_policy
options:
  hostings:
    description: The facts of the hostings, as the C(hostings) of M(mailops.ovh_hosting.email_info).
    type: list
    elements: dict
    required: true
  unreadable:
    description: The hostings that could not be read, as the C(unreadable) of M(mailops.ovh_hosting.email_info).
    type: list
    elements: dict
    default: []
  dir:
    description: The folder of the files on the controller, created if missing (mode C(0755)); a relative path is
      taken from the folder ansible-playbook runs in.
    type: path
    required: true
  title:
    description: The title of the HTML page and of the Markdown.
    type: str
    default: E-mail scripts report
  forms_report:
    description:
      - The fleet forms report, C(forms.json) as C(forms.yml) writes it (role C(mailops.ovh_hosting.forms_report)).
        Each hosting in state C(spam) that it covers gets its forms summary in C(report.json) and, in
        C(index.html) and C(report.md), a link to its entry in the C(forms.html) beside it.
      - When not given, C(forms.json) in O(dir) if there is one; an empty string for none. A file given that is
        missing or no forms report fails the task, naming it.
    type: path
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Judges and renders, then says which files would change; writes nothing.
  diff_mode:
    support: full
    description: The changes of each file up to 64 K characters; of a larger one, a line saying its sizes.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller, whatever the task's host.
author:
  - mailops maintainers (@mailops)
seealso:
  - module: mailops.ovh_hosting.email_info
  - plugin: mailops.ovh_hosting.email_report
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the fleet
  mailops.ovh_hosting.email_info:
    bounces: 100
    volumes: true
  register: fleet
  failed_when: fleet is failed and fleet.unreadable is not defined

- name: Write the report
  mailops.ovh_hosting.email_report_files:
    hostings: "{{ fleet.hostings }}"
    unreadable: "{{ fleet.unreadable | default([]) }}"
    dir: "{{ playbook_dir }}/report"
    require_recipient: true
  register: report

- name: Fail on violations
  ansible.builtin.assert:
    that: report.totals.violating == 0
    fail_msg: "{{ report.violating | map(attribute='service_name') | list }}"
"""

RETURN = r"""
dir:
  description: The absolute path of the folder written.
  returned: always
  type: str
written:
  description: The files that changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
  sample: [index.html, report.json]
generated_at:
  description: The report's generation time (kept from the previous report when nothing changed).
  returned: always
  type: str
totals:
  description: The fleet's totals, as in C(report.json).
  returned: always
  type: dict
violating:
  description: The hostings violating the policy, each with C(service_name) and C(messages) (the violations'
    messages), sorted by name.
  returned: always
  type: list
  elements: dict
unreadable:
  description: The hostings that could not be read, as in C(report.json).
  returned: always
  type: list
  elements: dict
"""
