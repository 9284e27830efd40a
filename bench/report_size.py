# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The size of the report's files at fleet size: the email_report filter over tests/report/report_fleet.py's
large_fleet (30 days of volumes for every hosting, 100 bounces for each hosting with problems, a recipient
required), each file rendered as the role renders it (tests/report/report_render.py).

    python bench/report_size.py [--hostings 1000] [--index-template PATH]

``--index-template`` renders index.html from another template (an older one, to compare). It prints the bytes of
each file and their time to render (CPU seconds); it never fails on them. tests/report asserts the budget.
"""
from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "report")]

from support.collection import collections_root  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, collections_root())

from ansible.plugins.loader import init_plugin_loader  # noqa: E402  pylint: disable=wrong-import-position

init_plugin_loader([collections_root()])

import report_render  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import (  # noqa: E402  pylint: disable=wrong-import-position
    email_report,
)
from report_fleet import large_fleet  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--hostings", type=int, default=1000)
    parser.add_argument("--index-template", type=Path)
    args = parser.parse_args()
    if args.index_template:
        report_render._SOURCES["index.html"] = args.index_template.read_text()  # pylint: disable=protected-access
    now = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)
    document = email_report(large_fleet(now, args.hostings), now=now.isoformat(), require_recipient=True)
    print(f"{args.hostings} hostings, {document['totals']['violating']} with problems")
    for name in report_render.FILES:
        started = time.process_time()
        size = len(report_render.render(name, document).encode("utf-8"))
        print(f"{name:<11} {size:>10,} bytes  {time.process_time() - started:5.1f} s CPU")


if __name__ == "__main__":
    main()
