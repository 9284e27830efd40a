#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: site_guard
short_description: Put the form_captcha guard on a site over FTPS, or take it off
version_added: 0.2.0
description:
  - The role C(mailops.ovh_hosting.form_captcha) calls this module for a hosting without SSH (Starter and Personal
    offers of OVHcloud). It writes the guard's files, rendered on the controller, into a folder of the document root,
    and a marked block into the document root's C(.user.ini) that makes PHP run the guard before every script.
  - The site is left as the role leaves it over SSH, byte for byte, so either transport removes what the other put.
  - Each file goes up under a temporary name, then is renamed over the old one, so a cut connection never leaves a
    half-written guard or C(.user.ini). The guard's files are written before C(.user.ini), which PHP reads; until
    the last rename the site runs as it did.
  - Every file replaced, and the site's C(.user.ini) when it is deleted, is first copied to O(backup_dir) on the
    controller.
  - PHP keeps C(.user.ini) for C(user_ini.cache_ttl) (300 s by default); for that long after O(state=absent) it
    may still look for the guard, which is gone, and fail the site's scripts. Take the guard off when the site can
    bear it.
  - With O(state=absent), the block is taken out of C(.user.ini) (the file is deleted if the guard created it and
    nothing else is left, and a final newline the block needed is taken back), then the folder is removed.
  - A second run with the same files uploads nothing.
options:
  path:
    description: The document root on the FTP server, relative to the login's home (V(www) on OVHcloud) or absolute.
    type: str
    default: www
  folder:
    description: The guard's folder, relative to O(path).
    type: str
    default: .form_captcha
  files:
    description:
      - The guard's files, by name in O(folder), with their content, written with mode C(0644).
      - Required with O(state=present).
    type: dict
  secret_files:
    description:
      - The guard's files that hold the secret key, as O(files). They are written with mode C(0600), and their
        content is never returned, logged or shown in a diff.
    type: dict
    default: {}
  marker:
    description: The marker lines of the block in C(.user.ini), with C({mark}) for BEGIN and END, as for
      C(ansible.builtin.blockinfile).
    type: str
    required: true
  block:
    description:
      - The block's text, which sets C(auto_prepend_file) to the guard's path as PHP sees it.
      - Required with O(state=present).
    type: str
  backup_dir:
    description: The folder on the controller for the copies of the files replaced or deleted, one folder per run
      named by its UTC time. Made private (C(0700)); the copies are C(0600).
    type: path
    required: true
  state:
    description: Whether the guard is on the site.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - mailops.ovh_hosting.ftps
attributes:
  check_mode:
    support: full
    description: Reads the site's C(.user.ini) and the guard's folder, and reports what would be written; writes
      nothing.
  diff_mode:
    support: full
    description: Shows each file before and after; a secret file is named, never shown.
  platform:
    support: full
    platforms: posix
    description: Runs where the backups go, usually the controller, with the standard library only.
author:
  - mailops maintainers (@mailops)
seealso:
  - module: mailops.ovh_hosting.site_files
  - plugin: mailops.ovh_hosting.hostings
    plugin_type: inventory
"""

EXAMPLES = r"""
# The role form_captcha renders the files and calls this module; used alone it needs the same inputs.
- name: Put the guard on a Personal hosting's site
  mailops.ovh_hosting.site_guard:
    host: "{{ ovh_hosting.site.ftp.host }}"
    user: "{{ ovh_hosting.site.user }}"
    password: "{{ lookup('ansible.builtin.env', 'OVH_SITE_PASSWORD') }}"
    files:
      guard.php: "{{ lookup('ansible.builtin.template', 'guard.php.j2') }}"
    secret_files:
      config.php: "{{ lookup('ansible.builtin.template', 'config.php.j2') }}"
    marker: "; {mark} my guard"
    block: 'auto_prepend_file = "{{ ovh_hosting.site.home }}/www/.form_captcha/guard.php"'
    backup_dir: "{{ playbook_dir }}/backups/{{ inventory_hostname }}"
  delegate_to: localhost
"""

RETURN = r"""
written:
  description: The files written (or, in check mode, to write), relative to O(path), in the order written.
  returned: always
  type: list
  elements: str
  sample: [.form_captcha/guard.php, .user.ini]
deleted:
  description: The files deleted, and the guard's folder when it was removed.
  returned: always
  type: list
  elements: str
  sample: [.user.ini, .form_captcha]
backups:
  description: The copies of the files replaced or deleted, with C(file) (relative to O(path)) and C(backup)
    (its copy on the controller).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import ftps
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_guard import GuardSite


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ftps.ARGUMENT_SPEC,
            path=dict(type="str", default="www"),
            folder=dict(type="str", default=".form_captcha"),
            files=dict(type="dict"),
            secret_files=dict(type="dict", default={}, no_log=True),
            marker=dict(type="str", required=True),
            block=dict(type="str"),
            backup_dir=dict(type="path", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("files", "block"))],
        supports_check_mode=True,
    )
    params = module.params
    folder = params["folder"].strip("/")
    if not folder or "/" in folder or folder in (".", ".."):
        module.fail_json(msg="site_guard: folder must be one folder's name under path, got %r" % params["folder"])
    if "{mark}" not in params["marker"]:
        module.fail_json(msg="site_guard: marker must hold {mark}, which becomes BEGIN and END")
    given = dict(params["files"] or {}, **params["secret_files"])
    bad = sorted(name for name in given if not name or "/" in name or name in (".", ".."))
    if bad:
        module.fail_json(msg="site_guard: files and secret_files are named by a file name in folder, got %s"
                         % ", ".join(map(repr, bad)))
    files = {name: ("" if content is None else str(content)).encode("utf-8") for name, content in given.items()}
    try:
        site = ftps.site_from_params(params)
    except (ValueError, FtpsError) as error:
        module.fail_json(msg="site_guard: %s" % error)

    guard = GuardSite(site, params["path"], params["marker"], params["block"] or "", folder=folder, files=files,
                      secret=params["secret_files"], backup_dir=params["backup_dir"])
    try:
        with site:
            state = guard.read_state()
            plan = guard.plan_present(state) if params["state"] == "present" else guard.plan_absent(state)
            if not module.check_mode:
                guard.apply(plan, state)
    except FtpsError as error:
        module.fail_json(msg="site_guard: %s; the files written before it stay, .user.ini last, and a rerun completes "
                             "the change" % error, backups=guard.backups)
    except OSError as error:
        module.fail_json(msg="site_guard: could not write a backup in %s: %s" % (params["backup_dir"], error))

    deleted = list(plan["delete"]) + ([folder] if plan["remove_folder"] else [])
    written = [name for name, _data, _mode in plan["writes"]]
    result = dict(changed=bool(written or deleted or plan["make_folder"]), written=written, deleted=deleted,
                  backups=guard.backups)
    if module._diff and result["changed"]:
        result["diff"] = guard.diff(plan, state)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
