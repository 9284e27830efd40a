# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of every module's options: hostile values (huge strings, wrong types, unicode, empty lists,
out-of-range numbers) give a clear error naming the option, or a correct result; never a traceback; never an
API call for an input that is refused.

The modules run in-process through the unit tests' harness (tests/unit/conftest.py: ``run_module``,
``fake_time``, no OVH_* variables), against a ``responses`` mock that records every call.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_UNIT = Path(__file__).resolve().parents[1] / "unit"
if str(_UNIT) not in sys.path:
    sys.path.insert(0, str(_UNIT))  # ovh_api_mock


def _unit_conftest():
    spec = importlib.util.spec_from_file_location("unit_test_harness", _UNIT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_HARNESS = _unit_conftest()
run_module = _HARNESS.run_module
fake_time = _HARNESS.fake_time
no_ovh_environment = _HARNESS.no_ovh_environment
