"""The emulator's IMS sign-in (authorization code, PKCE, refresh, revoke, userinfo) and Platform's answers
to each signed-in user's token, over real HTTP as a browser and a web app would speak them."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from emulator import DEFAULT_ORG_ID, EmulatorServer
from emulator.server import redact
from emulator.store import Store
from tests.helpers import SECRET_KEY, ACCESS_KEY_ID

CLIENT, SECRET = "wizard-web", "web-secret"
REDIRECT = "http://127.0.0.1:5000/auth/callback"
SCOPE = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,profile,email,offline_access"
NONCE = re.compile(r'name="sign_in_nonce" value="([^"]+)"')
ADMIN, DEVELOPER, ANALYST = "admin@example.com", "developer@example.com", "analyst@example.com"
SEEDED_SANDBOXES = ["prod", "dev", "marketing-qa", "eu-pilot"]
FLOW = "/data/foundation/flowservice"
SANDBOXES = "/data/foundation/sandbox-management/"
KINESIS_SPEC_ID = "86043421-563b-46ec-8e6c-e23184711bf6"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic(client: str = CLIENT, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client}:{secret}".encode()).decode()}


class Browser:
    """A browser that stops at each redirect, so that the test reads where IMS sends it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def authorize(self, **params) -> requests.Response:
        query = {"client_id": CLIENT, "redirect_uri": REDIRECT, "scope": SCOPE, "response_type": "code",
                 "state": "st-1", **params}
        query = {key: value for key, value in query.items() if value is not None}
        return self.http.get(self.url + "/ims/authorize/v2", params=query, allow_redirects=False, timeout=5)

    def page_nonce(self, **params) -> str:
        page = self.authorize(**params)
        assert page.status_code == 200, page.text
        return NONCE.search(page.text).group(1)

    def post_sign_in(self, fields: dict, headers: dict | None = None) -> requests.Response:
        return self.http.post(self.url + "/ims/sign-in", data=fields, headers=headers or {},
                              allow_redirects=False, timeout=5)

    def sign_in(self, email: str, **params) -> dict[str, str]:
        """Open the sign-in page, choose ``email``; the parameters IMS sends back (``code``, ``state``)."""
        answer = self.post_sign_in({"sign_in_nonce": self.page_nonce(**params), "user": email})
        assert answer.status_code == 302, answer.text
        return back(answer, params.get("redirect_uri", REDIRECT))


def back(answer: requests.Response, redirect_uri: str = REDIRECT) -> dict[str, str]:
    """The parameters of a redirect to ``redirect_uri``."""
    location = answer.headers["Location"]
    assert location.split("?")[0] == redirect_uri.split("?")[0]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def token(url: str, headers: dict | None = None, **fields) -> requests.Response:
    return requests.post(url + "/ims/token/v3", data=fields, headers=headers if headers is not None else basic(),
                         timeout=5)


def platform(url: str, access_token: str, path: str, method: str = "GET", sandbox: str | None = "prod",
             client: str = CLIENT, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}", "x-api-key": client, "x-gw-ims-org-id": DEFAULT_ORG_ID}
    if sandbox:
        headers["x-sandbox-name"] = sandbox
    return requests.request(method, url + path, headers=headers, timeout=5, **kwargs)


@pytest.fixture
def browser(emulator) -> Browser:
    return Browser(emulator.url)


