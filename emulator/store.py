"""The emulator's state in SQLite: tokens, sandboxes and connections survive a restart.

Connection secrets (the auth params the connection spec marks ``format: password``) are sealed with
Fernet before they reach the database. The key lives beside the database in ``platform.key``; both
files are the owner's only (0600) in a folder that is the owner's only (0700). The key beside the data
does not protect against someone who can read the folder as its owner; it keeps the secrets out of
the database file itself, so that a copied, backed-up or attached ``platform.sqlite3`` holds none.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

KEY_FILE = "platform.key"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
# A Fernet token is URL-safe base64 of a version byte 0x80 and more: it always starts so.
SEALED_PREFIX = "gAAAAA"

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
        private_folder(path.parent)
        self._fernet = Fernet(load_key(path.parent / KEY_FILE))
        private_file(path)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            # Deleted rows are overwritten with zeros, not left in free pages of the file.
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.executescript(SCHEMA)
        self._seal_clear_secrets()
        if not self.count("sandboxes"):
            self.seed_sandboxes()

    def _seal(self, secrets: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(secrets).encode()).decode()

    def _open(self, sealed: str) -> dict[str, Any]:
        """The secrets of a row; none when the key that sealed them is gone (the connection then fails
        its test, as one whose keys were revoked would)."""
        try:
            return json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            log.warning("A connection's secrets cannot be opened with %s; treating them as absent", KEY_FILE)
            return {}

    def _seal_clear_secrets(self) -> None:
        """Seal the secrets that an earlier version stored in clear, then rewrite the file without them."""
        rows = self._run("SELECT id, secret_params FROM connections")
        clear = [(row["id"], row["secret_params"]) for row in rows
                 if not row["secret_params"].startswith(SEALED_PREFIX)]
        if not clear:
            return
        for connection_id, secrets in clear:
            self._run("UPDATE connections SET secret_params = ? WHERE id = ?",
                      (self._seal(json.loads(secrets)), connection_id))
        self._run("VACUUM")  # the old pages still hold the clear text until the file is rebuilt

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

    def set_in_use(self, connection_id: str, in_use: bool) -> bool:
        with self._lock:
            cursor = self._db.execute("UPDATE connections SET in_use = ? WHERE id = ?", (int(in_use), connection_id))
            return cursor.rowcount > 0

    def delete_connection(self, connection_id: str) -> None:
        self._run("DELETE FROM connections WHERE id = ?", (connection_id,))


def private_folder(folder: Path) -> None:
    """Create the data folder for the owner only (0700). A folder that exists is left as it is: it may be
    shared (say ``/tmp``); the files in it are the owner's only whatever the folder allows."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(PRIVATE_DIR)  # mkdir's mode is reduced by the umask; chmod is not


def private_file(path: Path) -> None:
    """Create ``path`` (if needed) readable and writable by the owner only, before anything is written."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)  # also tightens a file that an earlier version created 0644


def load_key(path: Path) -> bytes:
    """The Fernet key in ``path``, made on first use: created exclusively with mode 0600, so that it is
    never readable by others, not even for a moment."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        path.chmod(PRIVATE_FILE)
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    return key
