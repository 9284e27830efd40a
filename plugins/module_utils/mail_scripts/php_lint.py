# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule ``php_syntax_error``: what PHP itself says of a script.

``php -l`` lints one file per process (PHP before 8.3), too slow for 10,000 files. So every PHP file
goes through one ``php`` process that parses it with ``token_get_all(..., TOKEN_PARSE)``, the parser
``php -l`` runs; then the scripts that matter most (those that send mail, and form handlers) are also
compiled by ``php -l``, which also reports compile-time errors (a redeclared function, ``break`` outside
a loop...). The file's code is never executed.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import findings

_BATCH_PARSER = r"""
// Each answer names its file by index: a path or message that is not UTF-8 (a Latin-1 site) would make
// json_encode fail, and a substituted path would not match the one asked about.
$paths = explode("\0", stream_get_contents(STDIN));
$tokenizer = function_exists('token_get_all');
$answer = function ($fields) { echo json_encode($fields, JSON_INVALID_UTF8_SUBSTITUTE), "\n"; };
foreach ($paths as $index => $path) {
    if ($path === '') { continue; }
    if (!$tokenizer) { $answer(array('index' => $index, 'unchecked' => true)); continue; }
    $code = @file_get_contents($path);
    if ($code === false) { continue; }
    try {
        token_get_all($code, TOKEN_PARSE);
    } catch (\ParseError $error) {
        $answer(array('index' => $index, 'line' => $error->getLine(), 'message' => $error->getMessage()));
    } catch (\CompileError $error) {
        $answer(array('index' => $index, 'line' => $error->getLine(), 'message' => $error->getMessage()));
    }
}
"""
_LINT_ERROR = re.compile(r"(?:PHP )?(?:Parse|Fatal) error:\s+(?P<message>.*?) in (?P<path>.*) on line (?P<line>\d+)")


class PhpLintError(Exception):
    """``php`` could not run at all (not a syntax error in a script)."""


def parse_all(php, paths, compile_also=(), timeout=600):
    """``{path: (line, message)}`` for the files the PHP parser rejects; then ``php -l`` compiles, one by
    one, the files PHP could not check (no tokenizer extension) and those of ``compile_also`` it accepted."""
    if not paths:
        return {}
    try:
        completed = subprocess.run(
            [php, "-d", "display_errors=stderr", "-d", "memory_limit=512M", "-r", _BATCH_PARSER],
            input="\0".join(paths).encode("utf-8", "surrogateescape"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PhpLintError("cannot run %s: %s" % (php, error))
    if completed.returncode != 0:
        raise PhpLintError("%s failed (exit %d): %s" % (php, completed.returncode,
                                                        completed.stderr.decode("utf-8", "replace").strip()))
    errors = {}
    unchecked = []
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        item = json.loads(line)
        path = paths[item["index"]]
        if item.get("unchecked"):
            unchecked.append(path)
        else:
            errors[path] = (int(item["line"]), item["message"])
    to_compile = set(unchecked).union(path for path in compile_also if path not in errors)
    errors.update(lint_each(php, sorted(to_compile)))
    return errors


def lint_each(php, paths, timeout=60):
    """``php -l`` on each path, one process per file, as many at once as there are CPUs:
    ``{path: (line, message)}`` for those that fail."""
    workers = max(1, min(len(paths), os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda path: (path, _lint_one(php, path, timeout)), paths))
    return dict((path, error) for path, error in results if error is not None)


def _lint_one(php, path, timeout):
    try:
        # -n: no php.ini, so no extension to load: compiling needs none, and it starts faster.
        completed = subprocess.run([php, "-n", "-d", "display_errors=stderr", "-l", path],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PhpLintError("cannot run %s -l: %s" % (php, error))
    if completed.returncode == 0:
        return None
    output = (completed.stderr + completed.stdout).decode("utf-8", "replace")
    match = _LINT_ERROR.search(output)
    if match:
        return int(match.group("line")), match.group("message").strip()
    return 1, output.strip().splitlines()[0] if output.strip() else "php -l failed"


# A line that sets one of these: PHP's message may quote its source (a password with a quote in it).
_SECRET_LINE = re.compile(r"pass|secret|pwd|dsn|token|api_?key|private|smtps?://|://[^/\s:@]+:[^/\s@]+@",
                          re.IGNORECASE)
WITHHELD = "syntax error near a line that sets a password, a secret or a DSN (PHP's message withheld: it can quote it)"


def safe_message(text, line, message):
    """``message``, unless the failing line or the two before it set a secret: PHP quotes the source."""
    lines = text.splitlines()
    near = lines[max(0, line - 3):max(0, line)]
    if any(_SECRET_LINE.search(source_line) for source_line in near):
        return WITHHELD
    return message


def syntax_findings(relative, line, message):
    return findings.finding(
        findings.PHP_SYNTAX_ERROR, relative, line,
        "PHP cannot compile this script (%s): fix it; a form posting here gets an error page and sends "
        "nothing" % message,
        php_message=message,
    )
