# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the modules that reach a hosting's files over FTPS (ftps.ARGUMENT_SPEC).
    DOCUMENTATION = r"""
options:
  host:
    description: The FTP server, such as C(ftp.cluster021.hosting.ovh.net) (C(ovh_hosting.site.ftp.host) of the
      C(mailops.ovh_hosting.hostings) inventory with C(with_details)).
    type: str
    required: true
  port:
    description: Its port.
    type: int
    default: 21
  user:
    description: The FTP login, the hosting's primary login or an FTP user of it.
    type: str
    required: true
  password:
    description:
      - The FTP password. Keep it in Ansible Vault or read it with a lookup; it is never returned or logged.
    type: str
    required: true
  timeout:
    description: Seconds to wait for the server at each step.
    type: int
    default: 30
  validate_certs:
    description: Whether the server's TLS certificate must be valid for O(host). Turn it off only for a server you
      trust by other means.
    type: bool
    default: true
  ca_path:
    description: A PEM file of certificate authorities to trust instead of the system's.
    type: path
  allow_plain_ftp:
    description:
      - Speak FTP without TLS. The password and the files then cross the network in clear, readable by anyone on the
        path; without this option the module refuses to.
    type: bool
    default: false
"""
