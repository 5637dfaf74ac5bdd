"""IMS: OAuth server-to-server tokens, and a user's sign-in through an OAuth Web App (authorization code).

This module serves the token side (token, userinfo, revoke) and the checks of a client that every endpoint
shares; the authorize request and the sign-in page's form are in ``signin``, on the same blueprint.

Written from PLATFORM.md §1 and Adobe's guide (AdobeDocs/adobe-dev-console,
``guides/authentication/UserAuthentication/``: ``index.md``, ``implementation.md``, ``ims.md``):

- ``GET /ims/authorize/v2`` (``client_id``, ``redirect_uri``, ``scope``, ``response_type``, ``state``,
  ``code_challenge`` / ``code_challenge_method``, ``prompt``, ``response_mode``) shows the sign-in page;
  its form posts to ``POST /ims/sign-in`` (the emulator's own: Adobe signs users in on another site),
  which sends the browser back with ``code`` and ``state``, or ``error=access_denied`` on Cancel.
- ``POST /ims/token/v3`` with ``grant_type`` ``client_credentials``, ``authorization_code`` or
  ``refresh_token``; parameters in the body or the query (as the guide allows), the client's id and
  secret in a ``Basic`` Authorization header (the guide's way for a Web App) or as ``client_id`` and
  ``client_secret`` (``client_secret_post``, which Adobe's OpenID configuration lists too).
- ``GET /ims/userinfo/v2``: the signed-in user's claims, as the scopes granted project them.
- ``POST /ims/revoke`` (``token``): ends an access or a refresh token; 200 with no body.

Where the guide is silent or where the emulator departs from it, the choice and its reason:

- Only confidential clients (the Web App credential, PLATFORM.md §1) are emulated: every token, refresh
  and revoke request authenticates the client with its secret. With no clients registered, any id with
  a non-empty secret is accepted, and a code, a refresh token or a token to revoke must come back with the
  client id it was issued to.
- PKCE: ``code_challenge_method`` ``S256`` or ``plain`` (the guide's default). A code obtained with a
  challenge needs its ``code_verifier``; a verifier without a challenge is refused too (RFC 9700).
- ``redirect_uri`` is not among the guide's token parameters: when a token request carries one anyway,
  it must equal the authorize request's.
- A code lives ``CODE_LIFETIME`` seconds (ten minutes, RFC 6749's advice; ``code_lifetime`` in the
  control API) and serves once; bringing it again ends every token issued for it (RFC 6749 §4.1.2).
- Refresh tokens are issued only with ``offline_access`` and live 14 days (the guide); using one ends it
  and issues a new pair. Revoking a refresh token ends the access tokens of the same sign-in too (RFC
  7009 §2.1); revoking an unknown token is no error (RFC 7009 §2.2).
- ``/ims/userinfo/v2`` with a client-credentials token: 401 ``invalid_token`` (no user signed in).
- No logout URL is documented in the guide: none is served.

Tokens, codes and verifiers are never logged (the server's access lines hide their values, see
``server.redact``) and the store keeps only their digests.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from .state import REFRESH_LIFETIME, ApiError, current_state
from .store_ims import ACCESS, REFRESH

bp = Blueprint("ims", __name__)

PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1 (verifier) and §4.2 (challenge)


def oauth_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


# Checks shared by the endpoints --------------------------------------------------------------------


def _params() -> dict[str, str]:
    """The request's parameters: the query's, overridden by the form body's (the guide allows both)."""
    params = dict(request.args.items())
    params.update(request.form.items())
    return params


