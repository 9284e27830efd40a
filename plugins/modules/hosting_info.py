#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hosting_info
short_description: List the OVHcloud web hostings of an account
version_added: 0.1.0
description:
  - Lists the web hostings of the account (C(GET /hosting/web)), optionally filtered by a glob on their service
    names, optionally with the details of each (C(GET /hosting/web/{serviceName}), read concurrently).
  - Never changes anything.
options:
  pattern:
    description:
      - Keep only the service names that match this shell-style glob (C(*), C(?), C([...])), such as
        C(*.cluster021.hosting.ovh.net). Case-sensitive.
    type: str
  details:
    description:
      - Add the offer, cluster, datacenter, state and display name of each hosting (one call per hosting), and how
        a play reaches its files (RV(hostings[].site)).
    type: bool
    default: false
  concurrency:
    description:
      - How many hostings are read at the same time when O(details=true).
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
- name: Every hosting of the account
  mailops.ovh_hosting.hosting_info:
  register: all_hostings

- name: The hostings of one cluster, with their offer and datacenter
  mailops.ovh_hosting.hosting_info:
    pattern: "*.cluster021.hosting.ovh.net"
    details: true
  register: cluster021

- name: Print their offers
  ansible.builtin.debug:
    msg: "{{ cluster021.hostings | items2dict(key_name='service_name', value_name='offer') }}"
"""

RETURN = r"""
hostings:
  description: One entry per hosting, sorted by service name.
  returned: success
  type: list
  elements: dict
  contains:
    service_name:
      description: The hosting's service name.
      type: str
      sample: shop-1.cluster021.hosting.ovh.net
    display_name:
      description: The name shown in the control panel, or null.
      returned: when O(details=true)
      type: str
      sample: Shop
    offer:
      description: The hosting offer.
      returned: when O(details=true)
      type: str
      sample: perso2014
    cluster:
      description: The cluster that serves the hosting.
      returned: when O(details=true)
      type: str
      sample: cluster021
    datacenter:
      description: The datacenter.
      returned: when O(details=true)
      type: str
      sample: gra3
    state:
      description: The state of the hosting service itself (not of its e-mails), such as V(active).
      returned: when O(details=true)
      type: str
      sample: active
    primary_login:
      description: The hosting's main FTP and SSH login.
      returned: when O(details=true)
      type: str
      sample: shopxyz
    home:
      description: The hosting's home directory on its filer.
      returned: when O(details=true)
      type: str
      sample: /homez.42/shopxyz
    default_attached_domain:
      description: The domain attached to the hosting by default.
      returned: when O(details=true)
      type: str
      sample: shop.example.com
    site:
      description:
        - How a play reaches the hosting's files, and the site's address. No password is part of it.
        - OVH gives SSH with the Professional and Performance plans only (codes such as V(PRO) and
          V(PERFORMANCE_1)); the other plans are reached over FTP with TLS. The offer decides, not the presence of
          an SSH address in the API's answer.
      returned: when O(details=true)
      type: dict
      contains:
        access:
          description: V(ssh) or V(ftp), or null when the API gives no address to reach the files.
          type: str
          sample: ftp
        host:
          description: The host to connect to that way.
          type: str
          sample: ftp.cluster021.hosting.ovh.net
        port:
          description: Its port.
          type: int
          sample: 21
        user:
          description: The login, the hosting's primary login.
          type: str
          sample: shopxyz
        home:
          description: The home directory the login lands in.
          type: str
          sample: /homez.42/shopxyz
        url:
          description: The site's address, on its default attached domain, else on the hosting's own address.
          type: str
          sample: http://shop.example.com/
        ssh:
          description: The SSH host and port (C(host), C(port)), null for a plan without SSH.
          type: dict
        ftp:
          description: The FTP host and port (C(host), C(port)); OVH's FTP takes explicit TLS (FTPS).
          type: dict
"""

from fnmatch import fnmatchcase

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import OvhModule
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.hosting_fields import hosting_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import (
    concurrency_problem,
    failure_message,
    gather,
)


def hosting_details(api, service_name):
    return hosting_facts(service_name, api.get_hosting(service_name))


def main():
    module = OvhModule(
        dict(
            pattern=dict(type="str"),
            details=dict(type="bool", default=False),
            concurrency=dict(type="int", default=8),
        ),
        supports_check_mode=True,
    )
    params = module.params
    problem = concurrency_problem(params["concurrency"])
    if problem:
        module.fail_json(msg=problem)

    api = module.client()
    try:
        names = sorted(api.list_hostings())
    except HostingApiError as error:
        module.fail_api(error)
    if params["pattern"] is not None:
        names = [name for name in names if fnmatchcase(name, params["pattern"])]

    if not params["details"]:
        module.exit_json(changed=False, hostings=[{"service_name": name} for name in names])
    outcomes = gather(api, names, hosting_details, concurrency=params["concurrency"])
    errors = [outcome.error for outcome in outcomes if not outcome.ok]
    if errors:
        module.fail_json(msg=failure_message(errors, len(outcomes)), failures=[str(error) for error in errors])
    module.exit_json(changed=False, hostings=[outcome.value for outcome in outcomes])


if __name__ == "__main__":
    main()