def signed_in(emulator, browser: Browser, email: str, scope: str = SCOPE) -> dict:
    """The token answer for ``email`` signed in through CLIENT, with PKCE."""
    verifier, challenge = pkce()
    code = browser.sign_in(email, scope=scope, code_challenge=challenge, code_challenge_method="S256")["code"]
    answer = token(emulator.url, grant_type="authorization_code", code=code, code_verifier=verifier,
                   redirect_uri=REDIRECT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def kinesis_body(name: str = "Signed-in connection") -> dict:
    return {"name": name, "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
            "connectionSpec": {"id": KINESIS_SPEC_ID, "version": "1.0"},
            "auth": {"specName": "Aws Kinesis authentication credentials",
                     "params": {"accessKeyId": ACCESS_KEY_ID, "secretKey": SECRET_KEY, "region": "eu-west-1"}}}


# The sign-in page ----------------------------------------------------------------------------------


def test_the_sign_in_page_lists_the_seeded_users_as_buttons_without_script(browser):
    page = browser.authorize()
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html and "<h1>Sign in</h1>" in html and "<script" not in html
    assert re.search(r'<form method="post" action="/ims/sign-in">', html)
    assert "<legend>Choose who signs in</legend>" in html
    for name, email in (("Ada Admin", ADMIN), ("Dev Eloper", DEVELOPER), ("Ana Lyst", ANALYST)):
        button = re.search(rf'<button type="submit" class="user" name="user" value="{re.escape(email)}" '
                           rf'aria-describedby="(user-\d-access)">Sign in as {name}</button>', html)
        assert button and f'id="{button.group(1)}"' in html
    assert '<button type="submit" class="cancel" name="cancel" value="1">Cancel</button>' in html
    assert "Sandboxes: every sandbox." in html and "Sandboxes: dev." in html and "Sandboxes: prod, dev." in html
    headers = page.headers
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:5000" in headers["Content-Security-Policy"]


def test_each_render_has_its_own_nonce(browser):
    assert browser.page_nonce() != browser.page_nonce()


def test_a_sign_in_redirects_with_a_code_and_the_state(browser):
    answer = browser.sign_in(DEVELOPER, state="opaque state/with spaces")
    assert answer["state"] == "opaque state/with spaces" and len(answer["code"]) >= 32


def test_the_redirect_keeps_the_redirect_uris_own_query(browser):
    answer = browser.post_sign_in({"sign_in_nonce": browser.page_nonce(redirect_uri=REDIRECT + "?next=%2Fsandbox"),
                                   "user": ANALYST})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["next"] == ["/sandbox"] and "code" in query


def test_fragment_response_mode_puts_the_code_in_the_fragment(browser):
    answer = browser.post_sign_in({"sign_in_nonce": browser.page_nonce(response_mode="fragment"), "user": ADMIN})
    location = urlsplit(answer.headers["Location"])
    assert not location.query and "code" in parse_qs(location.fragment)


def test_cancel_returns_access_denied(browser):
    answer = browser.post_sign_in({"sign_in_nonce": browser.page_nonce(), "cancel": "1"})
    assert answer.status_code == 302
    assert back(answer) == {"error": "access_denied", "error_description": "the user cancelled the sign-in",
                            "state": "st-1"}


# The sign-in form cannot be posted by anyone else ----------------------------------------------------


@pytest.mark.parametrize("fields", [{"user": ADMIN}, {"user": ADMIN, "sign_in_nonce": ""},
                                    {"user": ADMIN, "sign_in_nonce": "made-up-by-another-site"}])
def test_the_sign_in_form_is_refused_without_its_nonce(browser, fields):
    browser.page_nonce()  # a real page was shown; its nonce is not sent
    answer = browser.post_sign_in(fields)
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert "expired or was already used" in answer.text and answer.headers["Content-Type"].startswith("text/html")


def test_a_nonce_serves_once(browser):
    nonce = browser.page_nonce()
    assert browser.post_sign_in({"sign_in_nonce": nonce, "user": ADMIN}).status_code == 302
    again = browser.post_sign_in({"sign_in_nonce": nonce, "user": ADMIN})
    assert again.status_code == 400 and "Location" not in again.headers


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "http://127.0.0.1:5000"},
                                     {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"}])
def test_the_sign_in_form_is_refused_from_another_origin(browser, headers):
    nonce = browser.page_nonce()
    refused = browser.post_sign_in({"sign_in_nonce": nonce, "user": ADMIN}, headers)
    assert refused.status_code == 403 and "Location" not in refused.headers
    # The page's own post still works: the refusal did not use up its nonce.
    own = browser.post_sign_in({"sign_in_nonce": nonce, "user": ADMIN},
                               {"Origin": browser.url, "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 302


def test_an_unknown_user_is_refused(browser):
    answer = browser.post_sign_in({"sign_in_nonce": browser.page_nonce(), "user": "mallory@example.com"})
    assert answer.status_code == 400 and "Location" not in answer.headers


# The authorize request ------------------------------------------------------------------------------


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example/cb", "http://127.0.0.1.evil.example/cb", "http://127.0.0.1:5000@evil.example/cb",
    "http://evil.example\\@127.0.0.1/cb", "http://10.0.0.1:5000/cb", "//evil.example/cb", "javascript:alert(1)",
    "http://localhost.evil.example/cb", "/auth/callback", "http://127.0.0.1:5000/cb#frag", "ftp://127.0.0.1/cb",
    "http://127.0.0.1:99999/cb"])
def test_a_redirect_uri_off_this_machine_is_refused_on_a_page(browser, redirect_uri):
    page = browser.authorize(redirect_uri=redirect_uri)
    assert page.status_code == 400 and "Location" not in page.headers
    assert "<h1>The sign-in request was refused</h1>" in page.text and "on this machine" in page.text


@pytest.mark.parametrize("redirect_uri", ["http://localhost:5000/cb", "https://127.0.0.1/cb", "http://[::1]:8080/x",
                                          "http://127.1.2.3:5000/auth/callback?x=1"])
def test_any_loopback_redirect_uri_is_fine_when_none_is_registered(browser, redirect_uri):
    assert browser.authorize(redirect_uri=redirect_uri).status_code == 200


def test_the_client_id_is_required(browser):
    page = browser.authorize(client_id=None)
    assert page.status_code == 400 and "Location" not in page.headers and "client_id is required" in page.text


def test_registered_clients_and_redirect_uris(emulator, browser):
    other = "http://127.0.0.1:5000/other/callback"
    emulator.config(oauth_clients={CLIENT: {"secret": SECRET, "redirect_uris": [REDIRECT, other]}})
    assert emulator.config()["oauth_clients"] == {CLIENT: {"redirect_uris": [REDIRECT, other]}}
    # An unknown client, or a redirect URI not registered for this one: a page, never a redirect.
    unknown = browser.authorize(client_id="someone-else")
    assert unknown.status_code == 400 and "Location" not in unknown.headers and "invalid_client" in unknown.text
    unregistered = browser.authorize(redirect_uri="http://127.0.0.1:5000/elsewhere")
    assert unregistered.status_code == 400 and "not registered" in unregistered.text
    # A registered one works; with none given, the first (the default) is used.
    assert browser.sign_in(ANALYST, redirect_uri=other)["code"]
    nonce = browser.page_nonce(redirect_uri=None)
    assert browser.post_sign_in({"sign_in_nonce": nonce, "user": ANALYST}).headers["Location"].startswith(REDIRECT + "?")
    # The token endpoint wants that client's secret.
    code = browser.sign_in(ANALYST)["code"]
    wrong = token(emulator.url, basic(CLIENT, "not-the-secret"), grant_type="authorization_code", code=code)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert token(emulator.url, grant_type="authorization_code", code=code).status_code == 200


def test_no_redirect_uri_and_none_registered_is_refused(browser):
    page = browser.authorize(redirect_uri=None)
    assert page.status_code == 400 and "redirect_uri is required" in page.text


@pytest.mark.parametrize("uris", [["https://app.example/cb"], ["http://127.0.0.1:5000/cb#x"], "http://127.0.0.1/cb"])
def test_a_redirect_uri_off_this_machine_cannot_be_registered(emulator, uris):
    answer = requests.post(emulator.url + "/_emulator/config", timeout=5,
                           json={"oauth_clients": {CLIENT: {"secret": SECRET, "redirect_uris": uris}}})
    assert answer.status_code == 400 and "loopback" in answer.json()["error"]
    assert emulator.config()["clients"] == []


def test_clients_without_redirect_uris_still_register_as_before(emulator, browser):
    emulator.config(clients={CLIENT: SECRET})
    assert emulator.config()["oauth_clients"] == {CLIENT: {"redirect_uris": []}}
    assert browser.sign_in(DEVELOPER)["code"]


@pytest.mark.parametrize("params, error", [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "AdobeID,read_organizations"}, "invalid_scope"),
    ({"code_challenge": "x" * 43, "code_challenge_method": "S512"}, "invalid_request"),
    ({"code_challenge": "too-short"}, "invalid_request"),
    ({"code_challenge_method": "S256"}, "invalid_request"),
    ({"response_mode": "form_post"}, "invalid_request"),
    ({"prompt": "none"}, "login_required"),
])
def test_authorize_errors_go_back_to_the_client_with_the_state(browser, params, error):
    answer = browser.authorize(**params)
    assert answer.status_code == 302
    assert back(answer)["error"] == error and back(answer)["state"] == "st-1"