def _client(params: dict[str, str]) -> str:
    """Authenticate the client (Basic header, else ``client_id`` and ``client_secret``); its id."""
    client_id, client_secret = params.get("client_id", ""), params.get("client_secret", "")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise oauth_error(401, "invalid_client", "the Basic authorization header is malformed") from None
        basic_id, colon, basic_secret = pair.partition(":")
        if not colon:
            raise oauth_error(401, "invalid_client", "the Basic authorization header is malformed")
        client_id, client_secret = unquote(basic_id), unquote(basic_secret)
    if not client_id:
        raise oauth_error(400, "invalid_client", "invalid client_id parameter")
    state = current_state()
    if state.clients and client_id not in state.clients:
        raise oauth_error(400, "invalid_client", "invalid client_id parameter")
    if not client_secret or (state.clients and not secrets.compare_digest(state.clients[client_id], client_secret)):
        raise oauth_error(401, "invalid_client", "invalid client_secret parameter")
    return client_id


def scopes(scope: str) -> list[str]:
    """Scopes separated by commas or spaces, each once, in their order."""
    return list(dict.fromkeys(part for part in re.split(r"[,\s]+", scope or "") if part))


# Tokens ---------------------------------------------------------------------------------------------


@bp.post("/ims/token/v3")
def token():
    """Issue tokens: client credentials, an authorization code, or a refresh token."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    params = _params()
    grant_type = params.get("grant_type")
    if grant_type == "client_credentials":
        return _client_credentials(params)
    if grant_type == "authorization_code":
        return _authorization_code(params)
    if grant_type == "refresh_token":
        return _refresh(params)
    raise oauth_error(400, "unsupported_grant_type",
                      "grant_type must be client_credentials, authorization_code or refresh_token")


def _client_credentials(params: dict[str, str]) -> Response:
    """A token for an integration (any id and secret, unless clients were registered): every sandbox,
    every permission."""
    client_id = _client(params)
    if not params.get("scope"):
        raise oauth_error(400, "invalid_scope", "scope parameter is required")
    state = current_state()
    access_token = "emu-" + secrets.token_urlsafe(32)
    state.store.add_token(access_token, client_id, state.token_lifetime)
    return jsonify(access_token=access_token, token_type="bearer", expires_in=state.token_lifetime)


def _pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        verifier = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return secrets.compare_digest(verifier, challenge)


def _authorization_code(params: dict[str, str]) -> Response:
    """Exchange a code from the sign-in for the user's tokens."""
    code = params.get("code")
    if not code:
        raise oauth_error(400, "invalid_request", "code parameter is required")
    client_id = _client(params)
    store = current_state().store
    grant = store.take_code(code)
    if grant is None or grant["expired"]:
        raise oauth_error(400, "invalid_grant", "the authorization code is invalid or expired")
    if grant["used"]:
        store.end_grant(grant["grant_id"])
        raise oauth_error(400, "invalid_grant",
                          "the authorization code was already used; the tokens issued for it are revoked")
    if grant["client_id"] != client_id:
        raise oauth_error(400, "invalid_grant", "the authorization code was issued to another client")
    if "redirect_uri" in params and params["redirect_uri"] != grant["redirect_uri"]:
        raise oauth_error(400, "invalid_grant", "redirect_uri does not match the authorize request's")
    verifier = params.get("code_verifier")
    if grant["challenge"]:
        if not verifier:
            raise oauth_error(400, "invalid_grant", "code_verifier is required: the authorize request had a code_challenge")
        if not PKCE_VALUE.fullmatch(verifier) or not _pkce_matches(verifier, grant["challenge"], grant["challenge_method"]):
            raise oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
    elif verifier:
        raise oauth_error(400, "invalid_grant", "code_verifier given, but the authorize request had no code_challenge")
    if store.user(grant["user_id"]) is None:
        raise oauth_error(400, "invalid_grant", "the user no longer exists")
    return _user_tokens(client_id, grant["user_id"], grant["scope"], grant["grant_id"], with_sub=True)


