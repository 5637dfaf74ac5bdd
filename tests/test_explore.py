"""explore/routes.py: the connection, Flow Service's test, its streams from Kinesis (moto), a preview of the
latest records, the source-connection request, and Adobe's docs beside them."""
from __future__ import annotations

import html
import json
import re
import shlex

import pytest

from app import create_app
from config import Config
from connector import ConfigurationError
from explore.routes import PREVIEW_COLUMNS, PREVIEW_RAW_BYTES, table
from tests.helpers import ACCESS_KEY_ID, ANONYMOUS, Walker
from tests.kinesis_stage import EVERY_ACTION, STREAMS, WIDE_REGION


def page_of(client, path) -> str:
    return html.unescape(client.get(path).get_data(as_text=True))


def test_explore_shows_the_connection_its_test_and_its_streams(walker, client):
    connection_id = walker.done()
    page = page_of(client, f"/connections/prod/{connection_id}")
    assert "Clickstream account" in page and connection_id in page
    assert "Adobe can use these credentials" in page
    for stream in STREAMS:
        assert f"<td>{stream}</td>" in page
    assert "experienceleague.adobe.com" in page
    assert "…" + ACCESS_KEY_ID[-4:] in page and ACCESS_KEY_ID not in page


def test_a_stream_preview_flattens_json_records_into_columns(walker, client):
    connection_id = walker.done()
    page = page_of(client, f"/connections/prod/{connection_id}?stream=web-clickstream")
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", page.split("Latest records")[1], re.S).group(1)
    columns = re.findall(r"<code>([^<]+)</code>", header)
    assert columns == ["event", "customer", "page.path", "page.ref", "sku", "qty"]
    assert "<td>SHOE-42</td>" in page and "<td>/cart</td>" in page
    assert "Raw records (JSON)" in page and '"add_to_cart"' in page


