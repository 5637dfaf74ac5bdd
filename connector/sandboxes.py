"""The sandboxes the caller may use, every page of them."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterator

from .session import PlatformSession, is_sandbox_name

AVAILABLE_PATH = "/data/foundation/sandbox-management/"
PAGE_SIZE = 50
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sandbox:
    """A sandbox as Sandbox Management describes it."""

    name: str
    title: str
    type: str
    state: str
    region: str = ""
    is_default: bool = False

    @property
    def active(self) -> bool:
        """Only an active sandbox can take a connection."""
        return self.state == "active"

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> "Sandbox":
        return cls(
            name=item["name"],
            title=item.get("title") or item["name"],
            type=item.get("type", ""),
            state=item.get("state", ""),
            region=item.get("region", ""),
            is_default=bool(item.get("isDefault", False)),
        )


def iter_available_sandboxes(session: PlatformSession, page_size: int = PAGE_SIZE) -> Iterator[Sandbox]:
    """Every sandbox the caller may use, reading page after page (``limit`` and ``offset`` together).

    Adobe's example of this listing carries no ``next`` link, so its presence says nothing: the next page
    is read while a page comes back full (as many sandboxes as ``limit``), whether or not ``next`` is there.
    A full page of names all seen already ends the reading too, so that a server ignoring ``offset``
    cannot keep it going for ever.
    """
    offset, seen = 0, set()
    while True:
        body = session.get_json(AVAILABLE_PATH, params={"limit": page_size, "offset": offset})
        items = body.get("sandboxes") or []
        fresh = [item for item in items if item.get("name") not in seen]
        seen.update(item.get("name") for item in fresh)
        yield from (Sandbox.from_api(item) for item in fresh)
        offset += len(items)
        if len(items) < page_size or not fresh:
            return


def list_active_sandboxes(session: PlatformSession) -> list[Sandbox]:
    """The active sandboxes the caller may use, the default one first, then by title."""
    sandboxes = []
    for sandbox in iter_available_sandboxes(session):
        if not is_sandbox_name(sandbox.name):
            log.warning("sandbox name %r is not a sandbox name; it is not offered", sandbox.name)
        elif sandbox.active:
            sandboxes.append(sandbox)
    return sorted(sandboxes, key=lambda s: (not s.is_default, s.title.lower(), s.name))
