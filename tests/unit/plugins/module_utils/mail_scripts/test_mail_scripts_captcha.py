# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Captcha widgets on forms and server-side verification in handlers, per provider."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import captcha
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import parse_html, parse_php


@pytest.mark.parametrize("markup, provider", [
    ('<div class="cf-turnstile" data-sitekey="k"></div>', "turnstile"),
    ("<div class='h-captcha' data-sitekey='k'></div>", "hcaptcha"),
    ('<div class="g-recaptcha" data-sitekey="k"></div>', "recaptcha"),
    ('<button class="btn g-recaptcha" data-sitekey="k" data-callback="go">Send</button>', "recaptcha"),
    ('<div class=cf-turnstile data-sitekey=k></div>', "turnstile"),
])
def test_widget_elements(markup, provider):
    assert captcha.widget_in(markup) == provider


@pytest.mark.parametrize("markup", [
    '<textarea name="g-recaptcha-response"></textarea>',
    '<div class="g-recaptcha-badge"></div>',
    '<div class="my-h-captcha-like"></div>',
    '<p>We use cf-turnstile to stop spam</p>',
    '<input name="captcha" placeholder="captcha">',
])
def test_not_widgets(markup):
    assert captcha.widget_in(markup) is None


def test_page_scripts_render_or_execute_a_widget():
    v3 = parse_html('<script src="https://www.google.com/recaptcha/api.js?render=k"></script><script>'
                    'grecaptcha.ready(function(){ grecaptcha.execute("k", {action: "contact"}); });</script>')
    explicit = parse_html("<script>turnstile.render('#box', {sitekey: 'k'});</script>")
    commented = parse_html("<script>// grecaptcha.execute('k')\n</script><!-- <script>hcaptcha.render()</script> -->")
    assert captcha.page_widget(v3.markup) == "recaptcha"
    assert captcha.page_widget(explicit.markup) == "turnstile"
    assert captcha.page_widget(commented.markup) is None


@pytest.mark.parametrize("url, provider", [
    ("https://challenges.cloudflare.com/turnstile/v0/siteverify", "turnstile"),
    ("https://api.hcaptcha.com/siteverify", "hcaptcha"),
    ("https://hcaptcha.com/siteverify", "hcaptcha"),
    ("https://www.google.com/recaptcha/api/siteverify", "recaptcha"),
    ("https://www.recaptcha.net/recaptcha/api/siteverify", "recaptcha"),
    ("http://127.0.0.1:8999/siteverify", "unknown"),
])
def test_verification_by_siteverify_url(url, provider):
    source = parse_php("<?php\n$token = $_POST['t'];\n$r = file_get_contents('%s?x=1');\n" % url)
    assert captcha.verification(source) == (provider, 3)


def test_verification_by_google_client():
    source = parse_php("<?php\n$r = new \\ReCaptcha\\ReCaptcha($secret);\n$r->verify($t);\n")
    assert captcha.verification(source) == ("recaptcha", 2)


@pytest.mark.parametrize("code", [
    "$token = $_POST['cf-turnstile-response'] ?? '';",
    "// file_get_contents('https://challenges.cloudflare.com/turnstile/v0/siteverify');",
    "/* TODO: call https://api.hcaptcha.com/siteverify */",
    "$label = 'Captcha';",
])
def test_no_verification(code):
    assert captcha.verification(parse_php("<?php\n" + code + "\n")) is None


@pytest.mark.parametrize("markup", [
    '<input type="hidden" name="g-recaptcha-response" id="token">',
    "<input name='h-captcha-response' type='hidden'>",
    '<input type=hidden name=cf-turnstile-response>',
])
def test_hidden_token_fields_filled_by_a_script_are_widgets(markup):
    assert captcha.widget_in(markup) is not None


@pytest.mark.parametrize("markup, scripts, provider", [
    ('<script src="https://www.google.com/recaptcha/api.js?render=6LcKey"></script>', (), "recaptcha"),
    ('<script src="https://www.google.com/recaptcha/api.js?hl=fr&amp;render=6LcKey"></script>', (), "recaptcha"),
    ('<script src="js/form.js"></script>', ("grecaptcha.execute('6LcKey', {action: 'x'})",), "recaptcha"),
    ('<script src="js/form.js"></script>', ("hcaptcha.execute(widgetId, {async: true})",), "hcaptcha"),
    ('<script src="js/form.js"></script>', ("turnstile.render('#box', {sitekey: 'k'})",), "turnstile"),
    ('<script src="https://www.google.com/recaptcha/api.js?render=explicit"></script>', (), None),
    ('<script src="js/form.js"></script>', ("console.log('no captcha')",), None),
])
def test_widget_less_captchas_on_the_page_or_in_a_loaded_script(markup, scripts, provider):
    assert captcha.page_widget(markup, scripts) == provider
