# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of ``mail_scripts_audit``: one rule family per file, ``audit.run_audit`` ties them together."""
