"""connector/settings.py: the AEP_* environment, its defaults, demo mode and half-configured setups."""
from __future__ import annotations

import pytest

from connector import ConfigurationError, Settings
from connector.settings import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL, DEFAULT_SCOPES


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
