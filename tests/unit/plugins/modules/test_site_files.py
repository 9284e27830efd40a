# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site_files against a real FTP server with explicit TLS on loopback (tests/support/ftps_server.py): the exact
commands it sends (TLS before the login, the files protected, only the code listed and fetched), the second run
that fetches nothing, a change fetched alone, check mode, the refusals (no TLS, a wrong password, an untrusted
certificate), and a connection cut mid-run that leaves no half-written file and is completed by a rerun."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsSite, FtpsTooLarge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_copy import MANIFEST, SiteCopy, _safe
from ansible_collections.mailops.ovh_hosting.plugins.modules import site_files
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps

SITE = {
    "www/index.php": "<?php require 'lib/mail.php';\n",
    "www/contact.html": "<form method=post action=contact.php></form>\n",
    "www/contact.php": "<?php mail('a@example.org', 's', $_POST['m']);\n",
    "www/lib/mail.php": "<?php function send() {}\n",
    "www/js/form.js": "document.forms[0];\n",
    "www/.user.ini": "auto_prepend_file=guard.php\n",
    "www/.htaccess": "Options -Indexes\n",
    "www/.env": "SMTP_PASSWORD=hunter2\n",
    "www/uploads/shell.php": "<?php system($_GET['c']);\n",
    "www/wp-content/uploads/2026/x.php": "<?php\n",
    "www/blog/wp-content/uploads/y.php": "<?php\n",
    "www/blog/index.php": "<?php\n",
    "www/.env.php": "<?php return ['password' => 'hunter2'];\n",
    "www/cache/page.html": "<html></html>\n",
    "www/vendor/lib.php": "<?php\n",
    "www/images/logo.png": "PNG",
    "www/backup.zip": "PK",
    "www/big.php": "<?php //" + "x" * 3000 + "\n",
    "outside.php": "<?php\n",
}
CODE = [".htaccess", ".user.ini", "blog/index.php", "contact.html", "contact.php", "index.php", "js/form.js",
        "lib/mail.php"]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture
def home(tmp_path):
    root = tmp_path / "home"
    for relative, text in SITE.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def args(server, dest, **extra):
    return dict({"host": "127.0.0.1", "port": server.port, "user": USER, "password": PASSWORD, "dest": str(dest),
                 "ca_path": server.ca, "exclude": ["vendor/**"], "max_file_size": "2K", "timeout": 10}, **extra)


def test_first_run_fetches_the_code_only_over_tls_and_a_second_run_nothing(run_module, home, certificates, tmp_path):
    dest = tmp_path / "copy"
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_files.main, args(server, dest))
        assert not failed, result
        first = list(server.commands)
        server.commands.clear()
        again, failed = run_module(site_files.main, args(server, dest))
        second = list(server.commands)

    assert result["changed"] and result["fetched"] == CODE and result["removed"] == []
    assert result["files"] == len(CODE) and result["bytes"] == sum(len(SITE["www/" + name]) for name in CODE)
    assert result["not_copied"] == [{"file": "big.php", "reason": "larger than max_file_size (%d bytes)" % len(SITE["www/big.php"])}]
    # TLS first, then the login, then protected data; only the folders not excluded are listed.
    assert first[:5] == ["AUTH TLS", "USER %s" % USER, "PASS ****", "PBSZ 0", "PROT P"]
    listed = sorted(command for command in first if command.startswith("MLSD"))
    assert listed == ["MLSD www", "MLSD www/blog", "MLSD www/blog/wp-content", "MLSD www/images", "MLSD www/js",
                      "MLSD www/lib", "MLSD www/wp-content"]  # no uploads folder, at any depth
    assert sorted(command for command in first if command.startswith("RETR")) == \
        sorted("RETR www/%s" % name for name in CODE)
    copied = sorted(str(path.relative_to(dest)) for path in dest.rglob("*") if path.is_file())
    assert copied == sorted(CODE + [MANIFEST])
    assert (dest / "contact.php").read_text() == SITE["www/contact.php"]
    for folder in (dest, dest / "lib", dest / "js"):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    assert stat.S_IMODE(os.stat(dest / "index.php").st_mode) == 0o600

    assert not failed and not again["changed"] and again["fetched"] == [] and again["unchanged"] == len(CODE)
    assert again["bytes"] == 0 and not [command for command in second if command.startswith("RETR")]


