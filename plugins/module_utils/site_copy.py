# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A copy, on the controller, of the files of a site that the mail-scripts audit reads, kept up to date run after run.

For a hosting without SSH the audit cannot run where the files are, so the files come to it: the PHP, HTML and
JavaScript files, ``.user.ini`` and ``.htaccess``, with the audit's exclusions and size cap. Never uploads, media,
caches or backups (they are no code, or no code of the site's), and never ``.env`` files, which hold secrets and
nothing a form sends mail with. A second run fetches only the files whose size or modification time changed
(MLSD's facts, kept in a manifest beside the copy) and removes the copies of files gone from the site.

Each file is written under a temporary name then renamed, so a cut connection never leaves a half-written copy
for the audit to read; the manifest is written last, so an interrupted run fetches again what it had not
recorded. The copy is private to the controller's user (folders 0700, files 0600): site code holds credentials.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsTooLarge
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.walker import Excluder, kind_of

MANIFEST = ".mailops-site-files.json"
# Folders that hold what visitors uploaded and what the site caches, at any depth: never the site's own code.
DEFAULT_EXCLUDE = ("uploads", "**/uploads", "wp-content/uploads", "**/wp-content/uploads", "cache", "**/cache")
_CONFIG_NAMES = (".user.ini", ".htaccess")


def copied(relative):
    """Whether the copy holds this file (by its name; exclusions aside). No ``.env`` file, ``.env.php`` and the
    like included: they hold secrets."""
    name = posixpath.basename(relative).lower()
    if name in _CONFIG_NAMES:
        return True
    return not name.startswith(".env") and kind_of(name) is not None


class SiteCopy(object):
    """The copy in ``dest`` of the tree ``root`` of an FTPS session (``ftps.FtpsSite``)."""

    def __init__(self, dest, exclude=(), max_file_size=None):
        self.dest = os.path.realpath(dest)
        self.excluder = Excluder(list(DEFAULT_EXCLUDE) + list(exclude))
        # A .user.ini decides what PHP prepends for its folder: the guard's checks need every one the copy's folders
        # hold, whatever the user's globs leave out.
        self.folders_only = Excluder(list(DEFAULT_EXCLUDE))
        self.max_file_size = max_file_size

    def plan(self, listing):
        """What a run does, from the server's ``listing`` (``(relative, facts)`` pairs) and the manifest:
        ``{fetch, unchanged, remove, skipped}``; ``fetch`` holds ``(relative, facts)``."""
        known = self.manifest()
        fetch, unchanged, skipped, seen = [], [], [], set()
        for relative, facts in listing:
            excluder = self.folders_only if posixpath.basename(relative) == ".user.ini" else self.excluder
            if relative in seen or not copied(relative) or excluder.excludes_file(relative) or not _safe(relative):
                continue
            size = _size(facts)
            if self.max_file_size is not None and size is not None and size > self.max_file_size:
                skipped.append({"file": relative, "reason": "larger than max_file_size (%d bytes)" % size})
                continue
            seen.add(relative)
            stamp = [size, facts.get("modify")]
            # Without a size and a time from the server, a change can't be told: fetch it again.
            if None not in stamp and known.get(relative) == stamp and os.path.isfile(self.local(relative)):
                unchanged.append(relative)
            else:
                fetch.append((relative, facts))
        remove = sorted(relative for relative in known if relative not in seen and _safe(relative))
        return {"fetch": fetch, "unchanged": unchanged, "remove": remove, "skipped": skipped}

    def enter(self, relative):
        return not self.excluder.excludes_dir(relative) and _safe(relative)

    def local(self, relative):
        return os.path.join(self.dest, *relative.split("/"))

    def manifest(self):
        try:
            with open(os.path.join(self.dest, MANIFEST)) as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return files if isinstance(files, dict) else {}

    def apply(self, site, root, plan):
        """Remove, then fetch, as planned; the bytes transferred. A file larger than ``max_file_size`` when it
        comes is left out and added to ``plan["skipped"]``. The manifest records each file once it is in place."""
        _private_dir(self.dest)
        os.chmod(self.dest, 0o700)  # the site's code, credentials included: the controller's user only
        _remove_parts(self.dest)
        files = dict(self.manifest())
        transferred = 0
        try:
            for relative in plan["remove"]:
                try:
                    os.unlink(self.local(relative))
                except (FileNotFoundError, IsADirectoryError):
                    pass
                files.pop(relative, None)
            for relative, facts in plan["fetch"]:
                target = self.local(relative)
                _private_dir(os.path.dirname(target))
                handle, temporary = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(target))
                try:
                    with os.fdopen(handle, "wb") as stream:
                        transferred += site.retrieve(posixpath.join(root, relative), stream, limit=self.max_file_size)
                    os.chmod(temporary, 0o600)
                    os.replace(temporary, target)
                except FtpsTooLarge:
                    os.unlink(temporary)
                    plan["skipped"].append({"file": relative, "reason": "larger than max_file_size when downloaded"})
                    files.pop(relative, None)
                    continue
                except BaseException:
                    os.unlink(temporary)
                    raise
                files[relative] = [_size(facts), facts.get("modify")]
        finally:
            self._write_manifest(files)
        return transferred

    def _write_manifest(self, files):
        handle, temporary = tempfile.mkstemp(prefix=".part-", dir=self.dest)
        with os.fdopen(handle, "w") as stream:
            json.dump({"files": files}, stream, sort_keys=True)
        os.replace(temporary, os.path.join(self.dest, MANIFEST))


def _size(facts):
    """MLSD's size, or None when it is missing, no number or negative (the download's limit still holds)."""
    text = str(facts.get("size") or "")
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return None
    return int(text)


def _safe(relative):
    """A path the copy may hold: no parent reference, nothing absolute (a hostile server's names stay inside)."""
    parts = relative.split("/")
    return not relative.startswith("/") and ".." not in parts and "" not in parts and "\\" not in relative \
        and relative != MANIFEST and not any(ord(char) < 0x20 or ord(char) == 0x7f for char in relative)


def _private_dir(path):
    """``path`` and every folder up to it that is missing, each created 0700 (makedirs would give the umask's)."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder, 0o700)
        os.chmod(folder, 0o700)


def _remove_parts(dest):
    """The temporary files a killed run left behind."""
    for folder, dummy, names in os.walk(dest):
        for name in names:
            if name.startswith(".part-"):
                os.unlink(os.path.join(folder, name))
