"""Everything that talks to Adobe Experience Platform. No Flask here: the wizard calls in."""
from __future__ import annotations

from .errors import (AuthenticationError, ConnectionInUse, InvalidParameters, InvalidRequest, NotEntitled,
                     NotFound, OutcomeUnknown, PermissionDenied, PlatformError, PlatformTimeout, RateLimited,
                     SandboxNotFound, ServiceUnavailable, TransportError)
from .flowservice import Connection, ConnectionSpec, CreatedConnection, FlowService
from .kinesis import (KinesisCheck, KinesisCredentials, Region, check_credentials, check_kinesis_access,
                      kinesis_regions)
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

    def check_kinesis(self, credentials: KinesisCredentials) -> KinesisCheck:
        """Test a key against Kinesis itself (not through Adobe), answering within a few seconds."""
        return check_kinesis_access(credentials, self.settings.kinesis_endpoint_url or None)


__all__ = [
    "AuthenticationError", "ConfigurationError", "Connection", "ConnectionInUse", "ConnectionSpec",
    "CreatedConnection", "FlowService", "InvalidParameters", "InvalidRequest", "KinesisCheck", "KinesisCredentials",
    "NotEntitled", "NotFound", "OutcomeUnknown", "PermissionDenied", "Platform", "PlatformError",
    "PlatformSession", "PlatformTimeout", "RateLimited", "Region", "Sandbox", "SandboxNotFound",
    "ServiceUnavailable", "Settings", "TransportError", "check_credentials", "check_kinesis_access", "kinesis_regions",
]
