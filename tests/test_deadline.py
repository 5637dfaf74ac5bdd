"""connector/deadline.py and the deadline each web request gets: every call to Adobe, its retries and its
waits fit in one budget, and a slow platform ends in the app's own page, not in a killed worker.

What the emulator counts is asserted, never the time taken: a fault rule's ``times`` goes down as each call
reaches the emulator, even one the client has given up on."""
from __future__ import annotations

import html
import threading

import pytest
from cachelib import FileSystemCache

from app import create_app
from config import Config
from connector import ConfigurationError, DeadlineExceeded, PlatformTimeout, RateLimited, deadline
from tests.helpers import ANONYMOUS, credentials
from tests.slow import wait_for_calls
from web.once import FileClaims, OnceLedger, StillRunning

MANY = 100
SANDBOXES = "GET /data/foundation/sandbox-management/"


def arrivals(emulator, many: int = MANY) -> int:
    """How many calls the only fault rule has met so far."""
    rules = emulator.faults()
    return many - (rules[0]["times"] if rules else 0)


def slow_everywhere(emulator, seconds: float, path: str = "^/data/") -> None:
    """Every Platform call answers after ``seconds`` (the token service is spared)."""
    emulator.fault(kind="latency", seconds=seconds, path=path, times=MANY)


def test_without_a_deadline_a_call_has_its_timeout_and_retries(platform, emulator):
    platform.session.tokens.token()
    slow_everywhere(emulator, 2.5)
    with pytest.raises(PlatformTimeout) as caught:
        platform.sandboxes()
    assert not isinstance(caught.value, DeadlineExceeded)
    assert arrivals(emulator) == 3                  # the try and two read retries, 2 s each
    wait_for_calls(emulator, SANDBOXES, 3)


def test_retries_stop_at_the_deadline(platform, emulator):
    platform.session.tokens.token()
    slow_everywhere(emulator, 2.5)
    with deadline.within(3.0), pytest.raises(DeadlineExceeded) as caught:
        platform.sandboxes()
    assert arrivals(emulator) == 2                  # 2 s, then the 1 s left; no third try
    assert caught.value.sent                        # the calls did reach Adobe
    wait_for_calls(emulator, SANDBOXES, 2)


def test_a_call_with_no_time_left_is_not_sent(platform, emulator):
    platform.session.tokens.token()
    with deadline.within(0.1), pytest.raises(DeadlineExceeded) as caught:
        platform.sandboxes()
    assert caught.value.sent is False
    assert emulator.calls(SANDBOXES) == 0


def test_a_retry_after_the_time_left_cannot_cover_is_not_slept(platform, emulator):
    platform.session.tokens.token()
    emulator.fault(kind="status", status=429, retry_after=5, path="sandbox-management", times=MANY)
    with deadline.within(3.0), pytest.raises(RateLimited):
        platform.sandboxes()
    assert arrivals(emulator) == 1


def test_the_deadline_is_one_per_context_and_ends():
    assert deadline.remaining() is None
    with deadline.within(5.0):
        assert 0 < deadline.remaining() <= 5.0
        seen = []
        other = threading.Thread(target=lambda: seen.append(deadline.remaining()))
        other.start()
        other.join()
        assert seen == [None]                       # another thread (another request) has its own
    assert deadline.remaining() is None


def test_the_kinesis_check_stays_within_the_deadline(platform):
    with deadline.within(0.1), pytest.raises(DeadlineExceeded):
        platform.check_kinesis(credentials())


def test_the_wait_for_a_create_running_elsewhere_stays_within_the_deadline(tmp_path):
    """Another request holds the attempt and lets go a second later: a request whose deadline ends first
    gives up rather than waiting the ledger's 30 seconds."""
    ledger = OnceLedger(FileSystemCache(str(tmp_path / "cache")), FileClaims(tmp_path / "claims"), poll=0.01)
    assert ledger.claims.take("slow")
    release = threading.Timer(1.0, ledger.claims.release, args=("slow",))
    release.start()
    try:
        with deadline.within(0.3), pytest.raises(StillRunning):
            ledger.run("slow", lambda earlier: {"id": "made after the deadline"}, wait=30)
    finally:
        release.join()
    assert ledger.result("slow") is None


# The web request's deadline

@pytest.fixture
def quick_app(settings, tmp_path):
    """The wizard with a 3-second deadline per request, on the 2-second timeout of the test settings."""
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "REQUEST_DEADLINE": 3.0,
                       "SECRET_KEY": "dcRupNkZCPs-cnGTw7OBQhKQcZuxKatZ7cGE2kgqkxM",
                       "INSTANCE_PATH": str(tmp_path / "instance")})


def test_a_slow_platform_gets_the_apps_own_page_within_the_deadline(quick_app, emulator):
    quick_app.extensions["platform"].session.tokens.token()
    slow_everywhere(emulator, 2.5)
    client = quick_app.test_client()
    response = client.get("/sandbox")
    for _ in range(20):           # the page saying the list is being read comes back until it has an answer
        if response.status_code != 202:
            break
        assert "Reading your sandboxes" in response.get_data(as_text=True) and response.headers["Refresh"]
        response = client.get("/sandbox")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503 and "not answering right now" in page and "Traceback" not in page
    assert arrivals(emulator) <= 2                  # without the deadline: three tries of 2 s
    wait_for_calls(emulator, SANDBOXES, arrivals(emulator))


def test_the_deadline_ends_with_the_request(quick_app, emulator):
    client = quick_app.test_client()
    assert client.get("/sandbox").status_code == 200
    assert deadline.remaining() is None             # the test client ran the request in this thread


def test_the_deadline_is_a_setting():
    assert Config.load({}, dotenv_path=None).flask_config()["REQUEST_DEADLINE"] == 20.0
    assert Config.load({"REQUEST_DEADLINE": "7.5"}, dotenv_path=None).request_deadline == 7.5
    for wrong in ("0", "-3", "soon"):
        with pytest.raises(ConfigurationError, match="REQUEST_DEADLINE") as caught:
            Config.load({"REQUEST_DEADLINE": wrong}, dotenv_path=None)
    assert "soon" not in str(caught.value)          # a value is never quoted
