"""The admin portal's people: the portal signs them in, and its proxy names them in a header."""
from __future__ import annotations

from flask import Flask, Request

from .identity import Identity


def came_through_proxies(request: Request, proxies: int) -> bool:
    """True when the request came through at least ``proxies`` proxies: each adds itself to
    X-Forwarded-For, which the app reads only when TRUSTED_PROXIES says how many there are."""
    if proxies < 1:
        return False
    forwarded = request.environ.get("HTTP_X_FORWARDED_FOR", "")
    return len([hop for hop in forwarded.split(",") if hop.strip()]) >= proxies


def portal_identity(app: Flask, request: Request) -> Identity | None:
    """The person the trusted proxy names (``TRUSTED_USER_HEADER``), with their groups
    (``TRUSTED_GROUPS_HEADER``, comma-separated); None when the header is missing, empty, sent twice, or
    the request did not come through the trusted proxies.

    Counting ``X-Forwarded-For`` hops keeps out a request sent straight to the app by someone who did not
    think of the header; it proves nothing against one who did. The proxy must therefore be the only way
    to the app, and must set these headers itself, replacing any the browser sent (the README says how).
    """
    if not came_through_proxies(request, app.config["TRUSTED_PROXIES"]):
        return None
    user = (request.headers.get(app.config["TRUSTED_USER_HEADER"]) or "").strip()
    # A comma is how a WSGI server joins a header sent twice: one person's name never holds one.
    if not user or "," in user or any(ord(char) < 32 or ord(char) == 127 for char in user):
        return None
    groups_header = app.config.get("TRUSTED_GROUPS_HEADER")
    raw_groups = request.headers.get(groups_header, "") if groups_header else ""
    groups = tuple(dict.fromkeys(group.strip() for group in raw_groups.split(",") if group.strip()))
    return Identity(user=user, name=user, groups=groups, mode="portal")
