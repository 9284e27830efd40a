# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The form guard of ``mailops.ovh_hosting.form_captcha`` on a site reached over FTPS: what to write, what to take
back. It leaves the site as the role's SSH tasks do, byte for byte, so either transport can remove what the other
deployed:

- the guard's folder (``.form_captcha``) with its files, and the notes the removal needs (``user-ini-created``,
  ``user-ini-no-final-newline``);
- a marked block in the document root's ``.user.ini`` that prepends the guard, placed as ``blockinfile`` places it
  (replaced where it is, else appended, a final newline added to the line before it).

The folder's files are written before ``.user.ini``, so PHP runs the guard only once it is whole; on removal
``.user.ini`` is restored first. Every file of the site replaced or deleted, and every guard file replaced, is kept
first in a backup on the controller.
"""

from __future__ import annotations

import os
import posixpath
import re
import time

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.ftps import FtpsError

CREATED_NOTE = "user-ini-created"
NO_FINAL_NEWLINE_NOTE = "user-ini-no-final-newline"
_NOTES = {
    CREATED_NOTE: b"created by mailops.ovh_hosting.form_captcha\n",
    NO_FINAL_NEWLINE_NOTE: b"the site's .user.ini had no final newline\n",
}
MAX_FILE = 1024 * 1024  # the guard's files and .user.ini are a few kilobytes; more is not what this role wrote
# What ftps.FtpsSite.store leaves when the connection is cut between its upload and its rename.
_LEFTOVER = re.compile(r"^\..+\.part-[0-9a-f]{8}$")


def markers(marker):
    """The begin and end lines of the block, as ``blockinfile`` writes them."""
    return (marker.replace("{mark}", "BEGIN") + "\n").encode(), (marker.replace("{mark}", "END") + "\n").encode()


def with_block(text, marker, block):
    """``text`` (bytes, None for no file) with the block in it, as ``blockinfile`` would leave it."""
    begin, end = markers(marker)
    block = block.encode() if isinstance(block, str) else block
    if not block.endswith(b"\n"):
        block += b"\n"
    lines = (text or b"").splitlines(True)
    start, stop = _block_span(lines, begin, end)
    if start is None:
        start = len(lines)
    else:
        del lines[start:stop + 1]
    if start > 0 and not lines[start - 1].endswith(b"\n"):
        lines[start - 1] += b"\n"
    lines[start:start] = [begin] + block.splitlines(True) + [end]
    return b"".join(lines)


def without_block(text, marker):
    """``text`` without the block, or None when it holds none."""
    begin, end = markers(marker)
    lines = (text or b"").splitlines(True)
    start, stop = _block_span(lines, begin, end)
    if start is None:
        return None
    del lines[start:stop + 1]
    return b"".join(lines)


def _block_span(lines, begin, end):
    starts = [index for index, line in enumerate(lines) if line == begin]
    stops = [index for index, line in enumerate(lines) if line == end]
    if not starts or not stops:
        return None, None
    return min(starts[-1], stops[-1]), max(starts[-1], stops[-1])


class GuardSite(object):
    """The guard on the site under ``root`` of an FTPS session (``ftps.FtpsSite``).

    ``files`` maps each name of the guard's folder to its bytes; those in ``secret`` are written 0600 and their
    text never goes in a diff. ``backup_dir`` is a folder on the controller for the files replaced."""

    def __init__(self, site, root, marker, block, folder=".form_captcha", files=None, secret=(), backup_dir=None):
        self.site, self.root, self.marker, self.block = site, root.rstrip("/") or "/", marker, block
        self.folder = folder
        self.files = files or {}
        self.secret = set(secret)
        self.backup_dir = backup_dir
        self.backups = []  # [{file, backup}] made so far, kept when a later step fails
        # One folder of backups per run, never one of an earlier run's.
        now = time.time()
        self._stamp = "%s.%06dZ" % (time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)), int(now % 1 * 1000000))

    def path(self, *names):
        return posixpath.join(self.root, *names)

    def read_state(self):
        """What is on the site now: ``{user_ini: bytes|None, user_ini_mode, folder: {name: bytes} | None,
        leftovers: [names under the root]}``. The files are asked for by name, whatever the listing shows."""
        root = self.site.entries(self.root)
        if root is None:
            raise FtpsError("%s is no folder on %s:%d" % (self.root, self.site.host, self.site.port))
        user_ini = self.site.read(self.path(".user.ini"), limit=MAX_FILE)
        if user_ini is not None and ".user.ini" not in root:
            # Then nested .user.ini files are hidden from the copy the checks before a deploy read, too.
            raise FtpsError("the FTP server %s:%d hides dot files from its listings (%s/.user.ini is there but not "
                            "listed): the .user.ini files of the site's folders cannot be checked; have the server "
                            "list them (Pure-FTPd: -D)" % (self.site.host, self.site.port, self.root))
        leftovers = [name for name in root if name.startswith("..user.ini.part-") and _LEFTOVER.match(name)]
        if user_ini is None and leftovers:
            raise FtpsError("%s/.user.ini is missing and %s holds what a cut run was writing there (a server that "
                            "cannot rename onto a file had the old one deleted first): rename it to .user.ini, or "
                            "delete it if the site had no .user.ini, then rerun" % (self.root, leftovers[0]))
        entries = self.site.entries(self.path(self.folder))
        folder = None
        if entries is not None:
            folder = {name: self.site.read(self.path(self.folder, name), limit=MAX_FILE)
                      for name, facts in sorted(entries.items())
                      if facts.get("type") == "file" and (name in self.files or name in _NOTES)}
            leftovers += [posixpath.join(self.folder, name) for name in entries if _LEFTOVER.match(name)]
        facts = root.get(".user.ini") or {}
        return {"user_ini": user_ini, "user_ini_mode": _mode(facts.get("unix.mode")), "folder": folder,
                "leftovers": sorted(leftovers)}

    def plan_present(self, state):
        """The writes that deploy the guard, in order: ``[(name under the root, bytes, mode)]``; and whether the
        folder must be made."""
        current = state["folder"] or {}
        user_ini = state["user_ini"]
        writes = []
        if user_ini is None and CREATED_NOTE not in current:
            writes.append((posixpath.join(self.folder, CREATED_NOTE), _NOTES[CREATED_NOTE], 0o644))
        if user_ini and not user_ini.endswith(b"\n") and NO_FINAL_NEWLINE_NOTE not in current:
            writes.append((posixpath.join(self.folder, NO_FINAL_NEWLINE_NOTE), _NOTES[NO_FINAL_NEWLINE_NOTE], 0o644))
        for name in sorted(self.files):
            if current.get(name) != self.files[name]:
                writes.append((posixpath.join(self.folder, name), self.files[name],
                               0o600 if name in self.secret else 0o644))
        wanted = with_block(user_ini, self.marker, self.block)
        if wanted != user_ini:
            writes.append((".user.ini", wanted, None))
        return {"make_folder": state["folder"] is None, "writes": writes, "delete": list(state["leftovers"]),
                "remove_folder": False}

    def plan_absent(self, state):
        """The steps that take the guard off, as the role's SSH tasks do: the block out of ``.user.ini`` (the final
        newline it needed taken back; the file deleted when the role created it and nothing else is left), then
        the folder."""
        notes = state["folder"] or {}
        writes, delete = [], [name for name in state["leftovers"] if "/" not in name]
        restored = without_block(state["user_ini"], self.marker)
        if restored is not None:
            if NO_FINAL_NEWLINE_NOTE in notes and restored.endswith(b"\n"):
                restored = restored[:-1]
            if restored or CREATED_NOTE not in notes:
                writes.append((".user.ini", restored, None))
            else:
                delete.append(".user.ini")
        return {"make_folder": False, "writes": writes, "delete": delete,
                "remove_folder": state["folder"] is not None}

    def apply(self, plan, state):
        """Carry out ``plan``, a backup made of each file before it is replaced or deleted (``self.backups``)."""
        backups = self.backups
        replaced = self._current(state)
        if plan["make_folder"]:
            self.site.make_folder(self.path(self.folder))
        for name, data, mode in plan["writes"]:
            if replaced.get(name) is not None:
                backups.append(self._backup(name, replaced[name]))
            self.site.store(self.path(name), data, mode=state["user_ini_mode"] if mode is None else mode)
        for name in plan["delete"]:
            if replaced.get(name) is not None:
                backups.append(self._backup(name, replaced[name]))
            self.site.delete(self.path(name))
        if plan["remove_folder"]:
            for name, data in sorted((state["folder"] or {}).items()):
                if name in self.files and data is not None:
                    backups.append(self._backup("%s/%s" % (self.folder, name), data))
            self.site.remove_tree(self.path(self.folder))

    def diff(self, plan, state):
        """Before and after of each file the plan writes or deletes; the secret ones named, never shown."""
        replaced = self._current(state)
        diffs = []
        for name, data, _mode in plan["writes"]:
            diffs.append({"before_header": self.path(name), "after_header": self.path(name),
                          "before": self._shown(name, replaced.get(name)), "after": self._shown(name, data)})
        for name in plan["delete"]:
            if name in state["leftovers"]:
                continue  # a temporary file of a cut run, not the site's
            diffs.append({"before_header": self.path(name), "after_header": "%s (deleted)" % self.path(name),
                          "before": self._shown(name, replaced.get(name)), "after": ""})
        if plan["remove_folder"]:
            diffs.append({"before_header": self.path(self.folder), "after_header": "%s (removed)" % self.path(self.folder),
                          "before": "".join("%s\n" % name for name in sorted(state["folder"])), "after": ""})
        return diffs

    def _current(self, state):
        """The bytes now on the site of each file the plan may replace, by its name under the root."""
        current = {posixpath.join(self.folder, name): data for name, data in (state["folder"] or {}).items()}
        current[".user.ini"] = state["user_ini"]
        return current

    def _shown(self, name, data):
        if data is None:
            return ""
        if posixpath.basename(name) in self.secret:
            return "(%s holds the secret key: not shown)\n" % name
        return data.decode("utf-8", "replace")

    def _backup(self, name, data):
        """A copy of ``data`` in the backup folder, private to the controller's user."""
        target = os.path.join(self.backup_dir, self._stamp, *name.split("/"))
        folder = self.backup_dir
        for part in [self._stamp] + name.split("/")[:-1]:
            os.makedirs(folder, mode=0o700, exist_ok=True)  # each level private, not only the last
            folder = os.path.join(folder, part)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        return {"file": name, "backup": target}


def _mode(unix_mode):
    """The mode MLSD's ``unix.mode`` gives, kept when the site's ``.user.ini`` is replaced; 0644 when unsaid or
    no mode (and never one that lets others write)."""
    if not unix_mode or not re.match(r"^[0-7]{3,4}$", unix_mode):
        return 0o644
    return int(unix_mode, 8) & 0o755
