# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: forms.yml over three hostings of this machine (fixture docroots, ansible_connection local), one of
which fails (its docroot is not absolute). The other two are audited and reported; forms.json, forms.html and
forms-junit.xml say so, one test case each; the play fails at the end naming the failed hosting, with no secret in
its output or the files. forms_concurrency is observed: every module the role runs on a host goes through a
Python interpreter that logs when it starts and ends, and with forms_concurrency=1 no two hosts' modules overlap,
where the default lets them. A second run changes no file. The e-mail report written beside it then links the
hosting that sends spam to its entry in forms.html. Over FTPS and SSH alike: a Starter hosting audited over FTPS
(pyftpdlib with TLS on loopback) is reported as its Pro twin audited where its files are, and a wrong FTP
password fails that hosting alone, the password in no output or file."""

from __future__ import annotations

import html.parser
import json
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from support.collection import REPO
from support.ftps_server import PASSWORD, USER, make_certificates, serving_ftps
from support.playbooks import PLAYBOOKS, Ansible

DOCROOTS = REPO / "tests" / "fixtures" / "docroots"
SPAMMER = "spammer.cluster022.hosting.ovh.net"  # the contact form fixture: two forms that send mail, unprotected
HEALTHY = "healthy.cluster021.hosting.ovh.net"  # a Turnstile form verified by its handler
BROKEN = "broken.cluster023.hosting.ovh.net"    # form_captcha_docroot is not absolute: the role fails
SECRET = "forms-e2e-secret-0x5eed"
AS_OF = "2026-11-26T13:00:00+01:00"


def wrapper(path, name, log):
    """A Python interpreter for one host that logs each module run's start and end, and lasts long enough for
    two hosts' runs to overlap when nothing keeps them apart."""
    path.write_text("#!/bin/sh\n"
                    f"printf 'start {name} %s\\n' \"$(date +%s.%N)\" >> '{log}'\n"
                    "sleep 0.5\n"
                    f"'{sys.executable}' \"$@\"\n"
                    "status=$?\n"
                    f"printf 'end {name} %s\\n' \"$(date +%s.%N)\" >> '{log}'\n"
                    "exit $status\n")
    path.chmod(0o755)
    return str(path)


def most_at_once(log):
    """The most module runs in progress at one time, from the wrapper's log."""
    events = sorted((float(stamp), 1 if kind == "start" else -1)
                    for kind, _name, stamp in (line.split() for line in log.read_text().splitlines()))
    running = peak = 0
    for _stamp, step in events:
        running += step
        peak = max(peak, running)
    return peak


class Fleet:
    def __init__(self, workdir):
        self.workdir = workdir
        self.log = workdir / "modules.log"
        self.report = workdir / "report"
        hosts = {}
        for name, fixture in ((SPAMMER, "contact_form"), (HEALTHY, "turnstile_protected"), (BROKEN, None)):
            docroot = "www"  # relative: the role's first check fails
            if fixture:
                docroot = str(workdir / name)
                shutil.copytree(str(DOCROOTS / fixture), docroot)
            hosts[name] = {"ansible_connection": "local", "form_captcha_docroot": docroot,
                           "ansible_python_interpreter": wrapper(workdir / f"python-{name}", name, self.log)}
        self.inventory = workdir / "hosts.yml"
        self.inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
        self.ansible = Ansible(workdir)

    def forms(self, **extra):
        if self.log.exists():
            self.log.unlink()
        variables = {"form_captcha_secret_key": SECRET, "forms_report_dir": str(self.report),
                     "forms_report_as_of": AS_OF, **extra}
        return self.ansible.playbook(PLAYBOOKS / "forms.yml", "-i", str(self.inventory), extra_vars=variables)

    def document(self):
        return json.loads((self.report / "forms.json").read_text())


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    fleet = Fleet(tmp_path_factory.mktemp("forms-fleet"))
    fleet.first = fleet.forms(forms_concurrency=1)
    fleet.first_peak = most_at_once(fleet.log)
    fleet.first_runs = len(fleet.log.read_text().splitlines()) // 2
    fleet.second = fleet.forms()
    fleet.second_peak = most_at_once(fleet.log)
    return fleet


