# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of mail_scripts_audit on a generated 10,000-file document root.

The tree mixes what a real site holds: plain PHP (most of it), PHP with inline HTML, HTML pages with forms,
contact handlers that send mail, PHPMailer over SMTP, and files the audit does not read (CSS, images).
It prints files per second without and with the PHP syntax check, and the ratio to a stated bound:
the audit should take at most BOUND_SECONDS for 10,000 files ("in seconds"), that is a bound of
10,000 / BOUND_SECONDS files per second. A ratio >= 1 meets it. As a peer, it also measures a bare read of
the same files (open + read + decode, nothing else): the audit's ratio to it is its parsing overhead.

Last, it weighs the audit against itself at ``--peer-ref`` (by default the commit before issue 12 taught it how
real sites send mail): that revision's ``plugins/module_utils``, taken out with ``git archive``, and this
checkout's audit each run in a fresh Python process, alternately, ``--repeat`` times; the best of each is kept,
so that load on the machine weighs on both alike. Goal: at most PEER_GOAL times the peer's time.

    python bench/audit.py [--files 10000] [--bound-seconds 5] [--peer-ref REF] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collection_link import REPO, collections_root

PEER_REF = "41ebcaf"  # the audit as it was before issue 12
PEER_GOAL = 1.5
# One audit, timed inside its own process (imports and start-up left out): argv is the collections folder to
# import the audit from, the site and the PHP binary ('' for none).
TIMED_AUDIT = """import sys, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit
start = time.perf_counter()
run_audit(sys.argv[2], php=sys.argv[3] or None)
print(time.perf_counter() - start)
"""

PLAIN = """<?php
/**
 * Helper {n}: formats values for the templates. The e-mail address field is validated elsewhere.
 */
function helper_{n}($value)
{{
    // mail() is never called here
    $label = 'Your email';
    return htmlspecialchars((string) $value, ENT_QUOTES, 'UTF-8');
}}
"""
PAGE = """<?php require_once __DIR__ . '/../lib/helper_{n}.php'; ?>
<!DOCTYPE html>
<html><head><title>Page {n}</title></head>
<body>
<h1><?= helper_{n}('Page {n}') ?></h1>
<form method="get" action="/search.php"><input name="q"></form>
</body></html>
"""
HANDLER = """<?php
$to = 'owner{n}@example.org';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {{
    mail($to, 'Contact {n}', (string) $_POST['message']);
}}
?>
<form method="post" action="<?php echo htmlspecialchars($_SERVER['PHP_SELF']); ?>">
  <textarea name="message"></textarea><button>Send</button>
</form>
"""
SMTP = """<?php
use PHPMailer\\PHPMailer\\PHPMailer;
$mail = new PHPMailer(true);
$mail->isSMTP();
$mail->Host = 'smtp.example.org';
$mail->Port = 587;
$mail->send();
"""
HTML = """<!DOCTYPE html>
<html><body>
<form action="/contact/handler_{n}.php" method="post">
  <input name="email"><div class="cf-turnstile" data-sitekey="k"></div>
</form>
</body></html>
"""


def generate(root, count, seed=7):
    """Write ``count`` files under ``root``: the shares of each kind are fixed, the layout is seeded."""
    rng = random.Random(seed)
    kinds = [("lib/helper_{n}.php", PLAIN)] * 60 + [("pages/page_{n}.php", PAGE)] * 20 + \
            [("static/page_{n}.html", HTML)] * 8 + [("assets/style_{n}.css", "body {{ color: #{n:06d}; }}\n")] * 8 + \
            [("contact/handler_{n}.php", HANDLER)] * 3 + [("mailers/smtp_{n}.php", SMTP)] * 1
    for n in range(count):
        pattern, template = rng.choice(kinds)
        path = root / ("d%02d" % (n % 50)) / pattern.format(n=n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(n=n))


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bare_read(root):
    for directory, _folders, files in os.walk(root):
        for name in files:
            with open(os.path.join(directory, name), "rb") as handle:
                handle.read().decode("utf-8", "replace")


def peer_collections(workdir, ref):
    """A collections folder holding the ``plugins/module_utils`` of revision ``ref`` of this repository."""
    root = workdir / "peer"
    target = root / "ansible_collections" / "mailops" / "ovh_hosting"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "plugins/module_utils"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return str(root)


