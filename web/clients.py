"""The platform of this request, the create ledger and the shared cache, handed to views as flaskr's
``db.py`` hands out its database.

Views ask for ``get_platform()`` and never know whose token it carries: the app decides once, in the
factory it installs (``init_platform``), which client a request gets.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from cachelib import BaseCache
from flask import Flask, current_app, g

from connector import Platform, Sandbox

from .once import OnceLedger

T = TypeVar("T")
CONNECTIONS_TTL = 60
SANDBOXES_TTL = 60


def init_platform(app: Flask, platform: Platform,
                  for_request: Callable[[Platform], Platform] | None = None) -> None:
    """Install the app's platform client, and how a request derives its own from it (by default: the same
    client, one token and one connection pool for every request and thread)."""
    app.extensions["platform"] = platform
    app.extensions["platform_for_request"] = for_request or (lambda shared: shared)


def get_platform() -> Platform:
    """The platform client of this request."""
    if "platform" not in g:
        g.platform = current_app.extensions["platform_for_request"](current_app.extensions["platform"])
    return g.platform


def get_ledger() -> OnceLedger:
    """The ledger that makes each create happen once."""
    return current_app.extensions["once_ledger"]


def get_cache() -> BaseCache:
    """The app's shared cache (files, or Redis when configured)."""
    return current_app.extensions["cache"]


def cached(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``seconds`` in the shared cache, under a key that names the platform."""
    cache, key = get_cache(), f"{platform_key()}:{key}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value


def platform_key() -> str:
    """Which platform and identity cached answers came from: nothing one caller could read through another
    (a signed-in person's answers are theirs alone; the integration's are the same for everyone)."""
    settings = get_platform().settings
    identity = g.get("identity")
    scope = identity.cache_scope if identity is not None else ""
    return f"{settings.platform_url}|{settings.org_id}|{settings.client_id}|{scope}"


def available_sandboxes() -> list[Sandbox]:
    """The caller's active sandboxes (briefly cached: they change rarely)."""
    return cached("sandboxes", SANDBOXES_TTL, get_platform().sandboxes)


def existing_connections(sandbox: str) -> list[dict[str, Any]]:
    """The Kinesis connections already in ``sandbox`` (briefly cached: the wizard asks on several pages)."""
    def listing() -> list[dict[str, Any]]:
        return [{"id": c.id, "name": c.name, "key_hint": c.access_key_id[-4:], "access_key_id": c.access_key_id,
                 "region": c.region, "state": c.state}
                for c in get_platform().connections.list_kinesis_connections(sandbox)]
    return cached(f"connections:{sandbox.lower()}", CONNECTIONS_TTL, listing)


def remember_connection(sandbox: str, connection: dict[str, Any]) -> None:
    """Add a connection just made to the cached listing, so that the next wizard sees it without asking."""
    cache, key = get_cache(), f"{platform_key()}:connections:{sandbox.lower()}"
    listing = cache.get(key)
    if listing is not None:
        cache.set(key, [*listing, connection], timeout=CONNECTIONS_TTL)
