# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule smtp_settings: SMTP settings written into scripts and .env files, and none of the look-alikes."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import parse_php
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.smtp import env_findings, php_findings

PHPMAILER = "<?php\nuse PHPMailer\\PHPMailer\\PHPMailer;\n$mail = new PHPMailer();\n"


def settings(text):
    return [(item["line"], item["setting"]) for item in php_findings("x.php", parse_php(text))]


def test_phpmailer_over_smtp_fires_on_each_setting_line():
    text = PHPMAILER + ("$mail->isSMTP();\n$mail->Host = 'smtp.example.com';\n$mail->SMTPAuth = true;\n"
                        "$mail->Port = 587;\n$mail->Mailer = 'smtp';\n")
    assert settings(text) == [(4, "PHPMailer isSMTP()"), (5, "PHPMailer Host"), (6, "PHPMailer SMTPAuth"),
                              (7, "PHPMailer Port"), (8, "PHPMailer Mailer = 'smtp'")]


@pytest.mark.parametrize("code, setting", [
    ("ini_set('SMTP', 'smtp.example.com');", "ini_set('SMTP')"),
    ('ini_set("smtp_port", "2525");', "ini_set('smtp_port')"),
    ("$dsn = 'smtp://user:pass@smtp.example.com:587';", "an smtp:// mailer DSN"),
    ("$t = Transport::fromDsn(\"smtps://u:p@mail.example.com\");", "an smtp:// mailer DSN"),
    ("$t = new Swift_SmtpTransport('smtp.example.com', 25);", "Swift_SmtpTransport"),
    ("$t = new EsmtpTransport('smtp.example.com', 465);", "Symfony EsmtpTransport"),
])
def test_fires_on_other_smtp_settings(code, setting):
    assert settings("<?php\n" + code + "\n") == [(2, setting)]


@pytest.mark.parametrize("code", [
    PHPMAILER + "// $mail->isSMTP();\n/* $mail->Host = 'smtp.example.com'; */\n",
    PHPMAILER + "$mail->isMail();\n$mail->Mailer = 'mail';\nif ($mail->Port == 25) {}\n$a = ['Host' => 1];\n",
    "<?php\nclass PHPMailer {\n  public $Host = 'localhost';\n  function isSMTP() { $this->Mailer = 'smtp'; }\n"
    "  function h() { $this->Host = 'x'; }\n}\n",
    "<?php\n$db->Host = 'localhost';\n$db->Port = 3306;\n$db->Password = 'x';\n",
    "<?php\nini_set('sendmail_from', 'site@example.com');\nini_set('display_errors', '0');\n",
    "<?php\n$label = 'SMTP';\n$help = 'Our SMTP server is managed by OVH';\n",
    "<?php\n// MAILER_DSN=smtp://localhost\n",
    "<p>Configure smtp://host in the panel</p>",
])
def test_does_not_fire_on_look_alikes(code):
    assert settings(code) == []


def test_message_never_repeats_the_credentials():
    found = php_findings("x.php", parse_php("<?php\n$dsn = 'smtp://user:S3cret@smtp.example.com';\n"))
    assert found and "S3cret" not in repr(found)
    assert "mail()" in found[0]["message"] and found[0]["severity"] == "warning"


def test_env_files():
    text = "# MAILER_DSN=smtp://commented\nAPP_ENV=prod\nMAILER_DSN=smtp://u:p@h:587\nexport MAILER_URL='smtps://h'\n"
    found = env_findings(".env", text)
    assert [(item["line"], item["setting"]) for item in found] == [
        (3, "MAILER_DSN, an smtp:// mailer DSN"), (4, "MAILER_URL, an smtp:// mailer DSN")]
    assert env_findings(".env", "MAILER_DSN=native://default\nDATABASE_URL=mysql://x\n") == []


@pytest.mark.parametrize("code, setting", [
    ("define('SMTP_HOST', 'smtp.example.org');", "define('SMTP_HOST')"),
    ("define(\"MAIL_PASSWORD\", 'x');", "define('MAIL_PASSWORD')"),
    ("$config = array('smtp_host' => 'mail.example.org', 'smtp_pass' => 'x');", "an SMTP setting ('smtp_host' =>)"),
    ("$m = Mail::factory('smtp', array('host' => 'smtp.example.org', 'auth' => true, 'password' => 'x'));",
     "SMTP server settings ('host' =>)"),
    ("$config['protocol'] = 'smtp'; $smtp->authenticate($user, $pass);", "SMTP ->authenticate()"),
])
def test_settings_beyond_phpmailer(code, setting):
    assert setting in [item["setting"] for item in php_findings("x.php", parse_php("<?php\n" + code))]


@pytest.mark.parametrize("code", [
    "$db = array('host' => 'localhost', 'password' => 'x');",  # a database, no SMTP in sight
    "define('SITE_NAME', 'x'); define('DB_PASSWORD', 'y');",
    "$auth->authenticate($user, $pass);",
    # A library method that applies what it is given (PHPMailer is used, the values are not written here).
    "use PHPMailer\\PHPMailer\\PHPMailer;\nclass Sender { function configure($c) { $this->m = new PHPMailer();"
    " $this->m->Host = $c['host']; $this->m->Password = $c['password']; } }",
])
def test_not_smtp_settings(code):
    assert [item["setting"] for item in php_findings("x.php", parse_php("<?php\n" + code))] == []
