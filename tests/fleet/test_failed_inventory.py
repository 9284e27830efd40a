# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A named inventory that fails never widens a run to the whole account: every playbook stops, naming the source
and the error, and sends nothing but the failed inventory's own read."""

from __future__ import annotations

import pytest

from fleet_support import signed
from support.collection import REPO

PLAYBOOKS = ["report.yml", "ci_check.yml", "enforce.yml", "block.yml", "unblock.yml", "purge.yml"]


def run_playbook(fleet, playbook, source, *extra):
    return fleet.run("ansible-playbook", "-i", source, REPO / "playbooks" / playbook, "--check",
                     "-e", "email_policy_state=blocked", "-e", "email_report_dir=%s" % (fleet.workdir / "report"),
                     "-e", "confirm=true", *extra, check=False)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_a_bad_option_stops_every_playbook(fleet, playbook):
    fleet.seed(6)
    source = fleet.config("broken.ovh_hostings.yml", concurrency="ten")
    mark = fleet.log_mark()
    done = run_playbook(fleet, playbook, source)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "The inventory could not be read, so nothing is done" in output, output
    assert str(source) in output and "concurrency" in output, output
    assert signed(fleet.since(mark)) == []  # not one hosting read, let alone changed
    assert not (fleet.workdir / "report").exists()


def test_an_api_outage_while_parsing_stops_the_run(fleet):
    fleet.seed(6)
    source = fleet.config("down.ovh_hostings.yml", endpoint="http://127.0.0.1:9/1.0", retries=0, timeout=2)
    done = run_playbook(fleet, "enforce.yml", source)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "The inventory could not be read" in output and "connection refused by 127.0.0.1:9" in output, output
    assert "would change" not in output


def test_a_source_of_another_kind_that_gives_no_host_stops_the_run(fleet):
    fleet.seed(6)
    source = fleet.workdir / "hosts.yml"
    source.write_text("all: [this is not an inventory\n")
    done = run_playbook(fleet, "report.yml", source)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "gave no host" in output, output
    assert not (fleet.workdir / "report").exists()