def test_the_play_fails_at_the_end_naming_the_failed_hosting(fleet):
    run = fleet.first
    assert run.rc != 0, run
    assert run.failed_hosts() == {"localhost"}, run  # the rescued hosting is not failed before the report
    recap = run.recap()
    assert recap[BROKEN]["rescued"] == 1 and recap[SPAMMER]["failed"] == 0 and recap[HEALTHY]["failed"] == 0
    assert "The forms audit failed on 1 of 3 hosting(s) (%s/forms.html):" % fleet.report in run.output
    assert ("%s: Check the document root is an absolute path: %s: form_captcha_docroot must be the absolute path of "
            "the document root on the host, got www." % (BROKEN, BROKEN)) in run.output
    assert "3 hosting(s): 1 with unprotected mail forms (%s), 1 failed (%s)" % (SPAMMER, BROKEN) in run.output
    assert "Traceback" not in run.output


def test_no_secret_in_the_output_or_the_files(fleet):
    for run in (fleet.first, fleet.second):
        assert SECRET not in run.output
    for path in fleet.report.iterdir():
        assert SECRET not in path.read_text(), path.name


def test_forms_json_reports_the_two_audited_hostings_and_the_failure(fleet):
    document = fleet.document()
    entries = {entry["hosting"]: entry for entry in document["hostings"]}
    assert {name: entry["status"] for name, entry in entries.items()} == {
        SPAMMER: "unprotected", HEALTHY: "protected", BROKEN: "failed"}
    spammer = entries[SPAMMER]
    assert [(form["file"], form["line"], form["posts_to"]) for form in spammer["unprotected_forms"]] == [
        ("index.html", 13, "contact.php"), ("newsletter.php", 17, "newsletter.php")]
    assert spammer["mail_scripts"] == ["contact.php", "lib/notify.php", "newsletter.php"]
    assert (spammer["transport"], spammer["mode"], spammer["state"], spammer["guard"]) == (
        "ssh", "audit", "present", {"deployed": False, "protected": []})
    assert spammer["php_lint"] is (shutil.which("php") is not None)
    assert [(form["file"], form["protection"]) for form in entries[HEALTHY]["protected_forms"]] == [
        ("contact.php", "verified")]
    assert entries[BROKEN]["failure"]["task"] == "Check the document root is an absolute path"
    assert document["totals"]["hostings"] == 3 and document["totals"]["unprotected_forms"] == 2
    assert document["generated_at"] == AS_OF


def test_the_junit_file_has_a_case_per_hosting_failing_the_unprotected_and_erring_the_failed(fleet):
    root = ET.parse(fleet.report / "forms-junit.xml").getroot()
    suite, = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert sorted(cases) == sorted([SPAMMER, HEALTHY, BROKEN])
    failure, = cases[SPAMMER].findall("failure")
    assert failure.get("type") == "unprotected_form"
    assert "index.html line 13 posts to contact.php: no Captcha" in failure.text
    error, = cases[BROKEN].findall("error")
    assert error.get("message").startswith("Check the document root is an absolute path: ")
    assert list(cases[HEALTHY]) == []


