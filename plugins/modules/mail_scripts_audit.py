#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_scripts_audit
short_description: Find the scripts of a web site that send mail, and what protects them
version_added: 0.1.0
description:
  - Runs on the host that holds a site's files (over SSH on an OVHcloud web hosting, or locally on a checkout)
    and reads its document root. It never writes, and never follows a symbolic link out of O(path).
  - Finds the PHP scripts that send mail (the C(mail), C(mb_send_mail) and C(wp_mail) functions, PHPMailer, Symfony Mailer,
    SwiftMailer), directly or through the files they include.
  - Finds SMTP settings in scripts (PHPMailer C(isSMTP), C(Host), C(Port), C(SMTPAuth)...,
    C(ini_set) of C(SMTP) or C(smtp_port), C(smtp://) mailer DSNs in scripts and C(.env) files), which OVHcloud asks web
    hostings not to carry.
  - Finds the HTML or PHP forms whose C(action) reaches a mail-sending script (forms posting to themselves and
    WordPress C(admin-post.php) hooks included), and checks that the form carries a Captcha widget and that the
    handler verifies its token server-side (Cloudflare Turnstile, hCaptcha, reCAPTCHA v2 and v3), or that a
    guard prepended by C(.user.ini), such as the one of the P(mailops.ovh_hosting.form_captcha#role) role,
    does.
  - Reports PHP syntax errors when PHP is available on the host.
  - Comments and strings never count as code, so a C(mail) call in a comment, the string C('email') or a
    C($mailer->mail) method of unrelated code do not match.
author:
  - mailops maintainers (@mailops)
options:
  path:
    description:
      - The document root to audit (for example C(/home/login/www) on an OVHcloud web hosting).
    type: path
    required: true
  exclude:
    description:
      - Globs of paths, relative to O(path), to leave out. A directory that matches is not entered
        (V(vendor), V(vendor/**), V(**/cache)). C(*) also matches C(/).
    type: list
    elements: str
    default: []
  max_file_size:
    description:
      - Files larger than this are not read, and are listed in RV(not_read). Accepts a number of bytes or a
        size such as V(512K) or V(2M).
    type: raw
    default: 1M
  php_lint:
    description:
      - Whether to check the PHP syntax of every PHP file with the host's C(php) (the parser of C(php -l), in one
        process; the scripts that send mail and the form handlers are also compiled with C(php -l)).
      - V(auto) checks when C(php) is on the host's C(PATH), V(true) fails when it is not, V(false) never checks.
    type: str
    choices: [auto, 'true', 'false']
    default: auto
  site_path:
    description:
      - When O(path) is a copy of a site (as M(mailops.ovh_hosting.site_files) makes over FTPS), the site's own
        absolute path on the hosting, such as C(/homez.123/login/www). The absolute paths that C(.user.ini) files
        name under it (C(auto_prepend_file)) are then read in the copy, so a guard prepended there is seen.
    type: str
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs it in full.
  diff_mode:
    support: none
    description: The module changes nothing.
  platform:
    support: full
    platforms: posix
    description: Runs on the host holding the files, with that host's Python (3.8 or newer), standard library only.
notes:
  - The module returns C(changed=false) always.
  - A script that sends mail through a file it includes is found when the include names the file with a
    literal path (for example C(require __DIR__ . '/lib/mail.php')); an include built from variables is not followed.
seealso:
  - module: mailops.ovh_hosting.email
  - module: mailops.ovh_hosting.email_info
"""

EXAMPLES = r"""
- name: Audit the site of a hosting over SSH, leaving the Composer and cache folders out
  mailops.ovh_hosting.mail_scripts_audit:
    path: /home/shoplogin/www
    exclude:
      - vendor/**
      - wp-content/cache/**
  register: audit

- name: Fail when a form that sends mail is not protected, or when PHP cannot compile a script
  ansible.builtin.assert:
    that:
      - audit.summary.form_missing_captcha == 0
      - audit.summary.handler_missing_captcha_check == 0
      - audit.summary.php_syntax_error == 0
    fail_msg: "{{ audit.findings | selectattr('severity', 'ne', 'info') | map(attribute='message') | list }}"

- name: Audit a local checkout, with PHP required for the syntax check
  mailops.ovh_hosting.mail_scripts_audit:
    path: "{{ playbook_dir }}/site"
    php_lint: "true"
  delegate_to: localhost
"""

RETURN = r"""
findings:
  description: What the audit found, sorted by file, line and rule.
  returned: always
  type: list
  elements: dict
  contains:
    file:
      description: The file, relative to O(path).
      type: str
      sample: contact.php
    line:
      description: The line, from 1.
      type: int
      sample: 22
    rule:
      description:
        - V(mail_send) (info), V(smtp_settings) (warning), V(form_sends_mail) (info), V(form_missing_captcha)
          (warning), V(handler_missing_captcha_check) (warning), V(captcha_provider_mismatch) (warning),
          V(php_syntax_error) (error).
      type: str
      sample: mail_send
    severity:
      description: V(info), V(warning) or V(error).
      type: str
      sample: info
    message:
      description: What was found and what to do about it.
      type: str
      sample: >-
        sends mail with mail(): make sure every form that reaches this script carries a Captcha verified
        server-side, or put the form_captcha guard in front of it
    api:
      description:
        - "The mail API of a V(mail_send) finding: mail(), mb_send_mail(), imap_mail(), wp_mail(), PHPMailer,
          SwiftMailer or Symfony Mailer."
      type: str
      returned: for rule V(mail_send)
      sample: wp_mail()
    setting:
      description: The SMTP setting a V(smtp_settings) finding found (never its value).
      type: str
      returned: for rule V(smtp_settings)
      sample: PHPMailer isSMTP()
    handler:
      description: The script, relative to O(path), that handles the form and sends mail.
      type: str
      returned: for the form rules
      sample: contact.php
    php_message:
      description: PHP's own error message.
      type: str
      returned: for rule V(php_syntax_error)
      sample: syntax error, unexpected identifier "mail"
  sample:
    - file: contact.php
      line: 22
      rule: mail_send
      severity: info
      api: mail()
      message: "sends mail with mail(): make sure every form that reaches this script carries a Captcha ..."
summary:
  description: The number of findings of each rule, every rule present.
  returned: always
  type: dict
  sample:
    mail_send: 2
    smtp_settings: 0
    form_sends_mail: 2
    form_missing_captcha: 2
    handler_missing_captcha_check: 2
    captcha_provider_mismatch: 0
    php_syntax_error: 0
mail_scripts:
  description:
    - The PHP files, relative to O(path), that send mail themselves, through a file they include, a class they
      use (found in whichever file of O(path) declares it, as an autoloader would) or a function they call.
  returned: always
  type: list
  elements: str
  sample: [contact.php, lib/notify.php, newsletter.php]
guard_scripts:
  description:
    - The scripts a browser requests that end up sending mail, relative to O(path) - the entries of the forms that
      send mail, and the scripts that send when run that no other script includes. Not the class or function
      files they load, which no browser requests.
    - The default list of scripts the P(mailops.ovh_hosting.form_captcha#role) role protects.
  returned: always
  type: list
  elements: str
  sample: [contact.php, newsletter.php]
unguarded_forms:
  description:
    - Forms that send mail through an entry the guard cannot tell apart from other requests (a WordPress hook
      of C(admin-post.php) or C(admin-ajax.php)), with the reason.
  returned: always
  type: list
  elements: dict
  sample:
    - file: wp-content/plugins/acme-contact/acme-contact.php
      line: 20
      entry: wp-admin/admin-post.php
      handler: wp-content/plugins/acme-contact/acme-contact.php
      reason: it posts to wp-admin/admin-post.php (action acme_contact), which every WordPress form ...
forms:
  description: Every form found, with where it posts and how it is protected.
  returned: always
  type: list
  elements: dict
  sample:
    - file: index.html
      line: 13
      method: post
      action: contact.php
      posts_to: contact.php
      resolution: file
      entry: contact.php
      handler: contact.php
      sends_mail: true
      captcha: null
      verified_by: null
files_scanned:
  description: The number of files read (PHP, HTML, C(.env), C(.user.ini)).
  returned: always
  type: int
  sample: 1234
not_read:
  description:
    - Files and directories left out, with the reason (too large, symbolic link, unreadable).
    - Named C(skipped) before 0.2.0, a key Ansible reads as a skipped task (it then ignored C(changed_when) and
      C(failed_when), and showed a task that had read the site as skipped).
  returned: always
  type: list
  elements: dict
  sample:
    - file: uploads
      reason: symlink out of path, not followed
php_lint:
  description: Whether the PHP syntax check ran.
  returned: always
  type: bool
  sample: true
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.formatters import human_to_bytes

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_lint import PhpLintError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            exclude=dict(type="list", elements="str", default=[]),
            max_file_size=dict(type="raw", default="1M"),
            php_lint=dict(type="str", choices=["auto", "true", "false"], default="auto"),
            site_path=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    site_path = module.params["site_path"]
    if site_path is not None and not site_path.startswith("/"):
        module.fail_json(msg="site_path must be an absolute path on the hosting, got %.200r" % site_path)
    if not os.path.isdir(path):
        module.fail_json(msg="path %s is not a directory on this host" % path)
    try:
        max_file_size = human_to_bytes(str(module.params["max_file_size"]))
    except ValueError as error:
        module.fail_json(msg="max_file_size: %.200s" % error)
    except OverflowError:  # digits past a float's range
        module.fail_json(msg="max_file_size: %.40r... is too large for a size" % str(module.params["max_file_size"]))
    php = None
    if module.params["php_lint"] != "false":
        php = module.get_bin_path("php", required=module.params["php_lint"] == "true")
    try:
        result = run_audit(path, exclude=module.params["exclude"], max_file_size=max_file_size, php=php,
                           site_path=site_path)
    except PhpLintError as error:
        module.fail_json(msg="PHP syntax check: %s" % error)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