def test_a_state_longer_than_4096_characters_is_refused(browser):
    assert browser.authorize(state="s" * 4097).status_code == 400
    assert browser.authorize(state="s" * 4096).status_code == 200


# The token endpoint ---------------------------------------------------------------------------------


def test_a_code_is_exchanged_for_the_users_tokens_and_profile(emulator, browser):
    answer = signed_in(emulator, browser, DEVELOPER)
    developer = next(user for user in emulator.users() if user["email"] == DEVELOPER)
    assert set(answer) == {"access_token", "refresh_token", "sub", "token_type", "expires_in"}
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 86399 and answer["sub"] == developer["id"]
    assert re.fullmatch(r"[0-9A-F]{24}@[0-9a-f]{24}", answer["sub"])
    profile = requests.get(emulator.url + "/ims/userinfo/v2", timeout=5,
                           headers={"Authorization": f"Bearer {answer['access_token']}"})
    assert profile.status_code == 200
    assert profile.json() == {"sub": developer["id"], "account_type": "ent", "name": "Dev Eloper", "given_name": "Dev",
                              "family_name": "Eloper", "email_verified": True, "email": DEVELOPER}


def test_client_secret_in_the_body_works_as_well_as_basic(emulator, browser):
    code = browser.sign_in(ANALYST)["code"]
    answer = token(emulator.url, {}, grant_type="authorization_code", code=code, client_id=CLIENT,
                   client_secret=SECRET)
    assert answer.status_code == 200 and answer.json()["access_token"]