def test_a_changed_file_is_fetched_alone_and_a_deleted_one_removed(run_module, home, certificates, tmp_path):
    dest = tmp_path / "copy"
    with serving_ftps(home, certificates) as server:
        run_module(site_files.main, args(server, dest))
        (home / "www/contact.php").write_text("<?php // now with a token check\n")
        (home / "www/lib/mail.php").unlink()
        server.commands.clear()
        result, failed = run_module(site_files.main, args(server, dest), diff=True)
        commands = list(server.commands)
    assert not failed and result["changed"]
    assert result["fetched"] == ["contact.php"] and result["removed"] == ["lib/mail.php"]
    assert [command for command in commands if command.startswith("RETR")] == ["RETR www/contact.php"]
    assert (dest / "contact.php").read_text() == "<?php // now with a token check\n"
    assert not (dest / "lib/mail.php").exists()
    assert result["diff"]["before"] == "lib/mail.php\n" and result["diff"]["after"] == "contact.php\n"


def test_check_mode_lists_and_writes_nothing(run_module, home, certificates, tmp_path):
    dest = tmp_path / "copy"
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_files.main, args(server, dest), check_mode=True)
        commands = list(server.commands)
    assert not failed and result["changed"] and result["fetched"] == CODE and result["bytes"] == 0
    assert not dest.exists()
    assert not [command for command in commands if command.startswith("RETR")]


def test_a_server_without_tls_is_refused_naming_the_risk_unless_allowed(run_module, home, certificates, tmp_path):
    with serving_ftps(home, certificates, plain=True) as server:
        result, failed = run_module(site_files.main, args(server, tmp_path / "copy"))
        commands = list(server.commands)
        allowed, allowed_failed = run_module(site_files.main, args(server, tmp_path / "copy", allow_plain_ftp=True))
    assert failed and "does not offer TLS" in result["msg"] and "in clear" in result["msg"]
    assert "allow_plain_ftp" in result["msg"]
    assert commands == ["AUTH TLS"]  # never the password
    assert not allowed_failed and allowed["fetched"] == CODE


def test_a_wrong_password_names_server_and_user_not_the_password(run_module, home, certificates, tmp_path):
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_files.main, args(server, tmp_path / "copy", password="not-it-at-all"))
    assert failed
    assert result["msg"].startswith("site_files: the FTP server 127.0.0.1:%d refused the login of %s: 530"
                                    % (server.port, USER))
    assert "not-it-at-all" not in str(result)


def test_an_untrusted_certificate_fails_before_the_login(run_module, home, certificates, tmp_path):
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_files.main, dict(args(server, tmp_path / "copy"), ca_path=None))
        commands = list(server.commands)
    assert failed and "TLS with the FTP server 127.0.0.1:%d failed" % server.port in result["msg"]
    assert "certificate verify failed" in result["msg"]
    assert not [command for command in commands if command.startswith(("USER", "PASS"))]


def test_a_cut_connection_leaves_no_half_file_and_a_rerun_completes(run_module, home, certificates, tmp_path):
    dest = tmp_path / "copy"
    with serving_ftps(home, certificates, cut_at=("RETR", 3)) as server:
        result, failed = run_module(site_files.main, args(server, dest))
        assert failed and "site_files: downloading www/" in result["msg"], result
        present = sorted(str(path.relative_to(dest)) for path in dest.rglob("*") if path.is_file())
        assert not [name for name in present if ".part-" in name]
        assert len([name for name in present if name != MANIFEST]) == 2  # the two fetched before the cut
        server.commands.clear()
        rerun, failed = run_module(site_files.main, args(server, dest))
        retrieved = [command for command in server.commands if command.startswith("RETR")]
    assert not failed and rerun["unchanged"] == 2 and len(rerun["fetched"]) == len(CODE) - 2
    assert len(retrieved) == len(CODE) - 2
    assert sorted(str(path.relative_to(dest)) for path in dest.rglob("*") if path.is_file()) == sorted(CODE + [MANIFEST])


