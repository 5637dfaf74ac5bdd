"""Fixtures: the emulator on a free loopback port, a control handle for it, settings and a platform client."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from app import create_app
from connector import Platform, Settings
from emulator import DEFAULT_ORG_ID, EmulatorServer

from .helpers import ANONYMOUS, CLIENT_ID, CLIENT_SECRET, EmulatorControl, Walker
from .kinesis_stage import build_stage
from .openapi import validate_exchange


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


@pytest.fixture
def app(settings, tmp_path):
    """The wizard on the test emulator, with its real server-side session store in a temporary folder."""
    return create_app({"TESTING": True, "AEP_SETTINGS": settings, **ANONYMOUS, "SECRET_KEY": "dcRupNkZCPs-cnGTw7OBQhKQcZuxKatZ7cGE2kgqkxM",
                       "INSTANCE_PATH": str(tmp_path / "instance")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def walker(client) -> Walker:
    return Walker(client)
