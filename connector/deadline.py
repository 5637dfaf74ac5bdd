"""One deadline for every call to Adobe made on behalf of one web request.

The web side starts it when a request begins (``start``) and ends it when the request ends (``end``); the
connector only reads it (``remaining``), so it needs no Flask. Without a deadline (the command line, the
tests that drive the connector directly) nothing changes: each call has its own timeout and retries.

With one, every try gets at most what remains (``transport.DeadlineAdapter``), a retry or a pause is
not started when the rest of the time cannot cover it, and a call with no time left is not sent:
``DeadlineExceeded`` says so. A contextvar, not a global: each thread (each request of a gthread
worker) has its own.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Iterator

from .errors import DeadlineExceeded

# A call (or a retry) is not started with less than this left: it could not get an answer in time.
MIN_CALL_SECONDS = 0.5

_deadline: ContextVar[float | None] = ContextVar("platform_deadline", default=None)


def start(seconds: float) -> Token:
    """Give this request ``seconds`` for all its calls to Adobe; pass the token to ``end``."""
    return _deadline.set(time.monotonic() + seconds)


def end(token: Token) -> None:
    """Forget the deadline ``start`` set: the thread's next request starts afresh."""
    try:
        _deadline.reset(token)
    except ValueError:          # set in another context: no earlier value to go back to
        _deadline.set(None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run a block under a deadline of ``seconds`` (what a web request does, for other callers)."""
    token = start(seconds)
    try:
        yield
    finally:
        end(token)


def remaining() -> float | None:
    """Seconds left before the deadline (0 when it has passed); None when there is none."""
    at = _deadline.get()
    return None if at is None else max(0.0, at - time.monotonic())


def can_cover(seconds: float) -> bool:
    """True when a pause of ``seconds`` followed by one call still fits before the deadline."""
    left = remaining()
    return left is None or left >= seconds + MIN_CALL_SECONDS


def budget(own: float) -> float:
    """``own`` or what remains of the deadline, whichever is less; ``DeadlineExceeded`` when no call fits."""
    left = remaining()
    if left is None:
        return own
    if left < MIN_CALL_SECONDS:
        raise DeadlineExceeded(sent=False)
    return min(own, left)
