"""connector/session.py and transport.py: headers, timeouts and retries, against the emulator's faults."""
from __future__ import annotations

import pytest

from connector import PlatformTimeout, RateLimited, ServiceUnavailable, TransportError
from connector.transport import MAX_RETRY_AFTER

SANDBOXES = "GET /data/foundation/sandbox-management/"


def test_every_call_carries_the_five_headers(platform):
    headers = platform.session.headers("tok", "Prod", True)
    assert headers == {"Authorization": "Bearer tok", "x-api-key": platform.settings.client_id,
                       "x-gw-ims-org-id": platform.settings.org_id, "x-sandbox-name": "prod",
                       "Accept": "application/json", "Content-Type": "application/json"}
    assert "Content-Type" not in platform.session.headers("tok", None, False)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried(platform, emulator, status):
    emulator.fault(kind="status", status=status, retry_after=0, path="sandbox-management", times=2)
    assert platform.sandboxes()
    assert emulator.calls(SANDBOXES) == 3


def test_retry_after_is_honoured(platform, emulator):
    import time
    emulator.fault(kind="status", status=429, retry_after=1, path="sandbox-management", times=1)
    started = time.monotonic()
    platform.sandboxes()
    assert time.monotonic() - started >= 1.0


def test_a_long_retry_after_is_handed_back_not_slept_through(platform, emulator):
    emulator.fault(kind="status", status=429, retry_after=int(MAX_RETRY_AFTER) + 50, path="sandbox-management")
    with pytest.raises(RateLimited) as caught:
        platform.sandboxes()
    assert caught.value.retry_after == MAX_RETRY_AFTER + 50 and caught.value.code == "429050"
    assert emulator.calls(SANDBOXES) == 1


def test_retries_are_bounded(platform, emulator):
    emulator.fault(kind="status", status=503, path="sandbox-management")
    with pytest.raises(ServiceUnavailable):
        platform.sandboxes()
    assert emulator.calls(SANDBOXES) == 4


def test_a_dropped_connection_is_retried(platform, emulator):
    emulator.fault(kind="drop", path="sandbox-management", times=1)
    assert platform.sandboxes()


def test_dropped_every_time_is_a_transport_error(platform, emulator):
    emulator.fault(kind="drop", path="sandbox-management")
    with pytest.raises(TransportError):
        platform.sandboxes()


def test_a_slow_platform_times_out(platform, emulator):
    emulator.fault(kind="latency", seconds=2.5, path="sandbox-management")
    with pytest.raises(PlatformTimeout):
        platform.sandboxes()


def test_nothing_listening_is_a_transport_error(settings):
    from connector import Platform
    with pytest.raises(TransportError):
        Platform(settings.with_endpoints("http://127.0.0.1:9", settings.ims_url)).sandboxes()
