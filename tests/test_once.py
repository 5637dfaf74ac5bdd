"""wizard/once.py: one create per attempt, against the real file cache the app uses."""
from __future__ import annotations

import threading
import time

import pytest
from cachelib import FileSystemCache

from web.once import FileClaims, OnceLedger, StillRunning


@pytest.fixture
def ledger(tmp_path):
    return OnceLedger(FileSystemCache(str(tmp_path / "cache")), FileClaims(tmp_path / "claims"), poll=0.01)


def test_a_second_run_returns_the_first_result(ledger):
    calls = []
    first = ledger.run("a", lambda earlier: calls.append(earlier) or {"id": "1"})
    assert ledger.run("a", lambda earlier: {"id": "2"}) == first == {"id": "1"}
    assert calls == [None]


def test_concurrent_runs_act_once(ledger):
    calls, results = [], []

    def slow(earlier):
        calls.append(earlier)
        time.sleep(0.3)
        return {"id": "only"}

    threads = [threading.Thread(target=lambda: results.append(ledger.run("b", slow))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [{"id": "only"}] * 5


def test_a_failed_try_is_remembered_for_the_next(ledger):
    def fail(earlier):
        raise RuntimeError("no answer")

    with pytest.raises(RuntimeError):
        ledger.run("c", fail)
    seen = []
    ledger.run("c", lambda earlier: seen.append(earlier) or {"id": "x"})
    assert isinstance(seen[0], int) and seen[0] > 0


def test_a_waiter_gives_up_when_the_first_run_takes_too_long(ledger):
    assert ledger.claims.take("d")
    with pytest.raises(StillRunning):
        ledger.run("d", lambda earlier: {"id": "never"}, wait=0.1)


def test_a_claim_left_by_a_crashed_worker_goes_stale(ledger):
    import os
    assert ledger.claims.take("e") and not ledger.claims.take("e")
    path = ledger.claims._path("e")
    os.utime(path, (time.time() - 1000, time.time() - 1000))
    assert ledger.claims.take("e")
