"""auth/: the three ways to run (Adobe sign-in, the portal's header and policy, nobody), each person
acting only within their own rights, over real HTTP against the emulator's IMS and Platform."""
from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from connector.settings import ConfigurationError
from tests.helpers import ACCESS_KEY_ID, CSRF, KINESIS, SECRET_KEY, Walker, credentials

STRONG_KEY = "Zq3v9Zr1xW7pLmN2bT8yH5cJ0dF4gS6aR2uE8kY1"
CREATE = "POST /data/foundation/flowservice/connections"


def make_app(settings, tmp_path, **config):
    return create_app({"AEP_SETTINGS": settings, "SECRET_KEY": STRONG_KEY, "SESSION_COOKIE_SECURE": False,
                       "INSTANCE_PATH": str(tmp_path / "instance"), **config})


# Starting: no mode left open by mistake ------------------------------------------------------------

def test_outside_demo_mode_a_mode_must_be_chosen(settings, tmp_path):
    with pytest.raises(ConfigurationError, match="Set AUTH_MODE"):
        make_app(settings, tmp_path, AUTH_MODE="")


def test_nobody_signing_in_must_be_said_twice(settings, tmp_path):
    with pytest.raises(ConfigurationError, match="ALLOW_ANONYMOUS"):
        make_app(settings, tmp_path, AUTH_MODE="none")
    page = make_app(settings, tmp_path, AUTH_MODE="none", ALLOW_ANONYMOUS=True).test_client().get("/sandbox")
    assert "Nobody signs in here." in page.get_data(as_text=True)


@pytest.mark.parametrize("missing", ["TRUSTED_PROXIES", "TRUSTED_USER_HEADER", "ACCESS_POLICY"])
def test_portal_mode_needs_its_proxy_header_and_policy(settings, tmp_path, missing):
    config = portal_config(tmp_path)
    config[missing] = 0 if missing == "TRUSTED_PROXIES" else ""
    with pytest.raises(ConfigurationError, match=missing):
        make_app(settings, tmp_path, **config)


def test_a_malformed_policy_stops_the_start_with_its_line(settings, tmp_path):
    config = portal_config(tmp_path, '[[grant]]\nusers = ["a@example.com"]\nsandboxes = ["dev"]\nactions = ["delete"]\n')
    with pytest.raises(ConfigurationError, match="line 4"):
        make_app(settings, tmp_path, **config)


# Portal mode: the proxy names the person, the policy decides ----------------------------------------

POLICY = """
[[grant]]
users = ["ana@example.com"]
sandboxes = ["dev"]
actions = ["create", "explore"]

[[grant]]
groups = ["viewers"]
sandboxes = ["prod"]
actions = ["explore"]
"""


def portal_config(tmp_path, policy: str = POLICY) -> dict:
    path = tmp_path / "policy.toml"
    path.write_text(policy)
    return {"AUTH_MODE": "portal", "TRUSTED_PROXIES": 1, "TRUSTED_USER_HEADER": "X-Remote-User",
            "TRUSTED_GROUPS_HEADER": "X-Remote-Groups", "ACCESS_POLICY": str(path)}


def as_person(client, user: str, groups: str = "", hops: str = "192.0.2.10"):
    client.environ_base.update(HTTP_X_REMOTE_USER=user, HTTP_X_REMOTE_GROUPS=groups, HTTP_X_FORWARDED_FOR=hops)
    return client


@pytest.fixture
def portal(settings, tmp_path):
    return make_app(settings, tmp_path, **portal_config(tmp_path))


def test_portal_without_the_header_is_refused(portal, emulator):
    response = portal.test_client().get("/sandbox", environ_base={"HTTP_X_FORWARDED_FOR": "192.0.2.10"})
    assert response.status_code == 401 and "Sign in through the portal" in response.get_data(as_text=True)
    assert emulator.calls(CREATE) == 0


def test_portal_believes_no_header_that_did_not_come_through_the_proxy(portal):
    forged = portal.test_client()
    forged.environ_base.update(HTTP_X_REMOTE_USER="ana@example.com")     # no X-Forwarded-For: not via a proxy
    assert forged.get("/sandbox").status_code == 401


def test_the_policy_decides_the_sandboxes_offered(portal):
    ana = as_person(portal.test_client(), "ana@example.com")
    page = ana.get("/sandbox").get_data(as_text=True)
    assert "<code>dev</code>" in page and "<code>prod</code>" not in page
    viewer = as_person(portal.test_client(), "vic@example.com", "viewers")
    assert "<code>prod</code>" not in viewer.get("/sandbox").get_data(as_text=True)   # explore only: no create


