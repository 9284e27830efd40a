# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's docs site as antsibull-docs builds it (``sphinx-init`` + Sphinx, the pinned tools of
requirements.txt), and each module's and the inventory plugin's page read in headless Chromium: every option of
``ansible-doc`` is there and visible, and the examples are the plugin's EXAMPLES."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.collection import collections_root

BIN = Path(sys.executable).parent
COLLECTION = "mailops.ovh_hosting"
PAGES = [("module", "email"), ("module", "email_info"), ("module", "hosting_info"),
         ("module", "mail_scripts_audit"), ("module", "site_files"), ("module", "site_guard"),
         ("module", "email_report_files"),
         ("inventory", "hostings")]

# Built offline: the links into docs.ansible.com that antsibull-docs writes for ansible-core's own pages (return
# values common to all modules, the cache plugin settings an inventory plugin inherits, the page on action plugins
# that a module with one links to) cannot be resolved without their intersphinx inventories. Any other Sphinx
# warning fails the test.
OFFLINE = re.compile(r"undefined label: '(common_return_values|ansible_configuration_settings|action_plugins)'"
                     r"|'envvar' reference target not found: ANSIBLE_CACHE_PLUGIN\w*")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--allow-file-access-from-files", "--virtual-time-budget=5000", "--window-size=1280,2000"]

# The page in a frame, measured from outside: which option anchors are laid out, and the examples' text.
HARNESS = """<!DOCTYPE html><html><head><title>harness</title></head><body>
<iframe id="page" src="%(src)s" style="border:0;width:1280px;height:2000px"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument;
  var options = Array.prototype.slice.call(doc.querySelectorAll("[id^='parameter-']")).filter(function (el) {
    var box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  }).map(function (el) { return el.id.slice("parameter-".length); });
  var examples = doc.querySelector("section#examples pre");
  var out = document.createElement("pre");
  out.id = "measure";
  out.textContent = JSON.stringify({title: doc.title, options: options,
                                    examples: examples ? examples.innerText : null});
  document.body.appendChild(out);
});
</script></body></html>
"""


def _env() -> dict:
    return {**os.environ, "ANSIBLE_COLLECTIONS_PATH": collections_root(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    completed = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, f"{' '.join(args)}:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    return completed


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The docs site built the way ``antsibull-docs sphinx-init``'s build.sh does, offline."""
    dest = tmp_path_factory.mktemp("docsite")
    _run(str(BIN / "antsibull-docs"), "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", str(dest),
         COLLECTION, cwd=dest)
    with (dest / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write("\n# Offline: no intersphinx inventory can be fetched.\nintersphinx_mapping = {}\n")
    (dest / "rst").mkdir(mode=0o755, exist_ok=True)
    _run(str(BIN / "antsibull-docs"), "--config-file", "antsibull-docs.cfg", "collection", "--cleanup", "everything",
         "--fail-on-error", "--use-current", "--dest-dir", "rst", COLLECTION, cwd=dest)
    _run(str(BIN / "sphinx-build"), "-M", "html", "rst", "build", "-c", ".", "-q", "-w", "warnings.txt", cwd=dest)
    warnings = [line for line in (dest / "warnings.txt").read_text().splitlines()
                if "WARNING" in line or "ERROR" in line]
    unexpected = [line for line in warnings if not OFFLINE.search(line)]
    assert not unexpected, "Sphinx warned:\n" + "\n".join(unexpected)
    return dest / "build" / "html" / "collections" / "mailops" / "ovh_hosting"


@pytest.fixture(scope="module")
def plugin_docs(tmp_path_factory) -> dict:
    """ansible-doc's view of each plugin: options (doc fragments merged) and examples."""
    docs = {}
    for plugin_type in sorted({kind for kind, _name in PAGES}):
        names = [f"{COLLECTION}.{name}" for kind, name in PAGES if kind == plugin_type]
        completed = _run(str(BIN / "ansible-doc"), "-t", plugin_type, "--json", *names,
                         cwd=tmp_path_factory.getbasetemp())
        for fqcn, doc in json.loads(completed.stdout).items():
            docs[(plugin_type, fqcn.rsplit(".", 1)[1])] = doc
    return docs


def _measure(page: Path, profile: Path) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed: `make setup` installs it (Debian package chromium)"
    harness = page.parent / f"harness-{page.stem}.html"
    harness.write_text(HARNESS % {"src": page.name})
    completed = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                                harness.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="measure">(.*?)</pre>', completed.stdout, re.DOTALL)
    assert found, f"the harness measured nothing:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("plugin_type,name", PAGES, ids=[f"{kind}-{name}" for kind, name in PAGES])
def test_page_renders_options_and_examples(site, plugin_docs, tmp_path, plugin_type, name):
    doc = plugin_docs[(plugin_type, name)]
    print("DEBUG", plugin_type, name, sorted(doc["doc"]["options"]))
    measured = _measure(site / f"{name}_{plugin_type}.html", tmp_path / "profile")
    print("DEBUG", json.dumps(measured)[:600])
    assert f"{COLLECTION}.{name}" in measured["title"]
    options = set(doc["doc"]["options"])
    shown = set(measured["options"])
    assert options <= shown, f"options not shown on the {name} page: {sorted(options - shown)}"
    assert not {option for option in shown if "/" not in option} - options, "the page shows options ansible-doc lacks"
    assert measured["examples"], f"the {name} page has no examples"
    assert _words(measured["examples"]) == _words(doc["examples"])
