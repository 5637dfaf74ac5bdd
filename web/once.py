"""Run a create once per attempt, even under double clicks, resubmits and several workers.

A request claims the attempt first: atomically, with ``SET NX`` in Redis or an exclusively created
file on disk. A second request for the same attempt waits for the first one's result instead of acting.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, Callable, Protocol

from cachelib import BaseCache

from connector import deadline

RESULT_TTL = 24 * 3600
CLAIM_TTL = 120


class StillRunning(Exception):
    """Another request is still carrying out this attempt."""


class Claims(Protocol):
    def take(self, key: str) -> bool: ...
    def release(self, key: str) -> None: ...
    def held(self, key: str) -> bool: ...


class FileClaims:
    """Claims as files created with O_EXCL: atomic between threads and processes on one machine."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / ("claim-" + hashlib.sha256(key.encode()).hexdigest())

    def take(self, key: str) -> bool:
        path = self._path(key)
        for _ in range(2):
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                return True
            except FileExistsError:
                try:
                    if time.time() - path.stat().st_mtime < CLAIM_TTL:
                        return False
                    path.unlink()  # left behind by a crashed worker
                except FileNotFoundError:
                    pass
        return False

    def release(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def held(self, key: str) -> bool:
        return self._path(key).exists()


class CacheClaims:
    """Claims in a cache whose ``add`` is atomic (cachelib's RedisCache: SET NX)."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def take(self, key: str) -> bool:
        return bool(self.cache.add(f"claim:{key}", 1, timeout=CLAIM_TTL))

    def release(self, key: str) -> None:
        self.cache.delete(f"claim:{key}")

    def held(self, key: str) -> bool:
        return bool(self.cache.has(f"claim:{key}"))


class OnceLedger:
    """Results of one-time actions, by attempt id."""

    def __init__(self, cache: BaseCache, claims: Claims, poll: float = 0.1) -> None:
        self.cache = cache
        self.claims = claims
        self.poll = poll

    def result(self, attempt: str) -> dict[str, Any] | None:
        return self.cache.get(f"done:{attempt}")

    def first_tried_at(self, attempt: str) -> int | None:
        """When (ms) an earlier request first tried this attempt, if one did and failed."""
        return self.cache.get(f"tried:{attempt}")

    def run(self, attempt: str, action: Callable[[int | None], dict[str, Any]], wait: float = 30.0) -> dict[str, Any]:
        """The attempt's result: from the ledger, from a request already at it, or from ``action``.

        ``action`` receives the time of an earlier failed try, so that it can look for what that
        try may have made before making anything. Another request's work is waited for ``wait`` seconds,
        or until the request's deadline, whichever comes first.
        """
        left = deadline.remaining()
        give_up = time.monotonic() + (wait if left is None else min(wait, left))
        while True:
            done = self.result(attempt)
            if done is not None:
                return done
            if self.claims.take(attempt):
                try:
                    done = self.result(attempt)  # finished between our look and our claim
                    if done is not None:
                        return done
                    earlier = self.first_tried_at(attempt)
                    if earlier is None:
                        self.cache.set(f"tried:{attempt}", int(time.time() * 1000), timeout=RESULT_TTL)
                    done = action(earlier)
                    self.cache.set(f"done:{attempt}", done, timeout=RESULT_TTL)
                    return done
                finally:
                    self.claims.release(attempt)
            if time.monotonic() >= give_up:
                raise StillRunning(attempt)
            time.sleep(self.poll)
