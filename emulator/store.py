"""The emulator's state in SQLite: tokens, sandboxes and connections survive a restart."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sandboxes (
    name TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
    region TEXT NOT NULL, is_default INTEGER NOT NULL, etag INTEGER NOT NULL, position INTEGER NOT NULL,
    created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, sandbox TEXT NOT NULL, body TEXT NOT NULL, secret_params TEXT NOT NULL,
    in_use INTEGER NOT NULL DEFAULT 0);
"""

SEED_SANDBOXES = (
    # name, title, type, state, default
    ("prod", "Production", "production", "active", True),
    ("dev", "Development", "development", "active", False),
    ("marketing-qa", "Marketing QA", "development", "active", False),
    ("eu-pilot", "EU pilot", "development", "creating", False),
)


class Store:
    """A small SQLite store, safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
        if not self.count("sandboxes"):
            self.seed_sandboxes()

    def _run(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def count(self, table: str) -> int:
        return self._run(f"SELECT COUNT(*) FROM {table}")[0][0]

    def reset(self) -> None:
        """Forget every token and connection; put the seed sandboxes back."""
        with self._lock:
            self._db.executescript("DELETE FROM tokens; DELETE FROM connections; DELETE FROM sandboxes;")
        self.seed_sandboxes()

    # tokens
    def add_token(self, token: str, client_id: str, lifetime: float) -> None:
        self._run("INSERT INTO tokens VALUES (?, ?, ?)", (token, client_id, time.time() + lifetime))

    def token_client(self, token: str) -> str | None:
        """The client a live token was issued to, or None when unknown or expired."""
        rows = self._run("SELECT client_id FROM tokens WHERE token = ? AND expires_at > ?", (token, time.time()))
        return rows[0]["client_id"] if rows else None

    def expire_tokens(self) -> int:
        """End every token now, as if its lifetime had run out."""
        with self._lock:
            return self._db.execute("UPDATE tokens SET expires_at = 0").rowcount

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

    def sandboxes(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """One page of sandboxes in a stable order, and how many there are in all."""
        rows = self._run("SELECT * FROM sandboxes ORDER BY position LIMIT ? OFFSET ?", (limit, offset))
        return [self._sandbox(row) for row in rows], self.count("sandboxes")

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
                  (body["id"], body["sandboxName"], json.dumps(body), json.dumps(secret_params)))

    def connections(self, sandbox: str) -> list[dict[str, Any]]:
        rows = self._run("SELECT body FROM connections WHERE sandbox = ? ORDER BY rowid", (sandbox,))
        return [json.loads(row["body"]) for row in rows]

    def connection(self, sandbox: str, connection_id: str) -> tuple[dict[str, Any], dict[str, Any], bool] | None:
        """The connection as returned, its secrets, and whether dataflows use it."""
        rows = self._run("SELECT * FROM connections WHERE sandbox = ? AND id = ?", (sandbox, connection_id))
        if not rows:
            return None
        row = rows[0]
        return json.loads(row["body"]), json.loads(row["secret_params"]), bool(row["in_use"])

    def set_in_use(self, connection_id: str, in_use: bool) -> bool:
        with self._lock:
            cursor = self._db.execute("UPDATE connections SET in_use = ? WHERE id = ?", (int(in_use), connection_id))
            return cursor.rowcount > 0

    def delete_connection(self, connection_id: str) -> None:
        self._run("DELETE FROM connections WHERE id = ?", (connection_id,))