def _refresh(params: dict[str, str]) -> Response:
    """A new pair for a refresh token, which ends with this use."""
    refresh_token = params.get("refresh_token")
    if not refresh_token:
        raise oauth_error(400, "invalid_request", "refresh_token parameter is required")
    client_id = _client(params)
    store = current_state().store
    found = store.token(refresh_token, REFRESH)
    if found is None:
        raise oauth_error(400, "invalid_grant", "the refresh token is invalid, expired or revoked")
    if found["client_id"] != client_id:
        raise oauth_error(400, "invalid_grant", "the refresh token was issued to another client")
    if store.take_token(refresh_token, REFRESH) is None:  # another request used it a moment ago
        raise oauth_error(400, "invalid_grant", "the refresh token is invalid, expired or revoked")
    if store.user(found["user_id"]) is None:
        raise oauth_error(400, "invalid_grant", "the user no longer exists")
    return _user_tokens(client_id, found["user_id"], found["scope"], found["grant_id"], with_sub=False)


def _user_tokens(client_id: str, user_id: str, scope: str, grant_id: str, with_sub: bool) -> Response:
    """The answer of the guide's samples: ``access_token``, ``refresh_token`` (with ``offline_access``),
    ``sub`` (after a code), ``token_type``, ``expires_in``."""
    state = current_state()
    access_token = "emu-" + secrets.token_urlsafe(32)
    state.store.add_token(access_token, client_id, state.token_lifetime, ACCESS, user_id, grant_id, scope)
    answer: dict[str, Any] = {"access_token": access_token}
    if "offline_access" in scopes(scope):
        refresh_token = "emu-r-" + secrets.token_urlsafe(32)
        state.store.add_token(refresh_token, client_id, REFRESH_LIFETIME, REFRESH, user_id, grant_id, scope)
        answer["refresh_token"] = refresh_token
    if with_sub:
        answer["sub"] = user_id
    answer.update(token_type="bearer", expires_in=state.token_lifetime)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


# The user -------------------------------------------------------------------------------------------


def _bearer_error(error: str, description: str) -> ApiError:
    return ApiError(401, {"error": error, "error_description": description},
                    {"WWW-Authenticate": f'Bearer error="{error}"'})


@bp.get("/ims/userinfo/v2")
def userinfo():
    """The signed-in user's claims, projected by the scopes of the sign-in as the guide's table says:
    ``openid`` → ``sub``; ``profile`` → ``name``, ``given_name``, ``family_name``, ``account_type``;
    ``email`` → ``email``, ``email_verified``; ``address`` → ``address.country``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _bearer_error("invalid_request", "a Bearer access token is required")
    store = current_state().store
    found = store.token(token.strip())
    if found is None:
        raise _bearer_error("invalid_token", "the access token is invalid, expired or revoked")
    user = store.user(found["user_id"]) if found["user_id"] else None
    if user is None:
        raise _bearer_error("invalid_token", "the access token was issued to a client, not to a signed-in user")
    granted = scopes(found["scope"])
    claims: dict[str, Any] = {"sub": user["id"]}
    if "profile" in granted:
        claims.update(account_type="ent", name=user["name"], given_name=user["given_name"],
                      family_name=user["family_name"])
    if "email" in granted:
        claims.update(email_verified=True, email=user["email"])
    if "address" in granted:
        claims["address"] = {"country": user["country"]}
    response = jsonify(claims)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ims/revoke")
def revoke():
    """End an access or refresh token of the calling client; 200 with no body."""
    if request.get_data() and request.mimetype != "application/x-www-form-urlencoded":
        raise oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    params = _params()
    client_id = _client(params)
    token_value = params.get("token")
    if not token_value:
        raise oauth_error(400, "invalid_request", "token parameter is required")
    store = current_state().store
    found = store.find_token(token_value)
    if found is not None:
        if found["client_id"] != client_id:
            raise oauth_error(400, "unauthorized_client", "the token was not issued to this client")
        if found["kind"] == REFRESH and found["grant_id"]:
            store.end_grant(found["grant_id"])
        else:
            store.end_token(token_value)
    response = Response(status=200)
    del response.headers["Content-Type"]
    return response
