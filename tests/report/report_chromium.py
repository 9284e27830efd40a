# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Headless Chromium for the rendering tests: screenshots, console messages, layout measured in a harness, and a
harness that acts on the page (clicks, typing) as a reader would and reads back what is shown."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)$", re.MULTILINE)

# The harness loads the report in a frame and measures it from outside.
HARNESS = """<!DOCTYPE html><html><head><title>harness</title></head><body style="margin:0">
<iframe id="report" src="%(src)s" style="border:0;width:%(width)dpx;height:3000px"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument;
  var rows = doc.querySelectorAll("#fleet-table tr.hosting");
  var cards = Array.prototype.slice.call(doc.querySelectorAll("details.hosting"));
  var visible = cards.filter(function (card) {
    var svg = card.querySelector("svg.chart");
    if (!svg) { return false; }
    var box = svg.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && svg.querySelectorAll("rect.day, text").length > 0;
  });
  var unreadable = Array.prototype.slice.call(doc.querySelectorAll("section.unreadable li")).filter(function (item) {
    var box = item.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  });
  var out = document.createElement("pre");
  out.id = "measure";
  out.textContent = JSON.stringify({
    hostings: rows.length, cards: cards.length, visible_charts: visible.length, visible_unreadable: unreadable.length,
    page_width: doc.documentElement.scrollWidth, viewport_width: doc.documentElement.clientWidth});
  document.body.appendChild(out);
});
</script></body></html>
"""

# The harness that acts: once the report is loaded in the frame, runs the steps given (a JavaScript function body
# with the frame's document as ``doc``) and writes what they return, and the names of the rows shown after them.
ACTING_HARNESS = """<!DOCTYPE html><html><head><title>harness</title></head><body style="margin:0">
<iframe id="report" src="%(src)s" style="border:0;width:1280px;height:3000px"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument, out = document.createElement("pre");
  function shown() {
    return Array.prototype.slice.call(doc.querySelectorAll("#fleet-table tr.hosting")).filter(function (row) {
      var box = row.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    }).map(function (row) { return row.cells[0].textContent; });
  }
  var result;
  try {
    result = (function (doc, shown) { %(steps)s }(doc, shown));
  } catch (error) {
    result = {error: String(error)};
  }
  out.id = "result";
  out.textContent = JSON.stringify({result: result, shown: shown()});
  document.body.appendChild(out);
});
</script></body></html>
"""


class Chromium:
    def __init__(self, profile: Path):
        self.binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not self.binary:
            raise RuntimeError("chromium is not installed: `make setup` installs it (Debian package chromium)")
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, *FLAGS, f"--user-data-dir={self.profile}", *args],
                              capture_output=True, text=True, timeout=120, check=False)

    def console_messages(self, page: Path) -> list[str]:
        """What the page wrote to the console (errors included) while loading."""
        completed = self._run("--virtual-time-budget=3000", "--dump-dom", page.as_uri())
        return CONSOLE.findall(completed.stderr)

    def screenshot(self, page: Path, target: Path, width: int = 1280, height: int = 1600) -> Path:
        self._run(f"--window-size={width},{height}", f"--screenshot={target}", page.as_uri())
        return target

    def measure(self, page: Path, width: int) -> dict:
        """Hostings, visible charts, visible unreadable hostings and page width of the report laid out ``width``
        pixels wide."""
        harness = page.parent / f"harness-{width}.html"
        harness.write_text(HARNESS % {"src": page.name, "width": width})
        completed = self._run("--allow-file-access-from-files", "--virtual-time-budget=5000",
                              f"--window-size={width},3000", "--dump-dom", harness.as_uri())
        found = re.search(r'<pre id="measure">(.*?)</pre>', completed.stdout)
        if not found:
            raise AssertionError(f"the harness measured nothing:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
        return json.loads(found.group(1))

    def act(self, page: Path, steps: str, script: bool = True) -> dict:
        """Runs ``steps`` on the loaded report (see ACTING_HARNESS): ``{"result": what they return, "shown": names
        of the table rows shown after them}``. With ``script=False`` the report's own script does not run."""
        harness = page.parent / "harness-act.html"
        harness.write_text(ACTING_HARNESS % {"src": page.name, "steps": steps})
        if not script:
            # The harness needs its script; the report's is cut off by a policy in the frame's copy.
            framed = page.parent / f"noscript-{page.name}"
            framed.write_text(page.read_text().replace(
                "<head>", '<head><meta http-equiv="Content-Security-Policy" content="script-src \'none\'">', 1))
            harness.write_text(ACTING_HARNESS % {"src": framed.name, "steps": steps})
        completed = self._run("--allow-file-access-from-files", "--virtual-time-budget=10000",
                              "--window-size=1280,3000", "--dump-dom", harness.as_uri())
        found = re.search(r'<pre id="result">(.*?)</pre>', completed.stdout, re.DOTALL)
        if not found:
            raise AssertionError(f"the harness returned nothing:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
        return json.loads(html.unescape(found.group(1)))
