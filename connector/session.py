"""The platform session: base URL, the five headers, timeouts, retries, typed errors.

Every call stays within the web request's deadline (``connector.deadline``), through the transport."""
from __future__ import annotations

import re
from typing import Any

import requests
import urllib3

from .errors import (AuthenticationError, PlatformError, PlatformTimeout, SandboxNotFound, TransportError,
                     error_from_response)
from .ims import STATIC_TOKEN_REFUSED, TokenProvider
from .settings import Settings
from .transport import CONNECT_TIMEOUT, make_http_session, reached_server


# Sandbox names are letters, digits, hyphens and underscores: what the x-sandbox-name header carries.
SANDBOX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def is_sandbox_name(name: str) -> bool:
    """True when ``name`` has the shape of a sandbox name (and so can travel in a header)."""
    return bool(SANDBOX_NAME.fullmatch(name))


class PlatformSession:
    """Calls Adobe's gateway with a shared token and connection pool; raises ``PlatformError``s."""

    def __init__(self, settings: Settings, tokens: TokenProvider | None = None,
                 http: requests.Session | None = None) -> None:
        self.settings = settings
        self.http = http or make_http_session()
        self.tokens = tokens or TokenProvider(settings)

    def url(self, path: str) -> str:
        """The absolute URL for a gateway path, or ``path`` itself when it is already absolute."""
        return path if path.startswith(("http://", "https://")) else self.settings.platform_url + path

    def headers(self, token: str, sandbox: str | None, has_body: bool) -> dict[str, str]:
        """The headers every Platform call carries: token, API key, organization, the sandbox in lower case
        for Flow Service, and the JSON content type on calls with a body."""
        headers = {
            "Authorization": f"Bearer {token}",
            "x-api-key": self.settings.client_id,
            "x-gw-ims-org-id": self.settings.org_id,
            "Accept": "application/json",
        }
        if sandbox:
            if not is_sandbox_name(sandbox):   # it could not even be encoded in a header
                raise SandboxNotFound("not a sandbox name", status=404)
            headers["x-sandbox-name"] = sandbox.lower()
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def call(self, method: str, path: str, *, sandbox: str | None = None, params: Any = None,
             json: Any = None, timeout: float | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        """Send one call (with ``headers`` added to the usual ones, such as ``If-Match``); renew the token
        once after a 401; raise the typed error on failure."""
        token = self._token()
        response = self._send(method, path, token, sandbox, params, json, timeout, headers)
        if response.status_code == 401 and self.tokens.invalidate(token):
            response = self._send(method, path, self._token(), sandbox, params, json, timeout, headers)
        if not response.ok:
            error = error_from_response(response)
            if response.status_code == 401 and self.tokens.static:
                error = AuthenticationError(STATIC_TOKEN_REFUSED, status=error.status, code=error.code,
                                            request_id=error.request_id, detail=error.detail)
            raise error
        return response

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET ``path`` and return its JSON body."""
        return self.call("GET", path, **kwargs).json()

    def _token(self) -> str:
        try:
            return self.tokens.token()
        except PlatformError as error:
            error.sent = False      # the call itself was not sent (or was refused with a 401)
            raise

    def _send(self, method: str, path: str, token: str, sandbox: str | None, params: Any, json: Any,
              timeout: float | None, extra: dict[str, str] | None = None) -> requests.Response:
        try:
            return self.http.request(
                method, self.url(path), params=params, json=json,
                headers={**self.headers(token, sandbox, json is not None), **(extra or {})},
                timeout=(CONNECT_TIMEOUT, timeout or self.settings.timeout),
            )
        except requests.RequestException as exc:
            kind = PlatformTimeout if is_timeout(exc) else TransportError
            raise kind(sent=reached_server(exc)) from None


def is_timeout(exc: requests.RequestException) -> bool:
    """True for a timeout, also one that urllib3's retries wrapped in a ConnectionError."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.TimeoutError)
