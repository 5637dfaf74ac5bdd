"""The emulator's state in SQLite: tokens, users, sandboxes and connections survive a restart.

Tokens, authorization codes and sign-in nonces are kept as their SHA-256 digests only: the database can
tell a presented token from an unknown one, but a copy of the file holds none that could be replayed.

Connection secrets (the auth params the connection spec marks ``format: password``) are sealed with
Fernet before they reach the database. The key lives beside the database in ``platform.key``; both
files are the owner's only (0600) in a folder that is the owner's only (0700). The key beside the data
does not protect against someone who can read the folder as its owner; it keeps the secrets out of
the database file itself, so that a copied, backed-up or attached ``platform.sqlite3`` holds none.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from cryptography.fernet import Fernet, InvalidToken

from . import entities

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

SEED_SANDBOXES = (
    # name, title, type, state, default
    ("prod", "Production", "production", "active", True),
    ("dev", "Development", "development", "active", False),
    ("marketing-qa", "Marketing QA", "development", "active", False),
    ("eu-pilot", "EU pilot", "development", "creating", False),
)

MANAGE_SOURCES, VIEW_SOURCES = "Manage Sources", "View Sources"
PERMISSIONS = (MANAGE_SOURCES, VIEW_SOURCES)
EVERY_SANDBOX = "*"
SEED_USERS = (
    # email, name, given name, family name, sandboxes, permissions
    ("admin@example.com", "Ada Admin", "Ada", "Admin", EVERY_SANDBOX, [MANAGE_SOURCES, VIEW_SOURCES]),
    ("developer@example.com", "Dev Eloper", "Dev", "Eloper", ["dev"], [MANAGE_SOURCES, VIEW_SOURCES]),
    ("analyst@example.com", "Ana Lyst", "Ana", "Lyst", ["prod", "dev"], [VIEW_SOURCES]),
)
ACCESS, REFRESH = "access", "refresh"


def digest(secret: str) -> str:
    """What the store keeps of a token, code or nonce."""
    return hashlib.sha256(secret.encode()).hexdigest()


def ims_user_id(email: str) -> str:
    """A user's IMS id, stable for an email, shaped like Adobe's (24 hex digits, ``@``, 24 more)."""
    return (hashlib.sha256(email.lower().encode()).hexdigest()[:24].upper() + "@"
            + hashlib.sha256(b"emulator-auth-source").hexdigest()[:24])


class Store:
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

    # tokens
    def add_token(self, token: str, client_id: str, lifetime: float, kind: str = ACCESS,
                  user_id: str | None = None, grant_id: str | None = None, scope: str | None = None) -> None:
        """Keep a token (its digest): an access token, or a refresh token of a user's grant."""
        self._run("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (digest(token), client_id, time.time() + lifetime, kind, user_id, grant_id, scope))

    def token(self, token: str, kind: str = ACCESS) -> dict[str, Any] | None:
        """A live token of that kind: ``client_id``, ``user_id`` (None for client credentials), ``grant_id``,
        ``scope``; None when unknown, expired or revoked."""
        rows = self._run("SELECT client_id, user_id, grant_id, scope FROM tokens "
                         "WHERE token = ? AND kind = ? AND expires_at > ?", (digest(token), kind, time.time()))
        return dict(rows[0]) if rows else None

    def token_client(self, token: str) -> str | None:
        """The client a live access token was issued to, or None when unknown or expired."""
        found = self.token(token)
        return found["client_id"] if found else None

    def take_token(self, token: str, kind: str) -> dict[str, Any] | None:
        """A live token of that kind, ended in the same step: a refresh token serves once, also when two
        requests bring it at the same moment."""
        with self._lock:
            row = self._db.execute("SELECT client_id, user_id, grant_id, scope FROM tokens "
                                   "WHERE token = ? AND kind = ? AND expires_at > ?",
                                   (digest(token), kind, time.time())).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE tokens SET expires_at = 0 WHERE token = ?", (digest(token),))
        return dict(row)

    def find_token(self, token: str) -> dict[str, Any] | None:
        """Any token, live or not, of any kind: ``client_id``, ``kind``, ``grant_id``."""
        rows = self._run("SELECT client_id, kind, grant_id FROM tokens WHERE token = ?", (digest(token),))
        return dict(rows[0]) if rows else None

    def end_token(self, token: str) -> None:
        """End one token now (revoked, or a refresh token once used)."""
        self._run("UPDATE tokens SET expires_at = 0 WHERE token = ?", (digest(token),))

    def end_grant(self, grant_id: str) -> int:
        """End every token of a user's grant (a sign-in and the refreshes that followed it)."""
        with self._lock:
            return self._db.execute("UPDATE tokens SET expires_at = 0 WHERE grant_id = ? AND expires_at > 0",
                                    (grant_id,)).rowcount

    def expire_tokens(self, user_id: str | None = None, kind: str = ACCESS) -> int:
        """End every access token now (or every refresh token, with ``kind``), or only a user's, as if
        their lifetime had run out."""
        sql, args = "UPDATE tokens SET expires_at = 0 WHERE kind = ? AND expires_at > 0", [kind]
        if user_id is not None:
            sql, args = sql + " AND user_id = ?", args + [user_id]
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # authorization codes and pending sign-ins
    def add_code(self, code: str, client_id: str, redirect_uri: str, user_id: str, scope: str,
                 challenge: str | None, challenge_method: str | None, grant_id: str, lifetime: float) -> None:
        self._run("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                  (digest(code), client_id, redirect_uri, user_id, scope, challenge, challenge_method, grant_id,
                   time.time() + lifetime))

    def take_code(self, code: str) -> dict[str, Any] | None:
        """A code's grant, marking the code used; ``used`` says whether it had been used before and
        ``expired`` whether its lifetime is over. None when unknown."""
        with self._lock:
            row = self._db.execute("SELECT * FROM codes WHERE code = ?", (digest(code),)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE codes SET used = 1 WHERE code = ?", (digest(code),))
        found = dict(row)
        found["expired"] = found.pop("expires_at") <= time.time()
        return found

    def add_sign_in(self, nonce: str, request: dict[str, Any], lifetime: float) -> None:
        self._run("DELETE FROM sign_ins WHERE expires_at <= ?", (time.time(),))
        self._run("INSERT INTO sign_ins VALUES (?, ?, ?)", (digest(nonce), json.dumps(request), time.time() + lifetime))

    def take_sign_in(self, nonce: str) -> dict[str, Any] | None:
        """The authorize request a sign-in page was shown for; each nonce serves once."""
        with self._lock:
            row = self._db.execute("SELECT request FROM sign_ins WHERE nonce = ? AND expires_at > ?",
                                   (digest(nonce), time.time())).fetchone()
            self._db.execute("DELETE FROM sign_ins WHERE nonce = ?", (digest(nonce),))
        return json.loads(row["request"]) if row else None

    # users
    def seed_users(self) -> None:
        for email, name, given, family, sandboxes, permissions in SEED_USERS:
            self.add_user(email, name, given, family, sandboxes, permissions)

    def add_user(self, email: str, name: str, given_name: str, family_name: str, sandboxes: list[str] | str,
                 permissions: list[str], country: str = "US") -> dict[str, Any]:
        """Add a user, or change the one with that email (keeping its id and place)."""
        email = email.lower()
        existing = self.user_by_email(email)
        position = existing["position"] if existing else self.count("users")
        self._run("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (ims_user_id(email), email, name, given_name, family_name, country, json.dumps(sandboxes),
                   json.dumps(list(permissions)), position))
        return self.user(ims_user_id(email))  # type: ignore[return-value]

    def users(self) -> list[dict[str, Any]]:
        return [self._user(row) for row in self._run("SELECT * FROM users ORDER BY position")]

    def user(self, user_id: str) -> dict[str, Any] | None:
        rows = self._run("SELECT * FROM users WHERE id = ?", (user_id,))
        return self._user(rows[0]) if rows else None

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        rows = self._run("SELECT * FROM users WHERE email = ?", (email.lower(),))
        return self._user(rows[0]) if rows else None

    @staticmethod
    def _user(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "email": row["email"], "name": row["name"], "given_name": row["given_name"],
                "family_name": row["family_name"], "country": row["country"],
                "sandboxes": json.loads(row["sandboxes"]), "permissions": json.loads(row["permissions"]),
                "position": row["position"]}

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
