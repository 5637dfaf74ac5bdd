"""Everything that talks to Adobe Experience Platform. No Flask here: the web side calls in.

``Platform`` is the one way in: ``platform.sandboxes()``, ``platform.connections`` (Flow Service),
``platform.check_kinesis()``, ``platform.ping()``, ``platform.source_connection()``, and what follows a
connection: ``platform.dataflows`` (source and target connections, mapping sets, dataflows and what they
took in), ``platform.catalog`` (datasets) and ``platform.schemas`` (XDM schemas).
"""
from __future__ import annotations

import requests

from . import deadline
from .errors import (AuthenticationError, ChangedMeanwhile, ChangeUnknown, ConnectionInUse, DeadlineExceeded,
                     InvalidParameters, InvalidRequest, NotEntitled, NotFound, OutcomeUnknown, PermissionDenied,
                     PlatformError, PlatformTimeout, RateLimited, SandboxNotFound, ServiceUnavailable, SignInExpired,
                     TransportError)
from .catalog import Catalog, Dataset
from .flows import Arrivals, Dataflows, DataflowStatus, curl_command, source_connection_body
from .ims import TokenProvider, UserGrant, UserTokens, revoke
from .connection import Connection, ConnectionSpec, CreatedConnection
from .flowservice import FlowService
from .kinesis import (CHECK_DEADLINE, KinesisCheck, KinesisCredentials, Region, check_credentials,
                      check_kinesis_access, kinesis_regions)
from .listing import ConnectionPage, matches_search
from .updates import Dataflow
from .sandboxes import AVAILABLE_PATH, Sandbox, list_active_sandboxes
from .schemas import Field, Schema, Schemas, suggest
from .session import PlatformSession
from .settings import ConfigurationError, Settings


class Platform:
    """One client for the whole platform: one token, one connection pool, shared by all threads.

    A client for another identity (a person's own token) is ``Platform(settings, PlatformSession(settings,
    tokens=..., http=shared.session.http))``: the same connection pool, another token.
    """

    def __init__(self, settings: Settings, session: PlatformSession | None = None) -> None:
        self.settings = settings
        self.session = session or PlatformSession(settings)
        self.connections = FlowService(self.session)
        self.dataflows = Dataflows(self.session)
        self.catalog = Catalog(self.session)
        self.schemas = Schemas(self.session)

    def with_tokens(self, tokens: TokenProvider | UserTokens) -> "Platform":
        """The same platform seen with other tokens (a signed-in person's): the same connection pool and
        the same connection spec, read once for all."""
        other = Platform(self.settings, PlatformSession(self.settings, tokens=tokens, http=self.session.http))
        other.connections.share_spec(self.connections)
        return other

    def sandboxes(self) -> list[Sandbox]:
        """The active sandboxes the caller may use, the default one first."""
        return list_active_sandboxes(self.session)

    def check_kinesis(self, credentials: KinesisCredentials) -> KinesisCheck:
        """Test a key against Kinesis itself (not through Adobe), answering within a few seconds, and
        within the request's deadline (``DeadlineExceeded`` when none is left)."""
        return check_kinesis_access(credentials, self.settings.kinesis_endpoint_url or None,
                                    deadline.budget(CHECK_DEADLINE))

    def ping(self) -> None:
        """One small call that needs a token and the gateway: raises the ``PlatformError`` if either fails."""
        self.session.get_json(AVAILABLE_PATH, params={"limit": 1, "offset": 0})

    def reachable(self) -> None:
        """The gateway answers at all (a call with no token: its refusal is an answer); raises
        ``TransportError`` or ``ServiceUnavailable`` when it does not. For an app whose calls carry each
        person's token, where there is no token of its own to ping with."""
        try:
            response = self.session.http.get(self.session.url(AVAILABLE_PATH), timeout=(3.05, self.settings.timeout))
        except requests.RequestException:
            raise TransportError() from None
        if response.status_code >= 500:
            raise ServiceUnavailable(status=response.status_code)

    def source_connection(self, sandbox: str, connection: Connection, stream: str, data_type: str = "raw",
                          reset: str = "latest") -> dict:
        """The ``POST /sourceConnections`` body that reads ``stream`` through ``connection``."""
        return source_connection_body(self.connections.kinesis_spec(sandbox), connection.id, connection.name,
                                      stream, data_type, reset)


__all__ = [
    "Arrivals", "Catalog", "Dataflows", "DataflowStatus", "Dataset", "Field", "Schema", "Schemas", "suggest",
    "AuthenticationError", "ChangeUnknown", "ChangedMeanwhile", "ConfigurationError", "Connection", "ConnectionInUse",
    "ConnectionPage", "ConnectionSpec", "Dataflow",
    "CreatedConnection", "DeadlineExceeded", "FlowService", "InvalidParameters", "InvalidRequest", "KinesisCheck",
    "KinesisCredentials",
    "NotEntitled", "NotFound", "OutcomeUnknown", "PermissionDenied", "Platform", "PlatformError",
    "PlatformSession", "PlatformTimeout", "RateLimited", "Region", "Sandbox", "SandboxNotFound",
    "ServiceUnavailable", "Settings", "SignInExpired", "TokenProvider", "TransportError", "UserGrant", "UserTokens", "check_credentials", "check_kinesis_access", "curl_command",
    "kinesis_regions", "matches_search", "revoke", "source_connection_body",
]
