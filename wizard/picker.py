"""The sandbox step's picker: the default and recently used sandboxes first, a search that works without
JavaScript (``?q=``), and a long list folded after the first few (wizard.js filters as one types)."""
from __future__ import annotations

from typing import Any, Sequence

from flask import session

RECENT_KEY = "recent_sandboxes"
RECENT_KEPT = 5
SHOWN_FIRST = 8     # sandboxes shown before the rest is folded away (no search)


def recent() -> list[str]:
    """The sandboxes this browser chose lately, the latest first (kept across Start over)."""
    value = session.get(RECENT_KEY)
    return [name for name in value if isinstance(name, str)] if isinstance(value, list) else []


def remember(name: str) -> None:
    """Put ``name`` first among the recently used."""
    session[RECENT_KEY] = ([name] + [n for n in recent() if n != name])[:RECENT_KEPT]


def ordered(sandboxes: Sequence[Any], chosen: str = "") -> list[Any]:
    """The default sandbox, the chosen one, the recently used ones, then the others by title."""
    latest = recent()

    def rank(box: Any) -> tuple:
        if box.is_default:
            return (0, 0, "")
        if box.name == chosen:
            return (1, 0, "")
        if box.name in latest:
            return (2, latest.index(box.name), "")
        return (3, 0, box.title.casefold())
    return sorted(sandboxes, key=rank)


def matches(box: Any, query: str) -> bool:
    """Whether the sandbox's title or name contains the search (case and accents of case aside)."""
    wanted = query.strip().casefold()
    return not wanted or wanted in box.title.casefold() or wanted in box.name.casefold()


def picker(sandboxes: Sequence[Any], chosen: str, query: str, field: Any) -> dict[str, Any]:
    """What the page shows: ``first`` (always visible), ``rest`` (folded), the search and its count, and
    the radio ``options`` of ``field`` by sandbox name."""
    listed = [box for box in ordered(sandboxes, chosen) if matches(box, query) or box.name == chosen]
    found = sum(1 for box in listed if matches(box, query))
    cut = len(listed) if query.strip() or len(listed) <= SHOWN_FIRST + 2 else SHOWN_FIRST
    return {"first": listed[:cut], "rest": listed[cut:], "query": query.strip(), "found": found,
            "total": len(sandboxes), "recent": set(recent()), "options": {option.data: option for option in field}}
