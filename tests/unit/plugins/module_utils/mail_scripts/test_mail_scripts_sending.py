# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule mail_send: every mail API call site, and none of the look-alikes."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import parse_php
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.sending import (
    mail_calls,
    mail_send_findings,
)


def calls(text):
    return [(call.line, call.api) for call in mail_calls(parse_php(text))]


@pytest.mark.parametrize("code, api", [
    ("mail($to, $s, $b);", "mail()"),
    ("@mail($to, $s, $b);", "mail()"),
    ("\\mail($to, $s, $b);", "mail()"),
    ("$ok = MAIL ($to, $s, $b);", "mail()"),
    ("mb_send_mail($to, $s, $b);", "mb_send_mail()"),
    ("imap_mail($to, $s, $b);", "imap_mail()"),
    ("wp_mail($to, $s, $b);", "wp_mail()"),
    ("$m = new PHPMailer(true);", "PHPMailer"),
    ("$m = new \\PHPMailer\\PHPMailer\\PHPMailer();", "PHPMailer"),
    ("$m = new Swift_Mailer($transport);", "SwiftMailer"),
    ("$m = Swift_Mailer::newInstance($transport);", "SwiftMailer"),
])
def test_fires_on_each_api(code, api):
    assert calls("<?php\n" + code + "\n") == [(2, api)]


def test_symfony_mailer_needs_its_namespace():
    text = ("<?php\nuse Symfony\\Component\\Mailer\\Mailer;\nuse Symfony\\Component\\Mailer\\Transport;\n"
            "$mailer = new Mailer(Transport::fromDsn('native://default'));\n$mailer->send($email);\n")
    assert calls(text) == [(4, "Symfony Mailer")]
    assert calls("<?php\n$mailer = new Mailer($config);\n$mailer->send($x);\n") == []


@pytest.mark.parametrize("code", [
    "// mail($to, $s, $b);",
    "# mail($to, $s, $b);",
    "/* mail($to, $s, $b); */",
    "/** Calls wp_mail() for you. */",
    "$label = 'Your email';",
    "$hint = \"mail(\";",
    "$err = 'mail() failed';",
    "$mailer->mail($to);",
    "$this?->mail($to);",
    "$mailer -> mail($to);",
    "$mailer->\n    mail($to);",
    "Notifier :: wp_mail($to);",
    "Notifier::mail($to);",
    "$mail($to);",
    "$mail = $_POST['email'];",
    "function mail($to) {}",
    "function &wp_mail($to) {}",
    "send_mail($to);",
    "gmail($to);",
    "email($to);",
    "Acme\\mail($to);",
    "use PHPMailer\\PHPMailer\\PHPMailer;",
    "class PHPMailer {}",
    "throw new PHPMailer\\PHPMailer\\Exception('no');",
    "$m = new Mailer();",
    "if (function_exists('mail')) {}",
])
def test_does_not_fire_on_look_alikes(code):
    assert calls("<?php\n" + code + "\n") == []


def test_phpmailer_under_an_alias_or_a_subclass_sends_mail():
    text = ("<?php\nuse PHPMailer\\PHPMailer\\PHPMailer as PM;\n$a = new PM(true);\n"
            "class SiteMailer extends PM {}\nclass ContactMailer extends SiteMailer {}\n$b = new ContactMailer();\n"
            "class Unrelated extends Exception {}\n$c = new Unrelated();\n")
    assert calls(text) == [(3, "PHPMailer"), (6, "PHPMailer")]


def test_inline_html_that_mentions_mail_is_not_a_call():
    assert calls("<p>Use mail(your address) to write</p><?php echo 1; ?>") == []


def test_every_call_site_in_order_with_its_line():
    text = "<?php\nif ($a) {\n    mail($x, 's', 'b');\n} else {\n    wp_mail($x, 's', 'b');\n}\n"
    assert calls(text) == [(3, "mail()"), (5, "wp_mail()")]


def test_findings_say_what_to_do():
    found = mail_send_findings("contact.php", mail_calls(parse_php("<?php\nmail($a, $b, $c);\n")))
    assert [(item["file"], item["line"], item["rule"], item["severity"]) for item in found] == [
        ("contact.php", 2, "mail_send", "info")]
    assert "Captcha" in found[0]["message"] and "form_captcha" in found[0]["message"]


@pytest.mark.parametrize("code, api", [
    ("$smtp = Mail::factory('smtp', $params); $smtp->send($to, $headers, $body);", "PEAR Mail"),
    ("$m = Mail::factory('mail'); $m->send($to, $mime->headers($h), $mime->get());", "PEAR Mail"),
    ("Mail::to($request->user())->send(new OrderShipped($order));", "Laravel Mail"),
    ("\\Illuminate\\Support\\Facades\\Mail::raw('Hi', function ($m) { $m->to('a@b.c'); });", "Laravel Mail"),
    ("$transport = new Laminas\\Mail\\Transport\\Sendmail(); $transport->send($message);", "Laminas Mail"),
    ("$transport = new \\Zend\\Mail\\Transport\\Smtp($options);", "Laminas Mail"),
    ("$mailer = new Nette\\Mail\\SendmailMailer; $mailer->send($mail);", "Nette Mail"),
    ("$mailer = new SendmailMailer(); $mailer->send($mail);", "Nette Mail"),
    ("$this->load->library('email'); $this->email->to($to); $this->email->send();", "CodeIgniter Email"),
    ("$email = \\Config\\Services::email(); $email->send();", "CodeIgniter Email"),
])
def test_other_senders(code, api):
    calls = mail_calls(parse_php("<?php\n" + code))
    assert api in [call.api for call in calls]


@pytest.mark.parametrize("code", [
    "$mime = new Mail_mime(array('eol' => \"\\n\")); $mime->setTXTBody($text);",
    "$mail->setSubject('x'); // Mail::factory('smtp') is not used here",
    "echo 'Mail::to($user)';",
])
def test_not_other_senders(code):
    assert mail_calls(parse_php("<?php\n" + code)) == []
