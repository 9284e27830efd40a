# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Forms in markup, and where each one posts."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import forms
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import parse_html, parse_php

KNOWN = {"contact.php", "pages/contact.php", "pages/thanks.html", "send.php", "shop/index.php", "index.php"}


def resolve(action, form_file="pages/contact.php"):
    return forms.resolve(form_file, action, KNOWN)


@pytest.mark.parametrize("action", [None, "", "  ", "#", "#top", "?sent=1"])
def test_forms_without_a_target_post_to_themselves(action):
    assert resolve(action) == (forms.SELF, "pages/contact.php")


@pytest.mark.parametrize("php", [
    "<?php echo htmlspecialchars($_SERVER['PHP_SELF']); ?>",
    "<?= $_SERVER['SCRIPT_NAME'] ?>",
    "<?php echo esc_attr($_SERVER['REQUEST_URI']); ?>",
    "<?php echo basename(__FILE__); ?>",
])
def test_php_that_prints_the_scripts_own_url_is_self(php):
    form = forms.forms_in(parse_php('<form method="post" action="%s"></form>' % php).markup)[0]
    assert resolve(form.action) == (forms.SELF, "pages/contact.php")


@pytest.mark.parametrize("action, expected", [
    ("thanks.html", (forms.FILE, "pages/thanks.html")),
    ("../send.php", (forms.FILE, "send.php")),
    ("/send.php?lang=fr#form", (forms.FILE, "send.php")),
    ("/send", (forms.FILE, "send.php")),
    ("/shop/", (forms.FILE, "shop/index.php")),
    ("/", (forms.FILE, "index.php")),
    ("https://example.org/send.php", (forms.EXTERNAL, None)),
    ("//cdn.example.org/x", (forms.EXTERNAL, None)),
    ("mailto:me@example.org", (forms.EXTERNAL, None)),
    ("missing.php", (forms.NOT_FOUND, "missing.php")),
    ("../../../etc/passwd", (forms.NOT_FOUND, "../../../etc/passwd")),
])
def test_literal_actions(action, expected):
    assert resolve(action) == expected


def test_php_echoing_a_literal_resolves_and_a_variable_does_not():
    echoed = forms.forms_in(parse_php("<form action=\"<?php echo '/send.php'; ?>\"></form>").markup)[0]
    variable = forms.forms_in(parse_php('<form action="<?php echo $url; ?>"></form>').markup)[0]
    assert resolve(echoed.action) == (forms.FILE, "send.php")
    assert resolve(variable.action) == (forms.DYNAMIC, None)


def test_wordpress_admin_post_form_names_its_action():
    markup = parse_php('<form method="post" action="<?php echo esc_url(admin_url(\'admin-post.php\')); ?>">'
                       '<input type="hidden" name="action" value="acme_contact"></form>').markup
    form = forms.forms_in(markup)[0]
    assert resolve(form.action) == (forms.WORDPRESS, "wp-admin/admin-post.php")
    assert form.wordpress_action == "acme_contact"
    assert forms.wordpress_hook_action("admin_post_nopriv_acme_contact") == "acme_contact"
    assert forms.wordpress_hook_action("wp_ajax_acme_contact") == "acme_contact"
    assert forms.wordpress_hook_action("init") is None


def test_forms_in_markup():
    markup = parse_html('<!-- <form action="old.php"></form> -->\n'
                        '<form action="a.php" METHOD="Post" data-x=\'1>2\'>\n<input name="e"></form>\n'
                        '<form action="b.php"><input name="q">\n').markup
    found = forms.forms_in(markup)
    assert [(form.action, form.method) for form in found] == [("a.php", "post"), ("b.php", "get")]
    assert '<input name="e">' in found[0].body and "</form>" not in found[0].body
    assert '<input name="q">' in found[1].body


def test_a_page_without_forms():
    assert forms.forms_in(parse_html("<p>Write to us: formulaire@example.org</p>").markup) == []
