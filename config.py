"""Every setting the app reads, in one place: the environment first, a `.env` file filling in what it
leaves unset, read once at start and typed.

``Config.load()`` gives a frozen ``Config``; ``config.flask_config()`` is the mapping the Flask app
starts from, and ``config.aep`` the connector's ``Settings``. A malformed value stops the start with
the variable's name (never its value, which may be a secret). ``require_strong_secret_key`` is the
rule a Flask SECRET_KEY must meet.

The typed readers themselves live in ``connector.settings``, which the connector needs on its own and
which may not import this module.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from math import log2
from typing import Any, Mapping

from limits import parse_many

from connector.settings import (ConfigurationError, Settings, read_bool, read_float, read_int, read_text,
                                read_values)

MAX_CONTENT_LENGTH = 64 * 1024      # no step's form comes near it
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
SETTING_NAMES = (                   # every variable read, as the README's Settings table lists them
    "AEP_PLATFORM_URL", "AEP_IMS_URL", "AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_ORG_ID", "AEP_SCOPES",
    "AEP_ACCESS_TOKEN", "AEP_TIMEOUT", "REQUEST_DEADLINE", "SECRET_KEY", "REDIS_URL", "SESSION_MINUTES",
    "SESSION_COOKIE_SECURE", "TRUSTED_PROXIES", "URL_PREFIX", "FRAME_ANCESTORS", "AUTH_MODE", "ALLOW_ANONYMOUS", "ACCESS_POLICY",
    "TRUSTED_USER_HEADER", "TRUSTED_GROUPS_HEADER", "CREATE_RATE_LIMIT", "TEST_RATE_LIMIT", "EXPLORE_RATE_LIMIT",
    "PORT", "LOG_LEVEL", "LOG_FORMAT", "KINESIS_ENDPOINT_URL", "EMULATOR_DATA_DIR", "EMULATOR_ORG_ID",
)
AUTH_MODES = ("adobe", "portal", "none")


def read_minutes(values: Mapping[str, str], name: str, default: float) -> timedelta:
    """A positive number of minutes (fractions allowed); ``default`` when unset or empty."""
    return timedelta(minutes=read_float(values, name, default, positive=True))


def read_choice(values: Mapping[str, str], name: str, default: str, choices: tuple[str, ...],
                upper: bool = False) -> str:
    """One of ``choices`` (compared without regard to case); ``default`` when unset or empty."""
    raw = read_text(values, name, default)
    raw = raw.upper() if upper else raw.lower()
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}.")
    return raw


def read_rate_limit(values: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter rate such as ``10 per minute``, checked now rather than at the first request."""
    raw = read_text(values, name, default)
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a rate such as '10 per minute'.") from None
    return raw


