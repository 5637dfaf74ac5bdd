"""IMS: OAuth server-to-server tokens, and a user's sign-in through an OAuth Web App (authorization code).

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
- ``redirect_uri``: a client may register redirect URIs (exact strings, not Adobe's regular-expression
  patterns); the first is its default, used when the authorize request names none, as Adobe's Default
  Redirect URI is. A client with none registered may use any loopback redirect URI. Adobe's guide says a
  redirect URI that does not match is replaced by the default one; the emulator refuses it on a page
  instead (RFC 6749 §4.1.2.1), so that a misconfigured redirect shows up rather than landing elsewhere.
  It never sends a browser off this machine: a redirect URI must be ``http(s)`` on ``localhost`` or a
  loopback address (Adobe requires https; a local emulator cannot). An unknown client or a refused
  redirect URI gets a page, never a redirect; every later error goes back to the redirect URI.
- ``scope`` must contain ``openid`` (the guide: "Mandatory scope to enable authorization flows");
  scopes are separated by commas or spaces.
- ``response_type`` may only be ``code`` (its default): the Web App credential has no implicit flow.
  No ``id_token`` is issued (no key set is served), so the ``nonce`` parameter is accepted and unused.
- PKCE: ``code_challenge_method`` ``S256`` or ``plain`` (the guide's default). A code obtained with a
  challenge needs its ``code_verifier``; a verifier without a challenge is refused too (RFC 9700).
- ``redirect_uri`` is not among the guide's token parameters: when a token request carries one anyway,
  it must equal the authorize request's.
- A code lives ``CODE_LIFETIME`` seconds (ten minutes, RFC 6749's advice; ``code_lifetime`` in the
  control API) and serves once; bringing it again ends every token issued for it (RFC 6749 §4.1.2).
- ``prompt=none`` answers ``error=login_required``: the emulator keeps no IMS session in the browser.
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
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from flask import Blueprint, jsonify, request, url_for
from werkzeug.wrappers import Response

from .loopback import is_loopback_host
from .pages import refused_page, sign_in_page
from .state import REFRESH_LIFETIME, ApiError, current_state
from .store_ims import ACCESS, REFRESH

bp = Blueprint("ims", __name__)

SIGN_IN_LIFETIME = 600          # how long a rendered sign-in page can be submitted
MAX_STATE = 4096                # the guide: state "must not be longer than 4096 characters"
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1 (verifier) and §4.2 (challenge)


def oauth_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


class Refused(Exception):
    """A sign-in request that cannot be sent back to the client: shown on a page."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class SendBack(Exception):
    """An authorize error for the client, sent to its (checked) redirect URI."""

    def __init__(self, redirect_uri: str, mode: str, state: str | None, error: str, description: str) -> None:
        super().__init__(description)
        self.redirect_uri, self.mode, self.state = redirect_uri, mode, state
        self.error, self.description = error, description


@bp.errorhandler(Refused)
def refused(error: Refused) -> Response:
    return refused_page(error.status, error.error, error.description)


@bp.errorhandler(SendBack)
def send_back(error: SendBack) -> Response:
    return redirect_back(error.redirect_uri, error.mode,
                         {"error": error.error, "error_description": error.description, "state": error.state})


# Checks shared by the endpoints --------------------------------------------------------------------


def loopback_url(url: str) -> bool:
    """True for an absolute ``http(s)`` URL on ``localhost`` or a loopback address, with no user info, no
    fragment, nothing a browser might read differently (backslashes, spaces, control characters)."""
    if not url or "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or parts.fragment or "#" in url:
        return False
    return is_loopback_host(parts.hostname or "")


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


# The sign-in ------------------------------------------------------------------------------------


def _redirect_uri(client_id: str, given: str | None) -> str:
    """The redirect URI to send the browser back to, or a refusal shown on a page."""
    registered = current_state().redirect_uris.get(client_id, [])
    if not given:
        if registered:
            return registered[0]
        raise Refused("invalid_request", "redirect_uri is required: no redirect URI is registered for this client.")
    if not loopback_url(given):
        raise Refused("invalid_request", "redirect_uri must be an http(s) address on this machine (localhost or a "
                                         "loopback address): the emulator never sends a browser elsewhere.")
    if registered and given not in registered:
        raise Refused("invalid_request", "redirect_uri is not registered for this client.")
    return given


