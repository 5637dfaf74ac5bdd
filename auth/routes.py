"""Sign in with an Adobe ID, come back, sign out."""
from __future__ import annotations

import logging

from authlib.integrations.base_client import OAuthError
from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from connector import PlatformError
from web.i18n import gettext
from web.sessions import renew_session
from web.urls import local_path

from . import adobe, bp
from .identity import current_identity

log = logging.getLogger(__name__)
NEXT_KEY = "auth_next"
STATE_PREFIX = "_state_adobe_"    # where Authlib keeps a sign-in's state and PKCE verifier


@bp.get("/sign-in")
def sign_in() -> Response:
    """Send the person to Adobe's sign-in page; they come back to the page they were on."""
    if current_app.config["AUTH_MODE"] != "adobe":
        return redirect(url_for("wizard.index"))
    session[NEXT_KEY] = local_path(request.args.get("next", "")) or url_for("wizard.index")
    for key in [key for key in session if key.startswith(STATE_PREFIX)]:
        del session[key]      # an earlier, unfinished sign-in: one at a time, none piling up
    return adobe.adobe_client().authorize_redirect(url_for("auth.callback", _external=True))


@bp.get("/callback")
def callback():
    """Adobe sends the person back here with a code: exchange it, learn who they are, go on."""
    if current_app.config["AUTH_MODE"] != "adobe":
        return redirect(url_for("wizard.index"))
    if request.args.get("error"):
        cancelled = request.args["error"] == "access_denied"
        return sign_in_failed(gettext("You cancelled signing in.") if cancelled else
                              gettext("Adobe did not sign you in."))
    try:
        client = adobe.adobe_client()
        token = client.authorize_access_token()
        profile = client.userinfo(token=token)
    except OAuthError as error:          # a stale or forged state, a refused code
        log.warning("sign-in refused: %s", error.error)
        return sign_in_failed(gettext("Signing in did not complete. Please sign in again."))
    except (PlatformError, OSError, ValueError) as error:
        log.warning("sign-in failed: %s", type(error).__name__)
        return sign_in_failed(gettext("Adobe's sign-in service did not answer. Please try again in a moment."))
    target = session.pop(NEXT_KEY, None) or url_for("wizard.index")
    identity = adobe.sign_in(token, profile)
    renew_session()                      # a new session id for the signed-in person
    log.info("signed in: %s", identity.user)
    return redirect(local_path(target) or url_for("wizard.index"))


def sign_in_failed(message: str):
    return render_template("auth/sign_in_failed.html", message=message), 401


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the session here and the sign-in at Adobe."""
    identity = current_identity()
    if current_app.config["AUTH_MODE"] == "adobe":
        adobe.sign_out()
    session.clear()
    renew_session()
    if not identity.anonymous:
        log.info("signed out: %s", identity.user)
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
def signed_out():
    """Where a person lands after signing out."""
    return render_template("auth/signed_out.html")
