# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the test suites that run playbooks against a simulator.

Put ``tests/`` on ``sys.path`` (a conftest does) and import ``support.playbooks`` or ``support.sim_checks``.
"""
