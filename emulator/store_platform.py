"""The store's Sandbox Management and Flow Service side: sandboxes, and base connections with their
secrets sealed apart from the body Flow Service returns.

A mixin of ``Store`` (``store.py``), which provides the database (``_run``, ``_db``, ``_lock``, ``count``)
and the sealing of secrets (``_seal``, ``_open``).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any, Callable

SEED_SANDBOXES = (
    # name, title, type, state, default
    ("prod", "Production", "production", "active", True),
    ("dev", "Development", "development", "active", False),
    ("marketing-qa", "Marketing QA", "development", "active", False),
    ("eu-pilot", "EU pilot", "development", "creating", False),
)


class PlatformRecords:
    """Sandboxes and base connections, kept in ``Store``'s database."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _run: Callable[..., list[sqlite3.Row]]
    count: Callable[[str], int]
    _seal: Callable[[dict[str, Any]], str]
    _open: Callable[[str], dict[str, Any]]

    # sandboxes
    def seed_sandboxes(self) -> None:
        for name, title, kind, state, default in SEED_SANDBOXES:
            self.add_sandbox(name, title, kind, state, default)

    def add_sandbox(self, name: str, title: str, kind: str = "development", state: str = "active",
                    is_default: bool = False, region: str = "VA7") -> None:
        position = self.count("sandboxes")
        self._run("INSERT OR REPLACE INTO sandboxes VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                  (name, title, kind, state, region, int(is_default), position,
                   time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))

    def sandboxes(self, limit: int, offset: int, only: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """One page of sandboxes in a stable order, and how many there are in all; with ``only``, of those
        names only."""
        if only is None:
            rows = self._run("SELECT * FROM sandboxes ORDER BY position LIMIT ? OFFSET ?", (limit, offset))
            return [self._sandbox(row) for row in rows], self.count("sandboxes")
        marks = ", ".join("?" * len(only))
        rows = self._run(f"SELECT * FROM sandboxes WHERE name IN ({marks}) ORDER BY position", only)
        return [self._sandbox(row) for row in rows[offset:offset + limit]], len(rows)

    def sandbox(self, name: str) -> dict[str, Any] | None:
        rows = self._run("SELECT * FROM sandboxes WHERE name = ?", (name,))
        return self._sandbox(rows[0]) if rows else None

    @staticmethod
    def _sandbox(row: sqlite3.Row) -> dict[str, Any]:
        return {"name": row["name"], "title": row["title"], "state": row["state"], "type": row["type"],
                "region": row["region"], "isDefault": bool(row["is_default"]), "eTag": row["etag"],
                "createdDate": row["created"], "lastModifiedDate": row["created"]}

    # connections
    def add_connection(self, body: dict[str, Any], secret_params: dict[str, Any]) -> None:
        """Keep a connection: ``body`` as it is returned, the secrets apart from it."""
        self._run("INSERT INTO connections (id, sandbox, body, secret_params) VALUES (?, ?, ?, ?)",
                  (body["id"], body["sandboxName"], json.dumps(body), self._seal(secret_params)))

    def connections(self, sandbox: str) -> list[dict[str, Any]]:
        rows = self._run("SELECT body FROM connections WHERE sandbox = ? ORDER BY rowid", (sandbox,))
        return [json.loads(row["body"]) for row in rows]

    def connection(self, sandbox: str, connection_id: str) -> tuple[dict[str, Any], dict[str, Any], bool] | None:
        """The connection as returned, its secrets, and whether dataflows use it."""
        rows = self._run("SELECT * FROM connections WHERE sandbox = ? AND id = ?", (sandbox, connection_id))
        if not rows:
            return None
        row = rows[0]
        return json.loads(row["body"]), self._open(row["secret_params"]), bool(row["in_use"])

    def replace_connection(self, connection_id: str, expected_etag: str, body: dict[str, Any],
                           secret_params: dict[str, Any]) -> bool:
        """Put ``body`` (and its secrets, sealed) in place of the connection whose etag is still
        ``expected_etag``, in one step; False when it changed meanwhile (or is gone)."""
        with self._lock:
            row = self._db.execute("SELECT body FROM connections WHERE id = ?", (connection_id,)).fetchone()
            if row is None or json.loads(row["body"]).get("etag") != expected_etag:
                return False
            self._db.execute("UPDATE connections SET body = ?, secret_params = ? WHERE id = ?",
                             (json.dumps(body), self._seal(secret_params), connection_id))
        return True

    def set_in_use(self, connection_id: str, in_use: bool) -> bool:
        with self._lock:
            cursor = self._db.execute("UPDATE connections SET in_use = ? WHERE id = ?", (int(in_use), connection_id))
            return cursor.rowcount > 0

    def delete_connection(self, connection_id: str) -> None:
        self._run("DELETE FROM connections WHERE id = ?", (connection_id,))
