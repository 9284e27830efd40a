#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: email_info
short_description: Read the state of the e-mails that scripts send from OVHcloud web hostings
version_added: 0.1.0
description:
  - Reads C(GET /hosting/web/{serviceName}/email) for one hosting, a list, or every hosting of the account; that
    is the state of script e-mails (the control panel's "Email scripts" page), the report recipient and the
    counters.
  - Optionally the latest bounces, each with a category derived from its SMTP message, and the daily sent volumes.
  - Hostings are read concurrently. Exactly one API call per hosting unless bounces or volumes are asked for,
    plus C(GET /hosting/web) when no name is given, plus one C(GET /auth/time).
  - A hosting that cannot be read (its calls failed after every retry, or were refused) does not stop the others.
    The module then fails, and returns the hostings it read in RV(hostings) and the others in RV(unreadable), so
    that a report can still be written and name them.
  - Never changes anything.
options:
  service_name:
    description:
      - The service name of one hosting, such as C(example.cluster021.hosting.ovh.net).
      - Mutually exclusive with O(service_names). With neither, every hosting of the account (C(GET /hosting/web)).
    type: str
  service_names:
    description:
      - Service names of several hostings, read in this order.
    type: list
    elements: str
  bounces:
    description:
      - How many of the latest bounces to fetch per hosting, from 0 (none, no call) to 100.
    type: int
    default: 0
  volumes:
    description:
      - Fetch the daily history of sent volumes of each hosting.
    type: bool
    default: false
  concurrency:
    description:
      - How many hostings are read at the same time. O(rate_limit) caps the requests per second across all of them.
    type: int
    default: 8
extends_documentation_fragment:
  - mailops.ovh_hosting.auth
  - mailops.ovh_hosting.attributes
  - mailops.ovh_hosting.attributes.INFO_MODULE
author:
  - mailops maintainers (@mailops)
"""

EXAMPLES = r"""
- name: Read the e-mail state of every hosting
  mailops.ovh_hosting.email_info:
  register: fleet

- name: List the hostings that do not send
  ansible.builtin.debug:
    msg: "{{ fleet.hostings | rejectattr('sending') | map(attribute='service_name') | list }}"

- name: One hosting, with its 20 latest bounces and its volume history, against the simulator
  mailops.ovh_hosting.email_info:
    service_name: shop-1.cluster021.hosting.ovh.net
    bounces: 20
    volumes: true
    endpoint: http://127.0.0.1:8080/1.0
  register: shop

- name: A few hostings, credentials set once for the whole action group
  module_defaults:
    group/mailops.ovh_hosting.ovh:
      endpoint: ovh-eu
      rate_limit: 1
  mailops.ovh_hosting.email_info:
    service_names:
      - shop-1.cluster021.hosting.ovh.net
      - blog.cluster030.hosting.ovh.net
"""

RETURN = r"""
hostings:
  description:
    - One entry per hosting, in the order of the names given (or of C(GET /hosting/web)).
    - When some hostings could not be read, the ones that were.
  returned: success, or when some hostings could not be read
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
      sample: shop-1.cluster021.hosting.ovh.net
    state:
      description:
        - The OVH state of script e-mails. V(ok) and V(force) send (V(force) after an unblock from V(bounce), with
          a doubled allowed bounce ratio); V(ko) (blocked), V(bounce) and V(spam) hold mails in a queue for 72 h at
          most; V(purging) is a purge in progress.
      type: str
      sample: ok
    sending:
      description: Whether mails are sent (RV(hostings[].state) is V(ok) or V(force)).
      type: bool
      sample: true
    report_recipient:
      description: The address that receives the daily error report, or null.
      type: str
      sample: ops@example.com
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
    bounces:
      description: The latest bounces, newest first.
      returned: when O(bounces) is more than 0
      type: list
      elements: dict
      contains:
        date:
          description: When the mail bounced (ISO 8601 with offset).
          type: str
          sample: "2026-11-25T10:00:00+01:00"
        to:
          description: The recipient.
          type: str
          sample: a@example.org
        message:
          description: The SMTP message of the bounce.
          type: str
          sample: "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown"
        category:
          description: The cause, from the SMTP message.
          type: str
          choices: [unknown_user, mailbox_full, rejected_as_spam, domain_not_found, temporary, other]
          sample: unknown_user
    volumes:
      description: Sent volumes per day, oldest first.
      returned: when O(volumes=true)
      type: list
      elements: dict
      contains:
        date:
          description: The day (ISO 8601 with offset).
          type: str
          sample: "2026-11-25T00:00:00+01:00"
        volume:
          description: Mails sent that day.
          type: int
          sample: 12
unreadable:
  description:
    - The hostings that could not be read, in the order of the names given (or of C(GET /hosting/web)), with the
      failed call. The module fails when this list is not empty.
    - Absent when the fleet could not be listed, or when OVH refused the credentials themselves (invalid, revoked
      or expired key, wrong secret), as nothing can be read then.
  returned: when some hostings could not be read
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
      sample: shop-1.cluster021.hosting.ovh.net
    call:
      description: The call that failed, method and path.
      type: str
      sample: GET /hosting/web/shop-1.cluster021.hosting.ovh.net/email
    status:
      description: The HTTP status of the last answer, or null when there was none (connection error, timeout).
      type: int
      sample: 500
    query_id:
      description: OVH's query id of the last answer (C(X-Ovh-QueryID)), for OVH support; null without one.
      type: str
      sample: EU.ext-3.6744ff6a.1234.abcd
    message:
      description:
        - What OVH (or the connection) said. For a call the consumer key is not granted, it names the access
          rule the key lacks.
      type: str
      sample: Internal server error
    summary:
      description: The whole failure in one line, as in RV(failures).
      type: str
      sample: "hosting shop-1.cluster021.hosting.ovh.net: GET /hosting/web/shop-1.cluster021.hosting.ovh.net/email
        failed (HTTP 500): Internal server error [OVH query id EU.ext-3.6744ff6a.1234.abcd]"
failures:
  description: One line per hosting that could not be read, naming the hosting, the call, the status, the message
    and OVH's query id.
  returned: when some hostings could not be read
  type: list
  elements: str
  sample:
    - "hosting shop-1.cluster021.hosting.ovh.net: GET /hosting/web/shop-1.cluster021.hosting.ovh.net/email failed
      (HTTP 500): Internal server error [OVH query id EU.ext-3.6744ff6a.1234.abcd]"
"""

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import OvhModule
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_read import read_many
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import concurrency_problem
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import service_name_problem


def main():
    module = OvhModule(
        dict(
            service_name=dict(type="str"),
            service_names=dict(type="list", elements="str"),
            bounces=dict(type="int", default=0),
            volumes=dict(type="bool", default=False),
            concurrency=dict(type="int", default=8),
        ),
        mutually_exclusive=[("service_name", "service_names")],
        supports_check_mode=True,
    )
    params = module.params
    # a bool is an int to ansible-core: "bounces: true" would reach the API as limit=True
    if isinstance(params["bounces"], bool) or not 0 <= params["bounces"] <= 100:
        module.fail_json(msg="bounces must be a number of bounces between 0 and 100, got %r" % (params["bounces"],))
    problem = concurrency_problem(params["concurrency"])
    if problem:
        module.fail_json(msg=problem)
    option = "service_name" if params["service_name"] is not None else "service_names"
    names = [params["service_name"]] if params["service_name"] is not None else params["service_names"]
    if names is not None:
        problems = ["%s: %s" % (option, problem) for problem in map(service_name_problem, names) if problem]
        if problems:
            module.fail_json(msg="; ".join(problems))

    api = module.client()
    try:
        if names is None:
            names = api.list_hostings()
    except HostingApiError as error:
        module.fail_api(error)

    read = read_many(api, names, bounces=params["bounces"], volumes=params["volumes"],
                     concurrency=params["concurrency"])
    if read.errors:
        result = dict(failures=[str(error) for error in read.errors], hostings=read.hostings)
        if not read.credentials_refused:
            result["unreadable"] = read.unreadable()
        module.fail_json(msg=read.message(), **result)
    module.exit_json(changed=False, hostings=read.hostings)


if __name__ == "__main__":
    main()
