# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""guard_bypasses: the nearest .user.ini below the document root decides what PHP prepends to a script."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.filter.guard_bypasses import guard_bypasses, prepend_setting

DOCROOT = "/home/site/www"
GUARD = DOCROOT + "/.form_captcha/guard.php"
WAF = DOCROOT + "/forms/waf.php"


@pytest.mark.parametrize("text, value", [
    ('auto_prepend_file = "/a/b.php"\n', "/a/b.php"), ("auto_prepend_file='/a/b.php' ; the WAF\n", "/a/b.php"),
    ("  auto_prepend_file = /a/b.php\n", "/a/b.php"), ("auto_prepend_file =\n", ""),
    ("; auto_prepend_file = /a/b.php\nmemory_limit = 1G\n", None),
    ("auto_prepend_file = /a.php\nauto_prepend_file = /b.php\n", "/b.php"),
    # PHP reads CR and CRLF line ends, and a few bare words as nothing.
    ('auto_prepend_file = "/a/b.php"\r\n', "/a/b.php"), ("memory_limit = 1G\rauto_prepend_file = /a/b.php\r", "/a/b.php"),
    ("auto_prepend_file = none\n", ""), ("auto_prepend_file = Off ; no more\n", ""), ('auto_prepend_file = "none"\n', "none"),
])
def test_prepend_setting_reads_the_last_value_php_would(text, value):
    assert prepend_setting(text) == value


def test_a_nested_user_ini_with_crlf_line_ends_is_a_bypass():
    inis = {DOCROOT + "/forms/.user.ini": 'auto_prepend_file = "%s"\r\n' % WAF}
    assert guard_bypasses(["forms/contact.php"], DOCROOT, GUARD, inis) == [
        {"script": "forms/contact.php", "user_ini": "forms/.user.ini", "prepend": WAF}]


def test_a_nearer_user_ini_that_prepends_another_file_bypasses_the_guard():
    inis = {DOCROOT + "/forms/.user.ini": 'auto_prepend_file = "%s"\n' % WAF,
            DOCROOT + "/blog/.user.ini": "auto_prepend_file = %s\n" % GUARD}
    scripts = ["contact.php", "forms/contact.php", "./forms/sub/quote.php", "blog/send.php", "shop/order.php"]
    assert guard_bypasses(scripts, DOCROOT, GUARD, inis) == [
        {"script": "forms/contact.php", "user_ini": "forms/.user.ini", "prepend": WAF},
        {"script": "./forms/sub/quote.php", "user_ini": "forms/.user.ini", "prepend": WAF},
    ]


def test_the_deepest_setting_wins_and_a_file_that_includes_the_guard_runs_it():
    inis = {DOCROOT + "/forms/.user.ini": "auto_prepend_file = %s\n" % GUARD,
            DOCROOT + "/forms/sub/.user.ini": "auto_prepend_file = %s\n" % WAF}
    assert [bypass["script"] for bypass in guard_bypasses(["forms/sub/a.php"], DOCROOT, GUARD, inis)] == [
        "forms/sub/a.php"]
    chaining = {WAF: "<?php\nrequire_once '%s';\n" % GUARD}
    assert guard_bypasses(["forms/sub/a.php"], DOCROOT, GUARD, inis, prepended=chaining) == []
    commented = {WAF: "<?php\n// require_once '%s';\n" % GUARD}
    assert len(guard_bypasses(["forms/sub/a.php"], DOCROOT, GUARD, inis, prepended=commented)) == 1
