# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole audit over the fixture docroots: exact findings, forms linked to handlers, guards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit

DOCROOTS = Path(__file__).resolve().parents[4] / "fixtures" / "docroots"
PHP = shutil.which("php")


def triples(result):
    return [(item["file"], item["line"], item["rule"]) for item in result["findings"]]


def test_plain_contact_form_with_mail():
    result = run_audit(str(DOCROOTS / "contact_form"))
    assert triples(result) == [
        ("contact.php", 22, "handler_missing_captcha_check"),
        ("contact.php", 22, "mail_send"),
        ("index.html", 13, "form_missing_captcha"),
        ("index.html", 13, "form_sends_mail"),
        ("lib/notify.php", 8, "mail_send"),
        ("newsletter.php", 1, "handler_missing_captcha_check"),
        ("newsletter.php", 17, "form_missing_captcha"),
        ("newsletter.php", 17, "form_sends_mail"),
    ]
    # newsletter.php sends through the file it includes.
    assert result["mail_scripts"] == ["contact.php", "lib/notify.php", "newsletter.php"]
    forms = dict(((form["file"], form["line"]), form) for form in result["forms"])
    assert forms[("newsletter.php", 17)]["resolution"] == "self"
    assert forms[("newsletter.php", 17)]["action"] == "<?php echo htmlspecialchars($_SERVER['PHP_SELF']); ?>"
    assert forms[("index.html", 19)]["resolution"] == "external"
    assert forms[("index.html", 19)]["sends_mail"] is False
    assert "lib/notify.php, line 8" in result["findings"][5]["message"]
    assert result["summary"] == {"mail_send": 2, "smtp_settings": 0, "form_sends_mail": 2,
                                 "form_missing_captcha": 2, "handler_missing_captcha_check": 2,
                                 "captcha_provider_mismatch": 0, "php_syntax_error": 0}
    assert result["files_scanned"] == 5 and result["php_lint"] is False


def test_wordpress_plugin_with_wp_mail():
    result = run_audit(str(DOCROOTS / "wordpress_plugin"))
    plugin = "wp-content/plugins/acme-contact/acme-contact.php"
    # wp-includes/pluggable.php defines wp_mail(): a definition is not a call.
    assert triples(result) == [
        (plugin, 20, "form_missing_captcha"),
        (plugin, 20, "form_sends_mail"),
        (plugin, 38, "handler_missing_captcha_check"),
        (plugin, 38, "mail_send"),
    ]
    form = result["forms"][0]
    assert (form["resolution"], form["posts_to"], form["handler"]) == (
        "wordpress", "wp-admin/admin-post.php (action acme_contact)", plugin)


def test_phpmailer_over_smtp():
    result = run_audit(str(DOCROOTS / "phpmailer_smtp"))
    assert triples(result) == [
        (".env", 3, "smtp_settings"),
        ("index.html", 6, "form_sends_mail"),
        ("send-quote.php", 10, "handler_missing_captcha_check"),
        ("send-quote.php", 10, "mail_send"),
    ] + [("send-quote.php", line, "smtp_settings") for line in range(12, 19)] + [
        ("vendor/phpmailer/phpmailer/src/PHPMailer.php", 29, "mail_send"),
    ]
    # The widget is there, the verification is not.
    assert result["forms"][0]["captcha"] == "recaptcha" and result["forms"][0]["verified_by"] is None
    assert "correct horse" not in repr(result["findings"])


def test_exclude_leaves_the_library_out():
    result = run_audit(str(DOCROOTS / "phpmailer_smtp"), exclude=["vendor/**"])
    assert result["mail_scripts"] == ["send-quote.php"]


def test_form_protected_with_turnstile():
    result = run_audit(str(DOCROOTS / "turnstile_protected"))
    assert triples(result) == [("contact.php", 23, "mail_send"), ("contact.php", 39, "form_sends_mail")]
    assert (result["forms"][0]["captcha"], result["forms"][0]["verified_by"]) == ("turnstile", "turnstile")
    assert "protected by a turnstile widget" in result["findings"][1]["message"]


@pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")
def test_script_with_a_syntax_error():
    result = run_audit(str(DOCROOTS / "syntax_error"), php=PHP)
    assert triples(result) == [
        ("index.html", 5, "form_sends_mail"),
        ("mail/send.php", 18, "mail_send"),
        ("mail/send.php", 18, "php_syntax_error"),
    ]
    assert 'unexpected identifier "mail"' in result["findings"][2]["message"]
    assert result["php_lint"] is True


def test_syntax_errors_are_not_reported_without_php():
    result = run_audit(str(DOCROOTS / "syntax_error"))
    assert result["summary"]["php_syntax_error"] == 0 and result["php_lint"] is False


