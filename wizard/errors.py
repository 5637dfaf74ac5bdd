"""Adobe's errors in the user's words, and the step where each can be fixed."""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import gettext

from connector import (AuthenticationError, InvalidRequest, NotEntitled, NotFound, OutcomeUnknown,
                       PermissionDenied, PlatformError, RateLimited, SandboxNotFound, ServiceUnavailable,
                       TransportError)

from .once import StillRunning


@dataclass(frozen=True)
class Explanation:
    """What to tell the user, where, and with which HTTP status."""

    message: str
    step: str | None          # the step that can fix it; None: the page where it happened
    status: int
    detail: str | None = None  # Adobe's own words, when they help
    request_id: str | None = None
    retry: bool = False        # "try again" makes sense


def explain(error: Exception) -> Explanation:
    """Translate a connector error (or a create still running elsewhere) for the user."""
    if isinstance(error, StillRunning):
        return Explanation(gettext("Your connection is still being created. Wait a few seconds, then try again: "
                                   "it will not be created twice."), None, 503, retry=True)
    assert isinstance(error, PlatformError)
    detail, request_id = error.detail, error.request_id
    if isinstance(error, NotEntitled):
        return Explanation(gettext(
            "Your organization is not entitled to this. The Amazon Kinesis source needs Real-Time CDP Ultimate, "
            "and this tool's Adobe project needs the Experience Platform API with a product profile. Ask your "
            "Adobe administrator."), None, 403, detail, request_id)
    if isinstance(error, PermissionDenied):
        return Explanation(gettext(
            "Your Adobe account is missing a permission in this sandbox. Ask an Experience Platform "
            "administrator to grant \"View Sources\" and \"Manage Sources\" for it, or choose another "
            "sandbox."), "sandbox", 403, detail, request_id)
    if isinstance(error, AuthenticationError):
        return Explanation(gettext(
            "This tool could not sign in to Adobe Experience Platform. Its administrator must check the "
            "AEP_CLIENT_ID, AEP_CLIENT_SECRET and AEP_ORG_ID settings."), None, 502, detail, request_id)
    if isinstance(error, SandboxNotFound):
        return Explanation(gettext("This sandbox does not exist or is not active any more. Choose another one."),
                           "sandbox", 409, detail, request_id)
    if isinstance(error, NotFound):
        return Explanation(gettext("Adobe Experience Platform has no such connection in this sandbox."),
                           None, 404, detail, request_id)
    if isinstance(error, InvalidRequest):
        return Explanation(gettext("Adobe rejected the connection details. Correct them and try again."),
                           "kinesis", 422, detail, request_id)
    if isinstance(error, RateLimited):
        return Explanation(gettext("Adobe Experience Platform is busy. Wait a moment, then try again; "
                                   "everything you entered is kept."), None, 503, None, request_id, retry=True)
    if isinstance(error, OutcomeUnknown):
        return Explanation(gettext("Adobe did not confirm whether the connection was created. Try again in a "
                                   "moment: it will not be created twice."), None, 503, None, request_id, retry=True)
    if isinstance(error, (ServiceUnavailable, TransportError)):
        return Explanation(gettext("Adobe Experience Platform is not answering right now. Try again in a "
                                   "moment; everything you entered is kept."), None, 503, None, request_id,
                           retry=True)
    return Explanation(gettext("Adobe Experience Platform could not complete the request. Try again in a "
                               "moment."), None, 502, detail, request_id, retry=True)
