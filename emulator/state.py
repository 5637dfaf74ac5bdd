"""The emulator's shared state and Adobe's error shapes, as the blueprints see them."""
from __future__ import annotations

import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, jsonify, request
from werkzeug.wrappers import Response

from .faults import Faults
from .store import Store

DEFAULT_ORG_ID = "0123456789ABCDEF01234567@AdobeOrg"
TOKEN_LIFETIME = 86399
CODE_LIFETIME = 600              # not documented by Adobe: RFC 6749 §4.1.2 advises at most ten minutes
REFRESH_LIFETIME = 14 * 86400    # Adobe's guide: refresh tokens "by default expire in 14 days"


@dataclass
class EmulatorState:
    """Everything one emulator instance knows, shared by its threads."""

    store: Store
    org_id: str = DEFAULT_ORG_ID
    token_lifetime: int = TOKEN_LIFETIME
    clients: dict[str, str] = field(default_factory=dict)   # empty: any id and secret get a token
    # Per client, the redirect URIs registered for the sign-in (the first is the default); a client with
    # none may use any loopback redirect URI.
    redirect_uris: dict[str, list[str]] = field(default_factory=dict)
    code_lifetime: int = CODE_LIFETIME
    kinesis_endpoint_url: str | None = None                  # None: AWS's own endpoint for the region
    faults: Faults = field(default_factory=Faults)
    calls: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_call(self, method: str, rule: str) -> None:
        with self.lock:
            self.calls[f"{method} {rule}"] += 1


def current_state() -> EmulatorState:
    """The emulator state of the running app."""
    return current_app.extensions["emulator"]


class ApiError(Exception):
    """An answer in one of Adobe's error shapes, raised from anywhere in a view."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body)
        self.status, self.body, self.headers = status, body, headers or {}

    def response(self) -> Response:
        answer = jsonify(self.body)
        answer.status_code = self.status
        answer.headers.update(self.headers)
        return answer


def gateway_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> ApiError:
    """The API gateway's shape: ``{"error_code", "message"}``."""
    return ApiError(status, {"error_code": code, "message": message}, headers)


def flow_error(code: str, title: str, detail: str) -> ApiError:
    """Flow Service's shape, with ``report.detailed-message`` and the request id."""
    status = int(code.split("-")[1])
    return ApiError(status, {
        "type": f"https://ns.adobe.com/aep/errors/FLOW-{code}", "title": title, "status": status,
        "report": {"detailed-message": detail, "request-id": g.get("request_id", "")}})


def sandbox_error(code: str, title: str) -> ApiError:
    """Sandbox Management's shape: ``{"status", "title", "type"}``."""
    status = int(code.split("-")[1])
    return ApiError(status, {"status": status, "title": title,
                             "type": f"http://ns.adobe.com/aep/errors/SMS-{code}"})


def drop_connection() -> Response:
    """Close the client's socket with no answer at all, as a broken network would."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return Response(status=500)
