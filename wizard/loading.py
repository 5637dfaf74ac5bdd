"""The sandbox step while Adobe is slow: not a blank page.

The list is asked for in a worker thread; the page waits for it a moment (``SANDBOX_WAIT`` seconds,
default 2). When it has not come by then, the person sees a page saying it is being read, which comes
back by itself (the Refresh header: no JavaScript needed) and meets the same call, still running, instead of
sending another. What comes back is cached as ``available_sandboxes()`` caches it.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as Waiting
from typing import Any

from flask import copy_current_request_context, current_app, g

from connector import deadline
from web.clients import SANDBOXES_TTL, get_cache, get_platform, platform_key

FORGET_AFTER = 300            # a call nobody came back for is dropped after five minutes
_lock = threading.Lock()
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-list")


def sandboxes_or_none() -> list[Any] | None:
    """The caller's sandboxes, or None when Adobe has not answered within the wait (the call goes on).
    A platform error of the call is raised here, to the request that collects it."""
    key = f"{platform_key()}:sandboxes"
    cache = get_cache()
    listing = cache.get(key)
    if listing is not None:
        return listing
    pending = calls()
    with _lock:
        now = time.monotonic()
        for stale in [k for k, (at, _f) in pending.items() if now - at > FORGET_AFTER]:
            del pending[stale]
        entry = pending.get(key)
        if entry is None:
            entry = pending[key] = (now, _pool.submit(fetch()))
    wait = current_app.config.get("SANDBOX_WAIT", 2.0)
    left = deadline.remaining()
    try:
        listing = entry[1].result(timeout=wait if left is None else min(wait, left))
    except Waiting:
        return None
    except Exception:
        _forget(key, entry)
        raise
    _forget(key, entry)
    cache.set(key, listing, timeout=SANDBOXES_TTL)
    return listing


def calls() -> dict[str, tuple[float, Future]]:
    """This app's calls under way, by cache key (each app its own: the key names the platform, not the app)."""
    return current_app.extensions.setdefault("sandbox_calls", {})


def _forget(key: str, entry: tuple[float, Future]) -> None:
    pending = calls()
    with _lock:
        if pending.get(key) is entry:
            del pending[key]


def fetch():
    """The call, ready for a worker thread: this request's platform client (whose token it is) and
    identity, under a deadline of its own."""
    platform, identity, seconds = get_platform(), g.get("identity"), current_app.config["REQUEST_DEADLINE"]

    @copy_current_request_context
    def call() -> list[Any]:
        g.platform, g.identity = platform, identity
        token = deadline.start(seconds)
        try:
            return platform.sandboxes()
        finally:
            deadline.end(token)
    return call
