"""Logging, whichever way the app is started: JSON lines on stdout by default, the audit log's records as
objects of their own, text for humans; under gunicorn, started as the README says, the audit line is there
and no secret is."""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time

import pytest
import requests

from app import create_app
from config import SETTING_NAMES
from emulator import DEFAULT_ORG_ID
from tests.helpers import ANONYMOUS, CLIENT_ID, CLIENT_SECRET, CSRF, KINESIS, ROOT, free_port
from web.logs import LOG_HANDLER, configure_logging


@pytest.fixture(autouse=True)
def json_logging_afterwards():
    """Leave the process's logging as create_app's defaults make it."""
    yield
    configure_logging("INFO", "json")


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if h.get_name() == LOG_HANDLER]


def test_create_app_logs_json_lines_to_stdout_once(settings, tmp_path, capsys):
    for n in range(2):
        create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "SECRET_KEY": secrets.token_urlsafe(48),
                    "INSTANCE_PATH": str(tmp_path / f"instance{n}")})
    assert len(ours()) == 1                                                   # a second app adds no handler
    capsys.readouterr()
    logging.getLogger("wizard.views").warning("sandbox %s unreachable", "prod")
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["logger"] == "wizard.views"
    assert record["message"] == "sandbox prod unreachable" and record["at"].endswith("+00:00")


def test_an_audit_record_is_one_object_with_the_envelope_added(capsys):
    configure_logging("INFO", "json")
    audit = {"event": "connection.created", "at": "2026-11-29T10:00:00+00:00", "user": None, "sandbox": "prod",
             "connection_id": "c-1", "name": "Clicks", "access_key_id_last4": "MPLE", "level": "DEBUG"}
    logging.getLogger("audit").info(json.dumps(audit))
    record = json.loads(capsys.readouterr().out)
    assert record["logger"] == "audit" and record["level"] == "INFO"         # the envelope wins a clash
    assert record["message"] == "connection.created" and record["sandbox"] == "prod"
    assert record["connection_id"] == "c-1" and record["access_key_id_last4"] == "MPLE"


def test_text_for_humans_and_the_level_obeyed(capsys):
    configure_logging("WARNING", "text")
    logging.getLogger("wizard").info("not shown")
    logging.getLogger("wizard").warning("shown")
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith(" WARNING wizard: shown")


def test_an_exception_stays_inside_its_line(capsys):
    configure_logging("INFO", "json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("wizard").exception("failed")
    [line] = capsys.readouterr().out.splitlines()
    assert "RuntimeError: boom" in json.loads(line)["exception"]


def test_under_gunicorn_as_the_readme_says_the_audit_line_reaches_stdout(emulator, kinesis_stage):
    """The README's production command, the settings aimed at the test emulator and Kinesis, a wizard
    walked over HTTP to a create: its audit line is on stdout as JSON, and no secret is anywhere."""
    port, flask_key = free_port(), secrets.token_urlsafe(48)
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update({name: "" for name in SETTING_NAMES})              # set, even if empty: a stray .env cannot fill in
    env.update(AEP_PLATFORM_URL=emulator.url, AEP_IMS_URL=emulator.url, AEP_CLIENT_ID=CLIENT_ID,
               AEP_CLIENT_SECRET=CLIENT_SECRET, AEP_ORG_ID=DEFAULT_ORG_ID, SECRET_KEY=flask_key,
               KINESIS_ENDPOINT_URL=kinesis_stage.url, SESSION_COOKIE_SECURE="0",   # plain HTTP here
               AUTH_MODE="none", ALLOW_ANONYMOUS="1")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen([gunicorn, "-w", "4", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
                                "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    base, browser = f"http://127.0.0.1:{port}", requests.Session()
    try:
        for _ in range(300):    # four workers each building the app on two shared cores: up to a minute
            try:
                if browser.get(base + "/healthz", timeout=10).ok:
                    break
            except requests.RequestException:     # not listening yet, or accepted while workers still boot
                assert process.poll() is None, "gunicorn stopped"
                time.sleep(0.2)

        def post(path, data):
            token = CSRF.search(browser.get(base + path, timeout=30).text).group(1)
            return browser.post(base + path, data={**data, "csrf_token": token}, timeout=30)

        assert post("/sandbox", {"sandbox": "prod"}).url == base + "/kinesis"
        assert post("/kinesis", {**KINESIS, "action": "next"}).url == base + "/review"
        done = post("/review", {})
        assert done.url == base + "/done"
        connection_id = re.search(r'id="connection-id"[^>]*value="([^"]+)"', done.text).group(1)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]   # every line is JSON
    [audit] = [line for line in lines if line["logger"] == "audit"]
    assert audit["event"] == audit["message"] == "connection.created" and audit["level"] == "INFO"
    assert (audit["connection_id"], audit["sandbox"], audit["name"]) == (connection_id, "prod", KINESIS["name"])
    for secret in (KINESIS["secret_key"], CLIENT_SECRET, flask_key):
        assert secret not in out and secret not in err
