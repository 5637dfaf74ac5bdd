"""The per-request accessors for what talks to Adobe, as flaskr's db.py hands out its database."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import current_app

from connector import Platform, Sandbox

from .once import OnceLedger

T = TypeVar("T")
CONNECTIONS_TTL = 60
SANDBOXES_TTL = 60


def get_platform() -> Platform:
    """The app's platform client (one token and one connection pool for every request and thread)."""
    return current_app.extensions["platform"]


def get_ledger() -> OnceLedger:
    """The ledger that makes each create happen once."""
    return current_app.extensions["once_ledger"]


def cached(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``seconds`` in the app's shared cache (files, or Redis when configured)."""
    cache = get_ledger().cache
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value


def available_sandboxes() -> list[Sandbox]:
    """The caller's active sandboxes (briefly cached per integration: they change rarely)."""
    settings = get_platform().settings
    return cached(f"sandboxes:{settings.org_id}:{settings.client_id}", SANDBOXES_TTL, get_platform().sandboxes)


def existing_connections(sandbox: str) -> list[dict[str, Any]]:
    """The Kinesis connections already in ``sandbox`` (briefly cached: the wizard asks on several pages)."""
    def listing() -> list[dict[str, Any]]:
        return [{"id": c.id, "name": c.name, "key_hint": c.access_key_id[-4:], "access_key_id": c.access_key_id,
                 "region": c.region, "state": c.state}
                for c in get_platform().flow.list_kinesis_connections(sandbox)]
    return cached(f"connections:{sandbox.lower()}", CONNECTIONS_TTL, listing)


def remember_connection(sandbox: str, connection: dict[str, Any]) -> None:
    """Add a connection just made to the cached listing, so that the next wizard sees it without asking."""
    cache, key = get_ledger().cache, f"connections:{sandbox.lower()}"
    listing = cache.get(key)
    if listing is not None:
        cache.set(key, [*listing, connection], timeout=CONNECTIONS_TTL)
