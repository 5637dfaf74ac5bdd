"""config.py: every setting read once, the environment before `.env`, typed, with its default; a
malformed value refused by name and never quoted."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from config import (SETTING_NAMES, Config, estimate_secret_bits, read_minutes, require_strong_secret_key,
                    without_runs)
from connector import ConfigurationError, Settings


class Recording(dict):
    """A plain mapping that remembers which names were asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[str] = set()

    def get(self, name, default=None):
        self.asked.add(name)
        return super().get(name, default)


def test_the_defaults():
    config = Config.load({}, dotenv_path=None)
    assert config == Config()
    flask = config.flask_config()
    assert flask["SECRET_KEY"] == "" and flask["REDIS_URL"] == ""
    assert flask["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=15)
    assert flask["SESSION_COOKIE_SECURE"] is None                      # decided by demo mode
    assert (flask["TRUSTED_PROXIES"], flask["URL_PREFIX"], flask["TRUSTED_USER_HEADER"]) == (0, "", "")
    assert (flask["CREATE_RATE_LIMIT"], flask["TEST_RATE_LIMIT"]) == ("10 per minute", "20 per minute")
    assert (flask["LOG_LEVEL"], flask["LOG_FORMAT"]) == ("INFO", "json")
    assert flask["MAX_CONTENT_LENGTH"] == 64 * 1024 and config.port == 5000
    assert flask["AEP_SETTINGS"] == Settings() and flask["AEP_SETTINGS"].demo_mode


def test_every_setting_is_read_and_typed():
    values = {"AEP_CLIENT_ID": "id", "AEP_CLIENT_SECRET": "s", "AEP_ORG_ID": "O@AdobeOrg", "AEP_TIMEOUT": "3",
              "SECRET_KEY": "k", "REDIS_URL": "redis://127.0.0.1:6379/0", "SESSION_MINUTES": "2.5",
              "SESSION_COOKIE_SECURE": "off", "TRUSTED_PROXIES": "2", "URL_PREFIX": "/tools/kinesis",
              "TRUSTED_USER_HEADER": "X-Remote-User", "CREATE_RATE_LIMIT": "3 per hour",
              "TEST_RATE_LIMIT": "5/minute", "PORT": "8080", "LOG_LEVEL": "debug", "LOG_FORMAT": "TEXT",
              "KINESIS_ENDPOINT_URL": "http://127.0.0.1:4566", "EMULATOR_DATA_DIR": "/tmp/emulator",
              "EMULATOR_ORG_ID": "E@AdobeOrg"}
    recording = Recording(values)
    config = Config.from_values(recording)
    assert recording.asked == set(SETTING_NAMES)                     # no setting read anywhere else
    assert config.aep.client_id == "id" and config.aep.timeout == 3.0
    assert config.aep.kinesis_endpoint_url == "http://127.0.0.1:4566"
    assert config.session_lifetime == timedelta(minutes=2.5) and config.session_cookie_secure is False
    assert (config.trusted_proxies, config.port, config.log_level, config.log_format) == (2, 8080, "DEBUG", "text")
    assert (config.emulator_data_dir, config.emulator_org_id) == ("/tmp/emulator", "E@AdobeOrg")


def test_a_dotenv_file_fills_in_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=from-file\nSESSION_MINUTES=5\nAEP_CLIENT_ID=file-id\n"
                        "AEP_CLIENT_SECRET=file-secret\nAEP_ORG_ID=FILE@AdobeOrg\n")
    config = Config.load({"SESSION_MINUTES": "30", "AEP_CLIENT_ID": "env-id"}, dotenv_path=str(env_file))
    assert config.secret_key == "from-file" and config.session_lifetime == timedelta(minutes=30)
    assert config.aep.client_id == "env-id" and config.aep.org_id == "FILE@AdobeOrg"


