"""Who may use the wizard: signing in, and the access policy that says what each person may do.

One setting, ``AUTH_MODE``, decides how a request's identity is known:

- ``adobe``: people sign in with their Adobe ID (OAuth 2.0 authorization code with IMS); every
  Platform call carries their own token, so Adobe's permissions decide what they see and may do.
- ``portal``: an admin portal signs people in and its proxy names them in a header; the app keeps the
  integration's credential and the access policy (``ACCESS_POLICY``) decides, default deny.
- ``none``: nobody signs in; the default in demo mode only.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, request, session, url_for

from connector import SignInExpired
from connector.settings import ConfigurationError
from web.errors import error_page
from web.i18n import gettext
from web.urls import local_path

from .identity import MODES, Identity, current_identity
from .policy import AccessPolicy

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")
log = logging.getLogger(__name__)
# What anyone may reach without an identity: the sign-in itself, health checks, static files, languages.
OPEN_ENDPOINTS = frozenset({"static", "health.healthz", "health.readyz", "wizard.language"})

from . import adobe, routes  # noqa: E402,F401  (the routes attach themselves to bp)
from .portal import portal_identity  # noqa: E402


def init_auth(app: Flask) -> None:
    """Decide the sign-in mode, refuse a start that would leave the app open by mistake, and check every
    request's identity before its view runs."""
    mode = resolve_mode(app)
    if mode == "adobe":
        adobe.init_adobe(app, app.extensions["platform"])
        app.extensions["platform_for_request"] = adobe.platform_for_person
    elif mode == "portal":
        app.extensions["access_policy"] = AccessPolicy.load(app.config["ACCESS_POLICY"])
    elif not app.config["DEMO_MODE"]:
        log.warning("AUTH_MODE=none with ALLOW_ANONYMOUS: anyone who reaches this app acts with the "
                    "organization's credential")
    app.register_blueprint(bp)
    app.before_request(identify)
    app.register_error_handler(SignInExpired, sign_in_again)

    @app.context_processor
    def identity_context() -> dict:
        return {"identity": current_identity(), "auth_mode": mode,
                "anonymous_warning": mode == "none" and not app.config["DEMO_MODE"]}


def resolve_mode(app: Flask) -> str:
    """``AUTH_MODE``, checked with what it needs; in demo mode nobody need sign in by default."""
    config = app.config
    mode = (config.get("AUTH_MODE") or "").lower()
    if not mode:
        if not config["DEMO_MODE"]:
            raise ConfigurationError("Set AUTH_MODE to adobe (people sign in with their Adobe ID), portal (an "
                                     "admin portal's proxy names them) or none (nobody signs in).")
        mode = "none"
    if mode not in MODES:
        raise ConfigurationError("AUTH_MODE must be one of adobe, portal, none.")
    if mode == "none" and not config["DEMO_MODE"] and not config.get("ALLOW_ANONYMOUS"):
        raise ConfigurationError("AUTH_MODE=none outside demo mode lets anyone act with the organization's "
                                 "credential: set ALLOW_ANONYMOUS=1 as well if that is really meant.")
    if mode == "portal":
        missing = [name for name in ("TRUSTED_USER_HEADER", "ACCESS_POLICY") if not config.get(name)]
        if config.get("TRUSTED_PROXIES", 0) < 1:
            missing.append("TRUSTED_PROXIES (1 or more)")
        if missing:
            raise ConfigurationError("AUTH_MODE=portal believes the proxy's header only with "
                                     + ", ".join(missing) + " set.")
    config["AUTH_MODE"] = mode
    return mode


def identify():
    """Know who is asking before any view runs; a request without an identity goes no further."""
    mode = current_app.config["AUTH_MODE"]
    if mode == "none":
        g.identity = Identity(mode="none")
        return None
    open_page = request.endpoint in OPEN_ENDPOINTS or request.endpoint is None or request.blueprint == "auth"
    if mode == "portal":
        g.identity = portal_identity(current_app, request)
        if g.identity is None and not open_page:
            return error_page(401, gettext("Sign in through the portal"), gettext(
                "This tool is opened from your organization's admin portal, which tells it who you are. Open "
                "it from the portal, or ask the portal's administrators for access."))
        return None
    g.identity = adobe.signed_in_identity()
    if g.identity is None and not open_page:
        return redirect(url_for("auth.sign_in", next=return_path()))
    return None


def return_path() -> str:
    """Where to come back to after signing in: this page, or for a form, the page it was sent from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    return local_path(referrer.path) or url_for("wizard.index")


def sign_in_again(error: SignInExpired):
    """The person's sign-in ended (expired, revoked): through Adobe's sign-in and back to this page,
    with the wizard as it was (the secret access key too, sealed, for as long as the session lives)."""
    session.pop(adobe.SESSION_KEY, None)
    flash(gettext("Your Adobe sign-in has ended. Sign in again to go on: what you entered is kept."), "info")
    return redirect(url_for("auth.sign_in", next=return_path()))
