"""The per-request accessors for what talks to Adobe, as flaskr's db.py hands out its database."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import current_app

from connector import Platform

from .once import OnceLedger

T = TypeVar("T")
CONNECTIONS_TTL = 60


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


def existing_connections(sandbox: str) -> list[dict[str, Any]]:
    """The Kinesis connections already in ``sandbox`` (briefly cached: the wizard asks on several pages)."""
    def listing() -> list[dict[str, Any]]:
        return [{"id": c.id, "name": c.name, "key_hint": c.access_key_id[-4:], "access_key_id": c.access_key_id,
                 "region": c.region, "state": c.state}
                for c in get_platform().flow.list_kinesis_connections(sandbox)]
    return cached(f"connections:{sandbox.lower()}", CONNECTIONS_TTL, listing)


def forget_connections(sandbox: str) -> None:
    """Drop the cached listing after a create, so that the next wizard sees the new connection."""
    get_ledger().cache.delete(f"connections:{sandbox.lower()}")
