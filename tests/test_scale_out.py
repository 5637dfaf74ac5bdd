"""Stateless instances: a real redis-server, two app instances on two ports, one user's wizard walking
between them; Redis restarted mid-wizard; and what a completed wizard costs Adobe."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from itertools import cycle

import pytest
import redis
import requests
from werkzeug.serving import make_server

from app import create_app
from tests.helpers import ANONYMOUS, CSRF, KINESIS, Walker, free_port
from tests.slow import wait_for_calls

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
CREATE = "POST /data/foundation/flowservice/connections"


class RedisServer:
    """A throwaway redis-server on loopback, without persistence: a restart loses everything."""

    def __init__(self) -> None:
        assert shutil.which(REDIS) or REDIS, "redis-server not found: install Debian's redis-server"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Instances(list):
    """The instances' base URLs, their apps, and the Redis they share."""

    redis_url = ""
    apps: list = []


@pytest.fixture
def two_instances(settings, redis_server, tmp_path):
    """Two instances sharing nothing but Redis (each its own instance folder)."""
    servers, apps = [], []
    for name in ("a", "b"):
        app = create_app({"AEP_SETTINGS": settings, **ANONYMOUS, "SECRET_KEY": "LL5-mfUB7aOuB7F0tJRjFM4nbL8usD-s7a_Fpa6elww",
                          "REDIS_URL": redis_server.url, "SESSION_COOKIE_SECURE": False,
                          "INSTANCE_PATH": str(tmp_path / name)})
        apps.append(app)
        servers.append(serve(app))
    bases = Instances(f"http://127.0.0.1:{s.server_port}" for s in servers)
    bases.redis_url = redis_server.url
    bases.apps = apps
    yield bases
    for server in servers:
        server.shutdown()


