# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The form_captcha role over a fleet with a hosting of each kind, as the hostings inventory describes them: a
Starter hosting (site_ftp) audited over FTPS from the controller, against a real FTP server with explicit TLS on
loopback (pyftpdlib), and a Pro hosting (site_ssh) audited where its files are. The FTPS audit finds what the
audit finds on the files themselves, with the site's paths; a second run downloads nothing; and what is not
built over FTPS (deploying the guard) is refused before any connection."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
from support.collection import REPO
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps
from support.playbooks import Ansible

HERE = Path(__file__).resolve().parent
FIXTURE = REPO / "tests" / "fixtures" / "docroots" / "autoload_contact"
START, PRO = "start-1.cluster021.hosting.ovh.net", "pro-1.cluster021.hosting.ovh.net"


@pytest.fixture
def fleet(tmp_path):
    """The FTP home of the Starter hosting (its site in www/), the Pro hosting's document root, an inventory."""
    ftp_home, pro_docroot = tmp_path / "ftp-home", tmp_path / "pro" / "www"
    shutil.copytree(FIXTURE, ftp_home / "www")
    shutil.copytree(FIXTURE, pro_docroot)
    (ftp_home / "www" / "uploads").mkdir()
    (ftp_home / "www" / "uploads" / "dropped.php").write_text("<?php mail('x@example.org', 's', 'b');\n")
    return {"ftp_home": ftp_home, "pro_docroot": pro_docroot, "workdir": tmp_path,
            "certificates": make_certificates(tmp_path)}


def inventory(fleet, port):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {
        START: dict(local, ovh_hosting={"offer": "START", "site": {
            "access": "ftp", "host": "127.0.0.1", "port": port, "user": USER,
            "ftp": {"host": "127.0.0.1", "port": port}, "ssh": None}}),
        PRO: dict(local, ovh_hosting={"offer": "PRO", "site": {"access": "ssh", "user": "pro"}},
                  form_captcha_docroot=str(fleet["pro_docroot"])),
    }
    path = fleet["workdir"] / "fleet.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return path


def play(fleet, server, *args, **extra):
    variables = dict({"form_captcha_ftp_password": PASSWORD, "form_captcha_ftps_ca_path": server.ca,
                      "form_captcha_ftps_copy_dir": str(fleet["workdir"] / "copies"),
                      "audit_out": str(fleet["workdir"])}, **extra)
    return Ansible(fleet["workdir"]).playbook(HERE / "ftps_audit.yml", "-i", inventory(fleet, server.port), *args,
                                              extra_vars=variables)


def essentials(audit):
    return {key: audit[key] for key in ("findings", "mail_scripts", "guard_scripts", "summary")}


def test_a_play_over_both_kinds_audits_the_ftps_site_as_its_files_and_twice_downloads_once(fleet):
    expected = essentials(run_audit(str(FIXTURE)))
    with serving_ftps(fleet["ftp_home"], fleet["certificates"]) as server:
        first = play(fleet, server)
        downloads = [command for command in server.commands if command.startswith("RETR")]
        server.commands.clear()
        second = play(fleet, server, "--check")
        again = [command for command in server.commands if command.startswith("RETR")]

    assert first.rc == 0, first.output[-3000:]
    assert PASSWORD not in first.output
    over_ftps = json.loads((fleet["workdir"] / f"{START}.json").read_text())
    over_ssh = json.loads((fleet["workdir"] / f"{PRO}.json").read_text())
    assert essentials(over_ftps) == expected  # the site's own paths, the same findings
    assert essentials(over_ssh) == expected
    assert expected["guard_scripts"], "the fixture's contact page sends mail"
    assert downloads and not [command for command in downloads if "uploads" in command]
    assert second.rc == 0 and again == [], second  # nothing changed on the server: nothing downloaded


def test_deploying_the_guard_over_ftps_is_refused_before_any_connection(fleet):
    with serving_ftps(fleet["ftp_home"], fleet["certificates"]) as server:
        run = play(fleet, server, "--limit", START, form_captcha_mode="enforce")
        commands = list(server.commands)
    assert run.rc != 0 and START in run.failed_hosts()
    assert "over FTPS the role audits only" in run.output
    assert commands == []


def test_a_missing_password_is_named_before_any_connection(fleet):
    with serving_ftps(fleet["ftp_home"], fleet["certificates"]) as server:
        run = play(fleet, server, "--limit", START, form_captcha_ftp_password="")
        commands = list(server.commands)
    assert run.rc != 0 and "form_captcha_ftp_password" in run.output
    assert commands == []


def test_an_inventory_hosting_whose_access_is_unknown_is_named_not_audited_on_the_controller(fleet, tmp_path):
    """A cache from before site access, or a read without with_details: the role stops rather than read the
    controller's own disk for a hosting whose connection is local."""
    hosts = {START: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                     "ovh_hosting": {"offer": "START"}, "form_captcha_docroot": str(fleet["pro_docroot"])}}
    path = tmp_path / "stale.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    run = Ansible(tmp_path).playbook(HERE / "ftps_audit.yml", "-i", path, extra_vars={"audit_out": str(tmp_path)})
    assert run.rc != 0 and START in run.failed_hosts()
    assert "the inventory does not say how this hosting's files are reached" in run.output
    assert not (tmp_path / f"{START}.json").exists()
