"""Tokens from IMS: the integration's (one per process, renewed before it expires or after a 401), and a
signed-in person's (renewed with their refresh token), and the calls that exchange and end them."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import requests

from .errors import (AuthenticationError, PlatformError, PlatformTimeout, SignInExpired, TransportError,
                     error_from_response)
from .settings import Settings
from .transport import CONNECT_TIMEOUT, make_http_session

TOKEN_PATH = "/ims/token/v3"
REVOKE_PATH = "/ims/revoke"
# Renew this long before the announced expiry, so no request leaves with a token about to die.
RENEW_MARGIN = 300.0
# How long a request whose refresh token was just used by another waits for that one's new pair.
LATEST_WAIT = 3.0
STATIC_TOKEN_REFUSED = ("The configured AEP_ACCESS_TOKEN was refused; it has probably expired. "
                        "Set a fresh one, or configure AEP_CLIENT_SECRET instead.")


class TokenProvider:
    """Hands out the current access token, shared by every thread; asks IMS only when needed."""

    def __init__(self, settings: Settings, http: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.http = http or make_http_session()
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = settings.access_token or None
        self._expires_at = float("inf") if self._token else 0.0

    @property
    def static(self) -> bool:
        """True when a ready AEP_ACCESS_TOKEN is used and IMS is never asked."""
        return bool(self.settings.access_token)

    def token(self) -> str:
        """The current token, fetched from IMS when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self.clock() + max(lifetime - min(RENEW_MARGIN, lifetime / 10), 0)
            return self._token

    def invalidate(self, token: str) -> bool:
        """Forget ``token`` after the gateway refused it; False when it cannot be renewed."""
        if self.static:
            return False
        with self._lock:
            if self._token == token:
                self._token = None
        return True

    def _fetch(self) -> tuple[str, float]:
        if self.static:
            raise AuthenticationError(STATIC_TOKEN_REFUSED)
        body = ims_post(self.settings, self.http, TOKEN_PATH, {
            "grant_type": "client_credentials", "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret, "scope": self.settings.scopes})
        try:
            return body["access_token"], float(body.get("expires_in", 86399))
        except (KeyError, TypeError, ValueError):
            raise TransportError("IMS sent an answer without a token.") from None


def ims_post(settings: Settings, http: requests.Session, path: str, form: dict[str, str]) -> dict[str, Any]:
    """POST a form to IMS; its JSON answer ({} when it has none), or the typed error."""
    try:
        response = http.post(settings.ims_url + path, data=form, headers={"Accept": "application/json"},
                             timeout=(CONNECT_TIMEOUT, settings.timeout))
    except requests.Timeout:
        raise PlatformTimeout("IMS did not answer in time.") from None
    except requests.RequestException:
        raise TransportError("IMS could not be reached.") from None
    if not response.ok:
        raise error_from_response(response)
    try:
        body = response.json() if response.content else {}
    except ValueError:
        raise TransportError("IMS answered with something other than JSON.") from None
    return body if isinstance(body, dict) else {}


# A signed-in person's tokens --------------------------------------------------------------------


@dataclass(frozen=True)
class UserGrant:
    """What IMS gave a person at sign-in: an access token, when it expires (epoch seconds), and the
    refresh token that renews both (with the ``offline_access`` scope)."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str = field(default="", repr=False)

    @classmethod
    def from_answer(cls, body: dict[str, Any], now: float | None = None) -> "UserGrant":
        """The grant in an IMS token answer (``access_token``, ``expires_in`` seconds, ``refresh_token``)."""
        try:
            lifetime = float(body.get("expires_in") or 86399)
            return cls(str(body["access_token"]), (now or time.time()) + lifetime, str(body.get("refresh_token") or ""))
        except (KeyError, TypeError, ValueError):
            raise TransportError("IMS sent an answer without a token.") from None

    def as_dict(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "expires_at": self.expires_at, "refresh_token": self.refresh_token}


class UserTokens:
    """The token provider for a person signed in with their Adobe ID (the OAuth Web App credential).

    The access token is used until shortly before it expires, then renewed with the refresh token (IMS
    ends a refresh token when it is used, so the new pair is handed to ``on_renew`` to be kept). When IMS
    refuses the refresh token, ``latest()`` is asked for the pair as now kept (another request may have
    renewed first); when there is no newer one (no refresh token, revoked, expired), ``SignInExpired``
    is raised: the person must sign in again.
    """

    static = False

    def __init__(self, settings: Settings, grant: UserGrant, on_renew: Callable[[UserGrant], None],
                 http: requests.Session | None = None, clock: Callable[[], float] = time.time,
                 latest: Callable[[], UserGrant | None] = lambda: None) -> None:
        self.settings = settings
        self.grant = grant
        self.on_renew = on_renew
        self.latest = latest
        self.http = http or make_http_session()
        self.clock = clock
        self._lock = threading.Lock()

    def token(self) -> str:
        """The access token, renewed first when it is about to expire."""
        with self._lock:
            lifetime_left = self.grant.expires_at - self.clock()
            if lifetime_left <= min(RENEW_MARGIN, 60.0):
                self._renew()
            return self.grant.access_token

    def invalidate(self, token: str) -> bool:
        """The gateway refused ``token``: renew once (True), or raise ``SignInExpired``."""
        with self._lock:
            if self.grant.access_token == token:
                self._renew()
        return True

    def _renew(self) -> None:
        if not self.grant.refresh_token:
            raise SignInExpired()
        try:
            body = ims_post(self.settings, self.http, TOKEN_PATH, {
                "grant_type": "refresh_token", "refresh_token": self.grant.refresh_token,
                "client_id": self.settings.client_id, "client_secret": self.settings.client_secret})
        except PlatformError as error:   # a refused refresh token is invalid_grant (400)
            if not (isinstance(error, AuthenticationError) or error.code == "invalid_grant"):
                raise
            # A refresh token serves once: a request running beside this one may have just used it, and
            # kept the new pair. Take that pair rather than end the sign-in.
            newer = self._newer_grant()
            if newer is None:
                raise SignInExpired() from None
            self.grant = newer
            return
        grant = UserGrant.from_answer(body, self.clock())
        if not grant.refresh_token:   # IMS may keep the refresh token as it is
            grant = replace(grant, refresh_token=self.grant.refresh_token)
        self.grant = grant
        self.on_renew(grant)

    def _newer_grant(self, wait: float = LATEST_WAIT, step: float = 0.2) -> UserGrant | None:
        """The pair kept by a request that renewed first, waiting a moment for it to be kept."""
        deadline = time.monotonic() + wait
        while True:
            newer = self.latest()
            if newer is not None and newer.refresh_token != self.grant.refresh_token:
                return newer
            if time.monotonic() >= deadline:
                return None
            time.sleep(step)


def revoke(settings: Settings, token: str, http: requests.Session | None = None) -> None:
    """End a person's access or refresh token at IMS (sign-out). Ending a refresh token ends its sign-in."""
    ims_post(settings, http or make_http_session(), REVOKE_PATH,
             {"token": token, "client_id": settings.client_id, "client_secret": settings.client_secret})
