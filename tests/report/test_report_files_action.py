# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_report_files action through ansible-playbook: check mode says which files would change and writes
nothing, with a diff; apply writes the four files, the same bytes as Ansible's template renders from the
email_report filter's document; a second apply changes nothing; a change of one hosting rewrites only what
shows it; bad arguments are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
from report_fleet import AS_OF, fleet
from report_render import FILES, render
from support.playbooks import Ansible

HERE = Path(__file__).resolve().parent


@pytest.fixture
def run(tmp_path):
    def play(facts, *args):
        extra = tmp_path / "vars.json"
        extra.write_text(json.dumps({"facts": facts, "report_dir": str(tmp_path / "report"),
                                     "as_of": AS_OF.isoformat(), "result_file": str(tmp_path / "result.json")}))
        outcome = Ansible(tmp_path).playbook(HERE / "report_files.yml", "-e", f"@{extra}", *args)
        assert outcome.rc == 0, outcome
        return outcome, json.loads((tmp_path / "result.json").read_text())
    return play


def test_check_apply_and_idempotent_runs(run, tmp_path):
    report = tmp_path / "report"
    check, predicted = run(fleet(AS_OF), "--check", "--diff")
    assert predicted["changed"] and predicted["written"] == list(FILES) and not report.exists()
    assert "+# E-mail scripts report" in check.output  # report.md's diff is shown

    apply, written = run(fleet(AS_OF))
    assert written["changed"] and written["written"] == list(FILES)
    document = email_report(fleet(AS_OF), now=AS_OF.isoformat(), require_recipient=True)
    for name in FILES:
        assert (report / name).read_text() == render(name, document), name
    assert written["totals"] == document["totals"]
    assert [entry["service_name"] for entry in written["violating"]] == \
        [entry["service_name"] for entry in document["hostings"] if entry["violations"]]

    for args in (["--check"], []):
        again, unchanged = run(fleet(AS_OF), *args)
        assert not unchanged["changed"] and unchanged["written"] == [], args


def test_a_changed_hosting_rewrites_the_files_that_show_it(run):
    run(fleet(AS_OF))
    changed_fleet = fleet(AS_OF)
    changed_fleet[0]["report_recipient"] = "new-address@example.com"
    outcome, written = run(changed_fleet)
    assert written["changed"] and set(written["written"]) == {"index.html", "report.md", "report.json"}


def test_bad_facts_are_named(tmp_path):
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"facts": [{"state": "ok"}], "report_dir": str(tmp_path / "report"),
                                 "as_of": AS_OF.isoformat(), "result_file": str(tmp_path / "result.json")}))
    outcome = Ansible(tmp_path).playbook(HERE / "report_files.yml", "-e", f"@{extra}")
    assert outcome.rc != 0 and "email_report: every hosting needs service_name and state" in outcome.output
    assert "Traceback" not in outcome.output and not (tmp_path / "report").exists()


def test_a_threshold_that_is_no_number_is_named(tmp_path):
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - mailops.ovh_hosting.email_report_files:\n"
        "        hostings: []\n        dir: %s\n        max_bounce_ratio: lots\n" % (tmp_path / "report"))
    outcome = Ansible(tmp_path).playbook(play)
    assert outcome.rc != 0 and "email_report_files: could not convert string to float: 'lots'" in outcome.output
    assert "Traceback" not in outcome.output and not (tmp_path / "report").exists()