def test_secrets_stay_out_of_repr():
    config = Config.from_values({"SECRET_KEY": "flask-secret-value", "REDIS_URL": "redis://:pw-value@host/0",
                                 "AEP_CLIENT_ID": "id", "AEP_CLIENT_SECRET": "client-secret-value",
                                 "AEP_ORG_ID": "O@AdobeOrg"})
    text = repr(config)
    assert not any(secret in text for secret in ("flask-secret-value", "pw-value", "client-secret-value"))


@pytest.mark.parametrize("name, value", [
    ("SESSION_MINUTES", "abc"), ("SESSION_MINUTES", "0.0"), ("SESSION_MINUTES", "-5"),
    ("TRUSTED_PROXIES", "-1"), ("TRUSTED_PROXIES", "one"), ("PORT", "0"), ("PORT", "99999"),
    ("SESSION_COOKIE_SECURE", "maybe"), ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
    ("CREATE_RATE_LIMIT", "lots"), ("TEST_RATE_LIMIT", "twenty a minute"), ("AEP_TIMEOUT", "soon"),
    ("REDIS_URL", "http://user:hunter2-secret@cache:6379"),
    ("FRAME_ANCESTORS", "intranet.test"), ("FRAME_ANCESTORS", "https://intranet.test/path"),
    ("FRAME_ANCESTORS", "'self' https://a.example; script-src *"), ("FRAME_ANCESTORS", "*"),
])
def test_a_malformed_value_is_refused_by_name_and_never_quoted(name, value):
    with pytest.raises(ConfigurationError, match=name) as refused:
        Config.from_values({name: value})
    assert value not in str(refused.value) and "hunter2" not in str(refused.value)


def test_frame_ancestors_are_origins_separated_by_spaces_or_commas():
    config = Config.from_values({"FRAME_ANCESTORS": "https://portal.example.com, https://*.corp.example:8443"})
    assert config.frame_ancestors == ("https://portal.example.com", "https://*.corp.example:8443")
    assert Config.from_values({}).frame_ancestors == ()


def test_minutes_may_be_fractions():
    assert read_minutes({"M": "0.5"}, "M", 15) == timedelta(seconds=30)
    assert read_minutes({}, "M", 15) == timedelta(minutes=15)


# The Flask secret key

@pytest.mark.parametrize("key", [
    "",
    "aaaaaaaaaaaaaaaa",                                   # repeated characters
    "a" * 64,
    "dev", "changeme", "short-key",                        # short words
    "kinesiswizardkey",                                   # a 16-character lowercase word
    "password1234567890",
    "password1234567890" * 3,                             # long, and still a word and a run
    "abcdefghijklmnopqrstuvwxyz0123456789",               # runs
    "test-secret-key-for-the-wizard",                     # words a person picks
    "correct horse battery staple",
    "zq" * 20,                                            # two characters, forty times
])
def test_a_weak_secret_key_is_refused_with_the_way_to_make_one(key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as refused:
        require_strong_secret_key(key)
    message = str(refused.value)
    assert "python -c 'import secrets; print(secrets.token_urlsafe(48))'" in message
    assert not key or key not in message


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32),
                                  lambda: secrets.token_urlsafe(48)], ids=["token_urlsafe(32)", "token_hex(32)",
                                                                           "token_urlsafe(48)"])
def test_a_random_secret_key_is_accepted(make):
    for _ in range(500):                    # every draw, not a lucky one: their estimates stay far above 128
        require_strong_secret_key(make())


def test_the_estimate_counts_runs_and_common_words_for_nothing():
    assert without_runs("xxaaab123c987") == "xxbc"
    assert estimate_secret_bits("aaaa") == estimate_secret_bits("abcd") == estimate_secret_bits("secret") == 0
    assert estimate_secret_bits(secrets.token_hex(32)) > 128


def test_the_readme_lists_every_setting_and_nothing_else():
    import re
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n\n| variable |", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE) == list(SETTING_NAMES)
