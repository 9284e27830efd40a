# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mail_scripts_audit module: options, check mode, errors (the rules are tested under module_utils)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.modules import mail_scripts_audit

DOCROOTS = Path(__file__).resolve().parents[3] / "fixtures" / "docroots"
PHP = shutil.which("php")


def test_audit_returns_findings_summary_and_forms(run_module):
    result, failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOTS / "contact_form")})
    assert not failed and result["changed"] is False
    assert result["summary"]["form_missing_captcha"] == 2
    assert result["mail_scripts"] == ["contact.php", "lib/notify.php", "newsletter.php"]
    assert {finding["file"] for finding in result["findings"]} == {"contact.php", "index.html", "lib/notify.php",
                                                                   "newsletter.php"}


def test_check_mode_gives_the_same_answer(run_module):
    args = {"path": str(DOCROOTS / "phpmailer_smtp"), "php_lint": "false"}
    normal, _failed = run_module(mail_scripts_audit.main, args)
    checked, _failed = run_module(mail_scripts_audit.main, args, check_mode=True)
    assert checked == normal and checked["summary"]["smtp_settings"] == 8


def test_exclude_and_max_file_size(run_module):
    result, failed = run_module(mail_scripts_audit.main, {
        "path": str(DOCROOTS / "phpmailer_smtp"), "exclude": ["vendor/**"], "max_file_size": "0.75K"})
    assert not failed
    size = (DOCROOTS / "phpmailer_smtp" / "send-quote.php").stat().st_size
    assert size > 768
    assert result["mail_scripts"] == []
    assert result["not_read"] == [{"file": "send-quote.php", "reason": "larger than max_file_size (%d bytes)" % size}]


@pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")
def test_php_lint_auto_uses_the_hosts_php(run_module):
    result, _failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOTS / "syntax_error")})
    assert result["php_lint"] is True and result["summary"]["php_syntax_error"] == 1


@pytest.mark.parametrize("php_lint", ["false", False])
def test_php_lint_false_never_runs_php(run_module, php_lint):
    result, _failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOTS / "syntax_error"),
                                                           "php_lint": php_lint})
    assert result["php_lint"] is False and result["summary"]["php_syntax_error"] == 0


def test_php_lint_true_without_php_fails_clearly(run_module, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(mail_scripts_audit.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: self.fail_json(
                            msg="Failed to find required executable %s" % name) if required else None)
    result, failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOTS / "syntax_error"), "php_lint": "true"})
    assert failed and "php" in result["msg"]
    result, failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOTS / "syntax_error")})
    assert not failed and result["php_lint"] is False


@pytest.mark.parametrize("args, message", [
    ({"path": "/nonexistent/www"}, "path /nonexistent/www is not a directory on this host"),
    ({"max_file_size": "lots"}, "max_file_size: "),
    ({"max_file_size": "9" * 400}, "max_file_size: '99999"),  # past a float's range
    ({"max_file_size": "9" * 400}, "... is too large for a size"),
    ({"php_lint": "maybe"}, "php_lint"),
])
def test_bad_input_is_named(run_module, args, message):
    full = {"path": str(DOCROOTS / "contact_form")}
    full.update(args)
    result, failed = run_module(mail_scripts_audit.main, full)
    assert failed and message in result["msg"]
