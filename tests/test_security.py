"""wizard/security.py and the production settings: headers, cookies, prefixes behind a proxy, rate
limits, the sealed secret, idle expiry, the audit log, and a session store that fails."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path

import pytest
from flask import Flask, request
from limits.storage import MemoryStorage

from app import create_app
from tests.helpers import ANONYMOUS, ACCESS_KEY_ID, KINESIS, SECRET_KEY, Walker, credentials
from connector import ConfigurationError
from web.extensions import RouteLimiter, limiter

CREATE = "POST /data/foundation/flowservice/connections"


def make_app(settings, tmp_path, **config):
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "SECRET_KEY": "9tqU2WI3eAexhJccFFpDGpZNfGdn0ZFgySXGbAFLDZ0",
                       "INSTANCE_PATH": str(tmp_path / "instance"), **config})


@pytest.mark.parametrize("path", ["/sandbox", "/nowhere", "/healthz", "/static/style.css"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers          # plain HTTP: no HSTS


def test_pages_are_kept_out_of_the_browsers_cache_and_static_files_in_it(client, walker):
    walker.through_review()
    for path in ("/sandbox", "/kinesis", "/review", "/nowhere", "/healthz"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    walker.create()
    assert client.get("/done").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/style.css").headers["Cache-Control"]


def test_no_origin_may_frame_the_app_by_default(client):
    headers = client.get("/sandbox").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"


def test_the_origins_of_frame_ancestors_may_frame_it_with_cookies_that_work_there(settings, tmp_path):
    app = make_app(settings, tmp_path, FRAME_ANCESTORS=("https://portal.example.com", "https://*.corp.example"))
    response = app.test_client().get("/sandbox")
    assert "frame-ancestors https://portal.example.com https://*.corp.example;" in (
        response.headers["Content-Security-Policy"] + ";")
    assert "X-Frame-Options" not in response.headers     # it cannot name origins: CSP alone decides
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    for cookie in cookies:   # a frame on another site sends only these: SameSite=None, Secure, partitioned
        assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie


def test_hsts_over_https(client):
    assert "max-age=" in client.get("/sandbox", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_the_cookie_is_secure_httponly_and_samesite_outside_demo_mode(client):
    cookies = client.get("/sandbox").headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["session_written", "session"]   # the session, its write stamp
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("key", ["", "dev", "changeme", "short-key"])
def test_a_missing_or_default_secret_key_is_refused(settings, tmp_path, key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        make_app(settings, tmp_path, SECRET_KEY=key)


def test_a_request_size_limit(client, walker):
    walker.sandbox()
    response = walker.post("/kinesis", {**KINESIS, "description": "x" * 70_000})
    assert response.status_code == 413 and "more data than any step needs" in response.get_data(as_text=True)


# Static files

def test_static_files_are_cached_for_a_year_under_a_url_that_names_their_content(client, app):
    page = client.get("/sandbox").get_data(as_text=True)
    [css] = re.findall(r'href="(/static/style\.css\?v=[0-9a-f]{10})"', page)
    digest = hashlib.sha256(Path(app.static_folder, "style.css").read_bytes()).hexdigest()[:10]
    assert css.endswith(digest)
    response = client.get(css)
    assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]


def test_a_changed_file_gets_a_new_url(tmp_path):
    from web import content_hash

    path = tmp_path / "style.css"
    path.write_text("body { color: black }")
    before = content_hash(str(path), path.stat().st_mtime_ns)
    path.write_text("body { color: navy }")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert content_hash(str(path), path.stat().st_mtime_ns) != before


# Behind a reverse proxy, under a prefix

def test_trusted_proxy_prefix_reaches_links_redirects_static_and_cookies(settings, tmp_path):
    client = make_app(settings, tmp_path, TRUSTED_PROXIES=1).test_client()
    headers = {"X-Forwarded-Prefix": "/portal/kinesis", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "admin.example"}
    page = client.get("/sandbox", headers=headers)
    text = page.get_data(as_text=True)
    assert 'href="/portal/kinesis/static/style.css?v=' in text and 'src="/portal/kinesis/static/wizard.js?v=' in text
    assert 'href="/portal/kinesis/language/fr?next=' in text
    assert "Path=/portal/kinesis" in page.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in page.headers                     # the proxy said HTTPS
    assert client.get("/", headers=headers).location == "/portal/kinesis/sandbox"


def test_forwarded_headers_are_ignored_unless_configured(client):
    page = client.get("/sandbox", headers={"X-Forwarded-Prefix": "/evil", "X-Forwarded-Proto": "https"})
    assert "/evil" not in page.get_data(as_text=True) and "Path=/;" in page.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in page.headers


def test_a_configured_prefix_for_proxies_that_pass_the_whole_path(settings, tmp_path):
    app = make_app(settings, tmp_path, URL_PREFIX="/tools/kinesis")
    walker = Walker(app.test_client())
    page = walker.client.get("/tools/kinesis/sandbox")
    assert page.status_code == 200 and 'action="/tools/kinesis/start-over"' not in page.get_data(as_text=True)
    assert "Path=/tools/kinesis" in page.headers["Set-Cookie"]
    response = walker.post("/tools/kinesis/sandbox", {"sandbox": "prod"})
    assert response.location == "/tools/kinesis/kinesis"


# Rate limits

def test_creating_is_rate_limited_per_client(settings, tmp_path, emulator):
    walker = Walker(make_app(settings, tmp_path, CREATE_RATE_LIMIT="2 per minute").test_client())
    for n in range(2):
        walker.done(name=f"Account {n}")
        walker.post("/start-over", token_from="/done")
    walker.through_review(name="One too many")
    response = walker.create()
    assert response.status_code == 429 and "Wait a minute" in response.get_data(as_text=True)
    assert emulator.calls(CREATE) == 2
    assert walker.client.get("/review").status_code == 200            # nothing lost


def test_testing_keys_is_rate_limited_but_next_is_not(settings, tmp_path):
    walker = Walker(make_app(settings, tmp_path, TEST_RATE_LIMIT="1 per minute").test_client())
    walker.sandbox()
    assert walker.post("/kinesis", {**KINESIS, "action": "test"}).status_code == 200
    assert walker.post("/kinesis", {**KINESIS, "action": "test"}).status_code == 429
    assert walker.kinesis().location.endswith("/review")


class CountingStorage(MemoryStorage):
    """The limiter's in-memory storage (``counting://``), keeping the keys it is asked about."""

    STORAGE_SCHEME = ["counting"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    def incr(self, key: str, *args, **kwargs) -> int:
        self.asked.append(key)
        return super().incr(key, *args, **kwargs)

    def get(self, key: str) -> int:
        self.asked.append(key)
        return super().get(key)

    def get_expiry(self, key: str) -> float:
        self.asked.append(key)
        return super().get_expiry(key)


@pytest.fixture
def limiter_checks():
    """The endpoints the limiter checks, as its request filters see them: Flask-Limiter asks them
    before every check, limited or not."""
    checked: list[str] = []

    def record() -> bool:
        checked.append(request.endpoint)
        return False                                   # exempts nothing
    limiter.request_filter(record)
    yield checked
    limiter._request_filters.remove(record)


def test_the_limiter_runs_only_on_the_routes_it_limits(settings, tmp_path, limiter_checks):
    app = make_app(settings, tmp_path, RATELIMIT_STORAGE_URI="counting://", TEST_RATE_LIMIT="1 per minute")
    storage, walker = limiter.storage, Walker(app.test_client())
    assert isinstance(storage, CountingStorage)
    for path in ("/healthz", "/static/style.css", "/nowhere"):
        walker.client.get(path)
    walker.sandbox()                                   # GET and POST /sandbox, which carry no limit
    assert storage.asked == [] and limiter_checks == []

    tested = walker.post("/kinesis", {**KINESIS, "action": "test"})
    assert tested.status_code == 200 and tested.headers["X-RateLimit-Limit"] == "1"
    assert walker.post("/kinesis", {**KINESIS, "action": "test"}).status_code == 429
    assert limiter_checks and set(limiter_checks) == {"wizard.kinesis"}
    assert storage.asked and all("kinesis-test" in key for key in storage.asked)


def test_a_limit_on_every_route_is_checked_on_every_route():
    app = Flask(__name__)
    everywhere = RouteLimiter(key_func=lambda: "client", default_limits=["1 per minute"],
                              storage_uri="counting://")
    everywhere.init_app(app)
    app.get("/")(lambda: "ok")
    client = app.test_client()
    assert client.get("/").status_code == 200 and client.get("/").status_code == 429


# The secret at rest, idle expiry

def session_bytes(app) -> bytes:
    return b"".join(p.read_bytes() for p in Path(app.instance_path, "sessions").rglob("*") if p.is_file())


def test_the_secret_is_encrypted_in_the_session_store(app, walker):
    walker.through_review()
    stored = session_bytes(app)
    assert stored and SECRET_KEY.encode() not in stored and ACCESS_KEY_ID.encode() in stored


def test_an_idle_session_expires_with_a_clear_message(settings, tmp_path):
    app = make_app(settings, tmp_path, SESSION_MINUTES=None,
                   PERMANENT_SESSION_LIFETIME=1.5)  # seconds, for the test
    walker = Walker(app.test_client())
    walker.through_review()
    time.sleep(2.0)
    page = walker.client.get("/review", follow_redirects=True).get_data(as_text=True)
    assert "Your session ended" in page and "wiped" in page
    assert SECRET_KEY.encode() not in session_bytes(app)


def session_files(app) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in Path(app.instance_path, "sessions").rglob("*") if p.is_file()}


