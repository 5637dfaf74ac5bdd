"""Everything that talks to Adobe Experience Platform. No Flask here: the wizard calls in."""
from __future__ import annotations

from .errors import (AuthenticationError, ConnectionInUse, InvalidParameters, InvalidRequest, NotEntitled,
                     NotFound, OutcomeUnknown, PermissionDenied, PlatformError, PlatformTimeout, RateLimited,
                     SandboxNotFound, ServiceUnavailable, TransportError)
from .flowservice import Connection, ConnectionSpec, CreatedConnection, FlowService
from .kinesis import KinesisCredentials, Region, check_credentials, kinesis_regions
from .sandboxes import Sandbox, list_active_sandboxes
from .session import PlatformSession
from .settings import ConfigurationError, Settings


class Platform:
    """One client for the whole platform: one token, one connection pool, shared by all threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = PlatformSession(settings)
        self.flow = FlowService(self.session)

    def sandboxes(self) -> list[Sandbox]:
        """The active sandboxes the caller may use, the default one first."""
        return list_active_sandboxes(self.session)


__all__ = [
    "AuthenticationError", "ConfigurationError", "Connection", "ConnectionInUse", "ConnectionSpec",
    "CreatedConnection", "FlowService", "InvalidParameters", "InvalidRequest", "KinesisCredentials",
    "NotEntitled", "NotFound", "OutcomeUnknown", "PermissionDenied", "Platform", "PlatformError",
    "PlatformSession", "PlatformTimeout", "RateLimited", "Region", "Sandbox", "SandboxNotFound",
    "ServiceUnavailable", "Settings", "TransportError", "check_credentials", "kinesis_regions",
]
