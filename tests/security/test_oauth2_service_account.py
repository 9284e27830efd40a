# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules with an OAuth2 service account against the simulator, as a playbook gives it: the read job with a
read-only policy, a block refused (naming the IAM action) then allowed once the action is granted, revoked client
credentials failing with a clear error; the client secret in no output."""

from __future__ import annotations

import json

import pytest
from ovhsim.testing import running_simulator

from support.playbooks import Ansible
from support.sim_checks import assert_no_traceback

HOSTINGS = ["shop-1.cluster021.hosting.ovh.net", "blog-2.cluster022.hosting.ovh.net"]
READ_ONLY = ("webHosting:apiovh:get", "webHosting:apiovh:email/get", "webHosting:apiovh:email/bounces/get",
             "webHosting:apiovh:email/volumes/get")

PLAYBOOK = """\
- name: The e-mail jobs with a service account
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/mailops.ovh_hosting.ovh:
      endpoint: "{{ lookup('ansible.builtin.env', 'SIM_ENDPOINT') }}"
      client_id: "{{ lookup('ansible.builtin.env', 'SIM_CLIENT_ID') }}"
      client_secret: "{{ lookup('ansible.builtin.env', 'SIM_CLIENT_SECRET') }}"
  tasks:
    - name: Read
      mailops.ovh_hosting.email_info:
        service_names: %(hostings)s
        bounces: 5
        volumes: true
      register: read
    - name: Show the read
      ansible.builtin.debug:
        msg: "states {{ read.hostings | map(attribute='state') | list }}"
    - name: Block
      mailops.ovh_hosting.email:
        service_name: %(first)s
        state: blocked
      register: block
      ignore_errors: "{{ refusal_expected | default(false) | bool }}"
      when: block_it | default(false) | bool
    - name: Show the refusal
      ansible.builtin.debug:
        msg: "refused: {{ block.msg }}"
      when: block is failed
""" % {"hostings": json.dumps(HOSTINGS), "first": HOSTINGS[0]}


@pytest.fixture
def world(tmp_path):
    with running_simulator(action_delay=0) as sim:
        for name in HOSTINGS:
            sim.admin("POST", "/_sim/hostings", {"service_name": name, "state": "ok"})
        account = sim.service_account(*READ_ONLY)
        playbook = tmp_path / "service_account.yml"
        playbook.write_text(PLAYBOOK)
        env = {"SIM_ENDPOINT": sim.url, "SIM_CLIENT_ID": account["client_id"],
               "SIM_CLIENT_SECRET": account["client_secret"]}
        yield sim, account, Ansible(tmp_path), playbook, env


def test_read_block_refused_then_granted_then_revoked(world):
    sim, account, ansible, playbook, env = world
    runs = []

    read = ansible.playbook(playbook, "-vvv", extra_vars={"block_it": True, "refusal_expected": True}, env=env)
    runs.append(read)
    assert read.rc == 0, read
    assert "states ['ok', 'ok']" in read.output
    assert ("refused: hosting %s: POST /hosting/web/%s/email/request failed (HTTP 403): User not granted for this "
            "request" % (HOSTINGS[0], HOSTINGS[0])) in read.output
    assert ("The service account needs the IAM action 'webHosting:apiovh:email/request/create' on hosting %s"
            % HOSTINGS[0]) in read.output
    assert sim.admin("GET", "/_sim/hostings/" + HOSTINGS[0])["state"] == "ok"

    sim.grant(account, "webHosting:apiovh:email/request/create",
              resources=["urn:v1:eu:resource:webHosting:" + HOSTINGS[0]])
    allowed = ansible.playbook(playbook, extra_vars={"block_it": True}, env=env)
    runs.append(allowed)
    assert allowed.rc == 0 and allowed.changed() == 1, allowed
    assert sim.admin("GET", "/_sim/hostings/" + HOSTINGS[0])["state"] == "ko"

    sim.admin("POST", "/_sim/service-accounts/revoke", {"client_id": account["client_id"]})
    revoked = ansible.playbook(playbook, env=env)
    runs.append(revoked)
    assert revoked.rc != 0, revoked
    assert "OAuth2 token refused" in revoked.output and "Check client_id and client_secret" in revoked.output

    token_calls = [entry for entry in sim.admin("GET", "/_sim/requests") if entry["path"] == "/auth/oauth2/token"]
    assert [entry["status"] for entry in token_calls] == [200] * 4 + [401]  # one per module run
    for run in runs:
        assert_no_traceback(run.output)
        assert account["client_secret"] not in run.output
