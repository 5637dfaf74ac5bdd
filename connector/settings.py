"""The AEP_* environment, read once."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping

from dotenv import dotenv_values

DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_SCOPES = "openid,session,AdobeID,read_organizations,additional_info.projectedProductContext"
DEFAULT_TIMEOUT = 10.0

CREDENTIAL_NAMES = ("AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_ORG_ID", "AEP_ACCESS_TOKEN")


class ConfigurationError(ValueError):
    """The AEP_* settings are incomplete or contradictory."""


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
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> "Settings":
        """Read the AEP_* variables; a `.env` file fills in what the environment leaves unset."""
        values: dict[str, str] = {}
        if dotenv_path and os.path.exists(dotenv_path):
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return (values.get(name) or default).strip()

        settings = cls(
            platform_url=get("AEP_PLATFORM_URL", DEFAULT_PLATFORM_URL).rstrip("/"),
            ims_url=get("AEP_IMS_URL", DEFAULT_IMS_URL).rstrip("/"),
            client_id=get("AEP_CLIENT_ID"),
            client_secret=get("AEP_CLIENT_SECRET"),
            org_id=get("AEP_ORG_ID"),
            scopes=get("AEP_SCOPES", DEFAULT_SCOPES),
            access_token=get("AEP_ACCESS_TOKEN"),
            timeout=float(get("AEP_TIMEOUT", str(DEFAULT_TIMEOUT))),
            kinesis_endpoint_url=get("KINESIS_ENDPOINT_URL"),
        )
        settings.check()
        return settings

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
