"""Sessions on the server: stored only when worth keeping, renewed ids, no late write-back, and what a
page says when the store is down or lost a session."""
from __future__ import annotations

import copy
import logging
import time
from typing import Any

import redis
from flask import Flask, current_app, flash, g, render_template, request, session
from flask.sessions import SessionInterface, SessionMixin
from flask_session.redis import RedisSessionInterface
from itsdangerous import BadSignature, Signer
from werkzeug.datastructures import CallbackDict

from .i18n import gettext

log = logging.getLogger(__name__)
STORE_ERRORS = (redis.exceptions.RedisError, OSError)
# Requests that never need a session: they neither read nor write one.
SESSIONLESS_ENDPOINTS = ("static", "health.healthz", "health.readyz")


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


def changes_applied(stored: dict, opened: dict, current: dict) -> dict:
    """``stored`` with the changes one request made to the session it read (``opened`` → ``current``),
    key by key: what other requests changed meanwhile under other keys stays."""
    data = dict(stored)
    for key in opened.keys() | current.keys():
        if key not in current:
            data.pop(key, None)
        elif key not in opened or current[key] != opened[key]:
            data[key] = current[key]
    return data


def renew_session() -> None:
    """Give this request's session a new id from its save on (the create, Start over): a request still
    holding the old id can no longer write to it."""
    current_app.session_interface.regenerate(session._get_current_object())  # type: ignore[attr-defined]


WRITTEN, EMPTIED, GONE = "written", "emptied", "gone"