def test_the_source_connection_request_is_ready_to_copy(walker, client):
    connection_id = walker.done()
    page = page_of(client, f"/connections/prod/{connection_id}?stream=order-updates&dataType=xdm&reset=earliest")
    body = json.loads(re.search(r'<textarea id="request-json"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert body["baseConnectionId"] == connection_id
    assert body["connectionSpec"] == {"id": "86043421-563b-46ec-8e6c-e23184711bf6", "version": "1.0"}
    assert body["data"] == {"format": "json"}
    assert body["params"] == {"stream": "order-updates", "dataType": "xdm", "reset": "earliest"}
    curl = re.search(r'<textarea id="request-curl"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    words = shlex.split(curl.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"] and words[3].endswith("/data/foundation/flowservice/sourceConnections")
    assert "x-sandbox-name: prod" in words and json.loads(words[words.index("-d") + 1]) == body


def test_unknown_options_fall_back_to_the_defaults(walker, client):
    connection_id = walker.done()
    page = page_of(client, f"/connections/prod/{connection_id}?stream=order-updates&dataType=evil&reset=<x>")
    assert '"dataType": "raw"' in page and '"reset": "latest"' in page


def test_a_stream_that_is_not_listed_is_not_previewed(walker, client):
    connection_id = walker.done()
    assert "Latest records" not in page_of(client, f"/connections/prod/{connection_id}?stream=../../etc")


def test_explore_of_a_connection_whose_keys_stopped_working(walker, client, app, kinesis_auth):
    key = kinesis_auth.new_user("rotated", EVERY_ACTION)
    connection_id = walker.done(access_key_id=key.access_key_id, secret_key=key.secret_key)
    assert "Adobe can use these credentials" in page_of(client, f"/connections/prod/{connection_id}")
    kinesis_auth.deactivate("rotated")
    assert "Adobe can use these credentials" in page_of(client, f"/connections/prod/{connection_id}")     # kept for a few seconds
    app.extensions["cache"].clear()                                             # as when they have passed
    page = page_of(client, f"/connections/prod/{connection_id}")
    assert "Adobe cannot use these credentials" in page
    assert "security token included in the request is invalid" in page


def test_an_unknown_connection_is_a_404_page(client):
    response = client.get("/connections/prod/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "no such connection" in response.get_data(as_text=True)


def test_a_failing_platform_is_a_clear_page(walker, client, emulator):
    connection_id = walker.done()
    emulator.fault(kind="status", status=503, path="/connections/")
    response = client.get(f"/connections/prod/{connection_id}")
    assert response.status_code == 503 and "Try again" in response.get_data(as_text=True)


def flow_service_calls(emulator) -> int:
    return sum(n for call, n in emulator.calls().items() if "/flowservice/" in call)


def test_views_of_a_connection_share_one_reading_of_it(walker, client, emulator):
    connection_id = walker.done()
    before = flow_service_calls(emulator)
    first = page_of(client, f"/connections/prod/{connection_id}")
    one_view = flow_service_calls(emulator) - before
    second = page_of(client, f"/connections/prod/{connection_id}")
    assert flow_service_calls(emulator) - before == one_view == 3, emulator.calls()   # details, test, streams
    assert "Adobe can use these credentials" in second and connection_id in second
    for stream in STREAMS:
        assert f"<td>{stream}</td>" in first and f"<td>{stream}</td>" in second


def test_connection_pages_are_rate_limited_per_client(settings, tmp_path, emulator):
    app = create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "EXPLORE_RATE_LIMIT": "2 per minute",
                      "SECRET_KEY": "dcRupNkZCPs-cnGTw7OBQhKQcZuxKatZ7cGE2kgqkxM",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    client = app.test_client()
    connection_id = Walker(client).done()
    for _ in range(2):
        assert client.get(f"/connections/prod/{connection_id}").status_code == 200
    refused = client.get(f"/connections/prod/{connection_id}")
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 429 and "opened too often" in page and "<html" in page
    assert client.get("/done").status_code == 200        # the wizard itself is not limited by it


def test_the_rate_limit_is_a_setting():
    assert Config.load({}, dotenv_path=None).flask_config()["EXPLORE_RATE_LIMIT"] == "60 per minute"
    with pytest.raises(ConfigurationError, match="EXPLORE_RATE_LIMIT"):
        Config.load({"EXPLORE_RATE_LIMIT": "often"}, dotenv_path=None)


def test_table_reads_explores_flat_rows():
    rows = table([{"x": 1}, {"y": 2}])
    assert rows["columns"] == ["x", "y"] and rows["rows"] == [[1, ""], ["", 2]]
    odd = table([{"a": {"b": [1, "é"]}}, "plain text"])        # not in Adobe's shape: shown, not lost
    assert odd["columns"] == ["a", "value"] and odd["rows"] == [['{"b": [1, "é"]}', ""], ["", "plain text"]]


# Bounded previews: a record with 30,000 fields (the issue: ten such records kept a worker busy for 30 s).

def test_a_record_with_30000_fields_previews_within_bounds(walker, client, kinesis_stage):
    stream = kinesis_stage.wide_stream()
    connection_id = walker.done(region=WIDE_REGION)
    page = page_of(client, f"/connections/prod/{connection_id}?stream={stream}")
    preview = page.split("Latest records")[1]
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", preview, re.S).group(1)
    columns = re.findall(r"<code>([^<]+)</code>", header)
    assert len(columns) == PREVIEW_COLUMNS == 100 and columns[:3] == ["seq", "note", "f0"]
    assert "Showing 100 of 30,000 fields." in preview
    assert "Values shortened: each cell shows at most 200 characters." in preview
    body = re.search(r"<tbody>(.*?)</tbody>", preview, re.S).group(1)
    assert "x" * 200 + "…" in body and "x" * 201 not in body  # the raw view keeps values whole
    raw = re.search(r'<details class="raw">(.*?)</details>', preview, re.S).group(1)
    assert "Raw view shortened: it shows the first 64 KiB of the answer." in raw
    assert len(raw.encode()) < PREVIEW_RAW_BYTES + 2_000


def test_the_bounds_are_told_in_french(walker, client, kinesis_stage):
    stream = kinesis_stage.wide_stream()
    connection_id = walker.done(region=WIDE_REGION)
    page = html.unescape(client.get(f"/connections/prod/{connection_id}?stream={stream}",
                                    headers={"Accept-Language": "fr"}).get_data(as_text=True))
    assert re.search(r"Affichage de 100 champs sur 30\s000\.", page)
    assert "Valeurs raccourcies\u00a0: chaque cellule montre au plus 200 caractères." in page
    assert "Vue brute raccourcie\u00a0: elle montre les 64 premiers Kio de la réponse." in page


def test_a_small_preview_tells_of_no_cut(walker, client):
    connection_id = walker.done()
    page = page_of(client, f"/connections/prod/{connection_id}?stream=web-clickstream")
    assert "Showing" not in page and "shortened" not in page


def test_table_of_very_wide_rows_is_bounded():
    """Ten rows of 30,000 fields each: the ordered set of names keeps this linear (a list made it
    quadratic), and what comes out is bounded."""
    rows = [{"seq": n, **{f"f{k}": k for k in range(29_999)}} for n in range(10)]
    shown = table(rows)
    assert shown["columns_total"] == 30_000 and len(shown["columns"]) == 100
    assert all(len(line) == 100 for line in shown["rows"]) and len(shown["rows"]) == 10
    assert shown["raw_cut"] and len(shown["raw"].encode()) <= PREVIEW_RAW_BYTES + 4
    long = table([{"text": "y" * 1_000, "n": 10 ** 300}])
    assert long["values_shortened"] and long["rows"][0][0] == "y" * 200 + "…"
    assert long["rows"][0][1] == str(10 ** 300)[:200] + "…"
