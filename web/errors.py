"""Adobe's errors in the user's words, the step where each can be fixed, and the app's error pages.

Every sentence a person reads lives here, translated; the connector's exceptions carry only codes and
a developer's message. An error is explained by the nearest class in its hierarchy that has an
explanation, so a new subclass in the connector is explained as its parent until it gets words of its own.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Callable

from flask import Flask, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from connector import (AuthenticationError, InvalidRequest, NotEntitled, NotFound, OutcomeUnknown,
                       PermissionDenied, PlatformError, RateLimited, SandboxNotFound, ServiceUnavailable,
                       SignInExpired, TransportError)

from .i18n import gettext
from .sessions import STORE_ERRORS, store_down_page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Explanation:
    """What to tell the user, where, and with which HTTP status."""

    message: str
    step: str | None          # the step that can fix it; None: the page where it happened
    status: int
    detail: str | None = None  # Adobe's own words, when they help
    request_id: str | None = None


Explainer = Callable[[Exception], Explanation]
EXPLAINERS: dict[type, Explainer] = {}


def explains(kind: type) -> Callable[[Explainer], Explainer]:
    """Register the explanation of ``kind`` (and of its subclasses that have none of their own)."""
    def register(explainer: Explainer) -> Explainer:
        EXPLAINERS[kind] = explainer
        return explainer
    return register


def explain(error: Exception) -> Explanation:
    """The explanation of the nearest class in ``error``'s hierarchy that has one.

    A person's ended sign-in is not explained on the page where it happened: it is raised again, for the
    app's handler to send them through sign-in and back.
    """
    if isinstance(error, SignInExpired):
        raise error
    for kind in type(error).__mro__:
        if kind in EXPLAINERS:
            return EXPLAINERS[kind](error)
    raise TypeError(f"no explanation for {type(error).__name__}")


def adobe(error: Exception, message: str, step: str | None, status: int, quote: bool = True) -> Explanation:
    """An explanation of a platform error, with Adobe's own detail when ``quote`` and its request id."""
    assert isinstance(error, PlatformError)
    return Explanation(message, step, status, error.detail if quote else None, error.request_id)


@explains(PlatformError)
def _platform_error(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe Experience Platform could not complete the request. Try again in a "
                                "moment."), None, 502)


@explains(NotEntitled)
def _not_entitled(error: Exception) -> Explanation:
    return adobe(error, gettext(
        "Your organization is not entitled to this. The Amazon Kinesis source needs Real-Time CDP Ultimate, "
        "and this tool's Adobe project needs the Experience Platform API with a product profile. Ask your "
        "Adobe administrator."), None, 403)


@explains(PermissionDenied)
def _permission_denied(error: Exception) -> Explanation:
    return adobe(error, gettext(
        "Your Adobe account is missing a permission in this sandbox. Ask an Experience Platform "
        "administrator to grant \"View Sources\" and \"Manage Sources\" for it, or choose another "
        "sandbox."), "sandbox", 403)


@explains(AuthenticationError)
def _authentication(error: Exception) -> Explanation:
    return adobe(error, gettext(
        "This tool could not sign in to Adobe Experience Platform. Its administrator must check the "
        "AEP_CLIENT_ID, AEP_CLIENT_SECRET and AEP_ORG_ID settings."), None, 502)


@explains(SandboxNotFound)
def _sandbox_not_found(error: Exception) -> Explanation:
    return adobe(error, gettext("This sandbox does not exist or is not active any more. Choose another one."),
                 "sandbox", 409)


@explains(NotFound)
def _not_found(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe Experience Platform has no such connection in this sandbox."), None, 404)


@explains(InvalidRequest)
def _invalid_request(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe rejected the connection details. Correct them and try again."),
                 "kinesis", 422)


@explains(RateLimited)
def _rate_limited(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe Experience Platform is busy. Wait a moment, then try again."), None, 503, quote=False)


@explains(OutcomeUnknown)
def _outcome_unknown(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe did not confirm whether the connection was created. Try again in a "
                                "moment: it will not be created twice."), None, 503, quote=False)


@explains(ServiceUnavailable)
@explains(TransportError)
def _unavailable(error: Exception) -> Explanation:
    return adobe(error, gettext("Adobe Experience Platform is not answering right now. Try again in a "
                                "moment."), None, 503, quote=False)


def error_page(status: int, title: str, message: str, detail: str | None = None):
    """The app's one error page."""
    return render_template("error.html", status=status, title=title, message=message, detail=detail), status


def register_errorhandlers(app: Flask) -> None:
    """Every failure ends on the app's own page, in the user's words; none in a stack trace."""

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        if g.get("session_ended"):
            # The token went with the session: the wizard's first step says why (the session check flashed it).
            return redirect(url_for("wizard.index"), 303)
        return error_page(400, gettext("This form has expired"), gettext(
            "The page was open too long or sent from somewhere else, so it was not accepted. Nothing you "
            "entered before is lost: go back to the wizard and send the step again."))

    @app.errorhandler(STORE_ERRORS[0])
    def store_down(error: Exception):
        log.error("shared store unreachable: %s", type(error).__name__)
        return store_down_page()

    @app.errorhandler(PlatformError)
    def platform_error(error: PlatformError):
        explanation = explain(error)
        return error_page(explanation.status, gettext("Adobe Experience Platform"), explanation.message,
                          explanation.detail)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {404: gettext("Page not found"), 405: gettext("Not allowed here"),
                  413: gettext("Too much data"), 400: gettext("Bad request"), 429: gettext("Too many attempts")}
        messages = {404: gettext("There is no such page. The wizard starts at its first step."),
                    413: gettext("The form sent more data than any step needs."),
                    429: gettext("Connections were created or tested too often from here. Wait a minute, then "
                                 "go back and try again.")}
        code = error.code or 500
        return error_page(code, titles.get(code, gettext("Something went wrong")),
                          messages.get(code, gettext("The request could not be handled. Go back to the wizard "
                                                     "and try again.")))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Type and place only: an exception's text could carry a value the user typed.
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        log.error("unexpected %s at %s on %s %s", type(error).__name__,
                  f"{frame.filename}:{frame.lineno}" if frame else "?", request.method, request.path)
        return error_page(500, gettext("Something went wrong"), gettext(
            "This tool hit an unexpected problem. Go back to the wizard and try again."))