def test_a_person_outside_the_policy_gets_nothing(portal, emulator, platform):
    made = platform.connections.create_kinesis_connection("dev", "Theirs", "", credentials())
    stranger = Walker(as_person(portal.test_client(), "eve@example.com", "data-engineering"))
    page = stranger.client.get("/sandbox").get_data(as_text=True)
    assert "<code>dev</code>" not in page and "You have no active sandbox to use" in page
    assert stranger.client.get(f"/connections/dev/{made.id}").status_code == 404
    assert stranger.client.get("/kinesis").location.endswith("/sandbox") and emulator.calls(CREATE) == 1


def test_a_connection_page_needs_explore_in_its_sandbox(portal, platform):
    made = platform.connections.create_kinesis_connection("dev", "Team's", "", credentials())
    viewer = as_person(portal.test_client(), "vic@example.com", "viewers")      # prod only
    response = viewer.get(f"/connections/dev/{made.id}")
    assert response.status_code == 404 and "Team's" not in response.get_data(as_text=True)
    ana = as_person(portal.test_client(), "ana@example.com")
    assert ana.get(f"/connections/dev/{made.id}").status_code == 200
    assert ana.get(f"/connections/prod/{made.id}").status_code == 404          # another sandbox's id


def test_only_kinesis_source_connections_are_shown(portal, platform, emulator):
    destination = emulator.add_destination(sandbox="dev", name="A destination")
    ana = as_person(portal.test_client(), "ana@example.com")
    response = ana.get(f"/connections/dev/{destination}")
    assert response.status_code == 404 and "A destination" not in response.get_data(as_text=True)


def test_existing_connections_are_listed_only_to_explorers(settings, tmp_path, platform):
    platform.connections.create_kinesis_connection("dev", "Shown to explorers", "", credentials())
    policy = '[[grant]]\nusers = ["cy@example.com"]\nsandboxes = ["dev"]\nactions = ["create"]\n'
    app = make_app(settings, tmp_path, **portal_config(tmp_path, policy))
    walker = Walker(as_person(app.test_client(), "cy@example.com"))
    walker.sandbox("dev")
    page = walker.client.get("/kinesis").get_data(as_text=True)
    assert "Shown to explorers" not in page
    listed = platform.connections.list_kinesis_connections("dev")
    reused = walker.post("/kinesis/reuse", {"connection_id": next(listed).id}, token_from="/kinesis")
    assert reused.location.endswith("/kinesis")                     # not one they may see: no reuse


