#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: email
short_description: Block, unblock or purge the e-mails that scripts send from an OVHcloud web hosting
version_added: 0.1.0
description:
  - Declarative management of a web hosting's script e-mails (the control panel's "Email scripts" page) and of
    the recipient of their daily error report.
  - Reads C(GET /hosting/web/{serviceName}/email) first, decides from its state, then requests BLOCK, UNBLOCK or
    PURGE (C(POST .../email/request)) only when needed, and waits until the state shows the result.
  - "The rules: O(state=blocked) requests BLOCK from V(ok) or V(force); V(ko), V(bounce) and V(spam) are already
    blocked. O(state=unblocked) requests UNBLOCK from V(ko); from V(bounce) only with O(allow_force=true) (the
    hosting goes to V(force), with a doubled allowed bounce ratio); from V(spam) it fails, as OVH requires a purge.
    O(state=purged) requests PURGE from V(ko), V(bounce) or V(spam): the queued mails are deleted and sending
    resumes (V(ok)); V(ok) and V(force) have nothing to purge."
  - While a purge is in progress (V(purging)) the module waits for it to end before deciding, up to
    O(wait_timeout), whatever O(wait) says.
  - A state change request that fails in a way that may have been applied (5xx, connection error, timeout) is not
    sent again blindly; the state is read again and the decision is made again.
  - "Many hostings in one task: O(hostings) lists them, each with its own settings. They are read, changed and
    waited for concurrently (O(concurrency)) under the one O(rate_limit) of the task, so blocking 200 hostings
    waits about one action's delay. A hosting that fails does not stop the others; the task fails at the end,
    naming each one with its call, status, OVH's message and query id."
  - "Decided from what was just read: an entry of O(hostings) may carry O(hostings[].current), the hosting's
    e-mail facts read earlier in the same run (the C(ovh_email) variable of the P(mailops.ovh_hosting.hostings#inventory)
    inventory, or an entry of M(mailops.ovh_hosting.email_info)'s C(hostings)). A hosting they show compliant costs
    no call. A hosting to change is read again before any write and decided from that read, so a stale fact never
    causes a wrong action; a hosting that was compliant when read and changed since is seen by the next run."
  - A request met by another one in progress (HTTP 409) is not an error; its result is waited for, then the
    hosting is decided again.
options:
  service_name:
    description:
      - The service name of the hosting, such as C(example.cluster021.hosting.ovh.net).
      - Exactly one of O(service_name) and O(hostings) is required.
    type: str
  hostings:
    description:
      - Many hostings at once, each with its own settings; O(state), O(report_recipient) and O(allow_force) apply
        to the entries that do not set them.
    type: list
    elements: dict
    suboptions:
      service_name:
        description: The service name of the hosting.
        type: str
        required: true
      state:
        description: As O(state), for this hosting.
        type: str
        choices: [unblocked, blocked, purged]
      report_recipient:
        description: As O(report_recipient), for this hosting.
        type: str
      allow_force:
        description: As O(allow_force), for this hosting.
        type: bool
      current:
        description:
          - The hosting's e-mail facts as read earlier in this run (at least C(state) and C(report_recipient)),
            in the format of M(mailops.ovh_hosting.email_info). When they show the hosting compliant, it is not
            read again. Null or not set - the hosting is read.
        type: dict
  state:
    description:
      - V(unblocked) - scripts' mails are sent; queued mails are delivered.
      - V(blocked) - scripts' mails wait in a queue (72 h at most).
      - V(purged) - the queue is deleted and sending resumes. A purge deletes mails; it can't be undone.
      - Not set - the state is not managed.
    type: str
    choices: [unblocked, blocked, purged]
  report_recipient:
    description:
      - The address that receives the daily report of mails in error. V("") clears it.
      - Not set - not managed.
    type: str
  allow_force:
    description:
      - Allow O(state=unblocked) to unblock a hosting in state V(bounce), which puts it in state V(force) with a
        doubled allowed bounce ratio.
    type: bool
    default: false
  wait:
    description:
      - Wait until C(GET .../email) shows the requested state before returning.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the state, at most. OVH says actions can take several minutes.
    type: int
    default: 900
  wait_sleep:
    description:
      - Seconds between two reads of the state while waiting, after the first three, which come 1, 2 and 3 s after
        the request (OVH applies it asynchronously, and many actions end within seconds).
    type: int
    default: 3
  concurrency:
    description:
      - How many hostings of O(hostings) are read or changed at the same time (worker threads, one API client
        each). The rate limit holds across all of them.
    type: int
    default: 8
extends_documentation_fragment:
  - mailops.ovh_hosting.auth
  - mailops.ovh_hosting.attributes
attributes:
  check_mode:
    support: full
    details: Reads the state, predicts the result and the requests, and writes nothing.
  diff_mode:
    support: full
    details:
      - Shows O(state) as the OVH state (such as V(ok), V(force), V(ko)) and O(report_recipient), before and after.
      - With O(hostings), one diff per hosting that changes, headed by its service name; none for those that
        comply.
author:
  - mailops maintainers (@mailops)
"""

EXAMPLES = r"""
- name: Block a hosting whose contact form sends spam (the queue keeps 72 h)
  mailops.ovh_hosting.email:
    service_name: shop-1.cluster021.hosting.ovh.net
    state: blocked

- name: Every hosting sends, and error reports go to the ops team
  mailops.ovh_hosting.email:
    service_name: "{{ item }}"
    state: unblocked
    report_recipient: mail-errors@example.com
  loop: "{{ groups['incident'] }}"

- name: Delete the queue of a hosting flagged as spam, and resume sending
  mailops.ovh_hosting.email:
    service_name: shop-1.cluster021.hosting.ovh.net
    state: purged
  check_mode: true
  diff: true

- name: Unblock a bouncing hosting into "force", without waiting
  mailops.ovh_hosting.email:
    service_name: blog.cluster030.hosting.ovh.net
    state: unblocked
    allow_force: true
    wait: false

- name: Unblock two hostings, deciding from a read made earlier in the play (a compliant one costs no call)
  mailops.ovh_hosting.email:
    hostings:
      - service_name: shop-1.cluster021.hosting.ovh.net
        current: "{{ fleet.hostings | selectattr('service_name', 'eq', 'shop-1.cluster021.hosting.ovh.net') | first }}"
      - service_name: blog.cluster030.hosting.ovh.net
        current: "{{ hostvars['blog.cluster030.hosting.ovh.net'].ovh_email }}"  # the hostings inventory's read
    state: unblocked
  delegate_to: localhost

# The role mailops.ovh_hosting.email_policy builds O(hostings) from each host's vars and the inventory's read.
- name: Block 50 hostings of an incident at once, with their own recipients
  mailops.ovh_hosting.email:
    hostings:
      - service_name: shop-1.cluster021.hosting.ovh.net
        report_recipient: shop-team@example.com
      - service_name: blog.cluster030.hosting.ovh.net
    state: blocked
    concurrency: 20

- name: Stop the daily error report
  mailops.ovh_hosting.email:
    service_name: blog.cluster030.hosting.ovh.net
    report_recipient: ""
"""

RETURN = r"""
actions:
  description:
    - The state change requests made (in check mode, that would be made), in order.
    - A change of O(report_recipient) is an update, not a request, and is not listed.
  returned: with O(service_name)
  type: list
  elements: str
  sample: ["BLOCK"]
email:
  description:
    - The hosting's e-mail facts after the change, in the format of M(mailops.ovh_hosting.email_info).
    - As read at the end of the wait; predicted in check mode or with O(wait=false).
  returned: success
  type: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
      sample: shop-1.cluster021.hosting.ovh.net
    state:
      description: The OVH state of script e-mails (V(ok), V(force), V(ko), V(bounce), V(spam), V(purging)).
      type: str
      sample: ko
    sending:
      description: Whether mails are sent (state V(ok) or V(force)).
      type: bool
      sample: false
    report_recipient:
      description: The recipient of the daily error report, or null.
      type: str
      sample: mail-errors@example.com
    sent_total:
      description: Mails sent since the hosting was created.
      type: int
      sample: 1234
    sent_today:
      description: Mails sent today.
      type: int
      sample: 12
    bounced_total:
      description: Mails that bounced, in total.
      type: int
      sample: 40
    max_per_day:
      description: The daily quota of mails.
      type: int
      sample: 1000
hostings:
  description:
    - With O(hostings), one entry per hosting, in the order given, failed ones included.
  returned: with O(hostings)
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
      sample: shop-1.cluster021.hosting.ovh.net
    changed:
      description: Whether this hosting was changed (in check mode, would be).
      type: bool
      sample: true
    actions:
      description: The state change requests made (in check mode, that would be made) for this hosting.
      type: list
      elements: str
      sample: ["BLOCK"]
    before:
      description: The e-mail facts this hosting was decided from, as read (or handed in with O(hostings[].current)).
      type: dict
      sample: {"state": "ok", "report_recipient": null}
    email:
      description: The e-mail facts after the change, as O(service_name)'s RV(email); null when the hosting could
        not be read.
      type: dict
      sample: {"state": "ko", "report_recipient": null}
    met_pending:
      description: Another request was in progress (HTTP 409); its result was waited for.
      type: bool
      sample: false
    failed:
      description: Whether this hosting failed; RV(failed_hostings) says why.
      type: bool
      sample: false
failed_hostings:
  description: With O(hostings), the hostings that failed, each with the call, status, OVH's message and query id
    (as M(mailops.ovh_hosting.email_info)'s C(unreadable)). What was applied before a failure is still reported
    in RV(hostings).
  returned: when some hostings failed
  type: list
  elements: dict
  sample:
    - service_name: shop-1.cluster021.hosting.ovh.net
      call: POST /hosting/web/shop-1.cluster021.hosting.ovh.net/email/request
      status: 403
      query_id: EU.ext-3.6744ff6a.1234.abcd
      message: "This call has not been granted: the consumer key needs the access rule 'POST /hosting/web/*/email/request'"
      summary: "hosting shop-1.cluster021.hosting.ovh.net: POST ... failed (HTTP 403): ..."
failures:
  description: With O(hostings), one line per hosting that failed.
  returned: when some hostings failed
  type: list
  elements: str
"""

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import OvhModule
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import address_problem, email_facts, email_object
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_outcome import diff_of, hostings_outcome
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, converge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import concurrency_problem
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import WaitTimeout, wait_timeout_problem

HOSTING_OPTIONS = dict(
    service_name=dict(type="str", required=True),
    state=dict(type="str", choices=list(email_state.DESIRED_STATES)),
    report_recipient=dict(type="str"),
    allow_force=dict(type="bool"),
    current=dict(type="dict"),
)


def current_problem(entry):
    current = entry.get("current")
    if current is None:
        return None
    if current.get("state") not in email_state.STATES:
        return "hostings: current of %s has no known e-mail state (got %r)" % (
            entry["service_name"], current.get("state"))
    return None


def wanted_hostings(params):
    """The Wanted of each hosting: the entry's settings, else the task's."""
    entries = params["hostings"] if params["hostings"] is not None else [dict(service_name=params["service_name"])]
    wanted = []
    for entry in entries:
        def setting(name):
            return entry.get(name) if entry.get(name) is not None else params[name]
        wanted.append(Wanted(
            service_name=entry["service_name"],
            state=setting("state"),
            report_recipient=setting("report_recipient"),
            allow_force=bool(setting("allow_force")),
            known=email_object(entry["current"]) if entry.get("current") is not None else None,
        ))
    return wanted


def problems_of(params, wanted):
    option = "hostings" if params["hostings"] is not None else "service_name"
    problems = ["%s: %s" % (option, problem) for problem in
                (service_name_problem(hosting.service_name) for hosting in wanted) if problem]
    problems += [address_problem(hosting.report_recipient) for hosting in wanted if hosting.report_recipient]
    names = [hosting.service_name for hosting in wanted]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append("hostings: each hosting may be listed once, got twice or more: %s" % ", ".join(duplicates))
    if params["hostings"] is not None:
        problems += [current_problem(entry) for entry in params["hostings"]]
    problems.append(wait_timeout_problem(params["wait_timeout"]))
    if params["wait_sleep"] < 1:
        problems.append("wait_sleep must be 1 or more, got %d" % params["wait_sleep"])
    problems.append(concurrency_problem(params["concurrency"]))
    return problems


def exit_one(module, result):
    """The one-hosting form's result, as it always was."""
    name = result.service_name
    if result.error is not None:
        if isinstance(result.error, email_state.TransitionRefused):
            module.fail_json(msg=result.message(), email=email_facts(name, result.before))
        extra = dict(changed=result.changed, actions=result.actions)
        if isinstance(result.error, WaitTimeout):
            extra["email"] = email_facts(name, result.error.last_email)
            module.fail_json(msg=result.message(), **extra)
        module.fail_api(result.error, **extra)
    outcome = dict(changed=result.changed, actions=result.actions, email=email_facts(name, result.after))
    if module._diff:
        outcome["diff"] = diff_of(result)
    module.exit_json(**outcome)


def exit_many(module, results):
    outcome = hostings_outcome(results, with_diff=module._diff)
    if "failures" in outcome:
        module.fail_json(**outcome)
    module.exit_json(**outcome)


def main():
    module = OvhModule(
        dict(
            service_name=dict(type="str"),
            hostings=dict(type="list", elements="dict", options=HOSTING_OPTIONS),
            state=dict(type="str", choices=list(email_state.DESIRED_STATES)),
            report_recipient=dict(type="str"),
            allow_force=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=900),
            wait_sleep=dict(type="int", default=3),
            concurrency=dict(type="int", default=8),
        ),
        mutually_exclusive=[("service_name", "hostings")],
        required_one_of=[("service_name", "hostings")],
        supports_check_mode=True,
    )
    params = module.params
    wanted = wanted_hostings(params)
    module.fail_on_problems(problems_of(params, wanted))
    if not wanted:
        module.exit_json(changed=False, hostings=[], **({"diff": []} if module._diff else {}))

    results = converge(module.client(), wanted, check_mode=module.check_mode, wait=params["wait"],
                       wait_timeout=params["wait_timeout"], wait_sleep=params["wait_sleep"],
                       concurrency=params["concurrency"])
    if params["hostings"] is None:
        exit_one(module, results[0])
    exit_many(module, results)


if __name__ == "__main__":
    main()