def read_redis_url(values: Mapping[str, str], name: str) -> str:
    """A Redis URL (``redis://``, ``rediss://`` or ``unix://``), or "" for none."""
    raw = read_text(values, name)
    if raw and not raw.startswith(REDIS_SCHEMES):
        raise ConfigurationError(f"{name} must start with {', '.join(REDIS_SCHEMES)}.")
    return raw


ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def read_origins(values: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Origins (``https://portal.example.com``, ``https://*.example.com:8443``) separated by spaces or
    commas; () when unset. Nothing else: a path or a quote would change what CSP means."""
    origins = tuple(part for part in re.split(r"[\s,]+", read_text(values, name)) if part)
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ConfigurationError(f"{name} must list origins such as https://portal.example.com, "
                                     "separated by spaces.")
    return origins


@dataclass(frozen=True)
class Config:
    """Every setting in the README's table, typed, with its default."""

    aep: Settings = field(default_factory=Settings)              # AEP_*, KINESIS_ENDPOINT_URL
    request_deadline: float = 20.0                               # seconds, below the server's own timeout
    secret_key: str = field(default="", repr=False)              # "": demo mode makes one
    redis_url: str = field(default="", repr=False)               # may carry a password
    session_lifetime: timedelta = timedelta(minutes=15)
    session_cookie_secure: bool | None = None                    # None: on outside demo mode
    trusted_proxies: int = 0
    url_prefix: str = ""
    frame_ancestors: tuple[str, ...] = ()                        # origins that may frame the app; (): none
    trusted_user_header: str = ""
    create_rate_limit: str = "10 per minute"
    test_rate_limit: str = "20 per minute"
    explore_rate_limit: str = "60 per minute"
    port: int = 5000
    log_level: str = "INFO"
    log_format: str = "json"
    emulator_data_dir: str = ""                                  # "": instance/emulator
    emulator_org_id: str = ""                                    # "": the emulator's own default
    auth_mode: str = ""                                          # "": none in demo mode, required elsewhere
    allow_anonymous: bool = False
    access_policy: str = ""
    trusted_groups_header: str = ""

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> "Config":
        """Read every setting from ``environ`` (the process environment by default), the `.env` file at
        ``dotenv_path`` filling in what it leaves unset."""
        return cls.from_values(read_values(environ, dotenv_path))

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> "Config":
        """The settings named in ``values``, typed and checked."""
        return cls(
            aep=Settings.from_values(values),
            request_deadline=read_float(values, "REQUEST_DEADLINE", 20.0, positive=True),
            secret_key=read_text(values, "SECRET_KEY"),
            redis_url=read_redis_url(values, "REDIS_URL"),
            session_lifetime=read_minutes(values, "SESSION_MINUTES", 15),
            session_cookie_secure=read_bool(values, "SESSION_COOKIE_SECURE"),
            trusted_proxies=read_int(values, "TRUSTED_PROXIES", 0, minimum=0),
            url_prefix=read_text(values, "URL_PREFIX"),
            frame_ancestors=read_origins(values, "FRAME_ANCESTORS"),
            trusted_user_header=read_text(values, "TRUSTED_USER_HEADER"),
            create_rate_limit=read_rate_limit(values, "CREATE_RATE_LIMIT", "10 per minute"),
            test_rate_limit=read_rate_limit(values, "TEST_RATE_LIMIT", "20 per minute"),
            explore_rate_limit=read_rate_limit(values, "EXPLORE_RATE_LIMIT", "60 per minute"),
            port=read_int(values, "PORT", 5000, minimum=1, maximum=65535),
            log_level=read_choice(values, "LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            log_format=read_choice(values, "LOG_FORMAT", "json", LOG_FORMATS),
            emulator_data_dir=read_text(values, "EMULATOR_DATA_DIR"),
            emulator_org_id=read_text(values, "EMULATOR_ORG_ID"),
            auth_mode=read_choice(values, "AUTH_MODE", "none", AUTH_MODES) if read_text(values, "AUTH_MODE") else "",
            allow_anonymous=bool(read_bool(values, "ALLOW_ANONYMOUS", False)),
            access_policy=read_text(values, "ACCESS_POLICY"),
            trusted_groups_header=read_text(values, "TRUSTED_GROUPS_HEADER"),
        )

    def flask_config(self) -> dict[str, Any]:
        """The Flask config these settings make (the app's own names, as the wizard reads them)."""
        return {
            "SECRET_KEY": self.secret_key,
            "REDIS_URL": self.redis_url,
            "PERMANENT_SESSION_LIFETIME": self.session_lifetime,
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "URL_PREFIX": self.url_prefix,
            "FRAME_ANCESTORS": self.frame_ancestors,
            "TRUSTED_USER_HEADER": self.trusted_user_header,
            "CREATE_RATE_LIMIT": self.create_rate_limit,
            "TEST_RATE_LIMIT": self.test_rate_limit,
            "EXPLORE_RATE_LIMIT": self.explore_rate_limit,
            "REQUEST_DEADLINE": self.request_deadline,
            "AEP_SETTINGS": self.aep,
            "LOG_LEVEL": self.log_level,
            "LOG_FORMAT": self.log_format,
            "EMULATOR_DATA_DIR": self.emulator_data_dir,
            "EMULATOR_ORG_ID": self.emulator_org_id,
            "AUTH_MODE": self.auth_mode,
            "ALLOW_ANONYMOUS": self.allow_anonymous,
            "ACCESS_POLICY": self.access_policy,
            "TRUSTED_GROUPS_HEADER": self.trusted_groups_header,
        }


# The Flask secret key ---------------------------------------------------------------------------

SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_BITS = 128
MAKE_A_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
WEAK_WORDS = re.compile("|".join(("password", "passwd", "secret", "changeme", "default", "admin", "letmein",
                                  "welcome", "qwerty", "azerty", "example", "flask", "django", "test", "dev",
                                  "key")), re.IGNORECASE)
HEX = (frozenset("0123456789abcdef"), frozenset("0123456789ABCDEF"))


def require_strong_secret_key(key: str) -> None:
    """Refuse a missing, short or predictable Flask ``SECRET_KEY`` (demo mode makes its own).

    It signs the session id and the CSRF tokens and derives the key that seals the AWS secret in the
    session store, so a guessable one gives all three away. The message says how to make a good one
    and never quotes the key.
    """
    how = f"Make one with: {MAKE_A_SECRET_KEY}"
    if not key:
        raise ConfigurationError(f"Set SECRET_KEY: outside demo mode the app will not start without one. {how}")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ConfigurationError(f"SECRET_KEY is too short: it needs at least {SECRET_KEY_MIN_LENGTH} random "
                                 f"characters. {how}")
    if estimate_secret_bits(key) < SECRET_KEY_MIN_BITS:
        raise ConfigurationError(f"SECRET_KEY is too predictable: it needs about {SECRET_KEY_MIN_BITS} bits of "
                                 "randomness, and common words, repeated characters and runs such as abc or 123 "
                                 f"count for nothing. {how}")


def estimate_secret_bits(key: str) -> float:
    """A cautious estimate of the randomness in ``key``, in bits.

    Common words and runs of three or more (``aaa``, ``abc``, ``321``) are taken out first; what remains
    counts as the smaller of two estimates: its length times the bits of the character classes it uses
    (16 for hex), and its length times its Shannon entropy over its own characters, which catches keys
    drawn from only a few distinct characters. A random ``token_urlsafe(32)`` or ``token_hex(32)``
    scores above 160; a phrase of ordinary words can still score high, so this is a floor against the
    usual mistakes, not a proof of strength.
    """
    rest = without_runs(WEAK_WORDS.sub("", key))
    if not rest:
        return 0.0
    length = len(rest)
    shannon = -sum(count / length * log2(count / length) for count in Counter(rest).values())
    return max(0.0, length * min(log2(character_pool(rest)), shannon))


def without_runs(text: str, shortest: int = 3) -> str:
    """``text`` without its runs of ``shortest`` or more characters stepping by -1, 0 or +1 (aaa, abc, 987)."""
    kept, start = [], 0
    while start < len(text):
        end = start + 1
        if end < len(text) and (step := ord(text[end]) - ord(text[start])) in (-1, 0, 1):
            while end + 1 < len(text) and ord(text[end + 1]) - ord(text[end]) == step:
                end += 1
            if end - start + 1 >= shortest:
                start = end + 1
                continue
        kept.append(text[start])
        start += 1
    return "".join(kept)


def character_pool(text: str) -> int:
    """How many characters ``text`` could have been drawn from, judging by the classes it uses."""
    chars = frozenset(text)
    if chars <= frozenset(string.digits):
        return 10
    if any(chars <= hexdigits for hexdigits in HEX):
        return 16
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    pool = sum(len(members) for members in classes if chars & frozenset(members))
    others = chars - frozenset(string.ascii_letters + string.digits)
    return pool + (33 if others else 0)       # printable ASCII's punctuation and space; more counts as that
