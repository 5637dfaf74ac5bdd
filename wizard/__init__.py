"""The web side of the wizard: extensions, blueprints, error pages."""
from __future__ import annotations

import hashlib
import logging
import time
import traceback
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import redis
from cachelib import FileSystemCache, RedisCache
from flask import Flask, flash, g, render_template, request, session
from flask_babel import Babel, get_locale
from flask_session import Session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from connector import PlatformError

from .errors import explain
from .i18n import LANGUAGES, gettext, install_template_gettext, select_locale
from .once import CacheClaims, FileClaims, OnceLedger
from .security import ResilientSessions, SecretBox, secure_app

log = logging.getLogger(__name__)
csrf = CSRFProtect()
babel = Babel()
server_session = Session()


def register(app: Flask) -> None:
    """Wire the wizard into ``app``."""
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_session_checks(app)
    register_static_versions(app)

    @app.context_processor
    def page_context() -> dict:
        return {"demo_mode": app.config["DEMO_MODE"], "lang": str(get_locale() or "en"),
                "languages": list(LANGUAGES.items())}

    app.add_template_global(csrf_field)


def csrf_field() -> Markup:
    """The hidden CSRF input of every form, as WTForms renders it, without building a form to get it."""
    return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="%s">') % generate_csrf()


def register_extensions(app: Flask) -> None:
    instance = Path(app.instance_path)
    if app.config["REDIS_URL"]:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        app.config.setdefault("SESSION_TYPE", "redis")
        app.config.setdefault("SESSION_REDIS", client)
        cache = RedisCache(host=client, key_prefix="kinesis-wizard:")
        claims = CacheClaims(cache)
    else:
        app.config.setdefault("SESSION_TYPE", "cachelib")
        app.config.setdefault("SESSION_CACHELIB", FileSystemCache(str(instance / "sessions"), threshold=10000,
                                                                  mode=0o600))
        cache = FileSystemCache(str(instance / "once"), threshold=10000, mode=0o600)
        claims = FileClaims(instance / "claims")
    app.config.setdefault("SESSION_PERMANENT", True)
    app.config.setdefault("SESSION_SERIALIZATION_FORMAT", "json")
    server_session.init_app(app)
    app.session_interface = ResilientSessions(app.session_interface)
    secure_app(app)
    csrf.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.extensions["once_ledger"] = OnceLedger(cache, claims)
    app.extensions["secret_box"] = SecretBox(app.config["SECRET_KEY"])


def register_blueprints(app: Flask) -> None:
    from . import explore, health, views

    app.register_blueprint(views.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(health.bp)


def store_down_page():
    return render_template("error.html", status=503, title=gettext("Please try again in a moment"),
                           message=gettext("This tool cannot reach its session store right now, so it cannot "
                                           "keep your entries. Nothing was sent to Adobe.")), 503


def register_static_versions(app: Flask) -> None:
    """Browsers keep the stylesheet and script for a year instead of asking again on every page: their
    URLs carry a hash of their content, so a changed file has a new URL."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(days=365)

    @app.url_defaults
    def version_static_files(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            path = Path(app.static_folder or "", values["filename"])
            try:
                values.setdefault("v", content_hash(str(path), path.stat().st_mtime_ns))
            except OSError:
                pass  # no such file: the link gets the 404 it deserves


@lru_cache(maxsize=64)
def content_hash(path: str, mtime_ns: int) -> str:
    """The first ten hex digits of the file's SHA-256 (``mtime_ns`` renews it when the file changes)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def register_session_checks(app: Flask) -> None:
    """Say so when the session store is down, or when a returning visitor's session has expired.

    A session is written to the store only when it changes: pages that just show it cost a read. To
    keep an active wizard alive, the time it was last seen is renewed once a minute (a fifteenth of
    the lifetime when that is shorter), so an idle session expires within that minute of its lifetime.
    """
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False   # renewed below, once a minute
    renew_after = min(60.0, app.permanent_session_lifetime.total_seconds() / 15)

    @app.before_request
    def check_session():
        if request.endpoint in ("static", "health.healthz", "health.readyz"):
            return None
        if g.get("session_store_down"):
            return store_down_page()
        now = time.time()
        seen = session.get("seen")
        if seen is None:
            if request.cookies.get(app.config["SESSION_COOKIE_NAME"]):
                minutes = int(app.permanent_session_lifetime.total_seconds() // 60)
                flash(gettext("Your session ended after %(minutes)d minutes without activity, and what you had "
                              "entered (the secret access key too) was wiped. Please start again.",
                              minutes=minutes), "info")
            session["seen"] = now
        elif not isinstance(seen, (int, float)) or now - seen >= renew_after:
            session["seen"] = now
        return None


def register_errorhandlers(app: Flask) -> None:
    def page(status: int, title: str, message: str, detail: str | None = None):
        return render_template("error.html", status=status, title=title, message=message, detail=detail), status

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        return page(400, gettext("This form has expired"), gettext(
            "The page was open too long or sent from somewhere else, so it was not accepted. Nothing you "
            "entered before is lost: go back to the wizard and send the step again."))

    @app.errorhandler(redis.exceptions.RedisError)
    def store_down(error: Exception):
        log.error("shared store unreachable: %s", type(error).__name__)
        return store_down_page()

    @app.errorhandler(PlatformError)
    def platform_error(error: PlatformError):
        explanation = explain(error)
        return page(explanation.status, gettext("Adobe Experience Platform"), explanation.message,
                    explanation.detail)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {404: gettext("Page not found"), 405: gettext("Not allowed here"),
                  413: gettext("Too much data"), 400: gettext("Bad request"), 429: gettext("Too many attempts")}
        messages = {404: gettext("There is no such page. The wizard starts at its first step."),
                    413: gettext("The form sent more data than any step needs."),
                    429: gettext("Connections were created or tested too often from here. Wait a minute, then "
                                 "go back and try again: everything you entered is kept.")}
        code = error.code or 500
        return page(code, titles.get(code, gettext("Something went wrong")),
                    messages.get(code, gettext("The request could not be handled. Go back to the wizard and "
                                               "try again.")))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Type and place only: an exception's text could carry a value the user typed.
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        log.error("unexpected %s at %s on %s %s", type(error).__name__,
                  f"{frame.filename}:{frame.lineno}" if frame else "?", request.method, request.path)
        return page(500, gettext("Something went wrong"), gettext(
            "This tool hit an unexpected problem. Your entries are kept; go back to the wizard and try again."))