def test_pages_that_change_nothing_do_not_rewrite_the_session(app, walker):
    walker.through_review()
    walker.client.get("/review")                  # the first visit gives the create its attempt id
    before = session_files(app)
    for path in ("/review", "/kinesis", "/sandbox", "/review"):
        assert walker.client.get(path).status_code == 200
    assert session_files(app) == before          # a read per page, no write


def test_an_active_session_is_renewed_in_the_store(settings, tmp_path):
    app = make_app(settings, tmp_path, SESSION_MINUTES=None,
                   PERMANENT_SESSION_LIFETIME=3.0)  # seconds: renewed after a fifteenth, 0.2 s
    walker = Walker(app.test_client())
    walker.through_review()
    for _ in range(6):                            # active for 4.2 s, longer than the lifetime
        time.sleep(0.7)
        assert walker.client.get("/review").status_code == 200
    assert "Your session ended" not in walker.client.get("/review").get_data(as_text=True)


# The audit log

def audit_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "audit"]


def test_one_audit_line_per_created_connection_naming_the_person(settings, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    policy = tmp_path / "policy.toml"
    policy.write_text('[[grant]]\ngroups = ["data-engineering"]\nsandboxes = ["*"]\nactions = ["create", "explore"]\n')
    app = make_app(settings, tmp_path, AUTH_MODE="portal", TRUSTED_PROXIES=1, TRUSTED_USER_HEADER="X-Remote-User",
                   TRUSTED_GROUPS_HEADER="X-Remote-Groups", ACCESS_POLICY=str(policy))
    walker = Walker(app.test_client())
    walker.client.environ_base.update(HTTP_X_REMOTE_USER="jane@example.com", HTTP_X_FORWARDED_FOR="10.1.2.3",
                                      HTTP_X_REMOTE_GROUPS="data-engineering, analysts")
    connection_id = walker.done()
    walker.post("/review", token_from="/done")                          # a resubmission: no second line
    [line] = audit_lines(caplog)
    assert line["event"] == "connection.created" and line["user"] == "jane@example.com"
    assert line["groups"] == ["data-engineering", "analysts"]
    assert (line["sandbox"], line["connection_id"], line["name"]) == ("prod", connection_id, KINESIS["name"])
    assert line["access_key_id_last4"] == ACCESS_KEY_ID[-4:] and line["at"]
    assert SECRET_KEY not in caplog.text and ACCESS_KEY_ID not in caplog.text


def test_an_audit_line_for_a_reused_connection(walker, app, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    made = app.extensions["platform"].connections.create_kinesis_connection(
        "prod", "Kept", "", credentials())
    walker.sandbox()
    walker.post("/kinesis/reuse", {"connection_id": made.id}, token_from="/kinesis")
    [line] = audit_lines(caplog)
    assert line["event"] == "connection.reused" and line["connection_id"] == made.id and line["user"] is None


def test_the_user_header_is_ignored_unless_configured(walker, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    walker.client.environ_base["HTTP_X_REMOTE_USER"] = "mallory"
    walker.done()
    assert audit_lines(caplog)[0]["user"] is None


# A session store that fails

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unreachable_session_store_is_a_clear_503(settings, tmp_path, method):
    app = make_app(settings, tmp_path, REDIS_URL="redis://127.0.0.1:9/0")
    client = app.test_client()
    client.set_cookie("session", "a-session-begun-before-the-store-went-down")
    response = client.open("/sandbox", method=method, data={"sandbox": "prod", "csrf_token": "x"})
    assert response.status_code == 503                 # a form too: not "This form has expired"
    assert "cannot reach its session store" in response.get_data(as_text=True)
    assert app.test_client().get("/healthz").status_code == 200
