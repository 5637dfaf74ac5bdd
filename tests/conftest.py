"""Fixtures: the emulator on a free loopback port, a control handle for it, settings and a platform client."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from connector import Platform, Settings  # noqa: E402
from emulator import DEFAULT_ORG_ID, EmulatorServer  # noqa: E402
from kinesis_stage import build_stage  # noqa: E402
from openapi import validate_exchange  # noqa: E402

CLIENT_ID = "kinesis-wizard-tests"
CLIENT_SECRET = "p8e-client-secret-for-tests"


class EmulatorControl:
    """The emulator's ``/_emulator`` control API, spoken over HTTP as any client would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST" and "json" not in kwargs:
            # The control API takes only JSON POSTs, also when there is no body (see emulator/control.py).
            kwargs["headers"] = {"Content-Type": "application/json", **kwargs.get("headers", {})}
        response = self.http.request(method, f"{self.url}/_emulator{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def fault(self, **spec: Any) -> dict:
        """Add a fault rule (see emulator/faults.py)."""
        return self._call("POST", "/faults", json=spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def expire_tokens(self) -> int:
        return self._call("POST", "/tokens/expire")["expired"]

    def config(self, **values: Any) -> dict:
        return self._call("POST", "/config", json=values)

    def calls(self, key: str | None = None) -> Any:
        calls = self._call("GET", "/calls")["calls"]
        return calls.get(key, 0) if key else calls

    def add_sandboxes(self, sandboxes: list[dict]) -> None:
        self._call("POST", "/sandboxes", json={"sandboxes": sandboxes})

    def add_destination(self, **body: Any) -> str:
        """An Amazon Kinesis destination connection (same connection spec id as the source); its id."""
        return self._call("POST", "/destinations", json=body)["id"]

    def mark_in_use(self, connection_id: str) -> None:
        self._call("POST", f"/connections/{connection_id}/in-use", json={"in_use": True})


@pytest.fixture(scope="session")
def kinesis_stage():
    """moto's Kinesis with streams, records and IAM users (auth off unless a test asks)."""
    server, stage = build_stage()
    yield stage
    server.stop()


@pytest.fixture
def kinesis_auth(kinesis_stage):
    """moto checks keys, secrets and IAM policies during this test, as AWS does."""
    kinesis_stage.auth(True)
    yield kinesis_stage
    kinesis_stage.auth(False)


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory, kinesis_stage):
    server = EmulatorServer(tmp_path_factory.mktemp("emulator"), kinesis_endpoint_url=kinesis_stage.url).start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server) -> EmulatorControl:
    """The running emulator, reset to its seed state for this test."""
    control = EmulatorControl(emulator_server.url)
    control.reset()
    return control


@pytest.fixture
def settings(emulator, kinesis_stage) -> Settings:
    return Settings(platform_url=emulator.url, ims_url=emulator.url, client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET, org_id=DEFAULT_ORG_ID, timeout=2.0,
                    kinesis_endpoint_url=kinesis_stage.url)


def check_against_openapi(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A requests hook: every exchange must fit Adobe's published contract."""
    validate_exchange(response)


@pytest.fixture
def platform(settings) -> Platform:
    """The connector, with every call it makes checked against Adobe's OpenAPI files."""
    client = Platform(settings)
    client.session.http.hooks["response"].append(check_against_openapi)
    return client


# The wizard ------------------------------------------------------------------------------------

import re  # noqa: E402

from app import create_app  # noqa: E402
from helpers import ACCESS_KEY_ID, SECRET_KEY  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app(settings, tmp_path):
    """The wizard on the test emulator, with its real server-side session store in a temporary folder."""
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, "SECRET_KEY": "test-secret-key-for-the-wizard",
                       "INSTANCE_PATH": str(tmp_path / "instance")})


@pytest.fixture
def client(app):
    return app.test_client()


KINESIS = {"name": "Clickstream account", "description": "Web events", "access_key_id": ACCESS_KEY_ID,
           "secret_key": SECRET_KEY, "region": "eu-west-1"}


class Walker:
    """Walks the wizard as a browser would: GET a step, read its CSRF token, POST the form."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, path: str) -> str:
        page = self.client.get(path)
        match = CSRF.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, token_from: str | None = None):
        fields = dict(data or {})
        fields["csrf_token"] = self.token(token_from or path)
        return self.client.post(path, data=fields)

    def sandbox(self, name: str = "prod"):
        return self.post("/sandbox", {"sandbox": name})

    def kinesis(self, **changes):
        return self.post("/kinesis", {**KINESIS, "action": "next", **changes})

    def create(self):
        return self.post("/review")

    def through_review(self, sandbox: str = "prod", **changes):
        assert self.sandbox(sandbox).location.endswith("/kinesis")
        assert self.kinesis(**changes).location.endswith("/review")

    def done(self, **changes) -> str:
        """Walk the whole wizard; return the new connection's id."""
        self.through_review(**changes)
        assert self.create().location.endswith("/done")
        page = self.client.get("/done").get_data(as_text=True)
        return re.search(r'id="connection-id"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def walker(client) -> Walker:
    return Walker(client)
