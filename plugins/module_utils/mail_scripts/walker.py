# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of a document root the audit reads: never a symlink out of the root, never a loop."""

from __future__ import annotations

import fnmatch
import os

PHP = "php"
HTML = "html"
ENV = "env"
USER_INI = "user_ini"
JS = "js"  # read only when a page with a form loads it

_PHP_EXTENSIONS = (".php", ".php3", ".php4", ".php5", ".php7", ".php8", ".phtml", ".inc")
_HTML_EXTENSIONS = (".html", ".htm")


def kind_of(name):
    """What a file name is to the audit, or None for a file it does not read."""
    lower = name.lower()
    if lower.endswith(_PHP_EXTENSIONS):
        return PHP
    if lower.endswith(_HTML_EXTENSIONS):
        return HTML
    if lower.endswith(".js"):
        return JS
    if lower == ".user.ini":
        return USER_INI
    if lower == ".env" or lower.startswith(".env."):
        return ENV
    return None


class Excluder(object):
    """``exclude`` globs matched against paths relative to the root (``*`` also crosses ``/``);
    a directory that matches (``vendor``, ``vendor/**``, ``**/cache``) is not entered at all."""

    def __init__(self, patterns):
        self.patterns = [pattern.strip("/") if not pattern.endswith("/**") else pattern for pattern in patterns]

    def excludes_file(self, relative):
        return any(fnmatch.fnmatchcase(relative, pattern) for pattern in self.patterns)

    def excludes_dir(self, relative):
        return any(
            fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative + "/", pattern)
            for pattern in self.patterns
        )


class WalkedFile(object):
    __slots__ = ("relative", "path", "kind")

    def __init__(self, relative, path, kind):
        self.relative = relative
        self.path = path
        self.kind = kind


def walk(root, exclude=(), max_file_size=None):
    """Return ``(files, skipped)``: the readable files under ``root`` sorted by relative path, and
    ``{file, reason}`` for each file or directory left out for safety or size (not for ``exclude``)."""
    root = os.path.realpath(root)
    excluder = Excluder(exclude)
    files = []
    skipped = []
    pending = [""]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, directory) if directory else root))
        except OSError as error:
            skipped.append({"file": directory or ".", "reason": "unreadable directory: %s" % error.strerror})
            continue
        for entry in entries:
            relative = directory + "/" + entry.name if directory else entry.name
            try:
                if entry.is_symlink():
                    _symlink(root, relative, entry, excluder, max_file_size, files, skipped)
                elif entry.is_dir(follow_symlinks=False):
                    if not excluder.excludes_dir(relative):
                        pending.append(relative)
                elif entry.is_file(follow_symlinks=False):
                    _regular(relative, entry.path, entry.stat(follow_symlinks=False).st_size, excluder,
                             max_file_size, files, skipped)
            except OSError as error:
                skipped.append({"file": relative, "reason": "unreadable: %s" % error.strerror})
    files.sort(key=lambda walked: walked.relative)
    skipped.sort(key=lambda item: item["file"])
    return files, skipped


def _symlink(root, relative, entry, excluder, max_file_size, files, skipped):
    target = os.path.realpath(entry.path)
    inside = target == root or target.startswith(root + os.sep)
    if os.path.isdir(target):
        if not excluder.excludes_dir(relative):
            reason = "symlink to a directory, not followed" if inside else "symlink out of path, not followed"
            skipped.append({"file": relative, "reason": reason})
        return
    if kind_of(entry.name) is None or excluder.excludes_file(relative):
        return
    if not inside:
        skipped.append({"file": relative, "reason": "symlink out of path, not followed"})
    elif os.path.isfile(target):
        _regular(relative, target, os.stat(target).st_size, excluder, max_file_size, files, skipped)


def _regular(relative, path, size, excluder, max_file_size, files, skipped):
    kind = kind_of(os.path.basename(relative))
    if kind is None or excluder.excludes_file(relative):
        return
    if max_file_size is not None and size > max_file_size:
        skipped.append({"file": relative, "reason": "larger than max_file_size (%d bytes)" % size})
        return
    files.append(WalkedFile(relative, path, kind))
