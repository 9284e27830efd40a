# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""demo/watch.sh as a user runs it: the guard rulebook blocks the hosting that bounces, and only that one."""

from __future__ import annotations

import re
import subprocess

from support.collection import REPO
from support.sim_checks import assert_no_traceback


def test_the_watch_demo_blocks_one_hosting_once(tmp_path):
    completed = subprocess.run([str(REPO / "demo" / "watch.sh")], cwd=tmp_path, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=300, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert_no_traceback(output)
    writes = re.findall(r"\s200\s+POST /hosting/web/(\S+)/email/request", output)
    assert len(writes) == 1, output[-6000:]
    assert re.search(r"ko: 1 \(%s\); ok: 9" % re.escape(writes[0]), output), output[-6000:]
