"""wizard/health.py: /healthz says the process is up, /readyz that the platform answers."""
from __future__ import annotations


def test_healthz(client, emulator):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert emulator.calls() == {}


def test_readyz_when_the_platform_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json == {"status": "ready"}


def test_readyz_when_it_does_not(client, emulator):
    emulator.fault(kind="status", status=503, path="sandbox-management")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"


def test_readyz_answers_are_kept_a_few_seconds(client, emulator):
    for _ in range(5):
        client.get("/readyz")
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 1