class Alternating:
    """A browser whose every request goes to the next instance, as a round-robin balancer would send it."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = cycle(bases)
        self.http = requests.Session()

    def get(self, path: str):
        return self.http.get(next(self.bases) + path, timeout=10, allow_redirects=False)

    def post(self, path: str, data: dict, token_from: str | None = None):
        token = CSRF.search(self.get(token_from or path).text).group(1)
        return self.http.post(next(self.bases) + path, data={**data, "csrf_token": token}, timeout=15,
                              allow_redirects=False)


def test_one_wizard_served_by_two_instances_in_turn(two_instances, emulator):
    browser = Alternating(two_instances)
    assert browser.post("/sandbox", {"sandbox": "dev"}).headers["Location"].endswith("/kinesis")
    assert browser.post("/kinesis", {**KINESIS, "action": "next"}).headers["Location"].endswith("/review")
    review = browser.get("/review").text
    assert "<code>dev</code>" in review and KINESIS["secret_key"] not in review
    assert browser.post("/review", {"action": "create"}).headers["Location"].endswith("/done")
    done = browser.get("/done").text
    connection_id = re.search(r'id="connection-id"[^>]*value="([^"]+)"', done).group(1)
    resubmitted = browser.post("/review", {"action": "create"}, token_from="/done")
    assert resubmitted.headers["Location"].endswith("/done")
    assert browser.get("/done").text.count(connection_id) >= 1
    assert emulator.calls(CREATE) == 1
    store = redis.Redis.from_url(two_instances.redis_url)
    stored = b"".join(store.dump(key) or b"" for key in store.keys("*"))
    assert stored and KINESIS["secret_key"].encode() not in stored     # sealed, then wiped


def test_a_double_click_across_instances_creates_once(two_instances, emulator):
    browser = Alternating(two_instances)
    browser.post("/sandbox", {"sandbox": "prod"})
    browser.post("/kinesis", {**KINESIS, "action": "next"})
    token = CSRF.search(browser.get("/review").text).group(1)
    emulator.fault(kind="latency", seconds=1.0, method="POST", path="/connections$", act=True, times=1)
    answers = []

    def click(base):
        answers.append(browser.http.post(base + "/review", data={"csrf_token": token, "action": "create"},
                                         timeout=20, allow_redirects=False))
    clicks = [threading.Thread(target=click, args=(base,)) for base in two_instances]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert sorted(a.status_code for a in answers) == [302, 302]
    assert emulator.calls(CREATE) == 1


def press_on_both(instances, path: str, data: dict) -> list:
    """The same form sent at once to each instance, in the same session (two tabs, a double click)."""
    answers = []

    def press(base):
        answers.append(instances.browser.http.post(base + path, data=data, timeout=30, allow_redirects=False))
    presses = [threading.Thread(target=press, args=(base,)) for base in instances]
    for thread in presses:
        thread.start()
    for thread in presses:
        thread.join()
    return answers


def test_a_slow_create_clicked_on_two_instances_makes_one_connection(two_instances, emulator):
    """The create answers after 15 s (here 7 s) against a 10 s timeout (here 2 s): one instance sends it and
    finds nothing in time; the other waits for it. Neither sends it again; the page that follows it does the
    looking, and finds the one connection once it is there."""
    browser = two_instances.browser = Alternating(two_instances)
    browser.post("/sandbox", {"sandbox": "prod"})
    browser.post("/kinesis", {**KINESIS, "action": "next"})
    token = CSRF.search(browser.get("/review").text).group(1)
    emulator.fault(kind="latency", seconds=7, method="POST", path="/connections$", times=1)
    answers = press_on_both(two_instances, "/review", {"csrf_token": token, "action": "create"})
    assert [a.headers["Location"].endswith("/review/pending") for a in answers] == [True, True]
    wait_for_calls(emulator, CREATE, 1)
    assert browser.get("/review/pending").headers["Location"].endswith("/done")
    assert browser.get("/review/pending").headers["Location"].endswith("/done")
    assert emulator.calls(CREATE) == 1


def test_create_again_pressed_on_two_instances_sends_one_create(two_instances, emulator):
    browser = two_instances.browser = Alternating(two_instances)
    browser.post("/sandbox", {"sandbox": "prod"})
    browser.post("/kinesis", {**KINESIS, "action": "next"})
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", times=1)
    assert browser.post("/review", {"action": "create"}).headers["Location"].endswith("/review/pending")
    for app in two_instances.apps:
        app.config["CREATE_AGAIN_AFTER"] = 0
    page = browser.get("/review/pending").text
    sent_at = re.search(r'name="sent_at" value="(\d+)"', page).group(1)
    token = CSRF.search(page).group(1)
    emulator.fault(kind="latency", seconds=1.0, method="POST", path="/connections$", act=True, times=1)
    answers = press_on_both(two_instances, "/review/pending", {"csrf_token": token, "sent_at": sent_at})
    assert sorted(a.status_code for a in answers) == [302, 302]
    assert browser.get("/review/pending").headers["Location"].endswith("/done")
    assert emulator.calls(CREATE) == 2               # the one that met the 503, and one again


def test_redis_restarted_mid_wizard(two_instances, redis_server, emulator):
    browser = Alternating(two_instances)
    browser.post("/sandbox", {"sandbox": "prod"})
    browser.post("/kinesis", {**KINESIS, "action": "next"})
    redis_server.stop()
    down = browser.get("/review")
    assert down.status_code == 503 and "cannot reach its session store" in down.text
    redis_server.start()                              # empty: the wizard's state went with it
    back = browser.get("/review")
    assert back.status_code == 302 and back.headers["Location"].endswith("/sandbox")
    page = browser.get("/sandbox")
    assert page.status_code == 200 and "lost track of your session" in page.text    # not "ended": it was lost
    assert "Your session ended" not in page.text
    assert browser.post("/sandbox", {"sandbox": "prod"}).status_code == 302
    browser.post("/kinesis", {**KINESIS, "action": "next"})
    assert browser.post("/review", {"action": "create"}).headers["Location"].endswith("/done")
    assert emulator.calls(CREATE) == 1


def test_a_completed_wizard_costs_adobe_two_calls_plus_the_create(app, emulator):
    """Sandbox list, connection list, spec and token are shared; what is left is the done page's test."""
    wizards = 6
    emulator.calls()
    for n in range(wizards):
        walker = Walker(app.test_client())
        walker.done(name=f"Account {n}")
    calls = emulator.calls()
    creates = calls.pop(CREATE)
    assert creates == wizards
    per_wizard = sum(calls.values()) / wizards
    assert per_wizard <= 2, calls
    assert calls["POST /ims/token/v3"] == 1
