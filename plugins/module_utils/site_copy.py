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

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.walker import ENV, Excluder, kind_of

MANIFEST = ".mailops-site-files.json"
# Folders that hold what visitors uploaded and what the site caches: never the site's own code.
DEFAULT_EXCLUDE = ("wp-content/uploads", "uploads", "**/cache", "cache")
_CONFIG_NAMES = (".user.ini", ".htaccess")


def copied(relative):
    """Whether the copy holds this file (by its name; exclusions aside)."""
    name = posixpath.basename(relative)
    if name.lower() in _CONFIG_NAMES:
        return True
    kind = kind_of(name)
    return kind is not None and kind != ENV


class SiteCopy(object):
    """The copy in ``dest`` of the tree ``root`` of an FTPS session (``ftps.FtpsSite``)."""

    def __init__(self, dest, exclude=(), max_file_size=None):
        self.dest = os.path.realpath(dest)
        self.excluder = Excluder(list(DEFAULT_EXCLUDE) + list(exclude))
        self.max_file_size = max_file_size

    def plan(self, listing):
        """What a run does, from the server's ``listing`` (``(relative, facts)`` pairs) and the manifest:
        ``{fetch, unchanged, remove, skipped}``; ``fetch`` holds ``(relative, facts)``."""
        known = self.manifest()
        fetch, unchanged, skipped, seen = [], [], [], set()
        for relative, facts in listing:
            if not copied(relative) or self.excluder.excludes_file(relative) or not _safe(relative):
                continue
            size = _size(facts)
            if self.max_file_size is not None and size is not None and size > self.max_file_size:
                skipped.append({"file": relative, "reason": "larger than max_file_size (%d bytes)" % size})
                continue
            seen.add(relative)
            stamp = [size, facts.get("modify")]
            if known.get(relative) == stamp and os.path.isfile(self.local(relative)):
                unchanged.append(relative)
            else:
                fetch.append((relative, facts))
        remove = sorted(relative for relative in known if relative not in seen)
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
        return data.get("files", {}) if isinstance(data, dict) else {}

    def apply(self, site, root, plan):
        """Fetch and remove as planned; the bytes transferred. The manifest records each file once it is in place."""
        _private_dir(self.dest)
        files = dict(self.manifest())
        transferred = 0
        try:
            for relative, facts in plan["fetch"]:
                target = self.local(relative)
                _private_dir(os.path.dirname(target))
                handle, temporary = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(target))
                try:
                    with os.fdopen(handle, "wb") as stream:
                        transferred += site.retrieve(posixpath.join(root, relative), stream)
                    os.chmod(temporary, 0o600)
                    os.replace(temporary, target)
                except BaseException:
                    os.unlink(temporary)
                    raise
                files[relative] = [_size(facts), facts.get("modify")]
            for relative in plan["remove"]:
                try:
                    os.unlink(self.local(relative))
                except FileNotFoundError:
                    pass
                files.pop(relative, None)
        finally:
            self._write_manifest(files)
        return transferred

    def _write_manifest(self, files):
        handle, temporary = tempfile.mkstemp(prefix=".part-", dir=self.dest)
        with os.fdopen(handle, "w") as stream:
            json.dump({"files": files}, stream, sort_keys=True)
        os.replace(temporary, os.path.join(self.dest, MANIFEST))


def _size(facts):
    try:
        return int(facts.get("size"))
    except (TypeError, ValueError):
        return None


def _safe(relative):
    """A path the copy may hold: no parent reference, nothing absolute (a hostile server's names stay inside)."""
    parts = relative.split("/")
    return not relative.startswith("/") and ".." not in parts and "" not in parts and "\\" not in relative \
        and relative != MANIFEST


def _private_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
