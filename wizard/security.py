"""What keeps the wizard safe in production: headers, cookies, proxies and prefixes, rate limits, the
session store's failures, and the audit log."""
from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timezone
from typing import Any

import redis
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from werkzeug.datastructures import CallbackDict
from werkzeug.middleware.proxy_fix import ProxyFix

audit_log = logging.getLogger("audit")
CSP = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
       "form-action": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'", "object-src": "'none'"}
STORE_ERRORS = (redis.exceptions.RedisError, OSError)

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def secure_app(app: Flask) -> None:
    """Security headers, secure cookies, trusted proxies and the URL prefix, rate limits."""
    Talisman(app, force_https=False, content_security_policy=CSP, frame_options="DENY",
             referrer_policy="same-origin", session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
             session_cookie_http_only=True, session_cookie_samesite="Lax", permissions_policy={})
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # X-Forwarded-For, -Proto, -Host and -Prefix, from that many proxies and no others
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    else:        # nobody may claim to be a proxy
        app.wsgi_app = IgnoreForwardedHeaders(app.wsgi_app)
    if app.config.get("URL_PREFIX"):
        app.wsgi_app = PrefixMiddleware(app.wsgi_app, app.config["URL_PREFIX"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a limiter without its store lets requests by
    limiter.init_app(app)


class IgnoreForwardedHeaders:
    """Drop every X-Forwarded-* header: with no trusted proxy configured, they are anybody's claim."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for name in [key for key in environ if key.startswith("HTTP_X_FORWARDED_")]:
            del environ[name]
        return self.wsgi_app(environ, start_response)


class PrefixMiddleware:
    """Serve the app under ``prefix`` when the proxy forwards the full path (``/portal/kinesis/...``)."""

    def __init__(self, wsgi_app, prefix: str) -> None:
        self.wsgi_app = wsgi_app
        self.prefix = "/" + prefix.strip("/")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        return self.wsgi_app(environ, start_response)


class StandInSession(CallbackDict, SessionMixin):
    """An empty session that is never saved, for requests that arrive while the store is down."""


class ResilientSessions(SessionInterface):
    """The configured server-side sessions, with two additions.

    The cookie path follows the prefix the app is served under (``request.script_root``). When the
    store cannot be reached, the request gets a stand-in session and ``g.session_store_down`` is set,
    so that a page can say so instead of failing.
    """

    def __init__(self, inner: SessionInterface) -> None:
        self.inner = inner
        self.inner.get_cookie_path = self.get_cookie_path  # type: ignore[method-assign]

    def get_cookie_path(self, app: Flask) -> str:
        return app.config["SESSION_COOKIE_PATH"] or request.script_root or "/"

    def open_session(self, app: Flask, request_: Any):
        try:
            return self.inner.open_session(app, request_)
        except STORE_ERRORS as error:
            logging.getLogger(__name__).error("session store unreachable: %s", type(error).__name__)
            g.session_store_down = True
            return StandInSession()

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if isinstance(session, StandInSession):
            return
        try:
            self.inner.save_session(app, session, response)
        except STORE_ERRORS as error:
            logging.getLogger(__name__).error("session not saved: %s", type(error).__name__)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


def audit(event: str, *, sandbox: str, connection_id: str, name: str, key_hint: str) -> None:
    """One structured line per created or reused connection; never a secret."""
    header = current_app.config.get("TRUSTED_USER_HEADER")
    record = {"event": event, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "user": request.headers.get(header) if header else None, "client": request.remote_addr,
              "sandbox": sandbox, "connection_id": connection_id, "name": name, "access_key_id_last4": key_hint}
    audit_log.info(json.dumps(record, ensure_ascii=False))


class SecretBox:
    """Seals the secret access key for the session store: Fernet, with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kinesis-wizard", info=b"session secrets"
                   ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret, or "" when the seal is broken (another SECRET_KEY, tampering)."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return ""