def redirect_back(redirect_uri: str, mode: str, params: dict[str, str | None]) -> Response:
    """Send the browser to the client's redirect URI with ``params`` in its query (or fragment)."""
    if not loopback_url(redirect_uri):  # checked before; never send a browser elsewhere
        return refused_page(400, "invalid_request", "redirect_uri must be on this machine.")
    values = [(key, value) for key, value in params.items() if value is not None]
    parts = urlsplit(redirect_uri)
    if mode == "fragment":
        target = urlunsplit(parts._replace(fragment=urlencode(values)))
    else:
        target = urlunsplit(parts._replace(query=urlencode(parse_qsl(parts.query, keep_blank_values=True) + values)))
    return Response(status=302, headers={"Location": target, "Cache-Control": "no-store",
                                         "Referrer-Policy": "no-referrer"})


@bp.get("/ims/authorize/v2")
def authorize():
    """Check the authorize request, then show the sign-in page for it."""
    args = request.args
    state = current_state()
    client_id = args.get("client_id", "")
    if not client_id:
        raise Refused("invalid_request", "client_id is required.")
    if state.clients and client_id not in state.clients:
        raise Refused("invalid_client", "The client_id is not a registered client.")
    redirect_uri = _redirect_uri(client_id, args.get("redirect_uri"))
    client_state = args.get("state")
    if client_state is not None and len(client_state) > MAX_STATE:
        raise Refused("invalid_request", f"state must not be longer than {MAX_STATE} characters.")
    mode = args.get("response_mode", "query")

    def back(error: str, description: str) -> SendBack:
        return SendBack(redirect_uri, mode if mode in ("query", "fragment") else "query", client_state,
                        error, description)

    if mode not in ("query", "fragment"):
        raise back("invalid_request", "response_mode must be query or fragment")
    if args.get("response_type", "code") != "code":
        raise back("unsupported_response_type", "response_type must be code")
    granted = scopes(args.get("scope", ""))
    if "openid" not in granted:
        raise back("invalid_scope", "scope must include openid")
    challenge, method = args.get("code_challenge"), args.get("code_challenge_method")
    if method and not challenge:
        raise back("invalid_request", "code_challenge_method given without code_challenge")
    if challenge:
        method = method or "plain"
        if method not in ("S256", "plain"):
            raise back("invalid_request", "code_challenge_method must be S256 or plain")
        if not PKCE_VALUE.fullmatch(challenge):
            raise back("invalid_request", "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    if "none" in args.get("prompt", "").split():
        raise back("login_required", "no user is signed in to IMS")
    nonce = secrets.token_urlsafe(32)
    state.store.add_sign_in(nonce, {"client_id": client_id, "redirect_uri": redirect_uri, "mode": mode,
                                    "scope": ",".join(granted), "state": client_state,
                                    "challenge": challenge, "challenge_method": method if challenge else None},
                            SIGN_IN_LIFETIME)
    target = urlsplit(redirect_uri)
    return sign_in_page(url_for(".sign_in"), nonce, client_id, redirect_uri, ",".join(granted),
                        state.store.users(), f"{target.scheme}://{target.netloc}")


def _same_origin() -> bool:
    """False when the browser says the form was sent from another origin or site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        return False
    return request.headers.get("Sec-Fetch-Site", "").lower() not in ("cross-site", "same-site")


@bp.post("/ims/sign-in")
def sign_in():
    """The sign-in page's form: who signs in (or Cancel), and the nonce of the page it came from. Without
    that nonce (which only the page shown for this authorize request holds, and which serves once) nothing
    happens: another site cannot sign anyone in by posting this form."""
    if not _same_origin():
        raise Refused("access_denied", "The sign-in form was sent from another site.", 403)
    nonce = request.form.get("sign_in_nonce", "")
    pending = current_state().store.take_sign_in(nonce) if nonce else None
    if pending is None:
        raise Refused("invalid_request", "This sign-in form has expired or was already used.")
    redirect_uri, mode, client_state = pending["redirect_uri"], pending["mode"], pending["state"]
    if "cancel" in request.form:
        return redirect_back(redirect_uri, mode, {"error": "access_denied",
                                                  "error_description": "the user cancelled the sign-in",
                                                  "state": client_state})
    state = current_state()
    user = state.store.user_by_email(request.form.get("user", ""))
    if user is None:
        raise Refused("invalid_request", "No such user.")
    code = secrets.token_urlsafe(32)
    state.store.add_code(code, pending["client_id"], redirect_uri, user["id"], pending["scope"], pending["challenge"],
                         pending["challenge_method"], uuid.uuid4().hex, state.code_lifetime)
    return redirect_back(redirect_uri, mode, {"code": code, "state": client_state})


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
