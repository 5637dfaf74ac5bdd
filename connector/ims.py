"""The token provider: one IMS token per process, renewed before it expires or after a 401."""
from __future__ import annotations

import threading
import time
from typing import Callable

import requests

from .errors import AuthenticationError, PlatformTimeout, TransportError, error_from_response
from .settings import Settings
from .transport import CONNECT_TIMEOUT, make_http_session

TOKEN_PATH = "/ims/token/v3"
# Renew this long before the announced expiry, so no request leaves with a token about to die.
RENEW_MARGIN = 300.0
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
        try:
            response = self.http.post(
                self.settings.ims_url + TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                    "scope": self.settings.scopes,
                },
                headers={"Accept": "application/json"},
                timeout=(CONNECT_TIMEOUT, self.settings.timeout),
            )
        except requests.Timeout:
            raise PlatformTimeout("Adobe's sign-in service (IMS) did not answer in time. Try again in a moment.") from None
        except requests.RequestException:
            raise TransportError("Adobe's sign-in service (IMS) could not be reached. Try again in a moment.") from None
        if not response.ok:
            raise error_from_response(response)
        try:
            body = response.json()
            return body["access_token"], float(body.get("expires_in", 86399))
        except (ValueError, KeyError, TypeError):
            raise TransportError("Adobe's sign-in service (IMS) sent an answer without a token.") from None
