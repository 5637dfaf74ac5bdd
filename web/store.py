"""The server-side stores: sessions (Flask-Session), the general cache and the create ledger, in files
under the instance folder, or in Redis when ``REDIS_URL`` is set; and what a page does when they fail."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import redis
from cachelib import BaseCache, FileSystemCache, RedisCache
from flask import Flask, flash, g, render_template, request, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from .extensions import server_session
from .i18n import gettext
from .once import CacheClaims, FileClaims, OnceLedger

log = logging.getLogger(__name__)
STORE_ERRORS = (redis.exceptions.RedisError, OSError)
# Requests that never need a session: they neither read nor write one.
SESSIONLESS_ENDPOINTS = ("static", "health.healthz", "health.readyz")
PRUNE_EVERY = 300.0   # seconds between two passes over the session files that remove the expired ones


def init_stores(app: Flask) -> None:
    """Bind sessions, the general cache and the create ledger to files or Redis."""
    instance = Path(app.instance_path)
    if app.config["REDIS_URL"]:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        app.config.setdefault("SESSION_TYPE", "redis")
        app.config.setdefault("SESSION_REDIS", client)
        cache: BaseCache = RedisCache(host=client, key_prefix="kinesis-wizard:cache:")
        ledger_store: BaseCache = RedisCache(host=client, key_prefix="kinesis-wizard:")
        claims: Any = CacheClaims(ledger_store)
    else:
        app.config.setdefault("SESSION_TYPE", "cachelib")
        app.config.setdefault("SESSION_CACHELIB", ExpiringFileCache(str(instance / "sessions"), mode=0o600))
        cache = FileSystemCache(str(instance / "cache"), threshold=2000, mode=0o600)
        ledger_store = FileSystemCache(str(instance / "once"), threshold=10000, mode=0o600)
        claims = FileClaims(instance / "claims")
    app.config.setdefault("SESSION_PERMANENT", True)
    app.config.setdefault("SESSION_SERIALIZATION_FORMAT", "json")
    server_session.init_app(app)
    app.session_interface = ResilientSessions(app.session_interface)
    app.extensions["cache"] = cache
    app.extensions["once_ledger"] = OnceLedger(ledger_store, claims)


class ExpiringFileCache(FileSystemCache):
    """Files that expire, at the same cost whatever their number.

    cachelib's ``threshold`` counts the files and, once past it, lists the whole folder and reads every
    file's header on each write (0.3 s a request past 10,000 sessions). This cache counts nothing
    (threshold 0) and removes expired files instead at most once every ``prune_every`` seconds, in a
    background thread that no request waits for. An expired file is never read as a session in the
    meantime: ``get`` checks each file's expiry.
    """

    def __init__(self, cache_dir: str, prune_every: float = PRUNE_EVERY, **options: Any) -> None:
        super().__init__(cache_dir, threshold=0, **options)
        self.prune_every = prune_every
        self.next_prune = 0.0             # the first write after a start clears what expired meanwhile
        self._scheduling = threading.Lock()
        self._pruner: threading.Thread | None = None

    def _prune(self) -> None:
        # cachelib calls this before every write: it only starts a pass when one is due.
        if time.time() < self.next_prune or not self._scheduling.acquire(blocking=False):
            return
        try:
            if time.time() >= self.next_prune and not (self._pruner and self._pruner.is_alive()):
                self.next_prune = time.time() + self.prune_every
                self._pruner = threading.Thread(target=self._remove_expired_files, name="session-files-prune",
                                                daemon=True)
                self._pruner.start()
        finally:
            self._scheduling.release()

    def _remove_expired_files(self) -> None:
        try:
            self._remove_expired(time.time())
        except OSError as error:          # the folder itself unreadable: try again at the next pass
            log.warning("expired sessions not removed: %s", type(error).__name__)

    def wait_for_prune(self, timeout: float | None = None) -> None:
        """Wait until the pass in progress, if any, has ended (for tests and orderly shutdowns)."""
        pruner = self._pruner
        if pruner is not None:
            pruner.join(timeout)


def store_down_page():
    """The page for a request that needs the session store while it cannot be reached."""
    return render_template("error.html", status=503, title=gettext("Please try again in a moment"),
                           message=gettext("This tool cannot reach its session store right now, so it cannot "
                                           "keep your entries. Nothing was sent to Adobe.")), 503


class StandInSession(CallbackDict, SessionMixin):
    """An empty session that is never saved, for requests that arrive while the store is down."""


# What the session machinery writes for itself; a session holding nothing else is not worth storing.
BOOKKEEPING = frozenset({"_permanent", "seen"})


def worth_keeping(data: Any) -> bool:
    """True when ``data`` holds something besides the bookkeeping: a CSRF token, a flash, a language,
    wizard state."""
    return any(key not in BOOKKEEPING for key in data)


class ResilientSessions(SessionInterface):
    """The configured server-side sessions (Flask-Session), written by the rules this app keeps.

    Flask-Session reads and deletes; the decision to write, and the cookie, are made here:

    - A session is stored only when it holds something worth keeping (``worth_keeping``): a request that
      keeps nothing (a 404, a redirect, a health check) costs the store nothing and gets no cookie.
    - A page that changes nothing only reads. An active session is written again (its expiry renewed,
      ``seen`` stamped) once its last write is ``renew_after`` old, so idleness is counted to that.
    - The cookie path follows the prefix the app is served under (``request.script_root``).
    - When the store cannot be reached, the request gets a stand-in session and
      ``g.session_store_down`` is set, so that a page can say so instead of failing.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def get_cookie_path(self, app: Flask) -> str:
        return app.config["SESSION_COOKIE_PATH"] or request.script_root or "/"

    @staticmethod
    def renew_after(app: Flask) -> float:
        """Seconds after which an active session is written again: a minute, or a fifteenth of the
        lifetime when that is shorter."""
        return min(60.0, app.permanent_session_lifetime.total_seconds() / 15)

    def open_session(self, app: Flask, request_: Any):
        try:
            session_ = self.inner.open_session(app, request_)
        except STORE_ERRORS as error:
            log.error("session store unreachable: %s", type(error).__name__)
            g.session_store_down = True
            return StandInSession()
        session_.existed = bool(session_)    # read from the store (a new one holds only "_permanent")
        return session_

    def save_session(self, app: Flask, session_: Any, response: Any) -> None:
        if isinstance(session_, StandInSession):
            return
        if session_.accessed:
            response.vary.add("Cookie")
        if not worth_keeping(session_):
            if session_.existed:
                self._delete(app, session_.sid, response)
            elif request.cookies.get(self.get_cookie_name(app)) and request.endpoint not in SESSIONLESS_ENDPOINTS:
                self.forget_cookie(app, response)  # its session is gone and was told so: once is enough
            return
        if not (session_.modified or self._renewal_due(app, session_)):
            return
        session_["seen"] = time.time()
        try:
            self.inner._upsert_session(app.permanent_session_lifetime, session_, self._key(session_.sid))
        except STORE_ERRORS as error:
            log.error("session not saved: %s", type(error).__name__)
            return
        self.set_cookie(app, session_, response)

    def _renewal_due(self, app: Flask, session_: Any) -> bool:
        seen = session_.get("seen")
        return not isinstance(seen, (int, float)) or time.time() - seen >= self.renew_after(app)

    def _key(self, sid: str) -> str:
        return self.inner._get_store_id(sid)

    def _delete(self, app: Flask, sid: str, response: Any) -> None:
        try:
            self.inner._delete_session(self._key(sid))
        except STORE_ERRORS as error:
            log.error("session not deleted: %s", type(error).__name__)
            return
        self.forget_cookie(app, response)

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return dict(domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                    secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
                    samesite=self.get_cookie_samesite(app))

    def set_cookie(self, app: Flask, session_: Any, response: Any) -> None:
        """The cookie naming ``session_``, expiring with it."""
        sid = self.inner._sign(app, session_.sid) if self.inner.use_signer else session_.sid
        response.set_cookie(self.get_cookie_name(app), sid, expires=self.get_expiration_time(app, session_),
                            **self._cookie_options(app))
        response.vary.add("Cookie")

    def forget_cookie(self, app: Flask, response: Any) -> None:
        """Tell the browser to drop the session cookie."""
        response.delete_cookie(self.get_cookie_name(app), **self._cookie_options(app))
        response.vary.add("Cookie")

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


def register_session_checks(app: Flask) -> None:
    """Say so when the session store is down, or when a returning visitor's session has expired."""

    @app.before_request
    def check_session():
        if request.endpoint in SESSIONLESS_ENDPOINTS:
            return None
        if g.get("session_store_down"):
            return store_down_page()
        if request.cookies.get(app.config["SESSION_COOKIE_NAME"]) and not session.existed:
            minutes = int(app.permanent_session_lifetime.total_seconds() // 60)
            flash(gettext("Your session ended after %(minutes)d minutes without activity, and what you had "
                          "entered (the secret access key too) was wiped. Please start again.",
                          minutes=minutes), "info")
        return None
