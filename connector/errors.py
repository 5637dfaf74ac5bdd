"""One exception tree for everything that can go wrong with Adobe, and the function that maps a
response onto it.

Every error carries the HTTP status, Adobe's own code (``403025``, ``1415-400``, ``invalid_client``),
the request id Adobe support asks for, Adobe's own detail, and a developer's message. What a person
reads is the caller's business (the web side words each class, translated).
"""
from __future__ import annotations

import re
from typing import Any

import requests


class PlatformError(Exception):
    """Anything that went wrong talking to Adobe Experience Platform.

    ``sent`` is False when the call surely never reached the service: the connection was refused or never
    made, no time was left to send it, or its token could not be had. Only then may a create be sent again.
    """

    default_message = "Adobe Experience Platform could not complete the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        detail: str | None = None,
        sent: bool = True,
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.detail = detail
        self.sent = sent
        super().__init__(self.message)

    def __str__(self) -> str:
        extras = [f"{name} {value}" for name, value in
                  (("status", self.status), ("code", self.code), ("request id", self.request_id)) if value]
        return f"{self.message} ({', '.join(extras)})" if extras else self.message

    def redact(self, *secrets: str) -> "PlatformError":
        """Blank out any secret that Adobe's own text might have echoed back."""
        for secret in filter(None, secrets):
            self.message = self.message.replace(secret, "****")
            if self.detail:
                self.detail = self.detail.replace(secret, "****")
        self.args = (self.message,)
        return self


class TransportError(PlatformError):
    """Adobe could not be reached, or the connection broke before an answer came."""

    default_message = "Adobe Experience Platform could not be reached (connection refused or broken)."


class PlatformTimeout(TransportError):
    """Adobe did not answer in time."""

    default_message = "Adobe Experience Platform did not answer in time."


class DeadlineExceeded(PlatformTimeout):
    """The web request's time for calls to Adobe ran out (``connector.deadline``)."""

    default_message = "The time this request may spend on Adobe Experience Platform ran out."


class AuthenticationError(PlatformError):
    """IMS refused the integration's credentials, or the gateway refused its token or API key."""

    default_message = "IMS or the gateway refused the integration's credentials or token."


class SignInExpired(AuthenticationError):
    """A signed-in person's tokens ended (expired without a refresh token, revoked, refused): the person
    must sign in again."""

    default_message = "The person's sign-in has ended; IMS would not renew it."


class PermissionDenied(PlatformError):
    """The caller is known but lacks a permission for this operation or sandbox."""

    default_message = "The caller lacks a permission (such as Manage Sources) in this sandbox."


class NotEntitled(PermissionDenied):
    """The organization or the integration is not entitled to the product or the API."""

    default_message = "The organization or the integration is not entitled to this product or API."


class NotFound(PlatformError):
    """The resource does not exist (or not in this sandbox)."""

    default_message = "No such item in this sandbox."


class SandboxNotFound(NotFound):
    """The sandbox is unknown, deleted or not active."""

    default_message = "The sandbox is unknown, deleted or not active."


class InvalidRequest(PlatformError):
    """Adobe rejected the request's parameters; ``detail`` holds Adobe's own words."""

    default_message = "Adobe rejected the request."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        detail = kwargs.get("detail")
        if message is None and detail:
            message = f"Adobe rejected the connection details: {detail}"
        super().__init__(message, **kwargs)


