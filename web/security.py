"""What keeps the app safe in production: headers, cookies, trusted proxies and prefixes, rate limits."""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter

CSP = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
       "form-action": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'", "object-src": "'none'"}


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
