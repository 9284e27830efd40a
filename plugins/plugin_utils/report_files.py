# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four files of the fleet report, rendered from the report document by plain Jinja2.

The templates are the email_report role's (``roles/email_report/templates``). They use Jinja's own filters and
tests and three of this collection's filters, so they render here as Ansible's template action renders them, byte
for byte (tests/report holds both to it), without Ansible's templating of every value read, which at a thousand
hostings cost seconds per file.
"""

from __future__ import annotations

import functools
import os

import jinja2

from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report_json import report_json_text
from ansible_collections.mailops.ovh_hosting.plugins.filter.report_escape import report_escape
from ansible_collections.mailops.ovh_hosting.plugins.filter.volume_chart import volume_chart

FILES = ("index.html", "report.md", "report.json", "junit.xml")
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "roles", "email_report",
                         "templates")


@functools.lru_cache(maxsize=None)  # built once per process, on first use
def _environment():
    # As ansible-core's template action: blocks trimmed, the final newline kept, None written as nothing.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.normpath(TEMPLATES)),
                                     trim_blocks=True, keep_trailing_newline=True, autoescape=False,
                                     undefined=jinja2.StrictUndefined,
                                     finalize=lambda value: "" if value is None else value)
    environment.filters.update({
        "mailops.ovh_hosting.email_report_json": report_json_text,  # the document here is plain already
        "mailops.ovh_hosting.report_escape": report_escape,
        "mailops.ovh_hosting.volume_chart": volume_chart,
    })
    # The one test of ansible-core's that the templates use.
    environment.tests["contains"] = lambda seq, value: value in seq
    return environment


def render(name, document, title):
    """One of FILES, from a plain report document (the email_report filter's output)."""
    return _environment().get_template(name + ".j2").render(email_report_document=document, email_report_title=title)


def render_all(document, title):
    return {name: render(name, document, title) for name in FILES}
