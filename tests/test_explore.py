"""wizard/explore.py: the connection, Flow Service's test, its streams, and Adobe's docs beside them."""
from __future__ import annotations

from helpers import ACCESS_KEY_ID


def test_explore_shows_the_connection_its_test_and_its_streams(walker, client):
    connection_id = walker.done()
    page = client.get(f"/connections/prod/{connection_id}").get_data(as_text=True)
    assert "Clickstream account" in page and connection_id in page
    assert "passed: Adobe can use these credentials" in page
    for stream in ("web-clickstream", "mobile-app-events", "order-updates"):
        assert f"<td>{stream}</td>" in page
    assert "experienceleague.adobe.com" in page
    assert "…" + ACCESS_KEY_ID[-4:] in page and ACCESS_KEY_ID not in page


def test_explore_of_a_connection_whose_keys_stopped_working(walker, client, emulator):
    connection_id = walker.done()
    emulator.config(rejected_keys=[ACCESS_KEY_ID])
    page = client.get(f"/connections/prod/{connection_id}").get_data(as_text=True)
    assert "failed: Adobe cannot use these credentials" in page
    assert "Adobe rejected the connection details" in page


def test_an_unknown_connection_is_a_404_page(client):
    response = client.get("/connections/prod/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "no such connection" in response.get_data(as_text=True)


def test_a_failing_platform_is_a_clear_page(walker, client, emulator):
    connection_id = walker.done()
    emulator.fault(kind="status", status=503, path="/connections/")
    response = client.get(f"/connections/prod/{connection_id}")
    assert response.status_code == 503 and "Try again" in response.get_data(as_text=True)
