# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site_guard against a real FTP server with explicit TLS on loopback (tests/support/ftps_server.py): the exact
commands of a deploy (the guard's files under temporary names then renamed, .user.ini last), a second run that
uploads nothing, check mode and its diff (the secret file named, never shown), a backup of every file replaced,
removal that gives the site back byte for byte, the .user.ini block placed as blockinfile places it (which the
role's SSH tasks use), and a connection cut mid-deploy that leaves the site as it ran and is completed by a rerun."""

from __future__ import annotations

import os
import re
import stat

import pytest
from ansible.modules import blockinfile

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsError, FtpsSite
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_guard import with_block, without_block
from ansible_collections.mailops.ovh_hosting.plugins.modules import site_guard
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps

MARKER = "; {mark} mailops.ovh_hosting.form_captcha (managed by Ansible, removed by state=absent)"
BLOCK = '; the guard\nauto_prepend_file = "/homez.1/shop/www/.form_captcha/guard.php"\n'
SECRET = "0x4AAAAAAA-secret-key"
FILES = {"guard.php": "<?php // the guard\n", "forbidden.html": "<p>Refused</p>\n", ".htaccess": "Require all denied\n"}


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certificates"))


def site_home(tmp_path, user_ini=None):
    home = tmp_path / "home"
    (home / "www" / "uploads").mkdir(parents=True)
    (home / "www" / "contact.php").write_text("<?php mail('a@example.org', 's', $_POST['m']);\n")
    if user_ini is not None:
        (home / "www" / ".user.ini").write_bytes(user_ini)
    return home


def tree(root):
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def args(server, tmp_path, secret=SECRET, **extra):
    return dict({"host": "127.0.0.1", "port": server.port, "user": USER, "password": PASSWORD, "ca_path": server.ca,
                 "timeout": 10, "files": FILES, "secret_files": {"config.php": "<?php return '%s';\n" % secret},
                 "marker": MARKER, "block": BLOCK, "backup_dir": str(tmp_path / "backups")}, **extra)


def writes(commands):
    """The commands that change the server, temporary names made comparable."""
    return [re.sub(r"\.part-[0-9a-f]{8}", ".part-X", command) for command in commands
            if command.split(" ")[0] in ("MKD", "STOR", "RNFR", "RNTO", "DELE", "RMD", "SITE")]


def test_deploy_writes_the_folder_then_user_ini_by_renames_and_a_rerun_nothing(run_module, tmp_path, certificates):
    home = site_home(tmp_path, b"memory_limit = 256M\n")
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_guard.main, args(server, tmp_path))
        first = list(server.commands)
        server.commands.clear()
        again, failed_again = run_module(site_guard.main, args(server, tmp_path))
        second = list(server.commands)

    assert not failed, result
    assert first[:5] == ["AUTH TLS", "USER %s" % USER, "PASS ****", "PBSZ 0", "PROT P"]
    assert writes(first) == [
        "MKD www/.form_captcha",
        "STOR www/.form_captcha/..htaccess.part-X", "SITE CHMOD 644 www/.form_captcha/..htaccess.part-X",
        "RNFR www/.form_captcha/..htaccess.part-X", "RNTO www/.form_captcha/.htaccess",
        # The secret's file private before it holds the secret.
        "STOR www/.form_captcha/.config.php.part-X", "SITE CHMOD 600 www/.form_captcha/.config.php.part-X",
        "STOR www/.form_captcha/.config.php.part-X",
        "RNFR www/.form_captcha/.config.php.part-X", "RNTO www/.form_captcha/config.php",
        "STOR www/.form_captcha/.forbidden.html.part-X", "SITE CHMOD 644 www/.form_captcha/.forbidden.html.part-X",
        "RNFR www/.form_captcha/.forbidden.html.part-X", "RNTO www/.form_captcha/forbidden.html",
        "STOR www/.form_captcha/.guard.php.part-X", "SITE CHMOD 644 www/.form_captcha/.guard.php.part-X",
        "RNFR www/.form_captcha/.guard.php.part-X", "RNTO www/.form_captcha/guard.php",
        "STOR www/..user.ini.part-X", "SITE CHMOD 644 www/..user.ini.part-X",
        "RNFR www/..user.ini.part-X", "RNTO www/.user.ini",
    ]
    assert result["changed"] and result["written"][-1] == ".user.ini" and result["deleted"] == []
    assert [backup["file"] for backup in result["backups"]] == [".user.ini"]  # the site's own file, before it changed
    assert (home / "www" / ".user.ini").read_bytes() == with_block(b"memory_limit = 256M\n", MARKER, BLOCK)
    assert stat.S_IMODE((home / "www" / ".form_captcha" / "config.php").stat().st_mode) == 0o600
    assert SECRET not in repr(result)
    assert not failed_again and not again["changed"], again
    assert writes(second) == [] and [command for command in second if command.startswith("RETR")] == [
        "RETR www/.user.ini", "RETR www/.form_captcha/.htaccess", "RETR www/.form_captcha/config.php",
        "RETR www/.form_captcha/forbidden.html", "RETR www/.form_captcha/guard.php"]


def test_check_mode_writes_nothing_and_its_diff_never_shows_the_secret(run_module, tmp_path, certificates):
    home = site_home(tmp_path)
    before = tree(home)
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_guard.main, args(server, tmp_path), check_mode=True, diff=True)
        commands = list(server.commands)
    assert not failed and result["changed"], result
    assert writes(commands) == [] and tree(home) == before and not (tmp_path / "backups").exists()
    assert result["written"] == [".form_captcha/user-ini-created", ".form_captcha/.htaccess", ".form_captcha/config.php",
                                 ".form_captcha/forbidden.html", ".form_captcha/guard.php", ".user.ini"]
    shown = {diff["after_header"]: diff["after"] for diff in result["diff"]}
    assert shown["www/.form_captcha/config.php"] == "(.form_captcha/config.php holds the secret key: not shown)\n"
    assert shown["www/.user.ini"] == with_block(None, MARKER, BLOCK).decode()
    assert SECRET not in repr(result)


