"""The store's IMS side: tokens, authorization codes, pending sign-ins and the seeded people.

Tokens, authorization codes and sign-in nonces are kept as their SHA-256 digests only: the database can
tell a presented token from an unknown one, but a copy of the file holds none that could be replayed.
A mixin of ``Store`` (``store.py``), which provides the database (``_run``, ``_db``, ``_lock``, ``count``).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from typing import Any, Callable

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


class ImsRecords:
    """Tokens, codes, sign-ins and users, kept in ``Store``'s database."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _run: Callable[..., list[sqlite3.Row]]
    count: Callable[[str], int]

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
