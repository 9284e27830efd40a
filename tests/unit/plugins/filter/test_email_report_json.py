# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""email_report_json writes report.json as to_nice_json(indent=2) did, byte for byte, from a plain copy of the
document (plugin_utils/plain_data.py)."""

from __future__ import annotations

import datetime
import json
from collections import OrderedDict

import pytest
from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report_json import email_report_json
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils.plain_data import plain_copy

NOW = "2026-11-26T13:00:00+01:00"
HOSTINGS = [
    {"service_name": "b.example.net", "state": "ok", "report_recipient": "ops@example.com", "sent_today": 40,
     "bounces": [{"date": "2026-11-26T12:00:00+01:00", "to": "é\u202e@example.org", "message": "550 <b>x</b>",
                  "category": "unknown_user"}],
     "volumes": [{"date": "2026-11-26T00:00:00+01:00", "volume": 40}]},
    {"service_name": "a.example.net", "state": "spam", "report_recipient": None, "sent_today": 0,
     "bounces": [], "volumes": []},
]


def test_the_text_is_to_nice_json_of_the_document():
    document = email_report(HOSTINGS, now=NOW)
    text = email_report_json(document)
    assert text == to_nice_json(document, indent=2)
    assert json.loads(text) == document
    assert "\\u00e9\\u202e" in text  # beyond ASCII as escapes, as before


def test_anything_but_a_document_is_refused():
    with pytest.raises(AnsibleFilterError, match="expects the report"):
        email_report_json(["not", "a", "report"])


def test_plain_copy_makes_plain_dicts_and_lists_of_any_mapping_and_sequence():
    source = OrderedDict(a=(1, OrderedDict(b=[2, "x"])), c=None, d=datetime.date(2026, 1, 1))
    copy = plain_copy(source)
    assert copy == {"a": [1, {"b": [2, "x"]}], "c": None, "d": datetime.date(2026, 1, 1)}
    assert [type(part).__name__ for part in (copy, copy["a"], copy["a"][1])] == ["dict", "list", "dict"]
    copy["a"][1]["b"].append(3)
    assert source["a"][1]["b"] == [2, "x"]  # a copy, not a view
