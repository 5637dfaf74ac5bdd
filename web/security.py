"""What keeps the app safe in production: headers, cookies, trusted proxies and prefixes, rate limits."""
from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter

CSP = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
       "form-action": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'", "object-src": "'none'"}


def secure_app(app: Flask) -> None:
    """Security headers, secure cookies, pages kept out of the browser's cache, trusted proxies and the URL
    prefix, rate limits."""
    ancestors = app.config.get("FRAME_ANCESTORS") or ()
    if ancestors:
        # Framed by a portal on another site: the cookie must cross sites (SameSite=None, which browsers
        # accept only Secure) and is partitioned (CHIPS), so it lives in that portal's frame alone.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_PARTITIONED"] = True
    # X-Frame-Options cannot name origins: when some may frame the app, CSP's frame-ancestors alone decides.
    Talisman(app, force_https=False, content_security_policy=dict(CSP, **{"frame-ancestors": frame_ancestors(app)}),
             frame_options=None if ancestors else "DENY", referrer_policy="same-origin",
             session_cookie_secure=app.config["SESSION_COOKIE_SECURE"], session_cookie_http_only=True,
             session_cookie_samesite="None" if ancestors else "Lax", permissions_policy={})
    app.after_request(keep_out_of_the_browsers_cache)
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


def frame_ancestors(app: Flask) -> str:
    """CSP's ``frame-ancestors``: the origins of ``FRAME_ANCESTORS``, or ``'none'``."""
    return " ".join(app.config.get("FRAME_ANCESTORS") or ()) or "'none'"


def keep_out_of_the_browsers_cache(response: Response) -> Response:
    """Every page but the static files is ``no-store``: each tells the state of one person's wizard at one
    moment, so Back after a create must ask again (and be sent on to the result) rather than show a
    review page with a live Create button; and no shared cache may keep one person's page for another."""
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


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
