# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Headless Chromium for the rendering tests: screenshots, console messages, and layout measured in a harness."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)$", re.MULTILINE)

# The report has no script; the harness loads it in a frame and measures it from outside.
HARNESS = """<!DOCTYPE html><html><head><title>harness</title></head><body style="margin:0">
<iframe id="report" src="%(src)s" style="border:0;width:%(width)dpx;height:3000px"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument;
  var cards = Array.prototype.slice.call(doc.querySelectorAll("article.hosting"));
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
    hostings: cards.length, visible_charts: visible.length, visible_unreadable: unreadable.length,
    page_width: doc.documentElement.scrollWidth, viewport_width: doc.documentElement.clientWidth});
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
