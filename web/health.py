"""Health endpoints for the orchestrator in front of the app."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from connector import PlatformError

from .clients import cached
from .extensions import limiter

bp = Blueprint("health", __name__)
READY_TTL = 10


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The platform answers: a token and one small call (the answer is kept a few seconds)."""
    def probe() -> dict:
        platform = current_app.extensions["platform"]     # the app's own, not a person's
        try:
            if current_app.config.get("AUTH_MODE") == "adobe":
                platform.reachable()    # every call carries a person's token: the app has none to ping with
            else:
                platform.ping()
            return {"status": "ready"}
        except PlatformError as error:
            return {"status": "unavailable", "reason": type(error).__name__}
    answer = cached("readyz", READY_TTL, probe)
    return jsonify(answer), 200 if answer["status"] == "ready" else 503
