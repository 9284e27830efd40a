# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_report role's four templates rendered in this process, with Ansible's own templating (as the template
action renders them, filters looked up by FQCN through the collection loader that conftest.py installs), from a
report document: thousands of renderings where ansible-playbook would take seconds for each.
test_report_rendering.py checks that this gives the role's files byte for byte."""

from __future__ import annotations

from pathlib import Path

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 trusts every template
    def trust_as_template(text):
        return text

TEMPLATES = Path(__file__).resolve().parents[2] / "roles" / "email_report" / "templates"
FILES = ("index.html", "report.md", "report.json", "junit.xml")
_SOURCES = {name: (TEMPLATES / f"{name}.j2").read_text() for name in FILES}
_LOADER = DataLoader()


def render(name: str, document: dict, title: str = "E-mail scripts report") -> str:
    """One report file, ``name`` among FILES, rendered from ``document`` (the email_report filter's output)."""
    templar = Templar(loader=_LOADER, variables={"email_report_document": document, "email_report_title": title})
    return templar.template(trust_as_template(_SOURCES[name]), escape_backslashes=False)


def render_all(document: dict, title: str = "E-mail scripts report") -> dict:
    return {name: render(name, document, title) for name in FILES}