def write(root, files):
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_provider_mismatch(tmp_path):
    write(tmp_path, {
        "form.html": '<form method="post" action="send.php"><div class="h-captcha" data-sitekey="k"></div></form>',
        "send.php": "<?php\nfile_get_contents('https://challenges.cloudflare.com/turnstile/v0/siteverify');\n"
                    "mail('a@example.org', 's', 'b');\n",
    })
    assert triples(run_audit(str(tmp_path))) == [
        ("form.html", 1, "captcha_provider_mismatch"), ("form.html", 1, "form_sends_mail"),
        ("send.php", 3, "mail_send")]


def test_a_form_to_a_script_that_does_not_send_mail_is_quiet(tmp_path):
    write(tmp_path, {"search.html": '<form action="search.php"></form>',
                     "search.php": "<?php\n$email = $_GET['email']; // 'mail' in a variable name\n"})
    result = run_audit(str(tmp_path))
    assert result["findings"] == [] and result["forms"][0]["sends_mail"] is False


def guard_files(tmp_path, protect):
    return {
        ".form_captcha/guard.php": "<?php\n$config = require __DIR__ . '/config.php';\n",
        ".form_captcha/config.php": "<?php\nreturn array('verify_url' => 'http://127.0.0.1:9/siteverify', "
                                    "'protect' => array(%s));\n" % ", ".join(
                                        "'%s/%s'" % (tmp_path, path) for path in protect),
        ".user.ini": "; managed\nauto_prepend_file = \"%s/.form_captcha/guard.php\"\n" % tmp_path,
        "form.html": '<form method="post" action="send.php"><div class="cf-turnstile"></div></form>',
        "send.php": "<?php\nmail('a@example.org', 's', 'b');\n",
    }


def test_a_prepended_guard_that_lists_the_handler_verifies_it(tmp_path):
    write(tmp_path, guard_files(tmp_path, ["send.php"]))
    result = run_audit(str(tmp_path))
    assert result["summary"]["handler_missing_captcha_check"] == 0
    assert result["forms"][0]["verified_by"] == "unknown"


@pytest.mark.parametrize("setting", ['"%s/.form_captcha/guard.php" ; the guard', "%s/.form_captcha/guard.php;"])
def test_a_prepend_setting_is_read_as_php_reads_it_without_its_comment(tmp_path, setting):
    files = guard_files(tmp_path, ["send.php"])
    files[".user.ini"] = "auto_prepend_file = %s\n" % (setting % tmp_path)
    write(tmp_path, files)
    assert run_audit(str(tmp_path))["summary"]["handler_missing_captcha_check"] == 0


def test_a_prepended_guard_that_does_not_list_the_handler_does_not(tmp_path):
    write(tmp_path, guard_files(tmp_path, ["other.php"]))
    assert run_audit(str(tmp_path))["summary"]["handler_missing_captcha_check"] == 1


def test_a_nearer_user_ini_without_prepend_turns_the_guard_off(tmp_path):
    files = guard_files(tmp_path, ["sub/send.php"])
    files["sub/send.php"] = files.pop("send.php")
    files["sub/.user.ini"] = "auto_prepend_file = none\n"
    files["form.html"] = files["form.html"].replace("send.php", "sub/send.php")
    write(tmp_path, files)
    assert run_audit(str(tmp_path))["summary"]["handler_missing_captcha_check"] == 1


def test_include_cycles_terminate(tmp_path):
    write(tmp_path, {"a.php": "<?php require 'b.php';\n", "b.php": "<?php require_once 'a.php'; mail(1, 2, 3);\n",
                     "form.html": '<form method="post" action="a.php"></form>'})
    result = run_audit(str(tmp_path))
    assert result["mail_scripts"] == ["a.php", "b.php"]
    assert result["forms"][0]["handler"] == "a.php"


def test_recaptcha_v3_page_and_google_client_in_the_handler(tmp_path):
    write(tmp_path, {
        "contact.html": '<script src="https://www.google.com/recaptcha/api.js?render=k"></script>\n'
                        '<form id="f" method="post" action="send.php"><input type="hidden" name="g-recaptcha-response">'
                        '</form>\n<script>grecaptcha.ready(function () {\n'
                        '  grecaptcha.execute("k", {action: "contact"}).then(function (t) { /* fill */ });\n});</script>\n',
        "send.php": "<?php\nrequire __DIR__ . '/lib/captcha.php';\nif (human()) { wp_mail('a@example.org', 's', 'b'); }\n",
        "lib/captcha.php": "<?php\nfunction human() {\n  $r = new \\ReCaptcha\\ReCaptcha(getenv('KEY'));\n"
                           "  return $r->verify($_POST['g-recaptcha-response'])->isSuccess();\n}\n",
    })
    result = run_audit(str(tmp_path))
    assert triples(result) == [("contact.html", 2, "form_sends_mail"), ("send.php", 3, "mail_send")]
    assert (result["forms"][0]["captcha"], result["forms"][0]["verified_by"]) == ("recaptcha", "recaptcha")


