# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every fixture of the corpus reports exactly what ground_truth.json says: no more (precision), no less (recall),
and no form called protected that is not."""

from __future__ import annotations

import pytest
from corpus import DOCROOTS, ground_truth, reported

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit

TRUTH = ground_truth()


def test_every_fixture_is_labelled():
    assert sorted(TRUTH) == sorted(path.name for path in DOCROOTS.iterdir() if path.is_dir())


@pytest.mark.parametrize("fixture", sorted(TRUTH))
def test_fixture_reports_its_ground_truth(fixture):
    assert reported(run_audit(str(DOCROOTS / fixture))) == TRUTH[fixture]
