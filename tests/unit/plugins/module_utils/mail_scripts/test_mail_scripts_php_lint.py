# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PHP syntax check: one process for every file, php -l for the scripts that matter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import php_lint

PHP = shutil.which("php")
pytestmark = pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")


def test_one_process_reports_each_parse_error(tmp_path):
    good = tmp_path / "good.php"
    good.write_text("<?php\necho 'fine';\n")
    bad = tmp_path / "bad.php"
    bad.write_text("<?php\n$a = 1\n$b = 2;\n")
    html_only = tmp_path / "page.php"
    html_only.write_text("<p>no PHP here</p>\n")
    errors = php_lint.parse_all(PHP, [str(good), str(bad), str(html_only)])
    assert list(errors) == [str(bad)]
    assert errors[str(bad)][0] == 3 and "syntax error" in errors[str(bad)][1]


def test_latin1_scripts_and_names_are_reported_under_their_own_path(tmp_path):
    """A French site in Latin-1: PHP's message quotes the script's bytes, which are not UTF-8."""
    bad = tmp_path / "caf\udce9.php"  # the Latin-1 byte 0xE9 as Python names it on a UTF-8 file system
    bad.write_bytes(b"<?php\n$caf\xe9 = 1 $r\xe9;\n")
    good = tmp_path / "d\udce9j\udce0.php"
    good.write_bytes(b"<?php\necho 'd\xe9j\xe0';\n")
    errors = php_lint.parse_all(PHP, [str(good), str(bad)])
    assert list(errors) == [str(bad)]
    assert errors[str(bad)][0] == 2 and "syntax error" in errors[str(bad)][1]


def test_php_l_also_reports_compile_time_errors_the_parser_accepts(tmp_path):
    script = tmp_path / "twice.php"
    script.write_text("<?php\nfunction send() {}\nfunction send() {}\n")
    assert php_lint.parse_all(PHP, [str(script)]) == {}
    line, message = php_lint.lint_each(PHP, [str(script)])[str(script)]
    assert line == 3 and "redeclare" in message


def test_a_missing_php_is_an_error_of_its_own(tmp_path):
    with pytest.raises(php_lint.PhpLintError):
        php_lint.parse_all(str(tmp_path / "no-php"), [str(tmp_path / "a.php")])


@pytest.mark.skipif(shutil.which("php") is None, reason="php-cli is not installed (make system-deps installs it)")
def test_a_syntax_error_on_a_password_line_never_quotes_it():
    from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
    docroot = Path(__file__).resolve().parents[4] / "fixtures" / "docroots" / "secret_syntax_error"
    result = run_audit(str(docroot), php=shutil.which("php"))
    errors = [item for item in result["findings"] if item["rule"] == "php_syntax_error"]
    assert [(item["file"], item["line"]) for item in errors] == [("mailer.php", 5)]
    assert "Secr3t" not in repr(result) and "withheld" in errors[0]["message"]