def test_the_page_has_an_entry_per_hosting(fleet):
    class Ids(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.scripts = [], 0

        def handle_starttag(self, tag, attrs):
            self.scripts += tag == "script"
            self.ids += [value for key, value in attrs if key == "id" and value.startswith("hosting-")]

    page = Ids()
    page.feed((fleet.report / "forms.html").read_text())
    assert sorted(page.ids) == sorted("hosting-" + name for name in (SPAMMER, HEALTHY, BROKEN))
    assert page.scripts == 0


def test_forms_concurrency_keeps_the_hostings_apart_and_the_default_does_not(fleet):
    assert fleet.first_runs >= 4, "the role ran no module on the two working hosts"
    assert fleet.first_peak == 1, "forms_concurrency=1 let two hosts' modules run at once"
    assert fleet.second_peak == 2, "without a bound the two hosts' audits did not overlap: the check above proves nothing"


def test_a_second_run_changes_no_file_of_the_report(fleet):
    run = fleet.second
    assert run.rc != 0 and "The forms audit failed on 1 of 3 hosting(s)" in run.output
    assert run.recap()["localhost"]["changed"] == 0, run


def test_the_e_mail_report_beside_it_links_the_spam_hosting_to_its_forms(fleet, tmp_path):
    def facts(name, state):
        return {"service_name": name, "state": state, "sending": state == "ok", "report_recipient": None,
                "sent_total": 10, "sent_today": 0, "bounced_total": 0, "max_per_day": 2400, "bounces": [],
                "volumes": []}

    variables = {"email_report_hostings": [facts(SPAMMER, "spam"), facts(HEALTHY, "ok")],
                 "email_report_as_of": AS_OF, "email_report_dir": str(fleet.report)}
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    run = Ansible(tmp_path).playbook(REPO / "tests" / "report" / "render.yml", "-e", f"@{tmp_path / 'vars.json'}")
    assert run.rc == 0, run
    report = json.loads((fleet.report / "report.json").read_text())
    linked = {entry["service_name"]: entry.get("forms") for entry in report["hostings"]}
    assert linked[HEALTHY] is None  # not in spam: not linked
    assert linked[SPAMMER]["unprotected_forms"] == 2 and linked[SPAMMER]["href"] == "forms.html#hosting-" + SPAMMER
    page = (fleet.report / "index.html").read_text()
    assert page.count('href="forms.html#hosting-%s"' % SPAMMER) == 2
    assert 'id="hosting-%s"' % SPAMMER in (fleet.report / "forms.html").read_text()  # the link lands


def test_a_concurrency_that_is_no_number_is_named(tmp_path):
    run = Ansible(tmp_path).playbook(PLAYBOOKS / "forms.yml", "-i", "localhost,", "-c", "local",
                                     extra_vars={"forms_concurrency": "lots", "ansible_python_interpreter": sys.executable,
                                                 "form_captcha_docroot": str(DOCROOTS / "no_mail_site")})
    assert run.rc != 0 and "forms_concurrency must be a whole number of hostings, 1 or more; got lots" in run.output
    assert not (tmp_path / "report").exists()


def test_no_host_to_audit_fails_saying_so(tmp_path):
    run = Ansible(tmp_path).playbook(PLAYBOOKS / "forms.yml", "-i", "localhost,", "-c", "local",
                                     extra_vars={"forms_hosts": "nothing_matches"})
    assert run.rc != 0
    assert "No hosting in the forms report (the play matched no host), so no forms report was written." in run.output
    assert not (tmp_path / "report").exists()


def test_hostings_over_ftps_and_ssh_in_one_report_and_a_wrong_password_fails_one_alone(tmp_path):
    start, pro = "start-1.cluster021.hosting.ovh.net", "pro-1.cluster021.hosting.ovh.net"
    shutil.copytree(str(DOCROOTS / "contact_form"), str(tmp_path / "ftp-home" / "www"))
    shutil.copytree(str(DOCROOTS / "contact_form"), str(tmp_path / "pro"))
    certificates = make_certificates(tmp_path)
    wrong = "not-the-password-0x7e57"
    with serving_ftps(tmp_path / "ftp-home", certificates) as server:
        local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        site = {"access": "ftp", "host": "127.0.0.1", "port": server.port, "user": USER,
                "ftp": {"host": "127.0.0.1", "port": server.port}, "ssh": None}
        hosts = {start: dict(local, ovh_hosting={"offer": "START", "site": site}),
                 pro: dict(local, form_captcha_docroot=str(tmp_path / "pro"))}
        (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
        runs = []
        for password in (PASSWORD, wrong):
            variables = {"form_captcha_ftp_password": password, "form_captcha_ftps_ca_path": server.ca,
                         "form_captcha_ftps_copy_dir": str(tmp_path / "copies"),
                         "forms_report_dir": str(tmp_path / "report")}
            runs.append(Ansible(tmp_path).playbook(PLAYBOOKS / "forms.yml", "-i", str(tmp_path / "hosts.yml"),
                                                   extra_vars=variables))
            runs[-1].document = json.loads((tmp_path / "report" / "forms.json").read_text())
    good, bad = runs
    assert good.rc == 0, good  # an audit: unprotected forms are reported, not a failure
    entries = {entry["hosting"]: entry for entry in good.document["hostings"]}
    assert (entries[start]["transport"], entries[pro]["transport"]) == ("ftps", "ssh")
    for name in (start, pro):
        assert entries[name]["status"] == "unprotected"
        assert [(form["file"], form["line"]) for form in entries[name]["unprotected_forms"]] == [
            ("index.html", 13), ("newsletter.php", 17)]
    assert entries[start]["mail_scripts"] == entries[pro]["mail_scripts"]

    assert bad.rc != 0 and "The forms audit failed on 1 of 2 hosting(s)" in bad.output, bad
    entries = {entry["hosting"]: entry for entry in bad.document["hostings"]}
    assert entries[start]["status"] == "failed" and entries[pro]["status"] == "unprotected"
    assert entries[start]["failure"]["task"] and entries[start]["failure"]["message"]
    for run in runs:
        assert PASSWORD not in run.output and wrong not in run.output
    for path in (tmp_path / "report").iterdir():
        assert PASSWORD not in path.read_text() and wrong not in path.read_text(), path.name
