# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule ``mail_send``: the places where a PHP script sends mail.

Matched in the code view (comments and string contents blanked), so ``// mail($to)``, ``'email'`` and
``"mail("`` never match; nor do ``$mailer->mail(...)``, ``Foo::mail(...)``, ``$mail(...)``,
``function mail(...)`` (a definition, not a call) or a namespaced ``Foo\\mail(...)``.
"""

from __future__ import annotations

import re

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import findings

# PHP function and class names are case-insensitive.
_MAIL_FUNCTION = re.compile(r"(?<![\w$>:\\])\\?(mail|mb_send_mail|imap_mail|wp_mail)\s*\(", re.IGNORECASE)
# What may stand before the name, spaces apart, when it is not a call of the global function.
_NOT_A_CALL_BEFORE = re.compile(r"(?:->|::|\bfunction\s*&?|\bnew|\bconst)\s*$", re.IGNORECASE)
# new PHPMailer, or new of a name the file gives PHPMailer: an alias (use ... as PM) or a subclass (extends).
_NEW_CLASS = re.compile(r"\bnew\s+\\?(?:PHPMailer\\PHPMailer\\)?(\w+)\b(?!\\)", re.IGNORECASE)
_PHPMAILER_ALIAS = re.compile(r"\buse\s+\\?PHPMailer\\PHPMailer\\PHPMailer\s+as\s+(\w+)", re.IGNORECASE)
_SUBCLASS = re.compile(r"\bclass\s+(\w+)\s+extends\s+\\?(?:PHPMailer\\PHPMailer\\)?(\w+)\b", re.IGNORECASE)
_SWIFTMAILER = re.compile(r"\bnew\s+\\?Swift_Mailer\b|\bSwift_Mailer\s*::\s*newInstance\s*\(", re.IGNORECASE)
_SYMFONY_NAMESPACE = re.compile(r"\\?Symfony\\Component\\Mailer\\", re.IGNORECASE)
_SYMFONY_MAILER = re.compile(r"\bnew\s+\\?(?:Symfony\\Component\\Mailer\\)?Mailer\s*\(", re.IGNORECASE)
_SEND_CALL = re.compile(r"->\s*send\s*\(", re.IGNORECASE)
# Other libraries, each by the call that sends (or builds the object that does): PEAR's Mail::factory,
# Laravel's Mail facade, Laminas/Zend Mail's transports, Nette's mailers, CodeIgniter's email library.
_OTHER_SENDERS = (
    (re.compile(r"(?<![\w$>])Mail\s*::\s*factory\s*\(", re.IGNORECASE), "PEAR Mail"),
    (re.compile(r"(?<![\w$>])Mail\s*::\s*(?:to|send|raw|queue|later|mailer|html)\s*\(", re.IGNORECASE),
     "Laravel Mail"),
    (re.compile(r"\bnew\s+\\?(?:(?:Laminas|Zend)\\Mail\\Transport\\)?(?:Sendmail|Smtp|InMemory)\s*\(|"
                r"\b(?:Laminas|Zend)\\Mail\\Transport\\Factory\s*::\s*create\s*\(", re.IGNORECASE),
     "Laminas Mail"),
    (re.compile(r"\bnew\s+\\?(?:Nette\\Mail\\)?(?:SendmailMailer|SmtpMailer)\b(?!\\)", re.IGNORECASE), "Nette Mail"),
    (re.compile(r"\$this\s*->\s*email\s*->\s*send\s*\(|\\?Config\\Services\s*::\s*email\s*\(", re.IGNORECASE),
     "CodeIgniter Email"),
)

_API_NAMES = {
    "mail": "mail()",
    "mb_send_mail": "mb_send_mail()",
    "imap_mail": "imap_mail()",
    "wp_mail": "wp_mail()",
}


class MailCall(object):
    __slots__ = ("line", "api", "offset")

    def __init__(self, line, api, offset=0):
        self.line = line
        self.api = api
        self.offset = offset


def mail_calls(source):
    """Every place ``source`` sends mail, in file order: ``MailCall(line, api)``."""
    code = source.code
    calls = []
    for match in _MAIL_FUNCTION.finditer(code):
        if _NOT_A_CALL_BEFORE.search(code, max(0, match.start() - 20), match.start()):
            continue
        calls.append((match.start(), _API_NAMES[match.group(1).lower()]))
    phpmailers = _phpmailer_names(code)
    calls.extend((match.start(), "PHPMailer") for match in _NEW_CLASS.finditer(code)
                 if match.group(1).lower() in phpmailers)
    calls.extend((match.start(), "SwiftMailer") for match in _SWIFTMAILER.finditer(code))
    symfony = _SYMFONY_NAMESPACE.search(code)
    if symfony:
        sites = [match.start() for match in _SYMFONY_MAILER.finditer(code)]
        sites = sites or [match.start() for match in _SEND_CALL.finditer(code)] or [symfony.start()]
        calls.extend((offset, "Symfony Mailer") for offset in sites)
    for pattern, api in _OTHER_SENDERS:
        calls.extend((match.start(), api) for match in pattern.finditer(code))
    calls.sort()
    return [MailCall(source.line_of(offset), api, offset) for offset, api in calls]


def _phpmailer_names(code):
    """The lowercased class names that stand for PHPMailer in this file: its own, aliases, subclasses."""
    names = {"phpmailer"} | {alias.lower() for alias in _PHPMAILER_ALIAS.findall(code)}
    subclasses = [(child.lower(), parent.lower()) for child, parent in _SUBCLASS.findall(code)]
    grown = True
    while grown:  # a subclass of a subclass
        grown = False
        for child, parent in subclasses:
            if parent in names and child not in names:
                names.add(child)
                grown = True
    return names


def mail_send_findings(relative, calls):
    return [
        findings.finding(
            findings.MAIL_SEND, relative, call.line,
            "sends mail with %s: make sure every form that reaches this script carries a Captcha verified "
            "server-side, or put the form_captcha guard in front of it" % call.api,
            api=call.api,
        )
        for call in calls
    ]
