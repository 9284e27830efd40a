# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule catalogue of the mail scripts audit, and the finding each rule reports."""

from __future__ import annotations

INFO = "info"
WARNING = "warning"
ERROR = "error"

MAIL_SEND = "mail_send"
SMTP_SETTINGS = "smtp_settings"
FORM_SENDS_MAIL = "form_sends_mail"
FORM_MISSING_CAPTCHA = "form_missing_captcha"
HANDLER_MISSING_CAPTCHA_CHECK = "handler_missing_captcha_check"
CAPTCHA_PROVIDER_MISMATCH = "captcha_provider_mismatch"
PHP_SYNTAX_ERROR = "php_syntax_error"

# rule id -> severity; the order is the order of the summary.
RULES = {
    MAIL_SEND: INFO,
    SMTP_SETTINGS: WARNING,
    FORM_SENDS_MAIL: INFO,
    FORM_MISSING_CAPTCHA: WARNING,
    HANDLER_MISSING_CAPTCHA_CHECK: WARNING,
    CAPTCHA_PROVIDER_MISMATCH: WARNING,
    PHP_SYNTAX_ERROR: ERROR,
}


def finding(rule, file, line, message, **extra):
    """One finding as the module returns it: file relative to the audited path, 1-based line."""
    result = {"file": file, "line": line, "rule": rule, "severity": RULES[rule], "message": message}
    result.update(extra)
    return result


def summarize(findings):
    """Count per rule, every rule present (0 included) so that a CI check can read any of them."""
    summary = dict((rule, 0) for rule in RULES)
    for item in findings:
        summary[item["rule"]] += 1
    return summary


def sort_key(item):
    return (item["file"], item["line"], item["rule"])
