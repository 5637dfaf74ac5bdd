"""Reading settings: the environment first, a `.env` file filling in what it leaves unset, typed values
with errors that name the variable; and the connector's own `Settings`, the AEP_* part of them.

The app's whole configuration (`config.Config`) reads through the same functions, so that one rule
holds for every setting; the connector imports nothing from the app.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Mapping

from dotenv import dotenv_values

DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_SCOPES = "openid,session,AdobeID,read_organizations,additional_info.projectedProductContext"
DEFAULT_TIMEOUT = 10.0

CREDENTIAL_NAMES = ("AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_ORG_ID", "AEP_ACCESS_TOKEN")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class ConfigurationError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names it, never its value."""


def read_values(environ: Mapping[str, str] | None = None, dotenv_path: str | os.PathLike | None = ".env"
                ) -> dict[str, str]:
    """The settings as text: ``environ`` (the process environment by default), with the `.env` file at
    ``dotenv_path`` filling in the names it leaves unset. A name set to "" in the environment counts as
    set, as python-dotenv's own ``load_dotenv`` has it."""
    values: dict[str, str] = {}
    if dotenv_path and os.path.exists(dotenv_path):
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def read_text(values: Mapping[str, str], name: str, default: str = "") -> str:
    """The setting ``name``, stripped; ``default`` when unset or empty."""
    return (values.get(name) or "").strip() or default


def read_bool(values: Mapping[str, str], name: str, default: bool | None = None) -> bool | None:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); ``default`` when unset or empty."""
    raw = read_text(values, name).lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be one of {', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}.")


def read_int(values: Mapping[str, str], name: str, default: int, minimum: int | None = None,
             maximum: int | None = None) -> int:
    """A whole number within ``minimum`` and ``maximum``; ``default`` when unset or empty."""
    raw = read_text(values, name)
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = None
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ConfigurationError(f"{name} must be a whole number{_bounds(minimum, maximum)}.")
    return number


def read_float(values: Mapping[str, str], name: str, default: float, positive: bool = False) -> float:
    """A finite number (``positive``: above zero); ``default`` when unset or empty."""
    raw = read_text(values, name)
    if not raw:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (positive and number <= 0):
        raise ConfigurationError(f"{name} must be a number{' above 0' if positive else ''}.")
    return number


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    return f" of at most {maximum}" if maximum is not None else ""


@dataclass(frozen=True)
class Settings:
    """How to reach Adobe: gateway, IMS and the integration's credentials."""

    platform_url: str = DEFAULT_PLATFORM_URL
    ims_url: str = DEFAULT_IMS_URL
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    org_id: str = ""
    scopes: str = DEFAULT_SCOPES
    access_token: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    kinesis_endpoint_url: str = ""   # empty: AWS's own endpoint for the region

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> "Settings":
        """The settings named in ``values`` (AEP_*, KINESIS_ENDPOINT_URL), checked: a half-configured
        integration or a malformed timeout is refused by name."""
        settings = cls(
            platform_url=read_text(values, "AEP_PLATFORM_URL", DEFAULT_PLATFORM_URL).rstrip("/"),
            ims_url=read_text(values, "AEP_IMS_URL", DEFAULT_IMS_URL).rstrip("/"),
            client_id=read_text(values, "AEP_CLIENT_ID"),
            client_secret=read_text(values, "AEP_CLIENT_SECRET"),
            org_id=read_text(values, "AEP_ORG_ID"),
            scopes=read_text(values, "AEP_SCOPES", DEFAULT_SCOPES),
            access_token=read_text(values, "AEP_ACCESS_TOKEN"),
            timeout=read_float(values, "AEP_TIMEOUT", DEFAULT_TIMEOUT, positive=True),
            kinesis_endpoint_url=read_text(values, "KINESIS_ENDPOINT_URL"),
        )
        settings.check()
        return settings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> "Settings":
        """Read the AEP_* variables; a `.env` file fills in what the environment leaves unset."""
        return cls.from_values(read_values(environ, dotenv_path))

    @property
    def demo_mode(self) -> bool:
        """True when no Adobe credentials are configured: the embedded emulator stands in."""
        return not (self.client_id or self.client_secret or self.org_id or self.access_token)

    def check(self) -> None:
        """Refuse a half-configured integration with a message that names what is missing."""
        if self.demo_mode:
            return
        missing = []
        if not self.client_id:
            missing.append("AEP_CLIENT_ID")
        if not self.org_id:
            missing.append("AEP_ORG_ID")
        if not (self.client_secret or self.access_token):
            missing.append("AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN)")
        if missing:
            raise ConfigurationError(
                "Adobe credentials are partly configured; also set " + ", ".join(missing)
                + ", or unset every AEP_* credential to run in demo mode."
            )

    def with_endpoints(self, platform_url: str, ims_url: str, kinesis_endpoint_url: str | None = None) -> "Settings":
        """The same settings aimed at other endpoints (the emulator in demo mode)."""
        return replace(self, platform_url=platform_url.rstrip("/"), ims_url=ims_url.rstrip("/"),
                       kinesis_endpoint_url=self.kinesis_endpoint_url if kinesis_endpoint_url is None
                       else kinesis_endpoint_url)