def test_a_new_secret_replaces_config_php_after_a_private_backup(run_module, tmp_path, certificates):
    home = site_home(tmp_path)
    with serving_ftps(home, certificates) as server:
        run_module(site_guard.main, args(server, tmp_path))
        server.commands.clear()
        result, failed = run_module(site_guard.main, args(server, tmp_path, secret="new-secret"))
        commands = writes(server.commands)
    assert not failed and result["written"] == [".form_captcha/config.php"], result
    assert commands[0] == "STOR www/.form_captcha/.config.php.part-X" and len(commands) == 5
    (backup,) = result["backups"]
    saved = backup["backup"]
    assert backup["file"] == ".form_captcha/config.php" and SECRET.encode() in open(saved, "rb").read()
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    folder = os.path.dirname(saved)
    while folder != str(tmp_path):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
        folder = os.path.dirname(folder)


@pytest.mark.parametrize("user_ini", [None, b"", b"memory_limit = 256M\n", b"upload_max_filesize = 8M",
                                      b'auto_prepend_file = "/homez.1/shop/www/waf.php"\r\nmax_execution_time=30\n'],
                         ids=["none", "empty", "plain", "no-final-newline", "crlf-with-prepend"])
def test_absent_gives_the_site_back_byte_for_byte(run_module, tmp_path, certificates, user_ini):
    home = site_home(tmp_path, user_ini)
    before = tree(home)
    with serving_ftps(home, certificates) as server:
        deployed, _failed = run_module(site_guard.main, args(server, tmp_path))
        removed, failed = run_module(site_guard.main, args(server, tmp_path, state="absent"))
        server.commands.clear()
        again, _failed_again = run_module(site_guard.main, args(server, tmp_path, state="absent"))
        commands = writes(server.commands)
    assert deployed["changed"] and not failed and removed["changed"], removed
    assert tree(home) == before
    assert not (home / "www" / ".form_captcha").exists()
    assert not again["changed"] and commands == []


