# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ftps.FtpsSite's writing side against a real FTP server with explicit TLS on loopback: an upload goes under a
temporary name, gets its mode, then is renamed over the file; a server that refuses to rename onto an existing file
has it deleted first; a file or folder that is not there reads as None; a folder is removed with all it holds; and
a step that fails names the step and the server, never the password."""

from __future__ import annotations

import re
import stat

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsError, FtpsSite
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certificates"))


def connect(server):
    return FtpsSite("127.0.0.1", server.port, USER, PASSWORD, timeout=10, ca_path=server.ca)


def after_login(commands):
    return [re.sub(r"\.part-[0-9a-f]{8}", ".part-X", command) for command in commands[5:] if command != "QUIT"]


@pytest.mark.parametrize("rename_over, expected", [
    (True, ["TYPE I", "PASV", "STOR www/.a.ini.part-X", "SITE CHMOD 640 www/.a.ini.part-X",
            "RNFR www/.a.ini.part-X", "RNTO www/a.ini"]),
    # The target is listed first: a rename refused for another reason is no cause to delete the file.
    (False, ["TYPE I", "PASV", "STOR www/.a.ini.part-X", "SITE CHMOD 640 www/.a.ini.part-X",
             "RNFR www/.a.ini.part-X", "RNTO www/a.ini", "OPTS MLST type;size;modify;unix.mode;", "TYPE A", "PASV",
             "MLSD www", "DELE www/a.ini", "RNFR www/.a.ini.part-X", "RNTO www/a.ini"]),
], ids=["rename-over", "server-refuses-rename-over"])
def test_store_replaces_a_file_whole_under_its_mode(tmp_path, certificates, rename_over, expected):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "a.ini").write_bytes(b"old\n")
    with serving_ftps(tmp_path, certificates, rename_over=rename_over) as server:
        with connect(server) as site:
            site.store("www/a.ini", b"new\n", mode=0o640)
        commands = after_login(server.commands)
    assert commands == expected
    assert (tmp_path / "www" / "a.ini").read_bytes() == b"new\n"
    assert stat.S_IMODE((tmp_path / "www" / "a.ini").stat().st_mode) == 0o640
    assert sorted(path.name for path in (tmp_path / "www").iterdir()) == ["a.ini"]


def test_what_is_not_there_reads_as_none_and_a_folder_goes_with_all_it_holds(tmp_path, certificates):
    tree = tmp_path / "www" / ".guard" / "deep"
    tree.mkdir(parents=True)
    (tree / "x.php").write_text("<?php\n")
    (tmp_path / "www" / ".guard" / "y.php").write_text("<?php\n")
    with serving_ftps(tmp_path, certificates) as server:
        with connect(server) as site:
            assert site.read("www/missing.ini") is None
            assert site.entries("www/missing") is None
            assert sorted(site.entries("www/.guard")) == ["deep", "y.php"]
            assert site.entries("www/.guard")["y.php"]["unix.mode"]  # the mode, where the server says it
            site.remove_tree("www/.guard")
            site.remove_tree("www/.guard")  # gone already: nothing to do
        commands = after_login(server.commands)
    assert not (tmp_path / "www" / ".guard").exists()
    assert [command for command in commands if command.split(" ")[0] in ("DELE", "RMD")] == [
        "DELE www/.guard/deep/x.php", "RMD www/.guard/deep", "DELE www/.guard/y.php", "RMD www/.guard"]


def test_a_refused_step_names_itself_and_the_server_not_the_password(tmp_path, certificates):
    (tmp_path / "www").mkdir()
    with serving_ftps(tmp_path, certificates) as server:
        with connect(server) as site:
            with pytest.raises(FtpsError) as refused:
                site.make_folder("www/no/such/parent")
            with pytest.raises(FtpsError) as deleted:
                site.delete("www/nothing.php")
    assert str(refused.value).startswith("creating the folder www/no/such/parent on 127.0.0.1:%d failed: 550"
                                         % server.port)
    assert str(deleted.value).startswith("deleting www/nothing.php on 127.0.0.1:%d failed: 550" % server.port)
    assert PASSWORD not in str(refused.value) + str(deleted.value)
