# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite persistence: the model lives in memory and every change is written through, so a restarted
server finds its fleet, keys, clock offset, config and queues again. ``:memory:`` keeps nothing.

Not thread-safe on its own: the ``Simulator`` calls it under its lock.
"""
from __future__ import annotations

import fcntl
import json
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hostings (service_name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
"""


class DatabaseInUse(Exception):
    """Another simulator serves from this file: two in-memory models writing one file would corrupt each other."""


class Store:
    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._lock_file = None if path == ":memory:" else _lock(path)
        try:
            self.db = sqlite3.connect(path, check_same_thread=False)
            if path != ":memory:":
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.Error:
            if self._lock_file is not None:
                self._lock_file.close()
            raise

    def get(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, values: dict) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                [(key, json.dumps(value)) for key, value in values.items()])

    def load_hostings(self) -> list[dict]:
        return [json.loads(data) for (data,) in self.db.execute("SELECT data FROM hostings ORDER BY service_name")]

    def save_hostings(self, hostings: list[dict]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO hostings (service_name, data) VALUES (?, ?)",
                                [(h["service_name"], json.dumps(h, separators=(",", ":"))) for h in hostings])

    def append_outbox(self, messages: list[dict]) -> None:
        with self.db:
            self.db.executemany("INSERT INTO outbox (data) VALUES (?)", [(json.dumps(m),) for m in messages])

    def load_outbox(self, limit: int) -> list[dict]:
        rows = self.db.execute("SELECT data FROM outbox ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [json.loads(data) for (data,) in reversed(rows)]

    def clear_fleet(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM hostings")
            self.db.execute("DELETE FROM outbox")

    def close(self) -> None:
        self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock


def _lock(path: str):
    """An exclusive flock on the database file while the store is open. SQLite's own locks are fcntl locks,
    independent of flock on Linux; this descriptor is closed only after the connection, never before."""
    handle = open(path, "ab")  # noqa: SIM115 - held until close(); an empty file is a new database
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise DatabaseInUse(f"{path} is in use by another running ovhsim; give another --db, or :memory:") from None
    return handle
