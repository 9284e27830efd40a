#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: site_files
short_description: Copy the code of a hosting's site over FTPS to the controller, for the mail-scripts audit
version_added: 0.2.0
description:
  - Starter and Personal web hostings of OVHcloud have no SSH, so M(mailops.ovh_hosting.mail_scripts_audit) cannot
    run where their files are. This module brings the files it reads to a folder O(dest) of the host it runs on
    (the controller, with C(delegate_to=localhost)), over FTP with explicit TLS, as OVH serves it.
  - It copies the PHP, HTML and JavaScript files, C(.user.ini) and C(.htaccess) under O(path), with the audit's
    O(exclude) globs and O(max_file_size). It never copies uploads (C(uploads), C(wp-content/uploads)), caches,
    media, backups, or C(.env) files, which hold secrets.
  - A second run fetches only the files whose size or modification time changed on the server (C(MLSD)'s facts,
    recorded in a manifest in O(dest)) and removes the copies of files gone from the site.
  - Each file is written under a temporary name, then renamed, so a cut connection never leaves a half-written
    file; a rerun completes the copy.
  - Then run M(mailops.ovh_hosting.mail_scripts_audit) with O(mailops.ovh_hosting.mail_scripts_audit#module:path)
    set to O(dest); its paths, relative to its root, are those of the hosting under O(path).
options:
  path:
    description: The folder of the site on the FTP server, relative to the login's home (V(www) on OVHcloud) or absolute.
    type: str
    default: www
  dest:
    description:
      - The folder of the copy, created if missing; it and every folder in it are made C(0700), files C(0600).
        Keep one per hosting.
      - It holds copies of the site's code, and so any credential written in it.
    type: path
    required: true
  exclude:
    description:
      - Globs of paths relative to O(path) to leave out, as for M(mailops.ovh_hosting.mail_scripts_audit); a folder
        that matches is not listed at all.
    type: list
    elements: str
    default: []
  max_file_size:
    description: Files larger than this are not copied, and are listed in RV(not_copied), whether the listing says so
      or the download runs past it. A number of bytes or a size such as V(512K) or V(2M).
    type: raw
    default: 1M
extends_documentation_fragment:
  - mailops.ovh_hosting.ftps
attributes:
  check_mode:
    support: full
    description: Lists the server and reports what would be fetched or removed; writes nothing.
  diff_mode:
    support: full
    description: Shows the files that would be removed (before) and fetched (after).
  platform:
    support: full
    platforms: posix
    description: Runs where the copy goes, usually the controller, with the standard library only.
author:
  - mailops maintainers (@mailops)
seealso:
  - module: mailops.ovh_hosting.mail_scripts_audit
  - plugin: mailops.ovh_hosting.hostings
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Copy the code of a Personal hosting's site, over FTPS, from the inventory's details
  mailops.ovh_hosting.site_files:
    host: "{{ ovh_hosting.site.ftp.host }}"
    port: "{{ ovh_hosting.site.ftp.port }}"
    user: "{{ ovh_hosting.site.user }}"
    password: "{{ lookup('ansible.builtin.env', 'OVH_SITE_PASSWORD') }}"
    dest: "{{ playbook_dir }}/sites/{{ inventory_hostname }}"
    exclude: [vendor/**]
  delegate_to: localhost

- name: Audit the copy; the paths are those of the site
  mailops.ovh_hosting.mail_scripts_audit:
    path: "{{ playbook_dir }}/sites/{{ inventory_hostname }}"
    exclude: [vendor/**]
  delegate_to: localhost
  register: audit
"""

RETURN = r"""
fetched:
  description: The files fetched (or, in check mode, to fetch), relative to O(path).
  returned: always
  type: list
  elements: str
  sample: [contact.php, .user.ini]
removed:
  description: The copies removed because their file is gone from the site (or now excluded).
  returned: always
  type: list
  elements: str
unchanged:
  description: How many copies were already up to date.
  returned: always
  type: int
  sample: 482
files:
  description: How many files the copy holds after the run.
  returned: always
  type: int
  sample: 495
bytes:
  description: Bytes downloaded (0 in check mode).
  returned: always
  type: int
  sample: 16384
not_copied:
  description: Files not copied for their size, with C(file) and C(reason).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.formatters import human_to_bytes

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import ftps
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_copy import SiteCopy


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ftps.ARGUMENT_SPEC,
            path=dict(type="str", default="www"),
            dest=dict(type="path", required=True),
            exclude=dict(type="list", elements="str", default=[]),
            max_file_size=dict(type="raw", default="1M"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        max_file_size = human_to_bytes(str(params["max_file_size"]))
    except (ValueError, OverflowError):
        module.fail_json(msg="max_file_size: %.40r is no size (a number of bytes, or such as 512K or 2M)"
                         % str(params["max_file_size"]))
    copy = SiteCopy(params["dest"], exclude=params["exclude"], max_file_size=max_file_size)
    root = params["path"].rstrip("/") or "/"
    try:
        site = ftps.site_from_params(params)
    except (ValueError, FtpsError) as error:
        module.fail_json(msg="site_files: %s" % error)
    try:
        with site:
            plan = copy.plan(site.walk(root, enter=copy.enter))
            transferred = 0 if module.check_mode else copy.apply(site, root, plan)
    except FtpsError as error:
        module.fail_json(msg="site_files: %s" % error)
    except OSError as error:
        module.fail_json(msg="site_files: could not write the copy in %s: %s" % (params["dest"], error))

    left_out = {item["file"] for item in plan["skipped"]}  # too large once downloaded
    fetched = sorted(relative for relative, facts in plan["fetch"] if relative not in left_out)
    result = dict(
        changed=bool(fetched or plan["remove"]),
        fetched=fetched,
        removed=plan["remove"],
        unchanged=len(plan["unchanged"]),
        files=len(plan["unchanged"]) + len(fetched),
        bytes=transferred,
        not_copied=plan["skipped"],
    )
    if module._diff and result["changed"]:
        result["diff"] = {
            "before_header": "%s (copy)" % params["dest"], "after_header": "%s:%s" % (params["host"], root),
            "before": "".join("%s\n" % relative for relative in sorted(plan["remove"])),
            "after": "".join("%s\n" % relative for relative in fetched),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
