# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labelled corpus: tests/fixtures/docroots/*, and what ground_truth.json says each must report."""

from __future__ import annotations

import json
from pathlib import Path

DOCROOTS = Path(__file__).resolve().parents[4] / "fixtures" / "docroots"
FAMILIES = ("mail_scripts", "smtp_files", "unprotected_forms")


def ground_truth():
    return json.loads((DOCROOTS / "ground_truth.json").read_text())


def reported(result):
    """The audit's answer in the ground truth's terms."""
    forms = [form for form in result["forms"] if form["sends_mail"]]
    return {
        "mail_scripts": sorted(result["mail_scripts"]),
        "guard_scripts": sorted(result["guard_scripts"]),
        "smtp_files": sorted(set(item["file"] for item in result["findings"] if item["rule"] == "smtp_settings")),
        "unprotected_forms": ["%s:%d" % (form["file"], form["line"]) for form in forms
                              if not (form["captcha"] and form["verified_by"])],
        "protected_forms": ["%s:%d" % (form["file"], form["line"]) for form in forms
                            if form["captcha"] and form["verified_by"]],
    }
