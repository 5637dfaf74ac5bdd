"""Waiting for the emulator to finish the slow calls a latency fault holds back.

A latency fault keeps a call at the emulator after the client has given up on it; the emulator counts it
only when it answers. A test that asserts on counts, or that leaves such a call behind, waits for them
here, so that a late call never lands in the next test."""
from __future__ import annotations

import time

LIMIT = 30.0


def wait_for_calls(emulator, key: str, count: int, limit: float = LIMIT) -> int:
    """Until the emulator has answered ``count`` calls to ``key`` (or ``limit`` seconds passed); the count."""
    give_up = time.monotonic() + limit
    while (seen := emulator.calls(key)) < count and time.monotonic() < give_up:
        time.sleep(0.1)
    return seen
