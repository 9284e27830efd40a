# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for pip's get-pip.py, which ansible-test downloads: this machine has no internet.

Bootstraps pip with ensurepip, then installs what it was asked for.
"""
from __future__ import annotations

import subprocess
import sys

UNSUPPORTED = ("--no-setuptools", "--no-wheel")

args = [arg for arg in sys.argv[1:] if arg not in UNSUPPORTED]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
