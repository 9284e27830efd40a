# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule ``smtp_settings``: SMTP settings written into scripts, which OVH asks web hostings not to carry.

On an OVH web hosting, ``mail()`` (PHPMailer's default transport) goes through the hosting's own mail
service, which the "Email scripts" page monitors; a script that connects to an SMTP server itself
bypasses it and keeps credentials in the document root. Messages never repeat the values (a DSN holds
a password).
"""

from __future__ import annotations

import re

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import findings, symbols

_IS_SMTP = re.compile(r"->\s*isSMTP\s*\(", re.IGNORECASE)
_PHPMAILER_REFERENCE = re.compile(r"\bPHPMailer\b", re.IGNORECASE)
# Assignments on a PHPMailer object; $this-> is PHPMailer's own code, not a script's setting.
_PHPMAILER_PROPERTY = re.compile(
    r"(?<!\$this)->\s*(Host|Port|SMTPAuth|SMTPSecure|Username|Password)\s*=(?![=>])"
)
_LITERAL_VALUE = re.compile(r"\s*(?:['\"]|\d|true\b|false\b|[A-Z_][A-Z0-9_]*\s*;)", re.IGNORECASE)
_MAILER_PROPERTY = re.compile(r"(?<!\$this)->\s*Mailer\s*=\s*(?=['\"])")
_INI_SET = re.compile(r"\bini_set\s*\(\s*(?=['\"])", re.IGNORECASE)
_SMTP_INI = ("SMTP", "smtp_port")
_SWIFT_SMTP = re.compile(r"\bnew\s+\\?Swift_SmtpTransport\b|\bSwift_SmtpTransport\s*::\s*newInstance\s*\(",
                         re.IGNORECASE)
_ESMTP_TRANSPORT = re.compile(r"\bnew\s+\\?(?:[\w\\]*\\)?EsmtpTransport\s*\(", re.IGNORECASE)
_SMTP_DSN = re.compile(r"\bsmtps?://", re.IGNORECASE)
_DEFINE = re.compile(r"\bdefine\s*\(\s*(?=['\"])", re.IGNORECASE)
_SMTP_CONSTANT = re.compile(r"^(?:\w+_)?SMTP(?:_\w+)?$|^MAIL_(?:HOST|PORT|USER(?:NAME)?|PASS(?:WORD)?)$", re.IGNORECASE)
_ARRAY_KEY = re.compile(r"['\"]\s*=>")
_SMTP_KEY = re.compile(r"^smtp_?(?:host|port|user|username|pass|password|crypto|secure)$", re.IGNORECASE)
_SERVER_KEYS = ("host", "password", "username")
_AUTHENTICATE = re.compile(r"->\s*authenticate\s*\(", re.IGNORECASE)
_ENV_DSN = re.compile(r"^[ \t]*(?:export[ \t]+)?(\w+)[ \t]*=[ \t]*['\"]?smtps?://", re.IGNORECASE | re.MULTILINE)

_ADVICE = ("OVH asks scripts on a web hosting not to send through an SMTP server of their own: "
           "remove it and send with mail() through the hosting's mail service")


def php_findings(relative, source):
    code = source.code
    hits = []
    scopes = []

    def in_unit(offset):
        return symbols.unit_at(scopes[0], scopes[1], offset) is not None

    is_smtp = list(_IS_SMTP.finditer(code))
    phpmailer = _PHPMAILER_REFERENCE.search(code)
    properties = list(_PHPMAILER_PROPERTY.finditer(code)) if phpmailer else []
    if is_smtp or properties:
        units = symbols.units(code)
        scopes[:] = [units, [scope.start for scope in units]]
    # A library's method that copies settings handed to it (->Host = $config['host']) holds none; its
    # isSMTP() in a method counts only beside a setting written in the file.
    applied = [match for match in properties if not _LITERAL_VALUE.match(code, match.end()) and in_unit(match.start())]
    written = [match for match in properties if match not in applied]
    for match in is_smtp:
        if written or not in_unit(match.start()):
            hits.append((match.start(), "PHPMailer isSMTP()"))
    if phpmailer:
        for match in written:
            hits.append((match.start(), "PHPMailer %s" % match.group(1)))
        for match in _MAILER_PROPERTY.finditer(code):
            value = source.string_at(match.end())
            if value is not None and value.strip().lower() == "smtp":
                hits.append((match.start(), "PHPMailer Mailer = 'smtp'"))
    for match in _INI_SET.finditer(code):
        value = source.string_at(match.end())
        if value in _SMTP_INI:
            hits.append((match.start(), "ini_set('%s')" % value))
    for match in _SWIFT_SMTP.finditer(code):
        hits.append((match.start(), "Swift_SmtpTransport"))
    for match in _ESMTP_TRANSPORT.finditer(code):
        hits.append((match.start(), "Symfony EsmtpTransport"))
    smtp_named = False
    keys = []
    for literal in source.strings:
        if _SMTP_DSN.search(literal.value):
            hits.append((literal.offset, "an smtp:// mailer DSN"))
        value = literal.value.strip().lower()
        smtp_named = smtp_named or value in ("smtp", "smtps")
        if _ARRAY_KEY.match(code, literal.offset + len(literal.raw) + 1):
            keys.append(literal)
            if _SMTP_KEY.match(value):
                hits.append((literal.offset, "an SMTP setting ('%s' =>)" % value))
    for match in _DEFINE.finditer(code):
        name = source.string_at(match.end())
        if name and _SMTP_CONSTANT.match(name):
            hits.append((match.start(), "define('%s')" % name))
    if smtp_named:
        # An array of server settings handed to a mailer set to SMTP (PEAR Mail::factory('smtp', ...),
        # CodeIgniter's 'protocol' => 'smtp', Laminas SmtpOptions...); the first key is enough.
        for literal in keys:
            if literal.value.strip().lower() in _SERVER_KEYS:
                hits.append((literal.offset, "SMTP server settings ('%s' =>)" % literal.value.strip().lower()))
                break
        for match in _AUTHENTICATE.finditer(code):
            hits.append((match.start(), "SMTP ->authenticate()"))
    hits.sort()
    return [_finding(relative, source.line_of(offset), what) for offset, what in hits]


def env_findings(relative, text):
    """``MAILER_DSN=smtp://...`` in a ``.env`` file (comment lines start with ``#``, so never match)."""
    return [
        _finding(relative, text.count("\n", 0, match.start()) + 1, "%s, an smtp:// mailer DSN" % match.group(1))
        for match in _ENV_DSN.finditer(text)
    ]


def _finding(relative, line, what):
    return findings.finding(findings.SMTP_SETTINGS, relative, line, "%s: %s" % (what, _ADVICE), setting=what)
