# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mail_scripts_audit: hostile values per option; a clear error naming it, or an audit of the fixture site. It
never calls the OVH API (the mock records none)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.mailops.ovh_hosting.plugins.modules import mail_scripts_audit

from hostile_values import HOSTILE, PROPERTY, TEXT, RecordedApi, assert_refused_clearly

DOCROOT = Path(__file__).resolve().parents[1] / "fixtures" / "docroots" / "contact_form"
OPTIONS = ["path", "exclude", "max_file_size", "php_lint"]


@PROPERTY
@given(option=st.sampled_from(OPTIONS), value=HOSTILE)
def test_a_hostile_option_is_refused_or_the_audit_runs(run_module, option, value):
    args = {"path": str(DOCROOT), "php_lint": "false"}
    args[option] = value
    with RecordedApi() as api:
        result, failed = run_module(mail_scripts_audit.main, args)
    assert api.calls == []
    if failed:
        assert_refused_clearly(result, [option])
    else:
        assert result["changed"] is False
        assert isinstance(result["findings"], list)


@PROPERTY
@given(exclude=st.lists(TEXT, max_size=5))
def test_any_exclude_globs_audit_a_subset(run_module, exclude):
    full, failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOT), "php_lint": "false"})
    assert not failed, full
    result, failed = run_module(mail_scripts_audit.main, {"path": str(DOCROOT), "php_lint": "false",
                                                          "exclude": exclude})
    assert not failed, result
    assert {finding["file"] for finding in result["findings"]} <= {finding["file"] for finding in full["findings"]}