def audit_seconds(collections, site, php):
    done = subprocess.run([sys.executable, "-c", TIMED_AUDIT, collections, str(site), php or ""],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def against_peer(args, workdir, current, site, php):
    """This audit's time against the peer revision's, both in processes of their own, taken alternately;
    ``current`` is the collections folder of this checkout."""
    peer = peer_collections(workdir, args.peer_ref)
    runs = [("no PHP check", None)] + ([("with the PHP check", php)] if php else [])
    for label, binary in runs:
        times = {"this checkout": [], args.peer_ref: []}
        for attempt in range(args.repeat):
            times["this checkout"].append(audit_seconds(current, site, binary))
            times[args.peer_ref].append(audit_seconds(peer, site, binary))
        mine, theirs = min(times["this checkout"]), min(times[args.peer_ref])
        print("against %s, %s, best of %d: %.2f s, peer %.2f s, %.2fx the peer's time (goal at most %.1fx)"
              % (args.peer_ref, label, args.repeat, mine, theirs, mine / theirs, PEER_GOAL))


def corpus_scores(run_audit):
    """Precision and recall per rule family over the labelled corpus (tests/fixtures/docroots/ground_truth.json)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "plugins" / "module_utils"
                           / "mail_scripts"))
    from corpus import DOCROOTS, FAMILIES, ground_truth, reported

    truth = ground_truth()
    counts = dict((family, [0, 0, 0]) for family in FAMILIES)  # true positives, false positives, false negatives
    false_protected = 0
    for fixture, expected in sorted(truth.items()):
        got = reported(run_audit(str(DOCROOTS / fixture)))
        for family in FAMILIES:
            want, have = set(expected[family]), set(got[family])
            counts[family][0] += len(want & have)
            counts[family][1] += len(have - want)
            counts[family][2] += len(want - have)
        false_protected += len(set(got["protected_forms"]) - set(expected["protected_forms"]))
    print("corpus: %d labelled fixtures" % len(truth))
    for family, (hits, extra, missed) in counts.items():
        precision = hits / (hits + extra) if hits + extra else 1.0
        recall = hits / (hits + missed) if hits + missed else 1.0
        print("  %-18s precision %5.1f%%   recall %5.1f%%   (%d right, %d false, %d missed)"
              % (family, 100 * precision, 100 * recall, hits, extra, missed))
    print("  false 'protected' forms: %d" % false_protected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--bound-seconds", type=float, default=5.0,
                        help="the stated bound: seconds allowed for --files files (default 5)")
    parser.add_argument("--peer-ref", default=PEER_REF,
                        help="the revision whose audit is the peer (default %s, before issue 12)" % PEER_REF)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each audit against the peer (default 3)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mail-scripts-audit-bench-"))
    try:
        current = collections_root(workdir)
        sys.path.insert(0, current)
        from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.audit import run_audit

        corpus_scores(run_audit)
        site = workdir / "site"
        generate(site, args.files)
        bound_rate = args.files / args.bound_seconds
        read_seconds = timed(lambda: bare_read(site))[0]
        print("files: %d   bound: %.0f files/s (%d files in %.1f s)"
              % (args.files, bound_rate, args.files, args.bound_seconds))
        print("bare read (peer):        %8.0f files/s" % (args.files / read_seconds))
        php = shutil.which("php")
        runs = [("audit, no PHP check", None)] + ([("audit + PHP syntax check", php)] if php else [])
        for label, binary in runs:
            seconds, result = timed(lambda: run_audit(str(site), php=binary))
            rate = args.files / seconds
            print("%-24s %8.0f files/s   ratio to bound %.2f   %.1fx the bare read's time   (%d findings)"
                  % (label + ":", rate, rate / bound_rate, seconds / read_seconds, len(result["findings"])))
        if php:
            print("the PHP check parses every PHP file in one php process, then compiles the %d scripts that send"
                  " mail with php -l, one process each (%d at a time): those processes dominate its time"
                  % (len(result["mail_scripts"]), os.cpu_count() or 1))
        if not php:
            print("php not found: the syntax check was not measured")
        against_peer(args, workdir, current, site, php)
    finally:
        shutil.rmtree(str(workdir))


if __name__ == "__main__":
    main()
