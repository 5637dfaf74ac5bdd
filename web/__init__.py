"""The web machinery every area shares: extensions, stores, security, error pages, languages, static files.

``init_app(app)`` binds it all; the areas (``wizard``, ``explore``) are blueprints the factory registers.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from connector import deadline

from . import widgets
from .errors import register_errorhandlers
from .extensions import babel, csrf
from .i18n import LANGUAGES, compile_catalogues, install_template_gettext, select_locale, translations
from .sealed import SecretBox
from .security import secure_app
from .sessions import register_session_checks
from .store import init_stores


def init_app(app: Flask) -> None:
    """Bind the shared machinery to ``app``."""
    register_deadline(app)
    init_stores(app)
    register_session_checks(app)   # before the CSRF check, which would fail first while the store is down
    secure_app(app)
    csrf.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))
    compile_catalogues(app)   # before Flask-Babel reads the folders: every way of starting serves French
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.extensions["secret_box"] = SecretBox(app.config["SECRET_KEY"])
    register_errorhandlers(app)
    register_static_versions(app)

    from . import health
    app.register_blueprint(health.bp)

    @app.context_processor
    def page_context() -> dict:
        return {"demo_mode": app.config["DEMO_MODE"], "lang": str(get_locale() or "en"),
                "languages": list(LANGUAGES.items())}

    app.add_template_global(csrf_field)
    register_page_url(app)
    register_step_list(app)
    app.add_template_global(widgets.field)


def register_deadline(app: Flask) -> None:
    """Give each request one deadline (``REQUEST_DEADLINE`` seconds) for all its calls to Adobe.

    It stays below the server's own timeout (gunicorn's ``--timeout``), so that a slow platform ends in
    the app's own page rather than in a killed worker; the connector reads it, and ends it with the request.
    """
    @app.before_request
    def start_deadline() -> None:
        g.deadline_token = deadline.start(app.config["REQUEST_DEADLINE"])

    @app.teardown_request
    def end_deadline(_error: BaseException | None) -> None:
        token = g.pop("deadline_token", None)
        if token is not None:
            deadline.end(token)


def csrf_field() -> Markup:
    """The hidden CSRF input of every form, as WTForms renders it, without building a form to get it.

    A page has several (its own form, Start over, the reuse buttons); ``generate_csrf`` gives the same
    token all through a request, so the input is written once per token."""
    token = generate_csrf()
    made = g.get("_csrf_field")
    if made is None or made[0] is not token:
        made = g._csrf_field = (token, Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="%s">')
                                % token)
    return made[1]


def register_page_url(app: Flask) -> None:
    """``page_url()``, a template global: ``url_for`` for the links every page repeats (the stylesheet,
    the script, Start over, the language links of a path…), built once per script root (a proxy's
    prefix), host and values rather than on every page (werkzeug's build, its quoting and the version
    hook cost a few µs each). Values can come from the request (the language links' ``next``): the
    store is bounded.

    When the app reloads changed templates (debug, ``TEMPLATES_AUTO_RELOAD``), static files may change
    too: then every call asks ``url_for``."""
    built: dict[tuple, str] = {}

    def page_url(endpoint: str, **values: str) -> str:
        if app.jinja_env.auto_reload:
            return url_for(endpoint, **values)
        key = (request.script_root, request.host, endpoint, *sorted(values.items()))
        try:
            return built[key]
        except KeyError:
            if len(built) >= 512:   # hosts and prefixes come from the request: keep it bounded
                built.clear()
            built[key] = found = url_for(endpoint, **values)
            return found

    app.add_template_global(page_url)


def register_step_list(app: Flask) -> None:
    """``step_list(step, steps, skipped)``, a template global: the layout's step list (``_steps.html``),
    rendered once per language, prefix, step and list of steps instead of on every page (unless templates
    reload). ``skipped``: the steps the person went around."""
    rendered: dict[tuple, Markup] = {}

    def step_list(step: str, steps: object, skipped: tuple = ()) -> Markup:
        # the completed steps are links: under the prefix of this request
        key = (translations(), request.script_root, step, steps, tuple(skipped))
        if app.jinja_env.auto_reload or key not in rendered:
            if len(rendered) >= 64:
                rendered.clear()
            rendered[key] = Markup(app.jinja_env.get_template("_steps.html").render(
                step=step, steps=steps, skipped=tuple(skipped)))
        return rendered[key]

    app.add_template_global(step_list)


def register_static_versions(app: Flask) -> None:
    """Browsers keep the stylesheet and script for a year instead of asking again on every page: their
    URLs carry a hash of their content, so a changed file has a new URL.

    Like the templates, a file is read once per process, unless the app reloads changed templates
    (debug, ``TEMPLATES_AUTO_RELOAD``): then every link looks at the file again."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(days=365)
    versions: dict[str, str | None] = {}

    def version_of(filename: str) -> str | None:
        path = Path(app.static_folder or "", filename)
        try:
            return content_hash(str(path), path.stat().st_mtime_ns)
        except OSError:
            return None  # no such file: the link gets the 404 it deserves

    @app.url_defaults
    def version_static_files(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            filename = values["filename"]
            if filename not in versions or app.jinja_env.auto_reload:
                versions[filename] = version_of(filename)
            if versions[filename]:
                values.setdefault("v", versions[filename])


@lru_cache(maxsize=64)
def content_hash(path: str, mtime_ns: int) -> str:
    """The first ten hex digits of the file's SHA-256 (``mtime_ns`` renews it when the file changes)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]
