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
options:
  service_name:
    description:
      - The service name of the hosting, such as C(example.cluster021.hosting.ovh.net).
    type: str
    required: true
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
      - Seconds between two reads of the state while waiting.
    type: int
    default: 3
extends_documentation_fragment:
  - mailops.ovh_hosting.auth
  - mailops.ovh_hosting.attributes
attributes:
  check_mode:
    support: full
    details: Reads the state, predicts the result and the requests, and writes nothing.
  diff_mode:
    support: full
    details: Shows O(state) as the OVH state (such as V(ok), V(force), V(ko)) and O(report_recipient), before and after.
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
  loop: "{{ fleet.hostings | map(attribute='service_name') | list }}"

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
  returned: always
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
"""

import re

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import HostingApi, argument_spec, ovh_module
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import email_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import WaitTimeout, wait_for_email

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + _LABEL
                      + r"(?:\." + _LABEL + r")+$")

_EXPECTED = {
    "blocked": "blocked (ko, bounce or spam)",
    "unblocked": "sending (ok or force)",
    "purged": "purged and sending (ok or force)",
}


def address_problem(address):
    """Why ``address`` can't receive the error report, or None."""
    if len(address) > 254 or not _ADDRESS.fullmatch(address) or len(address.split("@")[0]) > 64:
        return "report_recipient %r is not an e-mail address (expected such as ops@example.com, or \"\" to clear)" % (
            address,)
    return None


def main():
    module = ovh_module(
        argument_spec(
            service_name=dict(type="str", required=True),
            state=dict(type="str", choices=list(email_state.DESIRED_STATES)),
            report_recipient=dict(type="str"),
            allow_force=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=900),
            wait_sleep=dict(type="int", default=3),
        ),
        supports_check_mode=True,
    )
    params = module.params
    service_name = params["service_name"]
    desired = params["state"]
    recipient = params["report_recipient"]
    problems = []
    name_problem = service_name_problem(service_name)
    if name_problem:
        problems.append("service_name: %s" % name_problem)
    if recipient:
        problems.append(address_problem(recipient))
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout must be 0 or more, got %d" % params["wait_timeout"])
    if params["wait_sleep"] < 1:
        problems.append("wait_sleep must be 1 or more, got %d" % params["wait_sleep"])
    problems = [problem for problem in problems if problem]
    if problems:
        module.fail_json(msg="; ".join(problems))

    api = HostingApi.from_module(module)
    actions = []
    written = False

    def wait_until(predicate, expected, current=None):
        return wait_for_email(api, service_name, predicate, expected, params["wait_timeout"], params["wait_sleep"],
                              current=current)

    try:
        current = api.get_email(service_name)
        if desired and email_state.must_wait_first(current.get("state")):
            current = wait_until(lambda email: not email_state.must_wait_first(email.get("state")),
                                 "anything but purging (a purge was in progress)", current=current)
        plan = email_state.plan(current.get("state"), desired, params["allow_force"]) if desired else None
        recipient_now = current.get("email") or None
        recipient_wanted = recipient_now if recipient is None else (recipient or None)
        recipient_changes = recipient_wanted != recipient_now
        if plan and plan.action:
            actions.append(plan.action)

        predicted = dict(current, email=recipient_wanted)
        if plan:
            predicted["state"] = plan.predicted
        after = predicted
        if not module.check_mode:
            if recipient_changes:
                api.set_report_recipient(service_name, recipient_wanted)
                written = True
            if plan and plan.action:
                api.request_action(service_name, plan.action)
                written = True
                if params["wait"]:
                    after = wait_until(lambda email: email_state.satisfies(desired, email.get("state")),
                                       _EXPECTED[desired])
    except email_state.TransitionRefused as refusal:
        module.fail_json(msg="hosting %s: %s" % (service_name, refusal), email=email_facts(service_name, current))
    except HostingApiError as error:
        module.fail_json(msg=str(error), changed=written, actions=actions)
    except WaitTimeout as timeout:
        module.fail_json(msg=str(timeout), changed=written, actions=actions,
                         email=email_facts(service_name, timeout.last_email))

    changed = bool(actions) or recipient_changes
    result = dict(changed=changed, actions=actions, email=email_facts(service_name, after))
    if module._diff:
        result["diff"] = dict(
            before=dict(state=current.get("state"), report_recipient=current.get("email") or None),
            after=dict(state=after.get("state"), report_recipient=after.get("email") or None),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