@pytest.mark.parametrize("text", [None, b"", b"a = 1\n", b"a = 1", b"a = 1\n\n; note\n", b"a = 1\r\nb = 2"])
def test_the_block_is_placed_as_blockinfile_places_it(run_module, tmp_path, text):
    """The role's SSH tasks write the block with blockinfile: either transport must leave the same bytes, and each
    must find and take out the other's block."""
    path = tmp_path / ".user.ini"
    if text is not None:
        path.write_bytes(text)
    for block in (BLOCK, BLOCK.replace("guard.php", "guard-2.php")):  # a block put, then one changed in place
        result, failed = run_module(blockinfile.main, {"path": str(path), "block": block, "marker": MARKER,
                                                       "create": True})
        assert not failed, result
    expected = with_block(with_block(text, MARKER, BLOCK), MARKER, BLOCK.replace("guard.php", "guard-2.php"))
    assert path.read_bytes() == expected
    assert without_block(expected, MARKER) == (text or b"") + (b"\n" if text and not text.endswith(b"\n") else b"")


@pytest.mark.parametrize("cut_at", [("STOR", 3), ("RNTO", 5)], ids=["upload-of-a-guard-file", "rename-of-user-ini"])
def test_a_cut_connection_leaves_the_site_as_it_ran_and_a_rerun_completes(run_module, tmp_path, certificates, cut_at):
    home = site_home(tmp_path, b"memory_limit = 256M\n")
    user_ini = (home / "www" / ".user.ini").read_bytes()
    with serving_ftps(home, certificates, cut_at=cut_at) as server:
        cut, failed = run_module(site_guard.main, args(server, tmp_path))
        assert failed and "a rerun completes the change" in cut["msg"], cut
        assert (home / "www" / ".user.ini").read_bytes() == user_ini  # PHP still runs the site as it did
        assert PASSWORD not in cut["msg"]
        result, failed = run_module(site_guard.main, args(server, tmp_path))
    assert not failed and result["changed"], result
    assert (home / "www" / ".user.ini").read_bytes() == with_block(user_ini, MARKER, BLOCK)
    leftovers = [name for name in tree(home) if ".part-" in name]
    assert leftovers == []  # a temporary file of the cut run is deleted by the rerun


@pytest.mark.parametrize("extra, message", [
    ({"folder": "a/b"}, "folder must be one folder's name under path"),
    ({"marker": "; no mark"}, "marker must hold {mark}"),
    ({"files": {"../x.php": "x"}}, "files and secret_files are named by a file name in folder, got '../x.php'"),
    ({"port": 0}, "port: 0 is no TCP port"),
])
def test_bad_input_is_named_before_any_connection(run_module, tmp_path, certificates, extra, message):
    home = site_home(tmp_path)
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_guard.main, args(server, tmp_path, **extra))
        commands = list(server.commands)
    assert failed and message in result["msg"], result
    assert commands == []


def test_a_user_ini_lost_by_a_cut_replace_is_named_not_written_anew(run_module, tmp_path, certificates):
    """On a server that cannot rename onto a file the old .user.ini is deleted before the rename: a cut there
    leaves only the temporary file. A rerun must not take the site for one without .user.ini."""
    home = site_home(tmp_path)
    leftover = home / "www" / "..user.ini.part-0123abcd"
    leftover.write_bytes(with_block(b"memory_limit = 256M\n", MARKER, BLOCK))
    with serving_ftps(home, certificates) as server:
        result, failed = run_module(site_guard.main, args(server, tmp_path))
        commands = writes(server.commands)
    assert failed and "..user.ini.part-0123abcd holds what a cut run was writing there" in result["msg"], result
    assert commands == [] and leftover.exists()


def test_the_secret_file_is_private_before_it_holds_the_secret(tmp_path, certificates):
    """The server is cut when the mode is set: the temporary file it leaves holds no secret for others to read."""
    home = site_home(tmp_path)
    (home / "www" / "g").mkdir()
    with serving_ftps(home, certificates, cut_at=("SITE", 1)) as server:
        site = FtpsSite("127.0.0.1", server.port, USER, PASSWORD, timeout=10, ca_path=server.ca)
        with pytest.raises(FtpsError):
            with site:
                site.store("www/g/config.php", SECRET.encode(), mode=0o600)
    (left,) = (home / "www" / "g").iterdir()
    assert left.name.startswith(".config.php.part-") and left.read_bytes() == b""
