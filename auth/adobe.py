"""Signing in with an Adobe ID: the OAuth 2.0 authorization code flow with IMS (Authlib's Flask client,
with state and PKCE S256), the person's tokens sealed in the session store, and the platform client
that carries them."""
from __future__ import annotations

import json
import logging
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session

from connector import Platform, PlatformError, UserGrant, UserTokens, revoke
from web.sealed import get_secret_box

from .identity import Identity

log = logging.getLogger(__name__)
oauth = OAuth()
SESSION_KEY = "auth"
# openid and the profile and email scopes give IMS's userinfo the person's name and address;
# offline_access gives a refresh token; the rest are what Experience Platform's APIs need.
USER_SCOPES = "openid,AdobeID,profile,email,offline_access,read_organizations,additional_info.projectedProductContext"


def init_adobe(app: Flask, platform: Platform) -> None:
    """Register IMS as the OAuth provider, with the integration's OAuth Web App credential."""
    ims = platform.settings.ims_url
    oauth.init_app(app)
    oauth.register(
        "adobe", client_id=platform.settings.client_id, client_secret=platform.settings.client_secret,
        authorize_url=f"{ims}/ims/authorize/v2", access_token_url=f"{ims}/ims/token/v3",
        userinfo_endpoint=f"{ims}/ims/userinfo/v2",
        client_kwargs={"scope": USER_SCOPES, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_post"})


def adobe_client():
    return oauth.create_client("adobe")


def signed_in_identity() -> Identity | None:
    """The person signed in to this session, or None."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or not stored.get("user") or not stored.get("grant"):
        return None
    return Identity(user=str(stored["user"]), name=str(stored.get("name") or stored["user"]), mode="adobe")


def stored_grant(data: Any = None) -> UserGrant | None:
    """The person's tokens in this session (or in ``data``, a session as stored), unsealed; None when there
    are none or the seal is broken."""
    stored = (session if data is None else data).get(SESSION_KEY)
    sealed = stored.get("grant") if isinstance(stored, dict) else None
    opened = get_secret_box().open(sealed) if isinstance(sealed, str) else ""
    try:
        values = json.loads(opened) if opened else None
        return UserGrant(**values) if isinstance(values, dict) else None
    except TypeError:
        return None


def keep_grant(grant: UserGrant) -> None:
    """Seal the person's (renewed) tokens into the session: never in a cookie, never in clear."""
    stored = dict(session.get(SESSION_KEY) or {})
    stored["grant"] = get_secret_box().seal(json.dumps(grant.as_dict()))
    session[SESSION_KEY] = stored


def sign_in(token: dict[str, Any], profile: dict[str, Any]) -> Identity:
    """Keep who signed in and their tokens; the caller renews the session id."""
    user = str(profile.get("email") or profile.get("sub") or "")
    name = " ".join(filter(None, (profile.get("given_name"), profile.get("family_name")))) or str(
        profile.get("name") or user)
    session[SESSION_KEY] = {"user": user, "name": name}
    keep_grant(UserGrant.from_answer(token))
    return Identity(user=user, name=name, mode="adobe")


def sign_out() -> None:
    """End the sign-in at IMS too: revoking the refresh token ends its access tokens with it."""
    grant = stored_grant()
    if grant is None:
        return
    settings = current_app.extensions["platform"].settings
    for token in filter(None, (grant.refresh_token, grant.access_token)):
        try:
            revoke(settings, token)
        except PlatformError as error:     # signed out here anyway; IMS ends the tokens when they expire
            log.warning("IMS did not revoke a token at sign-out: %s", type(error).__name__)


def kept_grant() -> UserGrant | None:
    """The person's tokens as the session store holds them now (another request may have renewed them)."""
    data = current_app.session_interface.read_stored(session)
    return stored_grant(data) if isinstance(data, dict) else None


def platform_for_person(shared: Platform) -> Platform:
    """The platform client of a signed-in person: their own token (renewed with their refresh token and
    kept sealed in the session), the shared connection pool."""
    grant = stored_grant() or UserGrant(access_token="", expires_at=0.0)
    return shared.with_tokens(UserTokens(shared.settings, grant, on_renew=keep_grant, http=shared.session.http,
                                         latest=kept_grant))
