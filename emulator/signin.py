"""IMS's sign-in of a person: the authorize request, the sign-in page of seeded people (``pages``) and its
form, and the way back to the client's redirect URI with a code or an error. On the ``ims`` blueprint;
the code is exchanged for tokens in ``ims``, whose docstring lists the endpoints and Adobe's guide.

Where the guide is silent or where the emulator departs from it, the choice and its reason:

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
- ``prompt=none`` answers ``error=login_required``: the emulator keeps no IMS session in the browser.
- A sign-in page's form serves once, for ``SIGN_IN_LIFETIME`` seconds, through a nonce that only the page
  shown for that authorize request holds; a form the browser says came from another site is refused.
"""
from __future__ import annotations

import secrets
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import request, url_for
from werkzeug.wrappers import Response

from .ims import PKCE_VALUE, bp, scopes
from .loopback import loopback_url
from .pages import refused_page, sign_in_page
from .state import current_state

SIGN_IN_LIFETIME = 600          # how long a rendered sign-in page can be submitted
MAX_STATE = 4096                # the guide: state "must not be longer than 4096 characters"


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

