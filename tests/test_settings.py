"""connector/settings.py: the AEP_* environment, its defaults, demo mode and half-configured setups."""
from __future__ import annotations

import pytest

from connector import ConfigurationError, Settings
from connector.settings import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL, DEFAULT_SCOPES, read_bool, read_int, read_values


def test_defaults_are_adobes_endpoints_and_demo_mode():
    settings = Settings.from_env({}, dotenv_path=None)
    assert settings.platform_url == DEFAULT_PLATFORM_URL == "https://platform.adobe.io"
    assert settings.ims_url == DEFAULT_IMS_URL == "https://ims-na1.adobelogin.com"
    assert settings.scopes == DEFAULT_SCOPES
    assert "additional_info.projectedProductContext" in settings.scopes
    assert settings.demo_mode


def test_reads_every_variable():
    settings = Settings.from_env({
        "AEP_PLATFORM_URL": "http://127.0.0.1:9/", "AEP_IMS_URL": "http://127.0.0.1:8", "AEP_CLIENT_ID": "id",
        "AEP_CLIENT_SECRET": "secret", "AEP_ORG_ID": "ORG@AdobeOrg", "AEP_SCOPES": "openid",
        "AEP_TIMEOUT": "4.5"}, dotenv_path=None)
    assert (settings.platform_url, settings.ims_url) == ("http://127.0.0.1:9", "http://127.0.0.1:8")
    assert (settings.client_id, settings.client_secret, settings.org_id) == ("id", "secret", "ORG@AdobeOrg")
    assert settings.scopes == "openid" and settings.timeout == 4.5 and not settings.demo_mode


def test_a_dotenv_file_fills_in_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("AEP_CLIENT_ID=from-file\nAEP_CLIENT_SECRET=file-secret\nAEP_ORG_ID=FILE@AdobeOrg\n")
    settings = Settings.from_env({"AEP_CLIENT_ID": "from-env"}, dotenv_path=str(env_file))
    assert settings.client_id == "from-env" and settings.org_id == "FILE@AdobeOrg"


def test_a_ready_token_replaces_the_client_secret():
    settings = Settings.from_env({"AEP_CLIENT_ID": "id", "AEP_ORG_ID": "O@AdobeOrg", "AEP_ACCESS_TOKEN": "t"},
                                 dotenv_path=None)
    assert settings.access_token == "t" and not settings.demo_mode


@pytest.mark.parametrize("environ, missing", [
    ({"AEP_CLIENT_ID": "id"}, "AEP_ORG_ID"),
    ({"AEP_CLIENT_ID": "id", "AEP_ORG_ID": "O@AdobeOrg"}, "AEP_CLIENT_SECRET"),
    ({"AEP_CLIENT_SECRET": "s", "AEP_ORG_ID": "O@AdobeOrg"}, "AEP_CLIENT_ID"),
])
def test_half_configured_credentials_are_refused_by_name(environ, missing):
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env(environ, dotenv_path=None)


def test_secrets_stay_out_of_repr():
    settings = Settings(client_id="id", client_secret="very-secret-value", access_token="token-value")
    assert "very-secret-value" not in repr(settings) and "token-value" not in repr(settings)


def test_from_values_reads_a_plain_mapping_as_from_env_does(tmp_path):
    values = {"AEP_CLIENT_ID": "id", "AEP_CLIENT_SECRET": "s", "AEP_ORG_ID": "O@AdobeOrg",
              "KINESIS_ENDPOINT_URL": "http://127.0.0.1:7"}
    assert Settings.from_values(values) == Settings.from_env(values, dotenv_path=None)
    assert Settings.from_values(values).kinesis_endpoint_url == "http://127.0.0.1:7"


@pytest.mark.parametrize("timeout", ["soon", "0", "-3", "nan", "inf"])
def test_a_malformed_timeout_is_refused_by_name(timeout):
    with pytest.raises(ConfigurationError, match="AEP_TIMEOUT"):
        Settings.from_values({"AEP_TIMEOUT": timeout})


def test_the_environment_wins_over_dotenv_even_when_empty(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("AEP_SCOPES=from-file\nAEP_TIMEOUT=3\n")
    values = read_values({"AEP_SCOPES": "", "PATH": "/bin"}, dotenv_path=env_file)
    assert values["AEP_SCOPES"] == "" and values["AEP_TIMEOUT"] == "3" and values["PATH"] == "/bin"


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("Yes", True), ("ON", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", None),
])
def test_booleans_in_every_usual_spelling(raw, expected):
    assert read_bool({"FLAG": raw}, "FLAG") is expected


@pytest.mark.parametrize("raw", ["2", "y", "enabled", "tru"])
def test_an_unknown_boolean_is_refused_by_name(raw):
    with pytest.raises(ConfigurationError, match="FLAG must be one of"):
        read_bool({"FLAG": raw}, "FLAG")


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5", "70000"])
def test_a_whole_number_out_of_bounds_or_malformed_is_refused_by_name(raw):
    with pytest.raises(ConfigurationError, match="COUNT must be a whole number from 0 to 65535"):
        read_int({"COUNT": raw}, "COUNT", 0, minimum=0, maximum=65535)


def test_the_connector_imports_neither_flask_nor_the_apps_config():
    import ast
    from pathlib import Path

    for module in Path(__file__).resolve().parents[1].joinpath("connector").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("flask", "config") for n in names), module.name
