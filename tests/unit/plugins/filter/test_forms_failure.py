# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""forms_failure: the failure a rescue records for the forms report, never holding a secret."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.ovh_hosting.plugins.filter.forms_failure import HIDDEN, MASK, NO_MESSAGE, forms_failure

PASSWORD = 'p@ss "w0rd"/é'
KEY = "0x4AAAAAAAsecret"


@pytest.mark.parametrize("shown", [
    PASSWORD, json.dumps(PASSWORD)[1:-1], repr(PASSWORD)[1:-1], urllib.parse.quote(PASSWORD, safe=""),
    urllib.parse.quote_plus(PASSWORD),
])
def test_every_form_of_a_secret_is_masked(shown):
    failure = forms_failure({"msg": "login as ada with %s refused; key %s" % (shown, KEY)}, task="Copy the site",
                            secrets=[PASSWORD, None, "", KEY])
    assert failure == {"task": "Copy the site", "message": "login as ada with %s refused; key %s" % (MASK, MASK)}


def test_the_message_of_a_result_whatever_its_shape():
    assert forms_failure({"msg": ["one", "two"]})["message"] == "one; two"
    assert forms_failure({"censored": "the output has been hidden", "msg": PASSWORD})["message"] == HIDDEN
    loop = {"results": [{"failed": False, "msg": "fine"}, {"failed": True, "msg": "first"},
                        {"failed": True, "censored": "hidden"}, {"failed": True}]}
    assert forms_failure(loop)["message"] == "first; %s; %s" % (HIDDEN, NO_MESSAGE)
    assert forms_failure({"stderr": "\nphp: not found\nmore\n"})["message"] == "php: not found"
    assert forms_failure({})["message"] == NO_MESSAGE
    assert forms_failure(None)["message"] == NO_MESSAGE


def test_the_task_s_name_else_its_action():
    assert forms_failure({"msg": "x"}, task={"name": "Audit", "action": "mail_scripts_audit"})["task"] == "Audit"
    assert forms_failure({"msg": "x"}, task={"name": "", "action": "mail_scripts_audit"})["task"] == "mail_scripts_audit"
    assert forms_failure({"msg": "x"})["task"] is None
    assert forms_failure({"msg": "x"}, task="Log in as %s" % PASSWORD, secrets=[PASSWORD])["task"] == "Log in as " + MASK


def test_a_long_message_is_cut():
    message = forms_failure({"msg": "x" * 5000}, max_length=100)["message"]
    assert len(message) == 100 and message.endswith("…")


def test_bad_options_are_named():
    with pytest.raises(AnsibleFilterError, match="secrets must be a list"):
        forms_failure({"msg": "x"}, secrets=PASSWORD)
    with pytest.raises(AnsibleFilterError, match="max_length must be a number, got 'long'"):
        forms_failure({"msg": "x"}, max_length="long")
