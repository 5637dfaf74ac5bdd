"""Flow Service: the Kinesis connection spec, and one connection's create / get / test / explore.

The values (a connection, its spec) are in ``connection``; listing connections, every one or a page at a
time, in ``listing``; updates, delete and the dataflows that use a connection in ``updates``.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from . import deadline
from .connection import (BASE_PATH, KINESIS_PROVIDER_ID, KINESIS_SPEC_ID, SEED_AUTH_SPEC_NAME, Connection,
                         ConnectionSpec, CreatedConnection, choose_auth_spec)
from .errors import InvalidParameters, NotFound, OutcomeUnknown, PlatformError, ServiceUnavailable, TransportError
from .kinesis import KinesisCredentials, check_credentials
from .listing import ConnectionListing
from .session import PlatformSession
from .updates import ConnectionUpdates

log = logging.getLogger(__name__)

# How far back a connection of the same name counts as "the one our lost create made".
RECENT_SECONDS = 300
# After an unanswered create, look again after these pauses (seconds) before calling its outcome unknown.
LOOKUP_PAUSES = (0.5, 1.0, 2.0)


class FlowService(ConnectionListing, ConnectionUpdates):
    """Flow Service calls for Kinesis base connections (listing them: ``listing``; updates, delete and
    dataflows: ``updates``)."""

    def __init__(self, session: PlatformSession, lookup_pauses: tuple[float, ...] = LOOKUP_PAUSES) -> None:
        self.session = session
        self.lookup_pauses = lookup_pauses
        self._specs: dict[str, ConnectionSpec] = {}   # read once, shared with share_spec()
        self._spec_lock = threading.Lock()

    def share_spec(self, other: "FlowService") -> None:
        """Keep the connection spec in ``other``'s place: read once for every identity."""
        self._specs, self._spec_lock = other._specs, other._spec_lock

    def kinesis_spec(self, sandbox: str) -> ConnectionSpec:
        """The Kinesis connection spec (read once: specs are the same in every organization)."""
        with self._spec_lock:
            if KINESIS_SPEC_ID not in self._specs:
                self._specs[KINESIS_SPEC_ID] = self._read_spec(sandbox)
            return self._specs[KINESIS_SPEC_ID]

    def _read_spec(self, sandbox: str) -> ConnectionSpec:
        try:
            body = self.session.get_json(f"{BASE_PATH}/connectionSpecs/{KINESIS_SPEC_ID}", sandbox=sandbox)
            item = body["items"][0]
            spec = ConnectionSpec(id=item["id"], version=item.get("version", "1.0"),
                                  provider_id=item.get("providerId") or KINESIS_PROVIDER_ID,
                                  auth_spec_name=SEED_AUTH_SPEC_NAME)
            auth = choose_auth_spec(item.get("authSpec"))
        except (NotFound, KeyError, IndexError, TypeError, ValueError):
            log.warning("Kinesis connection spec unreadable; falling back to the documented auth spec name")
            return ConnectionSpec(KINESIS_SPEC_ID, "1.0", KINESIS_PROVIDER_ID, SEED_AUTH_SPEC_NAME)
        if auth is None:
            log.warning("No access-key auth spec in the Kinesis connection spec; falling back to the documented "
                        "auth spec name")
            return spec
        return ConnectionSpec(spec.id, spec.version, spec.provider_id, auth["name"], auth.get("spec"))

    def create_kinesis_connection(self, sandbox: str, name: str, description: str,
                                  credentials: KinesisCredentials) -> CreatedConnection:
        """Create a Kinesis base connection, never two.

        The create is sent once. It is sent again only where Flow Service surely did not act: a 429 or a
        refused connection, which the transport retries. After a timeout, a dropped answer or a 5xx, a
        connection of the same name and key made since the create was sent is looked for (a few times,
        within the request's deadline: a slow platform may still be making it) and returned if found;
        if not, ``OutcomeUnknown`` says when the create was sent, so that the caller can keep looking.
        Sending it again there could make a second connection when the first create lands late.
        """
        body = self.create_body(sandbox, name, description, credentials)
        sent_at = int(time.time() * 1000)
        try:
            answer = self.session.call("POST", f"{BASE_PATH}/connections", sandbox=sandbox, json=body).json()
            return CreatedConnection(answer["id"], answer.get("etag", ""))
        except (TransportError, ServiceUnavailable) as exc:
            if not exc.sent:
                raise exc.redact(credentials.secret_key)      # it never reached Adobe: nothing was made
            cause: PlatformError = exc.redact(credentials.secret_key)
        except PlatformError as exc:
            raise exc.redact(credentials.secret_key)
        log.warning("create of connection %r: no clear answer (%s); looking for it", name, type(cause).__name__)
        found = self._find_recent(sandbox, name, credentials.access_key_id, sent_at, cause)
        if found:
            return found
        raise OutcomeUnknown(sent_at=sent_at, status=cause.status, code=cause.code, request_id=cause.request_id)

    def create_body(self, sandbox: str, name: str, description: str,
                    credentials: KinesisCredentials) -> dict[str, Any]:
        """The ``POST /connections`` body for a Kinesis connection, checked first (``InvalidParameters``):
        the key's shape, the name, and the params against the connection spec's auth schema."""
        problems = check_credentials(credentials.access_key_id, credentials.secret_key, credentials.region)
        if not name.strip():
            problems["name"] = "name_missing"
        if problems:
            raise InvalidParameters(problems)
        spec = self.kinesis_spec(sandbox)
        params = credentials.auth_params()
        spec.check_params(params)
        return {
            "name": name,
            "description": description,
            "providerId": spec.provider_id,
            "auth": {"specName": spec.auth_spec_name, "params": params},
            "connectionSpec": {"id": spec.id, "version": spec.version},
        }

    def find_recent(self, sandbox: str, name: str, access_key_id: str, since_ms: int) -> CreatedConnection | None:
        """A Kinesis connection of this name and key made since ``since_ms`` (less clock skew), if any.

        One list call in the usual case: the newest come first, and the listing stops at older ones.
        """
        for connection in self.list_kinesis_connections(sandbox, orderby="-createdAt"):
            if connection.created_at < since_ms - RECENT_SECONDS * 1000:
                break
            if connection.name == name and connection.access_key_id in ("", access_key_id):
                return CreatedConnection(connection.id, connection.etag, recovered=True)
        return None

    def _find_recent(self, sandbox: str, name: str, access_key_id: str, since_ms: int,
                     cause: PlatformError) -> CreatedConnection | None:
        """Look for what the unanswered create made; a slow platform may still be making it, so look
        again after a few pauses, as long as the request's deadline can cover them."""
        for pause in (0.0, *self.lookup_pauses):
            if not deadline.can_cover(pause):
                break
            time.sleep(pause)
            try:
                found = self.find_recent(sandbox, name, access_key_id, since_ms)
            except PlatformError:
                raise OutcomeUnknown(sent_at=since_ms, status=cause.status, code=cause.code,
                                     request_id=cause.request_id) from None
            if found:
                return found
        return None

    def get_connection(self, sandbox: str, connection_id: str) -> Connection:
        """One connection by id."""
        body = self.session.get_json(f"{BASE_PATH}/connections/{connection_id}", sandbox=sandbox)
        items = body.get("items") or []
        if not items:
            raise NotFound(status=404)
        return Connection.from_api(items[0])

    def test_connection(self, sandbox: str, connection_id: str) -> bool:
        """Flow Service's own check that the stored credentials work."""
        body = self.session.get_json(f"{BASE_PATH}/connections/{connection_id}/test", sandbox=sandbox)
        return bool(body.get("result"))

    def explore(self, sandbox: str, connection_id: str) -> list[dict[str, Any]]:
        """The top level of the connection's contents (for Kinesis: its streams)."""
        body = self.session.get_json(f"{BASE_PATH}/connections/{connection_id}/explore", sandbox=sandbox,
                                     params={"objectType": "root"})
        return body if isinstance(body, list) else []

    def preview_stream(self, sandbox: str, connection_id: str, stream: str, limit: int = 10) -> dict[str, Any]:
        """A stream's most recent records in explore's tabular shape (the only one Adobe documents):
        ``{"format": "flat", "schema": {"columns": [{"name", "type"}]}, "data": [rows]}``, each row a
        record's JSON flattened to dotted keys, keyed by those column names. Adobe does not document
        Kinesis explore itself; the answer is passed on as it comes (``{"data": []}`` when it is not an
        object), for the caller to bound what it shows."""
        body = self.session.get_json(f"{BASE_PATH}/connections/{connection_id}/explore", sandbox=sandbox,
                                     params={"objectType": "table", "object": stream, "preview": "true",
                                             "limit": limit})
        return body if isinstance(body, dict) else {"data": []}