@pytest.mark.parametrize("args_, message", [
    ({"max_file_size": "lots"}, "max_file_size: 'lots' is no size"),
    ({"port": 0}, "port: 0 is no TCP port"),
    ({"timeout": 0}, "timeout: at least 1 second"),
])
def test_bad_input_fails_before_connecting(run_module, tmp_path, args_, message):
    result, failed = run_module(site_files.main, dict({"host": "127.0.0.1", "user": USER, "password": PASSWORD,
                                                       "dest": str(tmp_path / "copy")}, **args_))
    assert failed and message in result["msg"]


@pytest.mark.parametrize("name, safe", [("a/b.php", True), ("../x.php", False), ("a/../../x.php", False),
                                        ("/etc/x.php", False), ("a//b.php", False), ("a\\..\\x.php", False),
                                        (MANIFEST, False)])
def test_names_from_the_server_stay_inside_the_copy(name, safe):
    assert _safe(name) is safe


def test_a_hostile_listing_is_read_without_a_crash(tmp_path):
    """Duplicate names, control characters, parent references, sizes that are no number or huge: what a broken or
    hostile server may list."""
    plan = SiteCopy(tmp_path / "copy", max_file_size=100).plan([
        ("a.php", {"size": "10", "modify": "20261203"}), ("a.php", {"size": "11", "modify": "20261203"}),
        ("b\x00.php", {"size": "1"}), ("c\r.php", {"size": "1"}), ("../d.php", {"size": "1"}),
        ("e.php", {"size": "lots", "modify": "1"}), ("f.php", {"size": "9" * 5000, "modify": "1"}),
        ("g.php", {"size": "-5", "modify": "1"}), ("h.php", {"size": "\u0661\u0662", "modify": "1"}),
        ("big.php", {"size": "101", "modify": "1"}),
    ])
    assert [relative for relative, facts in plan["fetch"]] == ["a.php", "e.php", "f.php", "g.php", "h.php"]
    assert plan["skipped"] == [{"file": "big.php", "reason": "larger than max_file_size (101 bytes)"}]


def test_a_download_past_the_limit_is_cut_and_the_session_goes_on(home, certificates):
    with serving_ftps(home, certificates) as server:
        with FtpsSite("127.0.0.1", server.port, USER, PASSWORD, ca_path=server.ca, timeout=10) as site:
            with open(os.devnull, "wb") as sink, pytest.raises(FtpsTooLarge, match="www/big.php is larger than 100"):
                site.retrieve("www/big.php", sink, limit=100)
            with open(os.devnull, "wb") as sink:
                assert site.retrieve("www/index.php", sink, limit=100) == len(SITE["www/index.php"])


def test_a_ca_path_that_is_no_certificate_is_named(run_module, tmp_path):
    (tmp_path / "not-a-ca.pem").write_text("nothing here")
    result, failed = run_module(site_files.main, {"host": "127.0.0.1", "user": USER, "password": PASSWORD,
                                                  "dest": str(tmp_path / "copy"),
                                                  "ca_path": str(tmp_path / "not-a-ca.pem")})
    assert failed and result["msg"].startswith("site_files: ca_path %s: not a PEM file" % (tmp_path / "not-a-ca.pem"))


def test_every_user_ini_is_copied_whatever_the_globs_leave_out(tmp_path):
    """The guard's checks read the copy's .user.ini files: a glob of the user's (here every dot file) leaves out
    the others, never a .user.ini, which decides what PHP prepends for its folder."""
    plan = SiteCopy(tmp_path / "copy", exclude=["**/.*"]).plan([
        ("forms/.user.ini", {"type": "file", "size": "10", "modify": "20260101000000"}),
        ("forms/.htaccess", {"type": "file", "size": "10", "modify": "20260101000000"}),
        ("forms/contact.php", {"type": "file", "size": "10", "modify": "20260101000000"}),
    ])
    assert sorted(relative for relative, _facts in plan["fetch"]) == ["forms/.user.ini", "forms/contact.php"]
