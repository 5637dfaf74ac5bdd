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
    (``TRUSTED_GROUPS_HEADER``, comma-separated); None when the header is missing, empty, or the request
    did not come through the trusted proxies (anybody can send a header)."""
    if not came_through_proxies(request, app.config["TRUSTED_PROXIES"]):
        return None
    user = (request.headers.get(app.config["TRUSTED_USER_HEADER"]) or "").strip()
    if not user or any(ord(char) < 32 for char in user):
        return None
    groups_header = app.config.get("TRUSTED_GROUPS_HEADER")
    raw_groups = request.headers.get(groups_header, "") if groups_header else ""
    groups = tuple(dict.fromkeys(group.strip() for group in raw_groups.split(",") if group.strip()))
    return Identity(user=user, name=user, groups=groups, mode="portal")
