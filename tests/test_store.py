"""web/store.py: what the session store keeps, for how long, under which id, and what it says when it
fails; on the real stores (files in the instance folder, and a real redis-server on loopback)."""
from __future__ import annotations

import os
import pickle
import struct
import time
from pathlib import Path

import pytest

from app import create_app
from tests.test_scale_out import RedisServer

CREATE = "POST /data/foundation/flowservice/connections"
COOKIE = "session"
SEALED = b"gAAAA"          # how every Fernet token begins: a sealed secret


def make_app(settings, tmp_path, **config):
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, "SECRET_KEY": "Qk3v9Zr1xW7pLmN2bT8yH5cJ0dF4gS6a",
                       "INSTANCE_PATH": str(tmp_path / "instance"), **config})


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["files", "redis"])
def store_app(request, settings, tmp_path):
    """The wizard on each of its session stores in turn."""
    config = {}
    if request.param == "redis":
        config["REDIS_URL"] = request.getfixturevalue("redis_server").url
    return make_app(settings, tmp_path, **config)


def stored_sessions(app) -> dict[str, bytes]:
    """Every session the store holds, raw, by its key (Redis) or file name."""
    inner = app.session_interface.inner
    if app.config["REDIS_URL"]:
        return {key.decode(): inner.client.get(key) for key in inner.client.scan_iter(inner.key_prefix + "*")}
    folder = Path(app.instance_path, "sessions")
    cache = app.config["SESSION_CACHELIB"]
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not cache._is_mgmt(p.name)}


def holds(app, sid: str) -> bool:
    """True when the store holds a session under ``sid``."""
    inner = app.session_interface.inner
    return inner._retrieve_session_data(inner.key_prefix + sid) is not None


def sid_of(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def text(response) -> str:
    return response.get_data(as_text=True)


# 1. A session is stored only when there is something to keep

def test_pages_that_keep_nothing_store_no_session(store_app):
    for n in range(100):
        path = ("/nowhere", "/healthz", "/", "/static/style.css", "/language/xx")[n % 5]
        response = store_app.test_client(use_cookies=False).get(path)
        assert response.status_code in (200, 302, 404)
        assert COOKIE + "=" not in response.headers.get("Set-Cookie", "")
    assert stored_sessions(store_app) == {}


def test_something_to_keep_is_stored(store_app):
    """A form's CSRF token, or a language chosen with the switcher, is worth a session."""
    store_app.test_client().get("/sandbox")
    store_app.test_client().get("/language/fr")
    assert len(stored_sessions(store_app)) == 2


# 2. The file store stays fast at any size

def write_entries(folder: Path, count: int, expires: int, start: int = 0) -> list[Path]:
    """``count`` session files in cachelib's format (expiry, then the pickle), as earlier runs left them."""
    folder.mkdir(parents=True, exist_ok=True)
    entry = struct.pack("I", expires) + pickle.dumps({"_permanent": True, "csrf_token": "t"})
    paths = [folder / f"{n:064x}" for n in range(start, start + count)]
    for path in paths:
        path.write_bytes(entry)
    return paths


def test_past_ten_thousand_sessions_writes_do_not_list_the_folder(settings, tmp_path, monkeypatch):
    folder = tmp_path / "instance" / "sessions"
    write_entries(folder, 10_001, int(time.time()) + 3600)
    app = make_app(settings, tmp_path)
    cache = app.config["SESSION_CACHELIB"]
    listings = []
    real_listdir = os.listdir

    def counting_listdir(path="."):
        if Path(path) == folder:
            listings.append(path)
        return real_listdir(path)
    monkeypatch.setattr(os, "listdir", counting_listdir)
    for _ in range(20):                               # twenty visitors, a new session each
        assert app.test_client().get("/sandbox").status_code == 200
    cache.wait_for_prune()
    monkeypatch.undo()
    assert len(listings) <= 1                         # at most the one background prune pass
    assert len(stored_sessions(app)) == 10_021


def test_expired_sessions_are_removed_from_disk_when_a_prune_is_due(settings, tmp_path):
    folder = tmp_path / "instance" / "sessions"
    expired = write_entries(folder, 5, int(time.time()) - 60)
    [live] = write_entries(folder, 1, int(time.time()) + 3600, start=100)
    app = make_app(settings, tmp_path)
    cache = app.config["SESSION_CACHELIB"]
    app.test_client().get("/sandbox")                 # the first write after a start prunes, in the background
    cache.wait_for_prune()
    assert not any(path.exists() for path in expired) and live.exists()
    assert len(stored_sessions(app)) == 2             # the live one and the new visitor's
    later = write_entries(folder, 3, int(time.time()) - 60, start=200)
    app.test_client().get("/sandbox")                 # not due again for a few minutes: no pass
    cache.wait_for_prune()
    assert all(path.exists() for path in later)
    cache.next_prune = 0                              # a few minutes later
    app.test_client().get("/sandbox")
    cache.wait_for_prune()
    assert not any(path.exists() for path in later) and live.exists()
