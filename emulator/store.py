"""The emulator's state in SQLite: tokens, users, sandboxes and connections survive a restart.

This module holds the database itself: its schema and what an earlier version left behind, its files
(owner's only), the seal on connection secrets, the seed lock and reset. The queries of each side are
mixins: IMS's tokens, codes, sign-ins and users in ``store_ims``; sandboxes and base connections in
``store_platform``; the other platform objects in ``entities``.

Connection secrets (the auth params the connection spec marks ``format: password``) are sealed with
Fernet before they reach the database. The key lives beside the database in ``platform.key``; both
files are the owner's only (0600) in a folder that is the owner's only (0700). The key beside the data
does not protect against someone who can read the folder as its owner; it keeps the secrets out of
the database file itself, so that a copied, backed-up or attached ``platform.sqlite3`` holds none.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from cryptography.fernet import Fernet, InvalidToken

from . import entities
from .store_ims import ImsRecords
from .store_platform import PlatformRecords

log = logging.getLogger(__name__)

KEY_FILE = "platform.key"
# Held while one process seeds what must exist once (demo mode's objects), across processes sharing the folder.
SEED_LOCK_FILE = "seed.lock"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
# A Fernet token is URL-safe base64 of a version byte 0x80 and more: it always starts so.
SEALED_PREFIX = "gAAAAA"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at REAL NOT NULL,
    kind TEXT NOT NULL DEFAULT 'access', user_id TEXT, grant_id TEXT, scope TEXT);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, given_name TEXT NOT NULL,
    family_name TEXT NOT NULL, country TEXT NOT NULL, sandboxes TEXT NOT NULL, permissions TEXT NOT NULL,
    position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, user_id TEXT NOT NULL,
    scope TEXT NOT NULL, challenge TEXT, challenge_method TEXT, grant_id TEXT NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sign_ins (
    nonce TEXT PRIMARY KEY, request TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sandboxes (
    name TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
    region TEXT NOT NULL, is_default INTEGER NOT NULL, etag INTEGER NOT NULL, position INTEGER NOT NULL,
    created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, sandbox TEXT NOT NULL, body TEXT NOT NULL, secret_params TEXT NOT NULL,
    in_use INTEGER NOT NULL DEFAULT 0);
"""


class Store(ImsRecords, PlatformRecords):
    """A small SQLite store, safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        private_folder(path.parent)
        self._folder = path.parent
        self._fernet = Fernet(load_key(path.parent / KEY_FILE))
        private_file(path)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            # Deleted rows are overwritten with zeros, not left in free pages of the file.
            self._db.execute("PRAGMA secure_delete = ON")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(tokens)")}
            if columns and "kind" not in columns:
                # An earlier version kept tokens in clear and knew no users: forget them (their holders
                # are answered 401013 and ask again, as after any expiry).
                self._db.execute("DROP TABLE tokens")
            self._db.executescript(SCHEMA)
            self._db.executescript(entities.SCHEMA)
        self.entities = entities.Entities(self._run)
        self._seal_clear_secrets()
        if not self.count("sandboxes"):
            self.seed_sandboxes()
        if not self.count("users"):
            self.seed_users()

    @contextmanager
    def seeding(self) -> Iterator[None]:
        """Hold the data folder's seed lock: two processes starting on one folder at once (two app
        workers in demo mode) look for and make seeded objects one after the other, so only one makes
        them. An OS file lock: let go when the holder ends, even when it dies."""
        private_file(self._folder / SEED_LOCK_FILE)
        with open(self._folder / SEED_LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

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
        """Forget every token, code, sign-in, connection and other object; put the seed sandboxes and users back."""
        with self._lock:
            self._db.executescript("DELETE FROM tokens; DELETE FROM connections; DELETE FROM sandboxes; "
                                   "DELETE FROM users; DELETE FROM codes; DELETE FROM sign_ins; "
                                   "DELETE FROM entities;")
        self.seed_sandboxes()
        self.seed_users()


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
