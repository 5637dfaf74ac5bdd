"""The AWS secret and the Adobe client secret: in no HTML after the Kinesis step, no cookie, no log record,
no session file once the connection exists."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.helpers import CLIENT_SECRET, SECRET_KEY

SECRETS = (SECRET_KEY, CLIENT_SECRET)


class Recorder:
    """Every page and cookie the browser got."""

    def __init__(self, client) -> None:
        self.pages: list[tuple[str, str]] = []
        self.cookies: list[str] = []
        self.client = client
        for method in ("get", "post"):
            setattr(self, method, self._wrap(getattr(client, method)))

    def _wrap(self, call):
        def recorded(path, *args, **kwargs):
            response = call(path, *args, **kwargs)
            self.pages.append((path, response.get_data(as_text=True)))
            self.cookies.extend(response.headers.getlist("Set-Cookie"))
            return response
        return recorded


@pytest.fixture
def recorder(client, monkeypatch):
    recorder = Recorder(client)
    monkeypatch.setattr(client, "get", recorder.get)
    monkeypatch.setattr(client, "post", recorder.post)
    return recorder


def test_no_secret_anywhere_in_a_full_walk(walker, client, recorder, caplog, emulator, app):
    caplog.set_level(logging.DEBUG)
    walker.sandbox()
    walker.kinesis(name="")                       # an error on the Kinesis step re-renders the form
    start = len(recorder.pages)
    walker.kinesis(secret_key="")                 # the secret kept from before
    emulator.fault(kind="status", status=429, retry_after=60, method="POST", path="/connections$", times=1)
    walker.create()                               # a failure page on the way
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", times=1)
    walker.create()                               # no clear answer: the page that follows the create
    app.config["CREATE_AGAIN_AFTER"] = 0
    pending = client.get("/review/pending").get_data(as_text=True)
    sent_at = re.search(r'name="sent_at" value="(\d+)"', pending).group(1)
    walker.post("/review/pending", {"sent_at": sent_at})
    client.get("/done")
    connection_path = f"/connections/prod/{app.extensions['platform'].connections.list_kinesis_connections('prod').__next__().id}"
    client.get(connection_path)

    assert len(recorder.pages) > start + 5
    for path, page in recorder.pages[start - 1:]:
        for secret in SECRETS:
            assert secret not in page, f"secret in the page of {path}"
    for secret in SECRETS:
        assert all(secret not in cookie for cookie in recorder.cookies)
        assert all(secret not in record.getMessage() for record in caplog.records)
        assert secret not in caplog.text
    assert any(record.name.startswith("wizard") for record in caplog.records)  # the logs were captured

    session_files = [p for p in Path(app.instance_path).rglob("*") if p.is_file()]
    assert session_files
    for file in session_files:
        assert SECRET_KEY.encode() not in file.read_bytes(), f"secret left in {file}"


def test_the_cookie_carries_only_a_session_id(client, walker):
    walker.sandbox()
    walker.kinesis()
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert len(cookie.value) <= 64 and "{" not in cookie.value and "." not in cookie.value
    assert cookie.http_only and cookie.same_site == "Lax"


def test_the_secret_is_not_in_the_form_after_a_failed_post(walker):
    walker.sandbox()
    page = walker.kinesis(region="").get_data(as_text=True)
    assert SECRET_KEY not in page


def test_the_secret_stays_out_of_exception_text(walker, emulator):
    walker.through_review()
    emulator.fault(kind="status", status=400, method="POST", path="/connections$",
                   detail=f"echoing {SECRET_KEY} back")
    response = walker.create()
    follow = walker.client.get(response.location).get_data(as_text=True)
    assert SECRET_KEY not in follow and "echoing **** back" in follow