class ResilientSessions(SessionInterface):
    """The configured server-side sessions (Flask-Session), written by the rules this app keeps.

    Flask-Session opens the session and lends its store's primitives; whether and what to write, and the
    cookie, are decided here:

    - A session is stored only when it holds something worth keeping (``worth_keeping``): a request that
      keeps nothing (a 404, a redirect, a health check) costs the store nothing and gets no cookie.
    - A page that changes nothing only reads. An active session is written again (its expiry renewed,
      ``seen`` stamped) once its last write is ``renew_after`` old, so idleness is counted to that.
    - No resurrection. A write re-reads what the store holds under the id the request read, and applies
      this request's own changes to it key by key (``changes_applied``): another request's change to
      another key stays. When a session that existed as the request began is gone from the store at
      save time, nothing is written: it was renewed (the create, Start over: ``regenerate``) or ended
      meanwhile, and a late request (a slow Test connection) must not bring back what that removed, the
      sealed secret least of all. The renewed id is the generation: whatever a create or Start over
      replaced lives under an id no earlier request holds. On Redis the re-read and the write are one
      transaction (WATCH); on files a write could still slip into the microseconds between them.
    - Each write also sends a signed stamp of its time, so that a session the store lost can be told
      from one that expired (``session_fate``).
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
        session_.opened_sid = session_.sid
        session_.opened = copy.deepcopy(dict(session_))   # this request's changes are told from it at save
        return session_

    def read_stored(self, session_: Any) -> dict | None:
        """What the store holds now under the id this request read (another request may have written
        since); None when nothing, or the store is down."""
        if isinstance(session_, StandInSession):
            return None
        try:
            return self.inner._retrieve_session_data(self._key(session_.opened_sid))
        except STORE_ERRORS:
            return None

    def regenerate(self, session_: Any) -> None:
        """Give ``session_`` a new id, as Flask-Session's ``regenerate`` does, but move it at save time:
        that save moves what the store holds under the old id to the new one, unless another request
        renewed or ended the session first (then neither id is written)."""
        if isinstance(session_, StandInSession):
            return
        session_.sid = self.inner._generate_sid(self.inner.sid_length)
        session_.modified = True

    def save_session(self, app: Flask, session_: Any, response: Any) -> None:
        if isinstance(session_, StandInSession):
            return
        if session_.accessed:
            response.vary.add("Cookie")
        if not session_.existed and not worth_keeping(session_):
            if request.cookies.get(self.get_cookie_name(app)) and request.endpoint not in SESSIONLESS_ENDPOINTS:
                self.forget_cookie(app, response)  # its session is gone and was told so: once is enough
            return
        renewed = session_.sid != session_.opened_sid
        if not (session_.modified or renewed or self._renewal_due(app, session_)):
            return
        now = time.time()
        try:
            outcome = self._write(app, session_, now)
        except STORE_ERRORS as error:
            log.error("session not saved: %s", type(error).__name__)
            return
        if outcome == WRITTEN:
            self.set_cookie(app, session_, response, now)
        elif outcome == EMPTIED:
            self.forget_cookie(app, response)
        else:
            log.info("session not saved: another request renewed or ended it meanwhile")

    def _renewal_due(self, app: Flask, session_: Any) -> bool:
        seen = session_.get("seen")
        return not isinstance(seen, (int, float)) or time.time() - seen >= self.renew_after(app)

    def _key(self, sid: str) -> str:
        return self.inner._get_store_id(sid)

    def _write(self, app: Flask, session_: Any, now: float) -> str:
        """Apply this request's changes to what the store holds now, under the session's (maybe new) id.

        WRITTEN; EMPTIED when nothing worth keeping is left (removed); GONE when the session this request
        read is no longer in the store (nothing written).
        """
        existed, old, new = session_.existed, self._key(session_.opened_sid), self._key(session_.sid)

        def merged(stored: dict | None) -> dict:
            data = dict(session_) if stored is None else changes_applied(stored, session_.opened, dict(session_))
            data["seen"] = now
            return data

        if isinstance(self.inner, RedisSessionInterface):
            return self._write_redis(app, existed, old, new, merged)
        stored = self.inner._retrieve_session_data(old) if existed else None
        if existed and stored is None:
            return GONE
        data = merged(stored)
        keep = worth_keeping(data)
        if keep:
            self.inner._upsert_session(app.permanent_session_lifetime, data, new)
        if existed and (new != old or not keep):
            self.inner._delete_session(old)
        return WRITTEN if keep else EMPTIED

    def _write_redis(self, app: Flask, existed: bool, old: str, new: str, merged: Any) -> str:
        """``_write`` as one Redis transaction: it commits only if the store still holds what it re-read."""
        ttl = int(app.permanent_session_lifetime.total_seconds())
        serializer = self.inner.serializer
        with self.inner.client.pipeline() as pipe:
            for _attempt in range(5):
                try:
                    pipe.watch(old)
                    raw = pipe.get(old) if existed else None
                    if existed and raw is None:
                        return GONE
                    data = merged(serializer.decode(raw) if raw else None)
                    keep = worth_keeping(data)
                    pipe.multi()
                    if keep:
                        pipe.set(new, serializer.encode(data), ex=ttl)
                    if existed and (new != old or not keep):
                        pipe.delete(old)
                    pipe.execute()
                    return WRITTEN if keep else EMPTIED
                except redis.WatchError:
                    continue   # another request wrote it meanwhile: apply this one's changes to its version
        log.warning("session not saved: other requests kept writing it")
        return GONE

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return dict(domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                    secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
                    samesite=self.get_cookie_samesite(app), partitioned=self.get_cookie_partitioned(app))

    def set_cookie(self, app: Flask, session_: Any, response: Any, written: float) -> None:
        """The cookie naming ``session_``, expiring with it, and the stamp of its last write (``session_fate``)."""
        sid = self.inner._sign(app, session_.sid) if self.inner.use_signer else session_.sid
        expires = self.get_expiration_time(app, session_)
        # The session cookie last: a simple client that keeps only the last Set-Cookie (the benchmark's
        # wrk script) keeps the session.
        response.set_cookie(stamp_cookie_name(app), write_stamp(app, sid, written), expires=expires,
                            **self._cookie_options(app))
        response.set_cookie(self.get_cookie_name(app), sid, expires=expires, **self._cookie_options(app))
        response.vary.add("Cookie")

    def forget_cookie(self, app: Flask, response: Any) -> None:
        """Tell the browser to drop the session cookie and its stamp."""
        for name in (stamp_cookie_name(app), self.get_cookie_name(app)):
            response.delete_cookie(name, **self._cookie_options(app))
        response.vary.add("Cookie")

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


def stamp_cookie_name(app: Flask) -> str:
    return app.config["SESSION_COOKIE_NAME"] + "_written"


def _stamp_signer(app: Flask) -> Signer:
    return Signer(app.secret_key, salt="kinesis-wizard session written")  # type: ignore[arg-type]


def write_stamp(app: Flask, sid: str, written: float) -> str:
    """The signed stamp of a session's last write: its cookie value and the server's time, in seconds."""
    return _stamp_signer(app).sign(f"{sid}:{int(written)}").decode()


def session_fate(app: Flask) -> str:
    """Why the session this request's cookie names is not in the store: ``"expired"`` or ``"lost"``.

    The store cannot tell: an expired entry and a lost one (Redis restarted without persistence or
    flushed, session files removed) are equally absent. Nor can the session cookie's own expiry: the
    browser judges it by its own clock, which may be minutes off, and never says when the cookie was
    set. So each write also sets a second cookie, signed with SECRET_KEY, holding the session cookie's
    value and the server's time of that write (whole seconds, taken before the write, so never later
    than the store's own clock for the entry's expiry). Written less than a lifetime ago, the session
    should still be in the store: the store lost it. Without a valid stamp for this cookie (a cookie
    from before stamps, a tampered one), the session is taken to have expired, as it always was. The
    stamp tells nothing the session cookie does not, besides a time; a signature is enough, no secret
    needs hiding.
    """
    cookie = request.cookies.get(app.config["SESSION_COOKIE_NAME"], "")
    try:
        stamped = _stamp_signer(app).unsign(request.cookies.get(stamp_cookie_name(app), "")).decode()
        sid, written = stamped.rsplit(":", 1)
        age = int(time.time()) - int(written)
    except (BadSignature, ValueError):
        return "expired"
    return "lost" if sid == cookie and age < int(app.permanent_session_lifetime.total_seconds()) else "expired"


def register_session_checks(app: Flask) -> None:
    """Say so when the session store is down, or when a returning visitor's session has gone: expired,
    or lost by the store (``session_fate``). ``g.session_ended`` then says which, for the CSRF check
    that fails with it.

    Register it before the CSRF check: a form sent while the store is down must get the store-down
    page, not "This form has expired".
    """

    @app.before_request
    def check_session():
        if request.endpoint in SESSIONLESS_ENDPOINTS:
            return None
        if g.get("session_store_down"):
            return store_down_page()
        if request.cookies.get(app.config["SESSION_COOKIE_NAME"]) and not session.existed:
            g.session_ended = session_fate(app)
            if g.session_ended == "lost":
                log.warning("a session was lost by the store before its expiry (store restarted or flushed?)")
                flash(gettext("This tool lost track of your session on its server, through no action of yours, "
                              "so what you had entered (the secret access key too) is gone. Please start again."),
                      "info")
            else:
                minutes = int(app.permanent_session_lifetime.total_seconds() // 60)
                flash(gettext("Your session ended after %(minutes)d minutes without activity, and what you had "
                              "entered (the secret access key too) was wiped. Please start again.",
                              minutes=minutes), "info")
        return None