def test_the_policy_applies_again_before_the_create(settings, tmp_path, emulator):
    """A grant taken away between the steps: the create is refused, nothing reaches Adobe."""
    config = portal_config(tmp_path)
    app = make_app(settings, tmp_path, **config)
    walker = Walker(as_person(app.test_client(), "ana@example.com"))
    walker.through_review("dev")
    token = walker.token("/review")
    portal_config(tmp_path, POLICY.replace('"create", ', ""))          # the same file, the grant taken away
    walker.client.application = make_app(settings, tmp_path, **config)
    response = walker.client.post("/review", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/sandbox")
    assert emulator.calls(CREATE) == 0


# Adobe sign-in: each person with their own token ------------------------------------------------------

@pytest.fixture
def adobe_app(settings, tmp_path):
    """The app with Adobe sign-in, served over HTTP (the browser goes back and forth with the emulator)."""
    app = make_app(settings, tmp_path, AUTH_MODE="adobe")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["BASE"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


def sign_in(browser: requests.Session, base: str, email: str, path: str = "/sandbox") -> requests.Response:
    """Open ``path``, go through the emulator's sign-in page as ``email``, and come back."""
    to_sign_in = browser.get(base + path, allow_redirects=True, timeout=10)
    nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', to_sign_in.text).group(1)
    action = urlsplit(to_sign_in.url)._replace(path="/ims/sign-in", query="").geturl()
    return browser.post(action, data={"sign_in_nonce": nonce, "user": email}, timeout=10)


def post(browser: requests.Session, base: str, path: str, data: dict, **options) -> requests.Response:
    """GET ``path`` for its CSRF token, then POST its form."""
    token = CSRF.search(browser.get(base + path, timeout=10).text).group(1)
    return browser.post(base + path, data={**data, "csrf_token": token}, timeout=10, **options)


def walk_to_review(browser: requests.Session, base: str, sandbox: str) -> None:
    post(browser, base, "/sandbox", {"sandbox": sandbox})
    post(browser, base, "/kinesis", {**KINESIS, "action": "next"})


def end_sign_in(emulator, email: str) -> None:
    """The person's refresh tokens revoked and access tokens expired: the sign-in is over."""
    emulator.revoke_user_refresh_tokens(email)
    emulator.expire_user_tokens(email)


def session_id(browser: requests.Session) -> str:
    return browser.cookies.get("session") or ""


@pytest.mark.parametrize("email, sandboxes", [
    ("admin@example.com", {"prod", "dev", "marketing-qa"}),
    ("developer@example.com", {"dev"}),
    ("analyst@example.com", {"prod", "dev"}),
])
def test_each_person_sees_exactly_their_own_sandboxes(adobe_app, emulator, email, sandboxes):
    browser = requests.Session()
    page = sign_in(browser, adobe_app.config["BASE"], email)
    assert page.url.endswith("/sandbox") and page.status_code == 200
    assert set(re.findall(r'name="sandbox"[^>]*value="([^"]+)"', page.text)) == sandboxes
    assert "Signed in as" in page.text and "Sign out" in page.text


def test_an_unsigned_visitor_is_sent_to_sign_in_and_back(adobe_app):
    browser = requests.Session()
    first = browser.get(adobe_app.config["BASE"] + "/kinesis", allow_redirects=False, timeout=5)
    assert first.status_code == 302 and "/auth/sign-in?next=/kinesis" in first.headers["Location"]
    back = sign_in(browser, adobe_app.config["BASE"], "developer@example.com", "/kinesis")
    assert back.url.endswith("/sandbox")          # /kinesis is not open yet: the wizard sends to its first step


def test_the_session_id_changes_at_sign_in_and_sign_out(adobe_app):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    browser.get(base + "/auth/sign-in", timeout=5, allow_redirects=False)
    before = session_id(browser)
    page = sign_in(browser, base, "developer@example.com")
    during = session_id(browser)
    assert before and during and before != during
    token = CSRF.search(page.text).group(1)
    out = browser.post(base + "/auth/sign-out", data={"csrf_token": token}, timeout=5)
    assert out.url.endswith("/auth/signed-out") and session_id(browser) != during
    assert browser.get(base + "/sandbox", allow_redirects=False, timeout=5).status_code == 302


def test_no_token_or_secret_in_any_cookie_page_or_url(adobe_app, emulator, caplog):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    seen = []
    browser.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    page = sign_in(browser, base, "developer@example.com")
    walker_token = CSRF.search(page.text).group(1)
    browser.post(base + "/sandbox", data={"sandbox": "dev", "csrf_token": walker_token}, timeout=10)
    exchanged = [r for r in seen if r.url.startswith(base)]
    texts = [r.text for r in exchanged] + [r.url for r in seen] + [str(r.headers) for r in exchanged]
    texts += [f"{c.name}={c.value}" for c in browser.cookies] + [caplog.text]
    assert not any("emu-" in text for text in texts)        # the emulator's access and refresh tokens
    assert not any(SECRET_KEY in text or "p8e-client-secret" in text for text in texts)


def test_calls_carry_the_persons_own_token(adobe_app, emulator, platform):
    """The analyst may view but not manage sources: Adobe refuses the create, explained on the sandbox step."""
    browser, base = requests.Session(), adobe_app.config["BASE"]
    sign_in(browser, base, "analyst@example.com")
    walk_to_review(browser, base, "dev")
    refused = post(browser, base, "/review", {})
    assert refused.url.endswith("/sandbox") and "missing a permission" in refused.text
    assert "Manage Sources" in refused.text
    assert list(platform.connections.list_kinesis_connections("dev")) == []


def test_one_person_cannot_open_anothers_connection_page(adobe_app, platform):
    made = platform.connections.create_kinesis_connection("prod", "Admin's own", "", credentials())
    developer = requests.Session()
    sign_in(developer, adobe_app.config["BASE"], "developer@example.com")          # dev only
    page = developer.get(f"{adobe_app.config['BASE']}/connections/prod/{made.id}", timeout=10)
    assert page.status_code == 404 and "Admin's own" not in page.text and ACCESS_KEY_ID[-4:] not in page.text
    admin = requests.Session()
    sign_in(admin, adobe_app.config["BASE"], "admin@example.com")
    assert admin.get(f"{adobe_app.config['BASE']}/connections/prod/{made.id}", timeout=10).status_code == 200


def test_an_expired_token_is_renewed_with_the_refresh_token(adobe_app, emulator):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    sign_in(browser, base, "developer@example.com")
    emulator.expire_user_tokens("developer@example.com")
    page = browser.get(base + "/sandbox", timeout=10)
    assert page.url.endswith("/sandbox") and "<code>dev</code>" in page.text


def test_a_revoked_sign_in_goes_through_sign_in_and_back_with_the_entries_kept(adobe_app, emulator):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    sign_in(browser, base, "developer@example.com")
    walk_to_review(browser, base, "dev")
    end_sign_in(emulator, "developer@example.com")
    gone = post(browser, base, "/review", {}, headers={"Referer": base + "/review"}, allow_redirects=False)
    assert gone.status_code == 302 and "/auth/sign-in?next=/review" in gone.headers["Location"]
    back = sign_in(browser, base, "developer@example.com", "/review")
    assert back.url.endswith("/review") and KINESIS["name"] in back.text and ACCESS_KEY_ID in back.text
    assert "Your Adobe sign-in has ended" in back.text


def test_sign_out_ends_the_sign_in_at_ims_too(adobe_app, emulator):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    page = sign_in(browser, base, "developer@example.com")
    revoked_before = emulator.calls("POST /ims/revoke")
    browser.post(base + "/auth/sign-out", data={"csrf_token": CSRF.search(page.text).group(1)}, timeout=5)
    assert emulator.calls("POST /ims/revoke") > revoked_before
    assert parse_qs(urlsplit(browser.get(base + "/sandbox", allow_redirects=False, timeout=5)
                             .headers["Location"]).query)["next"] == ["/sandbox"]


def test_cancelling_at_adobe_says_so(adobe_app):
    browser, base = requests.Session(), adobe_app.config["BASE"]
    to_sign_in = browser.get(base + "/sandbox", timeout=10)
    nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', to_sign_in.text).group(1)
    action = urlsplit(to_sign_in.url)._replace(path="/ims/sign-in", query="").geturl()
    cancelled = browser.post(action, data={"sign_in_nonce": nonce, "cancel": "1"}, timeout=10)
    assert cancelled.status_code == 401 and "You cancelled signing in." in cancelled.text


def test_the_audit_line_names_the_signed_in_person(adobe_app, caplog):
    import logging
    caplog.set_level(logging.INFO, logger="audit")
    browser, base = requests.Session(), adobe_app.config["BASE"]
    page = sign_in(browser, base, "developer@example.com")
    walk_to_review(browser, base, "dev")
    assert post(browser, base, "/review", {}).url.endswith("/done")
    lines = [r.getMessage() for r in caplog.records if r.name == "audit"]
    assert len(lines) == 1 and '"user": "developer@example.com"' in lines[0]
    assert page.status_code == 200


def test_readiness_needs_no_persons_token(adobe_app, emulator):
    answer = requests.get(adobe_app.config["BASE"] + "/readyz", timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "ready"}
    assert emulator.calls("POST /ims/token/v3") == 0


def test_a_wizard_belongs_to_the_person_who_filled_it_in(adobe_app, emulator):
    """Someone else signing in on the same browser after an ended sign-in finds an empty wizard, not the
    first person's details, and never their secret access key."""
    browser, base = requests.Session(), adobe_app.config["BASE"]
    sign_in(browser, base, "admin@example.com")
    walk_to_review(browser, base, "prod")
    end_sign_in(emulator, "admin@example.com")
    post(browser, base, "/review", {}, allow_redirects=False)
    other = sign_in(browser, base, "developer@example.com", "/review")
    assert other.url.endswith("/sandbox")
    assert KINESIS["name"] not in other.text and ACCESS_KEY_ID not in other.text
    assert browser.get(base + "/review", timeout=10).url.endswith("/sandbox")


def test_a_portal_session_carried_under_another_person_is_empty(portal):
    client = as_person(portal.test_client(), "ana@example.com")
    walker = Walker(client)
    walker.through_review("dev")
    as_person(client, "bob@example.com", "viewers")
    response = client.get("/review")
    assert response.status_code == 302 and response.location.endswith("/sandbox")
    assert KINESIS["name"] not in client.get("/sandbox").get_data(as_text=True)


@pytest.mark.parametrize("user", ["ana@example.com, eve@example.com", "ana@example.com\x7f", " "])
def test_a_user_header_sent_twice_or_odd_is_refused(portal, user):
    assert as_person(portal.test_client(), user).get("/sandbox").status_code == 401


def test_pages_loaded_together_after_the_token_expired_keep_the_person_signed_in(adobe_app, emulator):
    """A refresh token serves once: requests that renew at the same time take the pair the first one
    kept, instead of signing the person out."""
    from concurrent.futures import ThreadPoolExecutor
    from uuid import uuid4

    browser, base = requests.Session(), adobe_app.config["BASE"]
    sign_in(browser, base, "developer@example.com")
    emulator.expire_user_tokens("developer@example.com")
    paths = [f"/connections/dev/{uuid4()}" for _ in range(4)]          # each one asks Flow Service
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda path: browser.get(base + path, allow_redirects=False, timeout=20), paths))
    assert [a.status_code for a in answers] == [404] * 4, [a.headers.get("Location") for a in answers]
    assert browser.get(base + "/sandbox", allow_redirects=False, timeout=10).status_code == 200


def test_the_sign_in_code_is_in_no_log_line(adobe_app, capsys):
    sign_in(requests.Session(), adobe_app.config["BASE"], "developer@example.com")
    out = capsys.readouterr().out
    assert "/auth/callback?code=[hidden]&state=[hidden]" in out
    assert not re.search(r"code=(?!\[hidden\])", out)