def test_without_offline_access_no_refresh_token_and_userinfo_only_what_the_scopes_grant(emulator, browser):
    answer = signed_in(emulator, browser, ANALYST, scope="openid,AdobeID")
    assert "refresh_token" not in answer
    profile = requests.get(emulator.url + "/ims/userinfo/v2", timeout=5,
                           headers={"Authorization": f"Bearer {answer['access_token']}"}).json()
    assert profile == {"sub": answer["sub"]}


def test_a_code_serves_once_and_its_reuse_revokes_the_tokens_it_gave(emulator, browser):
    code = browser.sign_in(ADMIN)["code"]
    first = token(emulator.url, grant_type="authorization_code", code=code).json()
    again = token(emulator.url, grant_type="authorization_code", code=code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert platform(emulator.url, first["access_token"], SANDBOXES, sandbox=None).json()["error_code"] == "401013"
    refreshed = token(emulator.url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_code_expires(emulator, browser):
    emulator.config(code_lifetime=0)
    code = browser.sign_in(ADMIN)["code"]
    answer = token(emulator.url, grant_type="authorization_code", code=code)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("fields, error", [
    ({"code": "not-a-code"}, "invalid_grant"),
    ({}, "invalid_request"),
])
def test_an_unknown_or_missing_code(emulator, fields, error):
    answer = token(emulator.url, grant_type="authorization_code", **fields)
    assert answer.status_code == 400 and answer.json()["error"] == error


def test_the_redirect_uri_must_match_the_authorize_requests(emulator, browser):
    code = browser.sign_in(ADMIN)["code"]
    answer = token(emulator.url, grant_type="authorization_code", code=code,
                   redirect_uri="http://127.0.0.1:5000/other")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert "redirect_uri" in answer.json()["error_description"]


def test_a_code_is_for_the_client_it_was_issued_to(emulator, browser):
    code = browser.sign_in(ADMIN)["code"]
    answer = token(emulator.url, basic("another-client", "its-secret"), grant_type="authorization_code", code=code)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_pkce_s256_the_verifier_must_match(emulator, browser):
    verifier, challenge = pkce()
    for sent in (None, pkce()[0], "short"):
        code = browser.sign_in(ADMIN, code_challenge=challenge, code_challenge_method="S256")["code"]
        fields = {"code_verifier": sent} if sent else {}
        answer = token(emulator.url, grant_type="authorization_code", code=code, **fields)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", sent
    code = browser.sign_in(ADMIN, code_challenge=challenge, code_challenge_method="S256")["code"]
    assert token(emulator.url, grant_type="authorization_code", code=code, code_verifier=verifier).status_code == 200


def test_pkce_plain_is_the_default_method(emulator, browser):
    verifier = secrets.token_urlsafe(48)
    code = browser.sign_in(ADMIN, code_challenge=verifier)["code"]
    assert token(emulator.url, grant_type="authorization_code", code=code, code_verifier=verifier).status_code == 200


def test_a_verifier_without_a_challenge_is_refused(emulator, browser):
    code = browser.sign_in(ADMIN)["code"]
    answer = token(emulator.url, grant_type="authorization_code", code=code, code_verifier=pkce()[0])
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_an_unknown_grant_type(emulator):
    answer = token(emulator.url, grant_type="password")
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


# Refresh and revoke ---------------------------------------------------------------------------------


def test_a_refresh_token_gives_a_new_pair_and_serves_once(emulator, browser):
    first = signed_in(emulator, browser, DEVELOPER)
    renewed = token(emulator.url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert renewed.status_code == 200
    pair = renewed.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["access_token"] != first["access_token"] and pair["refresh_token"] != first["refresh_token"]
    assert platform(emulator.url, pair["access_token"], SANDBOXES, sandbox=None).status_code == 200
    used = token(emulator.url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert used.status_code == 400 and used.json()["error"] == "invalid_grant"
    assert token(emulator.url, grant_type="refresh_token", refresh_token=pair["refresh_token"]).status_code == 200


def test_a_refresh_token_is_for_its_client_and_is_no_bearer_token(emulator, browser):
    first = signed_in(emulator, browser, DEVELOPER)
    other = token(emulator.url, basic("another-client", "x"), grant_type="refresh_token",
                  refresh_token=first["refresh_token"])
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    as_bearer = platform(emulator.url, first["refresh_token"], SANDBOXES, sandbox=None)
    assert as_bearer.json()["error_code"] == "401013"
    # The refused attempt did not use it up.
    assert token(emulator.url, grant_type="refresh_token", refresh_token=first["refresh_token"]).status_code == 200


def revoke(url: str, value: str, headers: dict | None = None, **fields) -> requests.Response:
    return requests.post(url + "/ims/revoke", data={"token": value, **fields},
                         headers=headers if headers is not None else basic(), timeout=5)


def test_revoking_an_access_token_ends_it(emulator, browser):
    tokens = signed_in(emulator, browser, ADMIN)
    answer = revoke(emulator.url, tokens["access_token"])
    assert answer.status_code == 200 and answer.content == b""
    assert platform(emulator.url, tokens["access_token"], SANDBOXES, sandbox=None).json()["error_code"] == "401013"
    userinfo = requests.get(emulator.url + "/ims/userinfo/v2", timeout=5,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 401 and userinfo.json()["error"] == "invalid_token"
    # The refresh token lives on.
    assert token(emulator.url, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_ends_the_sign_in(emulator, browser):
    tokens = signed_in(emulator, browser, ADMIN)
    assert revoke(emulator.url, tokens["refresh_token"], {}, client_id=CLIENT, client_secret=SECRET).status_code == 200
    assert token(emulator.url, grant_type="refresh_token",
                 refresh_token=tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert platform(emulator.url, tokens["access_token"], SANDBOXES, sandbox=None).json()["error_code"] == "401013"


def test_revoke_asks_for_the_client_and_keeps_to_its_tokens(emulator, browser):
    tokens = signed_in(emulator, browser, ADMIN)
    assert revoke(emulator.url, "never-issued").status_code == 200
    assert revoke(emulator.url, tokens["access_token"], {}).json()["error"] == "invalid_client"
    other = revoke(emulator.url, tokens["access_token"], basic("another-client", "x"))
    assert other.status_code == 400 and other.json()["error"] == "unauthorized_client"
    assert platform(emulator.url, tokens["access_token"], SANDBOXES, sandbox=None).status_code == 200
    assert revoke(emulator.url, "", basic()).json()["error"] == "invalid_request"


def test_userinfo_wants_a_users_token(emulator):
    integration = requests.post(emulator.url + "/ims/token/v3", timeout=5, data={
        "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET, "scope": "openid"}).json()
    for headers, error in (({}, "invalid_request"), ({"Authorization": "Bearer nope"}, "invalid_token"),
                           ({"Authorization": f"Bearer {integration['access_token']}"}, "invalid_token")):
        answer = requests.get(emulator.url + "/ims/userinfo/v2", headers=headers, timeout=5)
        assert answer.status_code == 401 and answer.json()["error"] == error
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


# Platform answers each user ---------------------------------------------------------------------------


def sandbox_names(url: str, access_token: str) -> list[str]:
    answer = platform(url, access_token, SANDBOXES, sandbox=None)
    assert answer.status_code == 200, answer.text
    return [sandbox["name"] for sandbox in answer.json()["sandboxes"]]


def test_each_user_sees_their_own_sandboxes(emulator, browser):
    assert sandbox_names(emulator.url, signed_in(emulator, browser, ADMIN)["access_token"]) == SEEDED_SANDBOXES
    assert sandbox_names(emulator.url, signed_in(emulator, browser, DEVELOPER)["access_token"]) == ["dev"]
    assert sandbox_names(emulator.url, signed_in(emulator, browser, ANALYST)["access_token"]) == ["prod", "dev"]
    integration = requests.post(emulator.url + "/ims/token/v3", timeout=5, data={
        "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET, "scope": "openid"}).json()
    assert sandbox_names(emulator.url, integration["access_token"]) == SEEDED_SANDBOXES


def test_a_users_sandboxes_are_paged_like_any(emulator, browser):
    access = signed_in(emulator, browser, ANALYST)["access_token"]
    page = platform(emulator.url, access, SANDBOXES + "?limit=1&offset=1", sandbox=None).json()
    assert [s["name"] for s in page["sandboxes"]] == ["dev"] and page["_page"] == {"limit": 1, "count": 1}


def test_a_sandbox_that_is_not_the_users_is_not_found(emulator, browser):
    access = signed_in(emulator, browser, DEVELOPER)["access_token"]
    refused = platform(emulator.url, access, FLOW + "/connections", sandbox="prod")
    missing = platform(emulator.url, access, FLOW + "/connections", sandbox="no-such-sandbox")
    assert refused.status_code == 404 and refused.json()["type"].endswith("FLOW-2100-404")
    assert refused.json()["report"]["detailed-message"] == "Sandbox 'prod' was not found."
    assert missing.json()["report"]["detailed-message"] == "Sandbox 'no-such-sandbox' was not found."
    assert platform(emulator.url, access, FLOW + "/connections", sandbox="dev").status_code == 200


def test_the_api_key_must_be_the_client_the_user_signed_in_through(emulator, browser):
    access = signed_in(emulator, browser, ADMIN)["access_token"]
    assert platform(emulator.url, access, SANDBOXES, sandbox=None, client="another-client").json()["error_code"] == "403003"


def test_manage_sources_creates_and_deletes(emulator, browser):
    developer = signed_in(emulator, browser, DEVELOPER)
    created = platform(emulator.url, developer["access_token"], FLOW + "/connections", "POST", sandbox="dev",
                       json=kinesis_body())
    assert created.status_code == 201, created.text
    connection = platform(emulator.url, developer["access_token"], FLOW + f"/connections/{created.json()['id']}",
                          sandbox="dev").json()["items"][0]
    assert connection["createdBy"] == developer["sub"]
    deleted = platform(emulator.url, developer["access_token"], FLOW + f"/connections/{created.json()['id']}",
                       "DELETE", sandbox="dev")
    assert deleted.status_code == 204


def assert_missing_permission(answer: requests.Response, low: str, name: str) -> None:
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-2118-403" and body["title"] == "Missing permission"
    assert body["status"] == 403 and body["report"]["request-id"]
    assert body["report"]["detailed-message"].startswith(f"The permission {low} is missing ({name}).")


def test_view_sources_reads_but_may_not_manage(emulator, browser):
    admin = signed_in(emulator, browser, ADMIN)["access_token"]
    connection_id = platform(emulator.url, admin, FLOW + "/connections", "POST", json=kinesis_body()).json()["id"]
    analyst = signed_in(emulator, browser, ANALYST)["access_token"]
    for path in ("/connections", f"/connections/{connection_id}", f"/connectionSpecs/{KINESIS_SPEC_ID}",
                 f"/connections/{connection_id}/test", f"/connections/{connection_id}/explore?objectType=root"):
        assert platform(emulator.url, analyst, FLOW + path).status_code == 200, path
    assert_missing_permission(platform(emulator.url, analyst, FLOW + "/connections", "POST", json=kinesis_body()),
                              "write", "Manage Sources")
    assert_missing_permission(platform(emulator.url, analyst, FLOW + f"/connections/{connection_id}", "DELETE"),
                              "write", "Manage Sources")
    assert platform(emulator.url, admin, FLOW + f"/connections/{connection_id}").status_code == 200  # still there


def test_without_any_source_permission_nothing_is_read(emulator, browser):
    emulator.add_users([{"email": "guest@example.com", "name": "Gus Guest", "sandboxes": ["prod"], "permissions": []}])
    guest = signed_in(emulator, browser, "guest@example.com")["access_token"]
    assert sandbox_names(emulator.url, guest) == ["prod"]
    assert_missing_permission(platform(emulator.url, guest, FLOW + "/connections"), "read", "View Sources")


def test_manage_sources_alone_also_reads(emulator, browser):
    emulator.add_users([{"email": "maker@example.com", "sandboxes": "*", "permissions": ["Manage Sources"]}])
    maker = signed_in(emulator, browser, "maker@example.com")["access_token"]
    assert platform(emulator.url, maker, FLOW + "/connections", sandbox="marketing-qa").status_code == 200


def test_integration_tokens_keep_every_sandbox_and_permission(emulator):
    integration = requests.post(emulator.url + "/ims/token/v3", timeout=5, data={
        "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET, "scope": "openid"}).json()
    created = platform(emulator.url, integration["access_token"], FLOW + "/connections", "POST",
                       sandbox="marketing-qa", json=kinesis_body())
    assert created.status_code == 201


# The control API: users and their sign-ins ------------------------------------------------------------


def test_users_are_seeded_and_come_back_on_reset(emulator):
    users = {user["email"]: user for user in emulator.users()}
    assert list(users) == [ADMIN, DEVELOPER, ANALYST]
    assert users[ADMIN]["sandboxes"] == "*" and users[ADMIN]["permissions"] == ["Manage Sources", "View Sources"]
    assert users[DEVELOPER]["sandboxes"] == ["dev"]
    assert users[ANALYST]["sandboxes"] == ["prod", "dev"] and users[ANALYST]["permissions"] == ["View Sources"]
    emulator.add_users([{"email": "extra@example.com", "permissions": ["View Sources"]}])
    emulator.add_users([{"email": ANALYST, "name": "Ana Lyst", "given_name": "Ana", "family_name": "Lyst",
                         "sandboxes": ["prod"], "permissions": ["View Sources"]}])
    changed = {user["email"]: user for user in emulator.users()}
    assert len(changed) == 4 and changed[ANALYST]["sandboxes"] == ["prod"]
    assert changed[ANALYST]["id"] == users[ANALYST]["id"]
    emulator.reset()
    assert [user["email"] for user in emulator.users()] == [ADMIN, DEVELOPER, ANALYST]


def test_an_added_user_appears_on_the_sign_in_page(emulator, browser):
    emulator.add_users([{"email": "ops@example.com", "name": "Otto <Ops>", "sandboxes": ["dev"],
                         "permissions": ["View Sources"]}])
    html = browser.authorize().text
    assert "Sign in as Otto &lt;Ops&gt;" in html and "<Ops>" not in html


@pytest.mark.parametrize("user", [{"email": "x@example.com", "permissions": ["Delete Everything"]},
                                  {"email": "x@example.com", "sandboxes": "prod"}, {"name": "no email"}])
def test_a_malformed_user_is_refused(emulator, user):
    answer = requests.post(emulator.url + "/_emulator/users", json={"users": [user]}, timeout=5)
    assert answer.status_code == 400


def test_a_permission_taken_away_applies_to_the_next_call(emulator, browser):
    developer = signed_in(emulator, browser, DEVELOPER)["access_token"]
    assert platform(emulator.url, developer, FLOW + "/connections", sandbox="dev").status_code == 200
    emulator.add_users([{"email": DEVELOPER, "name": "Dev Eloper", "sandboxes": ["dev"], "permissions": []}])
    assert_missing_permission(platform(emulator.url, developer, FLOW + "/connections", sandbox="dev"),
                              "read", "View Sources")


def test_a_users_access_tokens_expire_on_demand_and_refresh_still_works(emulator, browser):
    developer = signed_in(emulator, browser, DEVELOPER)
    analyst = signed_in(emulator, browser, ANALYST)
    assert emulator.expire_user_tokens(DEVELOPER) == 1
    assert platform(emulator.url, developer["access_token"], SANDBOXES, sandbox=None).json()["error_code"] == "401013"
    assert platform(emulator.url, analyst["access_token"], SANDBOXES, sandbox=None).status_code == 200
    renewed = token(emulator.url, grant_type="refresh_token", refresh_token=developer["refresh_token"]).json()
    assert sandbox_names(emulator.url, renewed["access_token"]) == ["dev"]


def test_a_users_refresh_tokens_are_revoked_on_demand(emulator, browser):
    developer = signed_in(emulator, browser, DEVELOPER)
    analyst = signed_in(emulator, browser, ANALYST)
    assert emulator.revoke_user_refresh_tokens(DEVELOPER) == 1
    refused = token(emulator.url, grant_type="refresh_token", refresh_token=developer["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert token(emulator.url, grant_type="refresh_token", refresh_token=analyst["refresh_token"]).status_code == 200
    unknown = requests.post(emulator.url + "/_emulator/users/nobody@example.com/tokens/expire", json={}, timeout=5)
    assert unknown.status_code == 404


def test_expiring_every_token_leaves_refresh_tokens(emulator, browser):
    developer = signed_in(emulator, browser, DEVELOPER)
    emulator.expire_tokens()
    assert platform(emulator.url, developer["access_token"], SANDBOXES, sandbox=None).json()["error_code"] == "401013"
    assert token(emulator.url, grant_type="refresh_token", refresh_token=developer["refresh_token"]).status_code == 200


# No token in a log line, none in the database --------------------------------------------------------


def test_tokens_and_codes_never_appear_in_a_log_line(emulator, browser, caplog):
    caplog.set_level(logging.DEBUG)
    verifier, challenge = pkce()
    code = browser.sign_in(ADMIN, code_challenge=challenge, code_challenge_method="S256")["code"]
    # IMS takes its parameters in the query too: those are the ones a request line would show.
    first = requests.post(emulator.url + "/ims/token/v3", params={"code": code, "code_verifier": verifier},
                          data={"grant_type": "authorization_code"}, headers=basic(), timeout=5).json()
    second = requests.post(emulator.url + "/ims/token/v3", params={"refresh_token": first["refresh_token"]},
                           data={"grant_type": "refresh_token"}, headers=basic(), timeout=5).json()
    requests.post(emulator.url + "/ims/revoke", params={"token": second["access_token"]}, headers=basic(), timeout=5)
    platform(emulator.url, second["refresh_token"], SANDBOXES, sandbox=None)
    # The emulator's lines (requests' own client-side debug lines are not the emulator's to mind).
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name.startswith(("emulator", "werkzeug", "flask")))
    assert "/ims/token/v3?" in logged and "[redacted]" in logged  # the access lines were written
    for secret in (code, verifier, first["access_token"], first["refresh_token"], second["access_token"],
                   second["refresh_token"]):
        assert secret not in logged


def test_the_console_access_log_hides_secret_parameters(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = EmulatorServer(tmp_path, quiet=False).start()
    try:
        requests.post(server.url + "/ims/revoke?token=emu-SECRET-VALUE&client_id=c", timeout=5)
    finally:
        server.stop()
    assert "/ims/revoke?token=[redacted]&client_id=c" in caplog.text and "SECRET-VALUE" not in caplog.text


@pytest.mark.parametrize("line, shown", [
    ("GET /cb?code=abc&state=s HTTP/1.1", "GET /cb?code=[redacted]&state=s HTTP/1.1"),
    ("POST /ims/token/v3?client_secret=x;refresh_token=y HTTP/1.1",
     "POST /ims/token/v3?client_secret=[redacted];refresh_token=[redacted] HTTP/1.1"),
    ("GET /a?access_token=1&id_token=2&code_verifier=3", "GET /a?access_token=[redacted]&id_token=[redacted]&code_verifier=[redacted]"),
    ("GET /a?zipcode=1&tokens=2", "GET /a?zipcode=1&tokens=2"),
])
def test_redact(line, shown):
    assert redact(line) == shown


def test_the_store_keeps_only_digests_of_tokens(tmp_path):
    server = EmulatorServer(tmp_path).start()
    try:
        browser = Browser(server.url)
        code = browser.sign_in(ADMIN)["code"]
        tokens = token(server.url, grant_type="authorization_code", code=code).json()
        assert tokens["refresh_token"]
    finally:
        server.stop()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    for secret in (code, tokens["access_token"], tokens["refresh_token"]):
        assert secret.encode() not in stored


def test_tokens_an_older_version_kept_in_clear_are_dropped_on_start(tmp_path):
    database = tmp_path / "platform.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE tokens (token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at REAL NOT NULL)")
        db.execute("INSERT INTO tokens VALUES ('emu-old-clear-token', 'c', 9999999999)")
    store = Store(database)
    assert store.token("emu-old-clear-token") is None and store.count("tokens") == 0
    assert [user["email"] for user in store.users()] == [ADMIN, DEVELOPER, ANALYST]
    assert b"emu-old-clear-token" not in database.read_bytes()
    assert json.loads(json.dumps(store.users()))  # plain data
