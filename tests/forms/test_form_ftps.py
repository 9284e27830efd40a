# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The form_captcha role over a fleet with a hosting of each kind, as the hostings inventory describes them: a
Starter hosting (site_ftp) audited over FTPS from the controller, against a real FTP server with explicit TLS on
loopback (pyftpdlib), and a Pro hosting (site_ssh) audited where its files are. The FTPS audit finds what the
audit finds on the files themselves, with the site's paths; a second run downloads nothing.

Then the guard over FTPS, on the site the FTP server serves and php-cgi runs (it reads .user.ini itself, as PHP
on OVHcloud's hostings does), its mail() going to the simulator through `ovhsim sendmail`: check mode writes
nothing, enforce guards the form (a POST without a token refused, and no mail reaches the simulator), a second
enforce uploads nothing, absent gives the site back byte for byte, and a connection cut mid-deploy leaves the site
running as it did until a rerun completes the guard."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
from support.collection import REPO
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps
from support import php_server
from support.playbooks import Ansible
from support.sim_checks import clear_of_hour_boundary
# siteverify is a fixture.
from support.siteverify import GOOD_TOKEN, SECRET, siteverify  # noqa: F401 pylint: disable=unused-import

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


# The guard over FTPS ----------------------------------------------------------------------------------------------
CONTACT = REPO / "tests" / "fixtures" / "docroots" / "contact_form"
OVHSIM = Path(sys.executable).with_name("ovhsim")
PHP_CGI = shutil.which("php-cgi")


@pytest.fixture
def shop(simulator, tmp_path):
    """A Starter hosting of the simulator whose site, in the FTP home's www/, already had a .user.ini (no final
    newline) with a prepend file of its own."""
    if PHP_CGI is None:
        pytest.fail("php-cgi is required (make system-deps installs it)")
    simulator.admin("POST", "/_sim/reset")
    clear_of_hour_boundary(simulator)
    simulator.admin("POST", "/_sim/hostings", {"service_name": START, "state": "ok", "sent_today": 0})
    home = tmp_path / "ftp-home"
    docroot = home / "www"
    shutil.copytree(CONTACT, docroot)
    (docroot / "waf.php").write_text("<?php\nheader('X-Site-Prepend: ran');\n")
    (docroot / ".user.ini").write_text('memory_limit = 256M\nauto_prepend_file = "%s/waf.php"' % docroot)
    return {"sim": simulator, "home": home, "docroot": docroot, "workdir": tmp_path,
            "certificates": make_certificates(tmp_path)}


def guard(shop, server, siteverify, *args, **extra):
    """The role over the Starter hosting, from an inventory as the hostings plugin writes it (its home included)."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {START: dict(local, ovh_hosting={"offer": "START", "site": {
        "access": "ftp", "host": "127.0.0.1", "port": server.port, "user": USER, "home": str(shop["home"]),
        "ftp": {"host": "127.0.0.1", "port": server.port}, "ssh": None}})}
    path = shop["workdir"] / "shop.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    variables = dict({
        "form_captcha_ftp_password": PASSWORD, "form_captcha_ftps_ca_path": server.ca,
        "form_captcha_ftps_copy_dir": str(shop["workdir"] / "copies"),
        "form_captcha_ftps_backup_dir": str(shop["workdir"] / "backups"), "audit_out": str(shop["workdir"]),
        "form_captcha_mode": "enforce", "form_captcha_provider": "turnstile",
        "form_captcha_site_key": "0x4AAAAAAAe2eSiteKey", "form_captcha_secret_key": SECRET,
        "form_captcha_verify_url": siteverify}, **extra)
    run = Ansible(shop["workdir"]).playbook(HERE / "ftps_audit.yml", "-i", path, *args, extra_vars=variables)
    assert PASSWORD not in run.output and SECRET not in run.output, "a secret reached the output"
    return run


def site_tree(root):
    """Every file and folder under root: relative path -> (mode, content or None for a folder)."""
    return {str(path.relative_to(root)): (path.stat().st_mode, None if path.is_dir() else path.read_bytes())
            for path in sorted(root.rglob("*"))}


def post(shop, fields):
    """A POST to contact.php through php-cgi, as the hosting's PHP runs it; mail() goes to the simulator."""
    docroot = shop["docroot"]
    body = urllib.parse.urlencode(fields)
    environment = {
        "PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "REDIRECT_STATUS": "200",
        "SCRIPT_FILENAME": str(docroot / "contact.php"), "SCRIPT_NAME": "/contact.php",
        "DOCUMENT_ROOT": str(docroot), "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
    }
    sendmail = "%s sendmail --service %s --url %s -t -i" % (OVHSIM, START, shop["sim"].admin_url)
    completed = subprocess.run([PHP_CGI, "-d", "sendmail_path=" + sendmail], input=body.encode(),
                               capture_output=True, check=False, env=environment, timeout=60)
    return completed.stdout.decode()


def sent_today(shop):
    return shop["sim"].admin("GET", "/_sim/hostings/%s" % START)["sent_today"]


MESSAGE = {"email": "ada@example.org", "message": "Two baguettes, please"}


def test_the_guard_over_ftps_stops_a_post_without_a_token_and_absent_gives_the_site_back(shop, siteverify):
    original = site_tree(shop["docroot"])
    with serving_ftps(shop["home"], shop["certificates"]) as server:
        checked = guard(shop, server, siteverify, "--check", "--diff")
        assert checked.rc == 0 and checked.changed() > 0, checked
        assert site_tree(shop["docroot"]) == original, "check mode wrote something"
        assert "(.form_captcha/config.php holds the secret key: not shown)" in checked.output

        deployed = guard(shop, server, siteverify)
        assert deployed.rc == 0 and deployed.changed() > 0, deployed
        server.commands.clear()
        again = guard(shop, server, siteverify)
        uploads = [command for command in server.commands if command.split(" ")[0] in ("STOR", "RNTO", "DELE", "MKD")]
        assert again.rc == 0 and again.changed() == 0 and uploads == [], (again, uploads)

        guard_php = shop["docroot"] / ".form_captcha" / "guard.php"
        user_ini = (shop["docroot"] / ".user.ini").read_text()
        assert user_ini.startswith('memory_limit = 256M\nauto_prepend_file = "%s/waf.php"\n' % shop["docroot"])
        assert user_ini.rstrip().endswith('auto_prepend_file = "%s"\n; END mailops.ovh_hosting.form_captcha '
                                          '(managed by Ansible, removed by state=absent)' % guard_php)
        assert stat.S_IMODE((shop["docroot"] / ".form_captcha" / "config.php").stat().st_mode) == 0o600
        backups = list((shop["workdir"] / "backups" / START).rglob(".user.ini"))
        assert [path.read_bytes() for path in backups] == [original[".user.ini"][1]]

        # An audit over FTPS sees the guard on the hosting's path, in the copy.
        audited = guard(shop, server, siteverify, form_captcha_mode="audit")
        assert audited.rc == 0, audited
        forms = json.loads((shop["workdir"] / f"{START}.json").read_text())["forms"]
        assert [form["verified_by"] is not None for form in forms if form["sends_mail"]] == [True, True], forms

        answer = post(shop, MESSAGE)
        assert "Status: 403" in answer and "X-Form-Captcha: no Captcha token was sent" in answer
        answer = post(shop, dict(MESSAGE, **{"cf-turnstile-response": "forged"}))
        assert "X-Form-Captcha: the Captcha was rejected" in answer
        assert sent_today(shop) == 0, "a POST without a valid token sent mail"
        answer = post(shop, dict(MESSAGE, **{"cf-turnstile-response": GOOD_TOKEN}))
        assert answer.endswith("Thank you, your message was sent.") and "X-Site-Prepend: ran" in answer, answer
        assert sent_today(shop) == 1

        # The same site under php -S, given the file its .user.ini prepends (php -S reads no .user.ini).
        sendmail = "%s sendmail --service %s --url %s -t -i" % (OVHSIM, START, shop["sim"].admin_url)
        with php_server.serving(shop["docroot"], sendmail) as port:
            status, headers, _body = php_server.request(port, "POST", "/contact.php", MESSAGE)
            assert (status, headers.get("X-Form-Captcha")) == (403, "no Captcha token was sent")
        assert sent_today(shop) == 1

        removed = guard(shop, server, siteverify, form_captcha_state="absent")
        assert removed.rc == 0 and removed.changed() > 0, removed
        assert site_tree(shop["docroot"]) == original
        server.commands.clear()
        removed_again = guard(shop, server, siteverify, form_captcha_state="absent")
        assert removed_again.rc == 0 and removed_again.changed() == 0, removed_again


def test_a_setting_added_after_the_block_that_replaces_the_guard_fails_the_next_run(shop, siteverify):
    """A firewall installed after the guard appends its own auto_prepend_file: PHP reads the last one, so the
    guard no longer runs. The next enforce must say so, not report the site protected."""
    with serving_ftps(shop["home"], shop["certificates"]) as server:
        assert guard(shop, server, siteverify).rc == 0
        user_ini = shop["docroot"] / ".user.ini"
        user_ini.write_text(user_ini.read_text() + 'auto_prepend_file = "%s/wordfence-waf.php"\r\n' % shop["docroot"])
        again = guard(shop, server, siteverify)
    assert again.rc != 0 and START in again.failed_hosts(), again
    assert ".user.ini sets auto_prepend_file after the guard's block (to \"%s/wordfence-waf.php\")" % shop["docroot"] \
        in " ".join(again.output.split()), again


def test_a_connection_cut_mid_deploy_leaves_the_site_running_as_it_did_and_a_rerun_completes(shop, siteverify):
    user_ini = (shop["docroot"] / ".user.ini").read_bytes()
    with serving_ftps(shop["home"], shop["certificates"], cut_at=("RNTO", 3)) as server:
        cut = guard(shop, server, siteverify)
        assert cut.rc != 0 and START in cut.failed_hosts(), cut
        assert "a rerun completes the change" in cut.output
        assert (shop["docroot"] / ".user.ini").read_bytes() == user_ini
        assert "Thank you, your message was sent." in post(shop, MESSAGE)  # as before the run: no guard yet
        assert sent_today(shop) == 1

        rerun = guard(shop, server, siteverify)
        assert rerun.rc == 0 and rerun.changed() > 0, rerun
    assert "X-Form-Captcha: no Captcha token was sent" in post(shop, MESSAGE)
    assert sent_today(shop) == 1
    assert [path.name for path in shop["docroot"].rglob("*") if ".part-" in path.name] == []


def test_an_audit_that_left_files_out_is_a_task_that_ran(tmp_path):
    """Files left out (too large here) are returned as not_read: a result key named skipped made Ansible take the
    task for a skipped one, show it so, and ignore its changed_when and failed_when."""
    playbook = tmp_path / "audit.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Audit with a small cap", "mailops.ovh_hosting.mail_scripts_audit": {
            "path": str(FIXTURE), "max_file_size": 10}, "register": "audit", "changed_when": True},
        {"name": "Check the audit ran", "ansible.builtin.assert": {"that": [
            "audit is not skipped", "audit is changed", "audit.not_read | length > 0"]}},
    ]}]))
    run = Ansible(tmp_path).playbook(playbook, "-i", "localhost,", "-c", "local",
                                     extra_vars={"ansible_python_interpreter": sys.executable})
    assert run.rc == 0, run
    assert run.recap()["localhost"]["changed"] == 1 and run.recap()["localhost"]["skipped"] == 0
