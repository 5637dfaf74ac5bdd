"""What every manage page needs: the connection reached by URL (checked on the server every time), what
the app remembers of its tests, and forgetting cached answers once a connection changed."""
from __future__ import annotations

import time
from typing import Any

from auth.identity import may
from connector import Connection, NotFound, PermissionDenied
from connector.session import is_sandbox_name
from web.clients import get_cache, get_platform, platform_key
from web.errors import error_page
from web.i18n import gettext

# How long the time and result of a connection's last test are remembered (seconds).
TESTED_TTL = 90 * 24 * 3600


class NoSuchConnection(Exception):
    """The connection does not exist, is not a Kinesis source of that sandbox, or is not this person's to
    manage: one answer for all three."""


def managed_connection(sandbox: str, connection_id: str) -> Connection:
    """The connection at this URL, read afresh (its etag is what a change is made against); raises
    ``NoSuchConnection`` unless this person may manage that sandbox and it is a Kinesis source there."""
    if not is_sandbox_name(sandbox) or not may("manage", sandbox):
        raise NoSuchConnection()
    try:
        return get_platform().connections.get_kinesis_source(sandbox, connection_id)
    except (NotFound, PermissionDenied):
        raise NoSuchConnection() from None


def no_such_connection():
    """The 404 of a connection this person may not manage, told apart from none in nothing."""
    return error_page(404, gettext("Page not found"), gettext(
        "Experience Platform has no such connection in this sandbox that you may manage."))


def _tested_key(connection_id: str) -> str:
    # A fact about the connection, not about who asked: kept per platform and organization only.
    settings = get_platform().settings
    return f"tested:{settings.platform_url}|{settings.org_id}|{connection_id}"


def remember_test(connection_id: str, result: bool) -> None:
    """Keep when the connection was last tested here, and the result."""
    get_cache().set(_tested_key(connection_id), {"at": int(time.time()), "result": result}, timeout=TESTED_TTL)


def last_tests(connection_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    """When each connection was last tested here, and the result (None: never, or long ago)."""
    cache = get_cache()
    found = cache.get_many(*[_tested_key(i) for i in connection_ids]) if connection_ids else []
    return dict(zip(connection_ids, found))


def forget_cached(sandbox: str, connection_id: str) -> None:
    """Drop what the app keeps of a connection that changed or went: the sandbox's listings, and the
    connection page's details, test and streams (for this person; others' copies live 30 seconds)."""
    prefix = f"{platform_key()}:"
    keys = [f"connections:{sandbox.lower()}", f"manage:listing:{sandbox.lower()}"]
    keys += [f"explore:{sandbox.lower()}:{connection_id}:{part}" for part in ("details", "test", "streams")]
    get_cache().delete_many(*[prefix + key for key in keys])
