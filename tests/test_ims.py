"""connector/ims.py: one token per process, renewed before expiry and after a 401."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from connector import AuthenticationError, Platform, ServiceUnavailable, TransportError
from connector.ims import TokenProvider
from emulator import DEFAULT_ORG_ID

TOKEN = "POST /ims/token/v3"


def test_one_token_serves_many_calls(platform, emulator):
    for _ in range(5):
        platform.sandboxes()
    assert emulator.calls(TOKEN) == 1


def test_one_token_serves_many_threads(platform, emulator):
    errors = []

    def work():
        try:
            platform.sandboxes()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and emulator.calls(TOKEN) == 1


def test_renews_before_expiry(settings, emulator):
    now = [1000.0]
    provider = TokenProvider(settings, clock=lambda: now[0])
    emulator.config(token_lifetime=600)
    first = provider.token()
    now[0] += 500          # within the lifetime, but inside the renewal margin
    assert provider.token() == first
    now[0] += 50
    assert provider.token() != first
    assert emulator.calls(TOKEN) == 2


def test_token_expired_early_is_renewed_and_the_call_retried_once(platform, emulator):
    platform.sandboxes()
    emulator.expire_tokens()
    assert [s.name for s in platform.sandboxes()][0] == "prod"
    assert emulator.calls(TOKEN) == 2
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 3


def test_a_token_refused_twice_is_an_authentication_error(platform, emulator):
    emulator.fault(kind="status", status=401, path="sandbox-management")
    with pytest.raises(AuthenticationError):
        platform.sandboxes()
    assert emulator.calls(TOKEN) == 2


def test_wrong_client_secret_is_an_authentication_error(settings, emulator):
    emulator.config(clients={settings.client_id: "another-secret"})
    with pytest.raises(AuthenticationError) as caught:
        Platform(settings).sandboxes()
    assert caught.value.code == "invalid_client" and caught.value.status == 401
    assert settings.client_secret not in str(caught.value)


def test_ims_down_is_a_platform_error(platform, emulator):
    emulator.fault(kind="status", status=503, path="^/ims/")
    with pytest.raises(ServiceUnavailable):
        platform.sandboxes()


def test_ims_unreachable_is_a_transport_error(settings):
    dead = settings.with_endpoints(settings.platform_url, "http://127.0.0.1:9")
    with pytest.raises(TransportError, match="IMS"):
        Platform(dead).sandboxes()


def test_a_ready_access_token_is_used_without_ims(settings, emulator):
    token = TokenProvider(settings).token()
    emulator.calls()
    static = with_token(settings, token)
    assert Platform(static).sandboxes()
    assert emulator.calls(TOKEN) == 1  # only the one fetched above to make the ready token


def test_a_refused_ready_token_says_what_to_do(settings, emulator):
    with pytest.raises(AuthenticationError, match="AEP_ACCESS_TOKEN"):
        Platform(with_token(settings, "emu-not-a-real-token")).sandboxes()


def with_token(settings, token):
    return replace(settings, client_secret="", access_token=token, org_id=DEFAULT_ORG_ID)
