"""Run a create once per attempt, even under double clicks, resubmits, slow platforms and several workers.

A request claims the attempt first: atomically, with ``SET NX`` in Redis or an exclusively created
file on disk. A second request for the same attempt waits for the first one's result instead of acting.

The ledger keeps each attempt's state: ``sending`` (a request is at it, since ``sent_at``), ``pending``
(the create was sent at ``sent_at`` and whether Adobe acted is not known: it is looked for, never
re-sent by itself), ``failed`` (Adobe refused, or something broke before an answer: the next try looks
first), and the result once there is one. Every decision to act is taken under the claim.
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
# Longer than any request may spend on Adobe (REQUEST_DEADLINE): a claim outlives only a crashed worker.
CLAIM_TTL = 120
SENDING, PENDING, FAILED = "sending", "pending", "failed"

Action = Callable[[int | None], dict[str, Any]]


class StillRunning(Exception):
    """Another request is still carrying out this attempt."""


class Pending(Exception):
    """The attempt's create was sent at ``sent_at`` (ms since the epoch), and whether Adobe carried it out
    is not known yet. An action raises it when it cannot tell; the ledger raises it while that lasts."""

    def __init__(self, sent_at: int) -> None:
        self.sent_at = sent_at
        super().__init__(f"outcome unknown since {sent_at}")


def now_ms() -> int:
    return int(time.time() * 1000)


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
    """Results and states of one-time actions, by attempt id."""

    def __init__(self, cache: BaseCache, claims: Claims, poll: float = 0.1) -> None:
        self.cache = cache
        self.claims = claims
        self.poll = poll

    def result(self, attempt: str) -> dict[str, Any] | None:
        """The attempt's result, once there is one."""
        return self.cache.get(f"done:{attempt}")

    def forget(self, attempt: str) -> None:
        """Drop an attempt's result: what it made is gone (deleted since), and a new attempt may make it."""
        self.cache.delete(f"done:{attempt}")

    def state(self, attempt: str) -> dict[str, Any] | None:
        """``{"state": "sending" | "pending" | "failed", "sent_at": ms}`` while there is no result."""
        return self.cache.get(f"state:{attempt}")

    def run(self, attempt: str, action: Action, wait: float = 30.0) -> dict[str, Any]:
        """The attempt's result: from the ledger, from a request already at it, or from ``action``.

        ``action`` receives the time of an earlier failed try, so that it can look for what that try may
        have made before making anything. Raises ``Pending`` while an earlier create's outcome is unknown
        (nothing is sent), and ``StillRunning`` when another request is still at it after ``wait`` seconds
        or the request's deadline, whichever comes first.
        """
        left = deadline.remaining()
        give_up = time.monotonic() + (wait if left is None else min(wait, left))
        while True:
            done = self.result(attempt)
            if done is not None:
                return done
            state = self.state(attempt)
            if state and state["state"] == PENDING:
                raise Pending(state["sent_at"])
            if self.claims.take(attempt):
                try:
                    return self._act_once(attempt, action)
                finally:
                    self.claims.release(attempt)
            if time.monotonic() >= give_up:
                raise StillRunning(attempt)
            time.sleep(self.poll)

    def look(self, attempt: str, find: Callable[[int], dict[str, Any] | None]) -> dict[str, Any] | None:
        """For an attempt whose outcome is unknown: one look, ``find(sent_at)``, for what its create made;
        the result when found (and kept as the attempt's result). None when nothing was found, or when
        another request is at the attempt (creating, or looking: one look at a time, across instances)."""
        done = self.result(attempt)
        if done is not None or not self.claims.take(attempt):
            return done
        try:
            done = self.result(attempt)
            state = self.state(attempt)
            if done is not None or not state or state["state"] == FAILED:
                return done
            found = find(state["sent_at"])
            if found is not None:
                self._finish(attempt, found)
            return found
        finally:
            self.claims.release(attempt)

    def again(self, attempt: str, sent_at: int, after: float, action: Action) -> dict[str, Any]:
        """Send an attempt again whose create, sent at ``sent_at``, stayed unknown for ``after`` seconds:
        once, whichever instance or tab asks, however often.

        Only a request that finds, under the claim, the attempt still pending since that very ``sent_at``
        and for long enough acts (``action`` receives ``sent_at``, to look once more first); the others
        get the result, ``Pending`` (another create was sent meanwhile, or it is too early), or
        ``StillRunning`` (a request is at it now).
        """
        done = self.result(attempt)
        if done is not None:
            return done
        if not self.claims.take(attempt):
            raise StillRunning(attempt)
        try:
            done = self.result(attempt)
            if done is not None:
                return done
            state = self.state(attempt)
            if state and state["state"] in (PENDING, SENDING):
                if state["sent_at"] != sent_at or now_ms() - sent_at < after * 1000:
                    raise Pending(state["sent_at"])
            return self._act(attempt, action, state["sent_at"] if state else None)
        finally:
            self.claims.release(attempt)

    def _act_once(self, attempt: str, action: Action) -> dict[str, Any]:
        """Under the claim: the result if one came meanwhile, else ``action`` unless an earlier create may
        still land (pending, or sending when its request died: the claim had gone stale)."""
        done = self.result(attempt)     # finished between our look and our claim
        if done is not None:
            return done
        state = self.state(attempt)
        if state and state["state"] in (PENDING, SENDING):
            self._set_state(attempt, PENDING, state["sent_at"])
            raise Pending(state["sent_at"])
        return self._act(attempt, action, state["sent_at"] if state else None)

    def _act(self, attempt: str, action: Action, earlier: int | None) -> dict[str, Any]:
        """Under the claim: carry out ``action``, recording its state as it goes."""
        started = now_ms()
        self._set_state(attempt, SENDING, started)
        try:
            done = action(earlier)
        except Pending as unknown:
            self._set_state(attempt, PENDING, unknown.sent_at)
            raise
        except BaseException:
            self._set_state(attempt, FAILED, started)
            raise
        self._finish(attempt, done)
        return done

    def _finish(self, attempt: str, done: dict[str, Any]) -> None:
        self.cache.set(f"done:{attempt}", done, timeout=RESULT_TTL)
        self.cache.delete(f"state:{attempt}")

    def _set_state(self, attempt: str, state: str, sent_at: int) -> None:
        self.cache.set(f"state:{attempt}", {"state": state, "sent_at": sent_at}, timeout=RESULT_TTL)