def test_without_the_tokenizer_each_script_is_compiled_once(tmp_path):
    """A PHP without the tokenizer extension leaves every file to php -l: a script that sends mail, which
    php -l compiles anyway, is not compiled a second time."""
    log = tmp_path / "compiled.log"
    fake_php = tmp_path / "php"
    fake_php.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "if '-r' in sys.argv:\n"
        "    for index, path in enumerate(sys.stdin.read().split('\\0')):\n"
        "        print(json.dumps({'index': index, 'unchecked': True}))\n"
        "else:\n"
        "    open(%r, 'a').write(sys.argv[-1] + '\\n')\n" % str(log)
    )
    fake_php.chmod(0o755)
    site = tmp_path / "www"
    write(site, {"send.php": "<?php\nmail('a@example.org', 's', 'b');\n", "page.php": "<?php\necho 1;\n"})
    result = run_audit(str(site), php=str(fake_php))
    assert result["php_lint"] is True and result["summary"]["php_syntax_error"] == 0
    assert sorted(log.read_text().splitlines()) == [str(site / "page.php"), str(site / "send.php")]


def test_the_reported_action_is_the_action_attribute_not_a_data_action(tmp_path):
    write(tmp_path, {
        "index.html": '<form method="post" data-action="track" action="send.php"><input name="m"></form>\n',
        "page.php": '<form method="post" data-action="track" action="<?= \'send.php\' ?>"></form>\n',
        "send.php": "<?php\nmail('a@example.org', 's', 'b');\n",
    })
    result = run_audit(str(tmp_path))
    assert [(form["file"], form["action"], form["posts_to"]) for form in result["forms"]] == [
        ("index.html", "send.php", "send.php"), ("page.php", "<?= 'send.php' ?>", "send.php"),
    ]


@pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")
def test_a_syntax_error_is_reported_under_each_name_of_a_linked_script(tmp_path):
    write(tmp_path, {"send.php": "<?php\n$to = 'a@example.org'\nmail($to, 's', 'b');\n"})
    (tmp_path / "contact.php").symlink_to("send.php")
    result = run_audit(str(tmp_path), php=PHP)
    assert [(item["file"], item["line"]) for item in result["findings"] if item["rule"] == "php_syntax_error"] == [
        ("contact.php", 3), ("send.php", 3),
    ]


def test_a_page_sending_through_an_autoloaded_class_is_the_script_to_guard():
    result = run_audit(str(DOCROOTS / "autoload_contact"))
    assert result["mail_scripts"] == ["contact.php", "lib/Mailer.class.php"]
    # The class file is never requested: the page that posts to itself is.
    assert result["guard_scripts"] == ["contact.php"] and result["unguarded_forms"] == []
    form = result["forms"][0]
    assert (form["resolution"], form["entry"], form["handler"], form["sends_mail"]) == (
        "self", "contact.php", "contact.php", True)
    assert ("contact.php", 18, "form_missing_captcha") in triples(result)


def test_a_hooked_wordpress_form_is_one_the_guard_cannot_stand_in_front_of():
    result = run_audit(str(DOCROOTS / "wordpress_plugin"))
    assert result["guard_scripts"] == []
    assert [(form["file"], form["line"], form["entry"]) for form in result["unguarded_forms"]] == [
        ("wp-content/plugins/acme-contact/acme-contact.php", 20, "wp-admin/admin-post.php")]


def test_a_form_sent_by_fetch_with_recaptcha_v3_is_protected():
    result = run_audit(str(DOCROOTS / "js_fetch_form"))
    form = result["forms"][0]
    assert (form["resolution"], form["handler"], form["captcha"], form["verified_by"]) == (
        "javascript", "api/quote.php", "recaptcha", "recaptcha")
    assert result["summary"]["form_missing_captcha"] == 0 and result["guard_scripts"] == ["api/quote.php"]


def test_a_form_sent_by_ajax_through_a_wrapper_function_is_found():
    result = run_audit(str(DOCROOTS / "js_xhr_no_captcha"))
    assert ("contact.html", 5, "form_missing_captcha") in triples(result)
    assert result["mail_scripts"] == ["functions.php", "send_contact.php"]
    # search.php includes functions.php but calls only site_title(): it sends nothing.
    assert result["guard_scripts"] == ["send_contact.php"]
