"""web/store.py: what the session store keeps, for how long, under which id, and what it says when it
fails; on the real stores (files in the instance folder, and a real redis-server on loopback)."""
from __future__ import annotations

import os
import pickle
import re
import struct
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import flask
import pytest
import redis

from app import create_app
from tests.helpers import ANONYMOUS, KINESIS, SECRET_KEY, Walker
from tests.test_scale_out import RedisServer

CREATE = "POST /data/foundation/flowservice/connections"
COOKIE = "session"
SEALED = b"gAAAA"          # how every Fernet token begins: a sealed secret


def make_app(settings, tmp_path, **config):
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "SECRET_KEY": "Qk3v9Zr1xW7pLmN2bT8yH5cJ0dF4gS6a",
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


def sets_session_cookie(response) -> bool:
    return any(header.startswith(COOKIE + "=") for header in response.headers.getlist("Set-Cookie"))


# 1. A session is stored only when there is something to keep

def test_pages_that_keep_nothing_store_no_session(store_app):
    for n in range(100):
        path = ("/nowhere", "/healthz", "/", "/static/style.css", "/language/xx")[n % 5]
        response = store_app.test_client(use_cookies=False).get(path)
        assert response.status_code in (200, 302, 404)
        assert not response.headers.getlist("Set-Cookie")
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


# 3. The session id is renewed when the wizard completes and at Start over

def test_the_session_id_is_renewed_when_the_wizard_completes(store_app, emulator):
    walker = Walker(store_app.test_client())
    walker.through_review()
    before = sid_of(walker.client)
    assert walker.create().location.endswith("/done")
    after = sid_of(walker.client)
    assert after != before and not holds(store_app, before) and holds(store_app, after)
    page = text(walker.client.get("/done"))
    connection_id = re.search(r'id="connection-id"[^>]*value="([^"]+)"', page).group(1)
    assert connection_id and walker.client.get("/review").location.endswith("/done")
    assert emulator.calls(CREATE) == 1


def test_the_session_id_is_renewed_at_start_over(store_app):
    walker = Walker(store_app.test_client())
    walker.through_review()
    before = sid_of(walker.client)
    response = walker.post("/start-over", token_from="/review")
    after = sid_of(walker.client)
    assert after != before and not holds(store_app, before) and holds(store_app, after)
    assert "Everything was cleared" in text(walker.client.get(response.location))
    assert walker.client.get("/review").location.endswith("/sandbox")
    assert SEALED not in b"".join(stored_sessions(store_app).values())


def test_no_cookie_carries_a_secret(store_app):
    walker = Walker(store_app.test_client())
    cookies = []
    for step in (walker.sandbox, walker.kinesis, walker.create):
        cookies.extend(step().headers.getlist("Set-Cookie"))
    sent = " ".join(cookies)
    assert sent and SECRET_KEY not in sent and "gAAAA" not in sent


# 4. A late request never reinstates what a create or Start over removed

def hold_requests(app) -> SimpleNamespace:
    """Requests sent with ``X-Hold`` wait after their view, before their session is saved, until released."""
    gate = SimpleNamespace(held=threading.Event(), release=threading.Event())

    @app.after_request
    def wait_when_asked(response):
        if flask.request.headers.get("X-Hold"):
            gate.held.set()
            gate.release.wait(30)
        return response
    return gate


def start_late(app, walker, gate, method: str, path: str, data: dict | None = None) -> list:
    """Send ``path`` with the walker's session from another thread; return once its view has run (its
    answer lands in the returned list when released)."""
    late = app.test_client()
    late.set_cookie(COOKIE, sid_of(walker.client))
    answers: list = []

    def send():
        answers.append(late.open(path, method=method, data=data, headers={"X-Hold": "1"}))
    gate.thread = threading.Thread(target=send)
    gate.thread.start()
    assert gate.held.wait(30), "the late request never reached its end"
    return answers


def finish_late(gate) -> None:
    gate.release.set()
    gate.thread.join(30)


def slow_test_connection(app, walker, gate) -> list:
    token = walker.token("/kinesis")
    return start_late(app, walker, gate, "POST", "/kinesis", {**KINESIS, "action": "test", "csrf_token": token})


def test_a_late_test_connection_does_not_undo_the_create(store_app, emulator):
    gate = hold_requests(store_app)
    walker = Walker(store_app.test_client())
    walker.through_review()
    answers = slow_test_connection(store_app, walker, gate)   # it read the session, then Kinesis was slow
    assert walker.create().location.endswith("/done")
    finish_late(gate)
    assert walker.client.get("/review").location.endswith("/done")
    assert 'id="connection-id"' in text(walker.client.get("/done"))
    stored = b"".join(stored_sessions(store_app).values())
    assert stored and SEALED not in stored
    assert emulator.calls(CREATE) == 1
    assert answers[0].status_code == 200 and not sets_session_cookie(answers[0])


def test_a_late_test_connection_does_not_undo_start_over(store_app):
    gate = hold_requests(store_app)
    walker = Walker(store_app.test_client())
    walker.through_review()
    slow_test_connection(store_app, walker, gate)
    walker.post("/start-over", token_from="/review")
    finish_late(gate)
    assert walker.client.get("/review").location.endswith("/sandbox")
    stored = b"".join(stored_sessions(store_app).values())
    assert stored and SEALED not in stored


def test_a_late_request_keeps_its_own_change_and_the_others(store_app):
    """Two requests that change different things both count, whichever saves last."""
    gate = hold_requests(store_app)
    walker = Walker(store_app.test_client())
    walker.through_review()
    start_late(store_app, walker, gate, "GET", "/language/fr")
    walker.sandbox("dev")
    finish_late(gate)
    page = text(walker.client.get("/review"))
    assert '<html lang="fr">' in page and "<code>dev</code>" in page


# 5. Store outages are told as such

@pytest.fixture
def redis_app(settings, tmp_path, redis_server):
    app = make_app(settings, tmp_path, REDIS_URL=redis_server.url)
    app.redis_server = redis_server
    return app


def test_a_post_while_the_store_is_down_gets_the_store_down_page(redis_app, emulator):
    walker = Walker(redis_app.test_client())
    walker.through_review()
    token = walker.token("/review")
    redis_app.redis_server.stop()
    response = walker.client.post("/review", data={"csrf_token": token, "action": "create"})
    assert response.status_code == 503 and "cannot reach its session store" in text(response)
    assert emulator.calls(CREATE) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_store_that_lost_its_data_says_so(redis_app, emulator, method):
    walker = Walker(redis_app.test_client())
    walker.through_review()
    token = walker.token("/review")
    redis.Redis.from_url(redis_app.redis_server.url).flushall()     # as a restart without persistence does
    if method == "GET":
        response = walker.client.get("/review")
    else:
        response = walker.client.post("/review", data={"csrf_token": token, "action": "create"})
    assert response.status_code in (302, 303)
    page = text(walker.client.get(response.location, follow_redirects=True))
    assert "lost track of your session" in page and "Your session ended" not in page
    assert SECRET_KEY not in page
    assert "lost track" not in text(walker.client.get("/sandbox"))     # said once
    assert emulator.calls(CREATE) == 0
