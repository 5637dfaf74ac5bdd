"""What the caller may do: a signed-in user's sandboxes and source permissions; an integration may do all.

Adobe's Admin Console gives a user sandboxes and permissions through product profiles; for sources they
are "View Sources" and "Manage Sources". The Kinesis connection spec's ``permissionsInfo`` names what they
stand for: view is ``read``, manage is ``write`` on ``SourceConnection``. The emulator's rules:

- Sandbox Management's list of available sandboxes holds the user's sandboxes only.
- Flow Service in a sandbox that is not the user's answers ``2100-404`` "Sandbox not found", word for word
  as for a sandbox that does not exist: Flow Service looks the sandbox up with the caller's token, and the
  user's view of the sandboxes (the list above) does not hold it. So a user learns nothing about
  sandboxes that are not theirs.
- Reading (``GET``: connection specs, listing, reading, testing, exploring connections) needs View Sources
  or Manage Sources; changing (``POST``, ``PUT``, ``PATCH``, ``DELETE``) needs Manage Sources.
- A refusal is Flow Service's ``2118-403`` "Missing permission", whose documented message names the
  low-level permission (``The permission write is missing.``); the emulator adds the Admin Console name in
  parentheses, ``(Manage Sources)``, which is its own addition: a client should go by the code.
  (``2120-403`` is Adobe's generic "Forbidden"; ``2121-403`` is about the resource "Enterprise Source".)
"""
from __future__ import annotations

from typing import Any

from flask import g, request

from .state import flow_error
from .store_ims import EVERY_SANDBOX, MANAGE_SOURCES, VIEW_SOURCES

READS = ("GET", "HEAD", "OPTIONS")


def caller() -> dict[str, Any] | None:
    """The signed-in user behind this call, or None for an integration (client credentials)."""
    return g.get("user")


def user_sandboxes() -> list[str] | None:
    """The names of the sandboxes the caller may use; None for all of them."""
    user = caller()
    if user is None or user["sandboxes"] == EVERY_SANDBOX:
        return None
    return list(user["sandboxes"])


def may_use_sandbox(name: str) -> bool:
    names = user_sandboxes()
    return names is None or name in names


def check_source_permission() -> None:
    """Refuse a Flow Service call that the caller's permissions do not allow."""
    user = caller()
    if user is None:
        return
    held = set(user["permissions"])
    if request.method in READS:
        if held & {VIEW_SOURCES, MANAGE_SOURCES}:
            return
        low, name = "read", VIEW_SOURCES
    else:
        if MANAGE_SOURCES in held:
            return
        low, name = "write", MANAGE_SOURCES
    raise flow_error("2118-403", "Missing permission",
                     f"The permission {low} is missing ({name}). Please contact your administrator to resolve "
                     "permissions and try again.")
