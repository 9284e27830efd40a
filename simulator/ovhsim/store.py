# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite persistence: the model lives in memory and every change is written through, so a restarted
server finds its fleet, keys, clock offset, config and queues again. ``:memory:`` keeps nothing.

Not thread-safe on its own: the ``Simulator`` calls it under its lock.
"""
from __future__ import annotations

import json
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hostings (service_name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
"""


class Store:
    def __init__(self, path: str = ":memory:"):
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False)
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

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
