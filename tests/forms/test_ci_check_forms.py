# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ci_check.yml with -e ci_check_forms=true, against the simulator, over an inventory of hostings whose sites are
fixture docroots of this machine: the forms audit runs before the e-mail check, forms-junit.xml is written beside
junit.xml, and the check fails on a form that sends mail unprotected though every hosting's e-mail state passes;
without the option nothing of the forms runs. A hosting that sends spam fails the e-mail check, and its row in
index.html links to its forms findings."""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from support.collection import REPO
from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import clear_of_hour_boundary

DOCROOTS = REPO / "tests" / "fixtures" / "docroots"
OPEN = "shop-1.cluster021.hosting.ovh.net"    # the contact form fixture: unprotected
SAFE = "blog-2.cluster021.hosting.ovh.net"    # a Turnstile form its handler verifies


@pytest.fixture
def fleet(simulator, tmp_path):
    simulator.admin("POST", "/_sim/reset")
    clear_of_hour_boundary(simulator)
    hosts = {}
    for name, fixture in ((OPEN, "contact_form"), (SAFE, "turnstile_protected")):
        simulator.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok", "email": "ops@example.com"})
        shutil.copytree(str(DOCROOTS / fixture), str(tmp_path / name))
        hosts[name] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                       "form_captcha_docroot": str(tmp_path / name)}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    ansible = Ansible(tmp_path, dict(simulator.credentials, endpoint=simulator.url))

    def run(**extra):
        return ansible.playbook(PLAYBOOKS / "ci_check.yml", "-i", str(tmp_path / "hosts.yml"),
                                extra_vars={"email_report_dir": str(tmp_path / "report"), **extra})
    run.sim, run.report = simulator, tmp_path / "report"
    return run


def cases(path):
    suite = ET.parse(path).getroot().find("testsuite")
    return {case.get("name"): [child.tag for child in case] for case in suite.findall("testcase")}


def test_an_unprotected_mail_form_fails_the_check_with_the_forms_junit_written(fleet):
    run = fleet(ci_check_forms="true")
    assert run.rc != 0, run
    assert "1 hosting(s) have forms that send mail without protection (%s/forms-junit.xml):" % fleet.report in run.output
    assert "%s: index.html line 13 posts to contact.php: no Captcha" % OPEN in run.output
    assert "The fleet violates the e-mail policy" not in run.output
    assert cases(fleet.report / "junit.xml") == {OPEN: [], SAFE: []}
    assert cases(fleet.report / "forms-junit.xml") == {OPEN: ["failure"], SAFE: []}
    assert "forms.html#" not in (fleet.report / "index.html").read_text()  # no hosting sends spam


def test_without_the_option_ci_check_audits_no_form(fleet):
    run = fleet()
    assert run.rc == 0, run
    assert cases(fleet.report / "junit.xml") == {OPEN: [], SAFE: []}
    assert not (fleet.report / "forms-junit.xml").exists() and not (fleet.report / "forms.json").exists()


def test_a_hosting_that_sends_spam_fails_the_check_and_links_to_its_forms(fleet):
    fleet.sim.admin("POST", "/_sim/flag-spam", {"service_name": OPEN})
    run = fleet(ci_check_forms="true")
    assert run.rc != 0, run
    assert f"{OPEN}: state spam is not allowed" in run.output
    assert "2 hosting(s): 1 with unprotected mail forms (%s)" % OPEN in run.output  # the forms report's summary
    report = json.loads((fleet.report / "report.json").read_text())
    linked = {entry["service_name"]: entry.get("forms", {}).get("href") for entry in report["hostings"]}
    assert linked == {OPEN: "forms.html#hosting-" + OPEN, SAFE: None}
    assert 'href="forms.html#hosting-%s"' % OPEN in (fleet.report / "index.html").read_text()
    assert cases(fleet.report / "forms-junit.xml") == {OPEN: ["failure"], SAFE: []}
