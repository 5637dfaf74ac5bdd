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
from openapi import validate_exchange  # noqa: E402

CLIENT_ID = "kinesis-wizard-tests"
CLIENT_SECRET = "p8e-client-secret-for-tests"


class EmulatorControl:
    """The emulator's ``/_emulator`` control API, spoken over HTTP as any client would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.url}/_emulator{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def fault(self, **spec: Any) -> dict:
        """Add a fault rule (see emulator/faults.py)."""
        return self._call("POST", "/faults", json=spec)

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

    def mark_in_use(self, connection_id: str) -> None:
        self._call("POST", f"/connections/{connection_id}/in-use", json={"in_use": True})


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    server = EmulatorServer(tmp_path_factory.mktemp("emulator")).start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server) -> EmulatorControl:
    """The running emulator, reset to its seed state for this test."""
    control = EmulatorControl(emulator_server.url)
    control.reset()
    return control


@pytest.fixture
def settings(emulator) -> Settings:
    return Settings(platform_url=emulator.url, ims_url=emulator.url, client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET, org_id=DEFAULT_ORG_ID, timeout=2.0)


def check_against_openapi(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A requests hook: every exchange must fit Adobe's published contract."""
    validate_exchange(response)


@pytest.fixture
def platform(settings) -> Platform:
    """The connector, with every call it makes checked against Adobe's OpenAPI files."""
    client = Platform(settings)
    client.session.http.hooks["response"].append(check_against_openapi)
    return client
