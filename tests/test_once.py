"""web/once.py: one create per attempt, against the real file cache the app uses."""
from __future__ import annotations

import threading
import time

import pytest
from cachelib import FileSystemCache

from web.once import FileClaims, OnceLedger, Pending, StillRunning


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


# A create whose outcome is unknown: pending, looked for, sent again only when a person asks, once.

def unknown(sent_at):
    def action(earlier):
        raise Pending(sent_at)
    return action


def test_an_unknown_outcome_leaves_the_attempt_pending_and_nothing_is_sent_again(ledger):
    with pytest.raises(Pending):
        ledger.run("p", unknown(1000))
    assert ledger.state("p") == {"state": "pending", "sent_at": 1000}
    calls = []
    with pytest.raises(Pending) as caught:
        ledger.run("p", lambda earlier: calls.append(earlier) or {"id": "second"})
    assert caught.value.sent_at == 1000 and calls == []


def test_a_look_finds_what_the_pending_create_made(ledger):
    with pytest.raises(Pending):
        ledger.run("q", unknown(2000))
    asked = []
    assert ledger.look("q", lambda since: asked.append(since)) is None
    assert ledger.look("q", lambda since: {"id": "found"}) == {"id": "found"}
    assert asked == [2000] and ledger.state("q") is None
    assert ledger.run("q", lambda earlier: {"id": "never"}) == {"id": "found"}


def test_one_look_at_a_time(ledger):
    with pytest.raises(Pending):
        ledger.run("r", unknown(3000))
    assert ledger.claims.take("r")                       # another request is looking, or creating
    asked = []
    assert ledger.look("r", lambda since: asked.append(since)) is None and asked == []


def test_a_create_again_answers_one_create_and_is_refused_before_its_time(ledger):
    sent_at = int(time.time() * 1000)
    with pytest.raises(Pending):
        ledger.run("s", unknown(sent_at))
    calls = []
    with pytest.raises(Pending):
        ledger.again("s", sent_at, 60, lambda earlier: calls.append(earlier) or {"id": "too early"})
    assert calls == []
    assert ledger.again("s", sent_at, 0, lambda earlier: calls.append(earlier) or {"id": "again"}) == {"id": "again"}
    assert ledger.again("s", sent_at, 0, lambda earlier: calls.append(earlier) or {"id": "twice"}) == {"id": "again"}
    assert calls == [sent_at]                            # it looked since the first create, then made one


def test_a_create_again_for_an_older_create_does_nothing(ledger):
    with pytest.raises(Pending):
        ledger.run("t", unknown(1000))
    with pytest.raises(Pending):
        ledger.again("t", 1000, 0, unknown(5000))        # sent again, and unknown again
    calls = []
    with pytest.raises(Pending) as caught:               # a second tab still showing the first create
        ledger.again("t", 1000, 0, lambda earlier: calls.append(earlier) or {"id": "third"})
    assert caught.value.sent_at == 5000 and calls == []


def test_concurrent_create_again_acts_once(ledger):
    with pytest.raises(Pending):
        ledger.run("u", unknown(1000))
    calls, answers = [], []

    def slow(earlier):
        calls.append(earlier)
        time.sleep(0.3)
        return {"id": "only"}

    def press():
        try:
            answers.append(ledger.again("u", 1000, 0, slow))
        except StillRunning:
            answers.append("still running")
    threads = [threading.Thread(target=press) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and {"id": "only"} in answers
    assert set(map(str, answers)) <= {str({"id": "only"}), "still running"}
