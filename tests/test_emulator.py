"""The emulator itself: standalone program, persistence, loopback only, fault control, token rules."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from connector import Platform
from emulator import EmulatorServer, check_loopback
from emulator.store import SCHEMA, Store
from tests.helpers import ROOT, SECRET_KEY, credentials, first_answer, free_port

def test_python_m_emulator_serves_a_platform_that_the_connector_uses_unchanged(tmp_path, settings):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "emulator", "--port", str(port), "--data-dir", str(tmp_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        first_answer(url + "/_emulator/health", seconds=10)
        client = Platform(settings.with_endpoints(url, url))
        assert [s.name for s in client.sandboxes()][0] == "prod"
        created = client.connections.create_kinesis_connection("prod", "standalone", "", credentials())
        assert client.connections.get_connection("prod", created.id).name == "standalone"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"127.0.0.1:{port}" in process.stdout.read()


def test_connections_survive_a_restart(tmp_path, settings):
    server = EmulatorServer(tmp_path).start()
    client = Platform(settings.with_endpoints(server.url, server.url))
    created = client.connections.create_kinesis_connection("dev", "kept", "", credentials())
    server.stop()
    again = EmulatorServer(tmp_path).start()
    try:
        client = Platform(settings.with_endpoints(again.url, again.url))
        assert client.connections.get_connection("dev", created.id).name == "kept"
    finally:
        again.stop()


def test_secrets_are_stored_but_never_returned_in_clear(emulator, platform):
    created = platform.connections.create_kinesis_connection("prod", "s", "", credentials())
    token = platform.session.tokens.token()
    headers = platform.session.headers(token, "prod", False)
    for path in (f"/connections/{created.id}", "/connections"):
        text = requests.get(emulator.url + "/data/foundation/flowservice" + path, headers=headers, timeout=5).text
        assert SECRET_KEY not in text and "<encrypted>" in text


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "192.168.1.1", "example.com"])
def test_only_loopback_addresses(host):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_fine(host):
    check_loopback(host)


def test_faults_are_listed_counted_and_cleared(emulator):
    emulator.fault(kind="status", status=503, path="sandbox-management", times=2)
    assert emulator.faults()[0]["times"] == 2
    http = requests.Session()
    assert http.get(emulator.url + "/data/foundation/sandbox-management/", timeout=5).status_code == 503
    assert emulator.faults()[0]["times"] == 1
    http.get(emulator.url + "/data/foundation/sandbox-management/", timeout=5)
    assert emulator.faults() == []


def test_an_unknown_fault_kind_is_refused(emulator):
    response = requests.post(emulator.url + "/_emulator/faults", json={"kind": "gremlins"}, timeout=5)
    assert response.status_code == 400 and "gremlins" in response.json()["error"]


def test_latency_fault_delays_the_answer(emulator, platform):
    emulator.fault(kind="latency", seconds=0.5, path="sandbox-management", times=1)
    started = time.monotonic()
    platform.sandboxes()
    assert time.monotonic() - started >= 0.5


def test_tokens_expire_after_their_lifetime(emulator):
    emulator.config(token_lifetime=1)
    token = requests.post(emulator.url + "/ims/token/v3", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": "openid"}).json()
    assert token["expires_in"] == 1 and token["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {token['access_token']}", "x-api-key": "c",
               "x-gw-ims-org-id": emulator.config()["org_id"]}
    url = emulator.url + "/data/foundation/sandbox-management/"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    time.sleep(1.1)
    assert requests.get(url, headers=headers, timeout=5).json()["error_code"] == "401013"


def test_ims_wants_a_form_body(emulator):
    response = requests.post(emulator.url + "/ims/token/v3", json={"grant_type": "client_credentials"}, timeout=5)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_reset_restores_the_token_lifetime(emulator):
    emulator.config(token_lifetime=1)
    emulator.reset()
    assert emulator.config()["token_lifetime"] == 86399


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_secrets_are_sealed_at_rest_in_files_only_the_owner_can_read(tmp_path, settings, kinesis_stage):
    data_dir = tmp_path / "state"
    server = EmulatorServer(data_dir, kinesis_endpoint_url=kinesis_stage.url).start()
    try:
        client = Platform(settings.with_endpoints(server.url, server.url))
        created = client.connections.create_kinesis_connection("prod", "sealed", "", credentials())
        # The emulator still opens them to ask Kinesis.
        assert client.connections.test_connection("prod", created.id) is True
        assert client.connections.explore("prod", created.id)
    finally:
        server.stop()
    stored = b"".join(path.read_bytes() for path in data_dir.iterdir())
    assert SECRET_KEY.encode() not in stored
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "platform.sqlite3") == 0o600 and _mode(data_dir / "platform.key") == 0o600


def test_secrets_an_older_version_stored_in_clear_are_sealed_on_start(tmp_path):
    database = tmp_path / "platform.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO connections (id, sandbox, body, secret_params) VALUES (?, ?, ?, ?)",
                   ("c1", "prod", json.dumps({"id": "c1"}), json.dumps({"secretKey": SECRET_KEY})))
    database.chmod(0o644)
    store = Store(database)
    assert store.connection("prod", "c1")[1] == {"secretKey": SECRET_KEY}
    assert SECRET_KEY.encode() not in database.read_bytes() and _mode(database) == 0o600


# The control API: no web page may drive it from a browser.

def test_the_control_api_takes_only_json_posts(emulator):
    emulator.fault(kind="status", status=503, path="nowhere")
    for headers, body in (({"Content-Type": "text/plain"}, "{}"), ({}, None),
                          ({"Content-Type": "application/x-www-form-urlencoded"}, "a=b"),
                          ({"Content-Type": "multipart/form-data; boundary=x"}, "--x--")):
        response = requests.post(emulator.url + "/_emulator/reset", data=body, headers=headers, timeout=5)
        assert response.status_code == 415, headers
    assert len(emulator.faults()) == 1  # nothing was reset
    empty = requests.post(emulator.url + "/_emulator/reset", headers={"Content-Type": "application/json"}, timeout=5)
    assert empty.status_code == 200 and emulator.faults() == []


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null",
                                    "http://localhost.evil.example:8081", "file://", "http://10.0.0.1:8081",
                                    "ftp://127.0.0.1", "http://[::1]:notaport"])
def test_the_control_api_refuses_pages_from_elsewhere(emulator, origin):
    emulator.fault(kind="status", status=503, path="nowhere")
    headers = {"Origin": origin}
    assert requests.get(emulator.url + "/_emulator/faults", headers=headers, timeout=5).status_code == 403
    response = requests.post(emulator.url + "/_emulator/reset", json={}, headers=headers, timeout=5)
    assert response.status_code == 403 and len(emulator.faults()) == 1


@pytest.mark.parametrize("origin", ["http://127.0.0.1:5000", "https://127.3.2.1", "http://localhost:8081",
                                    "http://LOCALHOST", "http://[::1]:9"])
def test_the_control_api_answers_pages_on_loopback(emulator, origin):
    response = requests.post(emulator.url + "/_emulator/reset", json={}, headers={"Origin": origin}, timeout=5)
    assert response.status_code == 200


def test_the_control_api_refuses_what_the_browser_calls_cross_site(emulator):
    for site, status in (("cross-site", 403), ("same-origin", 200), ("same-site", 200), ("none", 200)):
        response = requests.get(emulator.url + "/_emulator/calls", headers={"Sec-Fetch-Site": site}, timeout=5)
        assert response.status_code == status, site
