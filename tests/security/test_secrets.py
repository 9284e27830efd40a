# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application secret and consumer key never appear in what the collection writes or prints.

Everything runs at -vvv with a log file, module temp files kept in the work folder, the inventory plugin's cache
on, the report files (HTML, Markdown, JSON, JUnit) written, changes made and calls failing; the secrets reach
the modules both from the OVH_* environment and as module options. Then every output and every file written is
searched for them.
"""

from __future__ import annotations

import json

import pytest
from ovhsim.testing import running_simulator

from support.playbooks import PLAYBOOKS, Ansible
from support.sim_checks import assert_no_traceback, clear_of_hour_boundary

HOSTINGS = ["shop-1.cluster021.hosting.ovh.net", "blog-2.cluster022.hosting.ovh.net",
            "forms-3.cluster023.hosting.ovh.net"]
ALL_RULES = ("GET /*", "PUT /*", "POST /*")

# Module options given explicitly, read from the environment so that this file holds no secret.
EXPLICIT = """\
- name: Every module with the credentials as options
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/mailops.ovh_hosting.ovh:
      endpoint: "{{ lookup('ansible.builtin.env', 'OVH_ENDPOINT') }}"
      application_key: "{{ lookup('ansible.builtin.env', 'OVH_APPLICATION_KEY') }}"
      application_secret: "{{ lookup('ansible.builtin.env', 'OVH_APPLICATION_SECRET') }}"
      consumer_key: "{{ lookup('ansible.builtin.env', 'OVH_CONSUMER_KEY') }}"
      timeout: 5
  tasks:
    - name: Read
      mailops.ovh_hosting.email_info:
        service_names: %(hostings)s
        bounces: 5
        volumes: true
      register: read
    - name: List
      mailops.ovh_hosting.hosting_info:
        details: true
      register: listed
    - name: Change
      mailops.ovh_hosting.email:
        service_name: %(first)s
        state: blocked
        report_recipient: sec@example.com
      register: changed
    - name: Show everything registered
      ansible.builtin.debug:
        var: item
      loop: ["{{ read }}", "{{ listed }}", "{{ changed }}"]
    - name: Fail on an unknown hosting
      mailops.ovh_hosting.email_info:
        service_name: missing.cluster099.hosting.ovh.net
      ignore_errors: true
    - name: Fail with a wrong consumer key given as an option
      mailops.ovh_hosting.email_info:
        service_name: %(first)s
        consumer_key: "{{ lookup('ansible.builtin.env', 'OVH_CONSUMER_KEY') | reverse }}"
      ignore_errors: true
""" % {"hostings": json.dumps(HOSTINGS), "first": HOSTINGS[0]}


@pytest.fixture
def world(tmp_path):
    with running_simulator(action_delay=0) as sim:
        sim.admin("POST", "/_sim/config", {"bounce_threshold": 0.95})  # bouncing, but still sending
        clear_of_hour_boundary(sim)
        for name in HOSTINGS:
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok"})
            sim.admin("POST", "/_sim/send", {"service_name": name, "count": 30, "bounce_rate": 0.3})
        credentials = dict(sim.restricted_credentials(*ALL_RULES), endpoint=sim.url)
        yield sim, credentials, tmp_path


def test_secrets_appear_in_no_output_and_no_file(world):
    sim, credentials, workdir = world
    secrets = {"application_secret": credentials["application_secret"],
               "consumer_key": credentials["consumer_key"]}
    assert all(len(value) >= 16 for value in secrets.values())  # long random tokens: a match is no accident
    # Also reversed: the wrong key given above is derived from the real one.
    needles = dict(secrets, consumer_key_reversed=secrets["consumer_key"][::-1])
    files = workdir / "written"
    files.mkdir()
    ansible = Ansible(files, credentials)
    env = {"ANSIBLE_LOG_PATH": str(files / "ansible.log"), "ANSIBLE_REMOTE_TMP": str(files / "remote-tmp"),
           "ANSIBLE_KEEP_REMOTE_FILES": "0", "ANSIBLE_INVENTORY_ENABLED": "mailops.ovh_hosting.hostings"}
    inventory = workdir / "fleet.ovh_hostings.yml"
    inventory.write_text("plugin: mailops.ovh_hosting.hostings\nwith_email: true\ncache: true\n"
                         "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % (files / "cache"))
    explicit = workdir / "explicit.yml"
    explicit.write_text(EXPLICIT)
    report = {"email_report_dir": str(files / "report")}

    runs = [
        ansible.playbook(explicit, "-vvv", env=env),
        ansible.playbook(PLAYBOOKS / "report.yml", "-vvv", "-i", inventory, extra_vars=report, env=env),
        ansible.playbook(PLAYBOOKS / "ci_check.yml", "-vvv", "-i", inventory, extra_vars=report, env=env),
        ansible.playbook(PLAYBOOKS / "enforce.yml", "-vvv", "-i", inventory, env=env, extra_vars={
            "email_policy_state": "unblocked", "email_policy_report_recipient": "ops@example.com"}),
        ansible.playbook(PLAYBOOKS / "block.yml", "-vvv", extra_vars={"hostings": "bad/name"}, env=env),
    ]
    inventory_list = ansible.playbook(PLAYBOOKS / "targets.yml", "-vvv", "-i", inventory, env=env)
    runs.append(inventory_list)
    for run in runs:
        assert_no_traceback(run.output)
    explicit_run, report_run, ci_run, enforce_run, bad_name_run, _targets = runs
    # The runs did what they were meant to: so the outputs searched below hold real results and errors.
    assert explicit_run.rc == 0 and explicit_run.changed() == 1, explicit_run
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in explicit_run.output
    # The control: an option that is not secret, given the same way, does show at -vvv.
    assert credentials["application_key"] in explicit_run.output
    assert "This service does not exist" in explicit_run.output
    assert "INVALID_CREDENTIAL" in explicit_run.output
    assert report_run.rc == 0, report_run
    assert ci_run.rc != 0 and "The fleet violates the e-mail policy" in ci_run.output, ci_run
    assert enforce_run.rc == 0 and enforce_run.hostings_changed() == 3, enforce_run
    assert bad_name_run.rc != 0 and "is not a hosting service name" in bad_name_run.output, bad_name_run
    written = [path for path in files.rglob("*") if path.is_file()]
    names = {path.name for path in written}
    assert {"ansible.log", "index.html", "report.md", "report.json", "junit.xml"} <= names, names
    assert any(path.parent.name == "cache" for path in written), names

    leaks = []
    for run in runs:
        leaks += ["output of %s: %s" % (" ".join(run.command[1:3]), label)
                  for label, value in needles.items() if value in run.output]
    for path in written:
        content = path.read_bytes()
        leaks += ["%s: %s" % (path, label) for label, value in needles.items() if value.encode() in content]
    for label, value in needles.items():
        if value in json.dumps(sim.admin("GET", "/_sim/requests")):
            leaks.append("simulator request log: %s" % label)
    assert leaks == []
