"""Hostile and random input to every form field and URL (Hypothesis): every answer is a 4xx or a form
with a message, never a 500, and nothing unvalidated ever reaches Adobe."""
from __future__ import annotations

import io
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from connector import check_credentials
from tests.helpers import CSRF, KINESIS
from wizard.steps import KEY

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CREATE = "POST /data/foundation/flowservice/connections"
ANSWERS = {200, 302, 400, 404, 405, 413, 422, 429}

hostile = st.one_of(
    st.text(max_size=300),                                                  # any unicode, controls included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=70_000),   # very long
    st.sampled_from(["", " ", "\x00", "\r\n", "<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}",
                     "../../etc/passwd", "ASIA" + "A" * 16, "AKIA" + "\u0130" * 16, "****", "%s%n"]),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=20, max_size=20).map(lambda s: "AKIA" + s[4:]),
)
FIELDS = ("name", "description", "access_key_id", "secret_key", "region", "action")


def token(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


@FUZZ
@given(values=st.fixed_dictionaries({name: hostile for name in FIELDS}))
def test_the_kinesis_step_takes_anything(walker, client, emulator, values):
    walker.sandbox()
    response = client.post("/kinesis", data={**values, "csrf_token": token(client, "/kinesis")})
    assert response.status_code in ANSWERS
    if response.status_code == 302 and response.location.endswith("/review"):
        assert values["name"].strip() and not check_credentials(values["access_key_id"], values["secret_key"],
                                                                values["region"])
    assert emulator.calls(CREATE) == 0


@FUZZ
@given(choice=hostile)
def test_the_sandbox_step_takes_anything(walker, client, choice):
    response = client.post("/sandbox", data={"sandbox": choice, "csrf_token": token(client, "/sandbox")})
    assert response.status_code in ANSWERS
    assert (response.status_code == 302) == (choice in ("prod", "dev", "marketing-qa"))


@FUZZ
@given(fields=st.lists(st.tuples(st.sampled_from(FIELDS + ("sandbox", "connection_id", "csrf_token")), hostile),
                       max_size=12))
def test_missing_and_duplicated_fields(walker, client, emulator, fields):
    walker.sandbox()
    data = MultiDict(fields)
    data.add("csrf_token", token(client, "/kinesis"))
    for path in ("/kinesis", "/review", "/kinesis/reuse", "/sandbox", "/start-over"):
        assert client.post(path, data=data).status_code in ANSWERS
    assert emulator.calls(CREATE) == 0


@FUZZ
@given(csrf=hostile)
def test_a_bad_csrf_token_is_refused(walker, client, emulator, csrf):
    walker.through_review()
    response = client.post("/review", data={"csrf_token": csrf, "action": "create"})
    assert response.status_code == 400 and emulator.calls(CREATE) == 0


url_part = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=80)


@FUZZ
@given(sandbox=url_part, connection=url_part)
def test_exploration_urls_are_checked_before_adobe_hears_of_them(client, emulator, sandbox, connection):
    before = sum(emulator.calls().values())
    response = client.get(f"/connections/{sandbox}/{connection}")
    assert response.status_code in ANSWERS
    if response.status_code == 404 and "no such connection" not in response.get_data(as_text=True):
        assert sum(emulator.calls().values()) == before                  # refused here, not at Adobe


@FUZZ
@given(path=st.lists(url_part, min_size=1, max_size=4), query=st.dictionaries(url_part, hostile, max_size=3))
def test_any_url_is_answered_without_a_500(client, path, query):
    response = client.get("/" + "/".join(path), query_string=query)
    assert response.status_code in ANSWERS | {308}


@FUZZ
@given(code=url_part, target=hostile)
def test_the_language_switch_takes_anything(client, code, target):
    response = client.get(f"/language/{code}", query_string={"next": target})
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.location.startswith("/") and not response.location.startswith("//")


# What an attacker tried by hand, each once a 500 or a way past a rule.

TEXT_FIELDS = ("name", "description", "access_key_id", "secret_key", "region", "action")


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("action", ["next", "test", "back"])
def test_a_file_in_any_field_of_the_kinesis_step_is_no_500(walker, client, emulator, field, action):
    walker.sandbox()
    data = {**KINESIS, "action": action, "csrf_token": token(client, "/kinesis")}
    data[field] = (io.BytesIO(b"not text"), "upload.txt")
    response = client.post("/kinesis", data=data, content_type="multipart/form-data")
    assert response.status_code in ANSWERS and emulator.calls(CREATE) == 0
    # What was stored is text, or nothing: a file never reaches the session.
    stored = client.get("/review")
    assert stored.status_code in (200, 302)


def test_a_json_body_binds_no_field(walker, client, emulator):
    """Flask-WTF would bind a JSON body too, lists and objects where text belongs."""
    walker.sandbox()
    response = client.post("/kinesis", json={**KINESIS, "name": ["a", "list"], "action": "next"},
                           headers={"X-CSRFToken": token(client, "/kinesis")})
    assert response.status_code == 422 and emulator.calls(CREATE) == 0


@pytest.mark.parametrize("page, action", [("/kinesis", "CREATE"), ("/kinesis", "create"), ("/review", "CREATE"),
                                          ("/review", "next"), ("/review", "")])
def test_an_unknown_action_is_a_400_and_creates_nothing(walker, client, emulator, page, action):
    walker.through_review()
    response = client.post(page, data={**KINESIS, "action": action, "csrf_token": token(client, page)})
    assert response.status_code == 400 and emulator.calls(CREATE) == 0


@pytest.mark.parametrize("name", ["prød", "沙盒", "sandbox\u202e"])
def test_a_sandbox_with_a_name_no_header_can_carry_is_no_500(client, walker, emulator, name):
    """Adobe's sandbox names are lower-case letters, digits and hyphens; one that is not never reaches a
    header (where requests would fail to encode it), and is not offered."""
    emulator.add_sandboxes([{"name": name, "title": "Odd one", "isDefault": True}])
    assert "Odd one" not in client.get("/sandbox").get_data(as_text=True)
    with client.session_transaction() as session:   # as if it had been offered before
        session[KEY] = {"data": {"sandbox": {"sandbox": name}}}
    for path in ("/kinesis", "/review"):
        assert client.get(path).status_code in (200, 302, 409)
    walker.kinesis()
    response = client.post("/review", data={"csrf_token": token(client, "/review")})
    assert response.status_code in (302, 409) and emulator.calls(CREATE) == 0