class InvalidParameters(InvalidRequest):
    """Our own check found the parameters invalid before anything was sent."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems   # {field: problem code}
        summary = "; ".join(f"{field}: {code}" for field, code in problems.items())
        super().__init__(f"The connection details are not valid: {summary}")


class ConnectionInUse(InvalidRequest):
    """The connection cannot be deleted while dataflows use it."""

    default_message = "The connection is used by dataflows (1418-400)."


class ChangedMeanwhile(PlatformError):
    """An update sent with ``If-Match`` found another etag: someone changed the item since it was read
    (``1404-412``). Never resent as it is: the caller reads the item again and decides."""

    default_message = "The item was changed since it was read (1404-412)."


class RateLimited(PlatformError):
    """Adobe asked us to slow down; ``retry_after`` is in seconds when Adobe said."""

    default_message = "Adobe throttled the call (429)."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServiceUnavailable(PlatformError):
    """Adobe answered with a server error (5xx)."""

    default_message = "Adobe answered with a server error."


class OutcomeUnknown(PlatformError):
    """A create may or may not have been carried out, and a look found nothing (yet).

    ``sent_at`` is when the create was sent (milliseconds since the epoch): what it made, if anything,
    is a connection of that name and key created since then.
    """

    default_message = "A create went unanswered, and whether Adobe carried it out is not known yet."

    def __init__(self, message: str | None = None, *, sent_at: int | None = None, **kwargs: Any) -> None:
        self.sent_at = sent_at
        super().__init__(message, **kwargs)


class ChangeUnknown(PlatformError):
    """An update or a delete went unanswered, and reading the connection again could not tell whether it
    was made. ``current`` is the connection as read again (None when it could not be read)."""

    default_message = "A change went unanswered, and whether Adobe made it is not known."

    def __init__(self, message: str | None = None, *, current: Any = None, **kwargs: Any) -> None:
        self.current = current
        super().__init__(message, **kwargs)


_PERMISSION_CODES = {"2118-403", "2120-403", "2121-403"}
_ENTITLEMENT_CODES = {"403025", "1100-400"}
_CREDENTIAL_CODES = {"403010", "401013", "403000", "403003", "400003", "403027", "2000-401", "2001-401",
                     "invalid_client", "unauthorized_client", "invalid_scope", "invalid_request"}
_CODE_IN_TYPE = re.compile(r"(?:FLOW|SMS)-(\d{3,5}-\d{3})$")


def _parse_body(response: requests.Response) -> tuple[str | None, str | None, str | None]:
    """Return (code, detail, request id) from any of Adobe's error shapes."""
    try:
        body = response.json()
    except ValueError:
        return None, (response.text or "").strip()[:300] or None, None
    if not isinstance(body, dict):
        return None, None, None
    if "error_code" in body:                      # gateway
        return str(body["error_code"]), body.get("message"), None
    if "error" in body and isinstance(body["error"], str):   # IMS, OAuth style
        return body["error"], body.get("error_description"), None
    report = body.get("report") if isinstance(body.get("report"), dict) else {}
    match = _CODE_IN_TYPE.search(str(body.get("type", "")))
    code = match.group(1) if match else None
    detail = report.get("detailed-message") or body.get("detail") or body.get("message") or body.get("title")
    return code, detail, report.get("request-id")


def error_from_response(response: requests.Response) -> PlatformError:
    """Map an unsuccessful answer from IMS, the gateway, Sandbox Management or Flow Service to its error."""
    status = response.status_code
    code, detail, request_id = _parse_body(response)
    request_id = request_id or response.headers.get("x-request-id")
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": request_id, "detail": detail}

    if status == 429:
        retry_after = response.headers.get("Retry-After")
        return RateLimited(retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                           **kwargs)
    if status >= 500:
        return ServiceUnavailable(**kwargs)
    if code == "1404-412" or status == 412:
        return ChangedMeanwhile(**kwargs)
    if code in _ENTITLEMENT_CODES:
        return NotEntitled(**kwargs)
    if code in _PERMISSION_CODES:
        return PermissionDenied(**kwargs)
    if code in _CREDENTIAL_CODES or status == 401:
        return AuthenticationError(**kwargs)
    if status == 403:
        return PermissionDenied(**kwargs)
    if code == "2100-404":
        return SandboxNotFound(**kwargs)
    if status == 404:
        return NotFound(**kwargs)
    if code == "1418-400":
        return ConnectionInUse(**kwargs)
    if 400 <= status < 500:
        return InvalidRequest(**kwargs)
    return PlatformError(**kwargs)
