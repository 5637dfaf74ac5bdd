"""Flow Service: the Kinesis connection spec, and create / get / list / test / explore of connections
(updates, delete and listing pages in ``updates``)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

import jsonschema

from . import deadline
from .errors import (InvalidParameters, InvalidRequest, NotFound, OutcomeUnknown, PlatformError,
                     ServiceUnavailable, TransportError)
from .kinesis import KinesisCredentials, check_credentials
from .session import PlatformSession
from .updates import ConnectionUpdates

log = logging.getLogger(__name__)

BASE_PATH = "/data/foundation/flowservice"
KINESIS_SPEC_ID = "86043421-563b-46ec-8e6c-e23184711bf6"
KINESIS_PROVIDER_ID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
# The auth spec Adobe's current page names; a connection spec may list others beside it.
AUTH_SPEC_NAME = "Aws Kinesis authentication credentials"
# The name an older Adobe page gives it; used only when the connection spec cannot be read.
SEED_AUTH_SPEC_NAME = "Basic Authentication for Kinesis"
KEY_PARAMS = frozenset({"accessKeyId", "secretKey"})
# Flow Service's "Invalid field ... in filter params".
UNFILTERABLE = "1449-400"
PARAM_FIELDS = {"accessKeyId": "access_key_id", "secretKey": "secret_key", "region": "region"}
# How far back a connection of the same name counts as "the one our lost create made".
RECENT_SECONDS = 300
# After an unanswered create, look again after these pauses (seconds) before calling its outcome unknown.
LOOKUP_PAUSES = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class ConnectionSpec:
    """What Flow Service says a Kinesis base connection needs."""

    id: str
    version: str
    provider_id: str
    auth_spec_name: str
    auth_schema: dict[str, Any] | None = field(default=None, repr=False)

    def check_params(self, params: dict[str, str]) -> None:
        """Validate ``auth.params`` against the spec's JSON Schema; raise ``InvalidParameters`` with a code per
        field: ``required``, or ``breaks_<rule>`` (``breaks_pattern``, ``breaks_type``…)."""
        if not self.auth_schema:
            return
        validator = jsonschema.Draft7Validator(self.auth_schema)
        problems = {}
        for error in validator.iter_errors(params):
            if error.validator == "required":
                for param in (p for p in error.validator_value if p not in params):
                    problems[PARAM_FIELDS.get(param, param)] = "required"
            else:
                # The code names the rule only: the value itself may be the secret.
                param = str(error.path[0]) if error.path else "auth"
                problems[PARAM_FIELDS.get(param, param)] = f"breaks_{error.validator}"
        if problems:
            raise InvalidParameters(problems)


def choose_auth_spec(auth_specs: Any) -> dict[str, Any] | None:
    """The access-key auth spec among a connection spec's ``authSpec`` entries.

    The one named ``Aws Kinesis authentication credentials`` first; failing that, the one whose schema
    asks for ``accessKeyId`` and ``secretKey``; failing that, none (the caller then uses the seed
    document's name). Never the first entry merely for being first: the list may hold others.
    """
    entries = [entry for entry in auth_specs or [] if isinstance(entry, dict) and isinstance(entry.get("name"), str)]
    for entry in entries:
        if entry["name"] == AUTH_SPEC_NAME:
            return entry
    for entry in entries:
        spec = entry.get("spec") if isinstance(entry.get("spec"), dict) else {}
        properties = spec.get("properties") if isinstance(spec.get("properties"), dict) else {}
        if KEY_PARAMS <= set(properties):
            return entry
    return None


@dataclass(frozen=True)
class Connection:
    """A base connection, as Flow Service returns it (secrets never in clear)."""

    id: str
    name: str
    description: str = ""
    state: str = ""
    sandbox_name: str = ""
    created_at: int = 0
    etag: str = ""
    updated_at: int = 0
    auth_params: dict[str, Any] = field(default_factory=dict)
    connection_spec_id: str = ""
    provider_id: str = ""
    auth_spec_name: str = ""

    @property
    def access_key_id(self) -> str:
        return str(self.auth_params.get("accessKeyId", ""))

    @property
    def region(self) -> str:
        return str(self.auth_params.get("region", ""))

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> "Connection":
        auth = item.get("auth") or {}
        return cls(
            id=item["id"],
            name=item.get("name", ""),
            description=item.get("description", "") or "",
            state=item.get("state", ""),
            sandbox_name=item.get("sandboxName", ""),
            created_at=int(item.get("createdAt") or 0),
            etag=item.get("etag", ""),
            updated_at=int(item.get("updatedAt") or 0),
            auth_params=dict(auth.get("params") or {}),
            connection_spec_id=(item.get("connectionSpec") or {}).get("id", ""),
            provider_id=item.get("providerId") or "",
            auth_spec_name=auth.get("specName") or "",
        )


@dataclass(frozen=True)
class CreatedConnection:
    """The answer to a create: the new id and etag; ``recovered`` when found after a lost answer."""

    id: str
    etag: str = ""
    recovered: bool = False


class FlowService(ConnectionUpdates):
    """Flow Service calls for Kinesis base connections (updates, pages and dataflows: ``updates``)."""

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

    def list_kinesis_connections(self, sandbox: str, orderby: str | None = None,
                                 page_size: int = 50) -> Iterator[Connection]:
        """Every Kinesis *source* connection of the sandbox, following the continuation links.

        The Amazon Kinesis destination shares the source's connection spec id, so the spec id alone lets
        destination connections through. Connections are kept only when their auth spec is one of the
        Kinesis source's names and their provider is the source's. The auth spec name is asked for in
        the query too (``auth.specName`` is a property of a listed connection, which Flow Service can
        filter on); the provider only here, since Adobe's listing schema shows no ``providerId`` on a
        connection. A connection that does not say its provider or auth spec is kept: it cannot be
        told apart, and hiding a real one could make a retried create make a second.
        """
        names, providers = self._source_identity()
        conditions = [f"connectionSpec.id=={KINESIS_SPEC_ID}", f"auth.specName=={','.join(filter(None, names))}"]
        first_page: dict[str, Any] = {"property": conditions, "limit": page_size}
        if orderby:
            first_page["orderby"] = orderby
        path: str | None = f"{BASE_PATH}/connections"
        params: dict[str, Any] | None = first_page
        while path:
            try:
                body = self.session.get_json(path, sandbox=sandbox, params=params)
            except InvalidRequest as error:
                if params is not first_page or error.code != UNFILTERABLE or len(conditions) == 1:
                    raise
                # Flow Service refused to filter on the auth spec: ask by connection spec alone (the
                # check below still applies).
                log.warning("Flow Service cannot filter connections on auth.specName; filtering here only")
                conditions = conditions[:1]
                first_page["property"] = conditions
                continue
            for item in body.get("items") or []:
                connection = Connection.from_api(item)
                if self.is_kinesis_source(connection, names, providers):
                    yield connection
            path, params = self._next_page(body), None

    def is_kinesis_source(self, connection: Connection, names: list[str] | None = None,
                          providers: set[str] | None = None) -> bool:
        """True when ``connection`` is a Kinesis *source* connection (not the destination that shares its
        connection spec id, nor any other kind)."""
        if names is None or providers is None:
            names, providers = self._source_identity()
        return (connection.connection_spec_id in ("", KINESIS_SPEC_ID) and connection.provider_id in providers
                and connection.auth_spec_name in names)

    def _source_identity(self) -> tuple[list[str], set[str]]:
        """The auth spec names and provider ids of Kinesis source connections ("" for a connection that
        does not say). The documented ones, and the connection spec's own when a create has read it
        already: listing does not read the spec itself, to cost no call more than the listing."""
        spec = self._specs.get(KINESIS_SPEC_ID)
        names = [spec.auth_spec_name] if spec else []
        names = list(dict.fromkeys(names + [AUTH_SPEC_NAME, SEED_AUTH_SPEC_NAME]))
        providers = {KINESIS_PROVIDER_ID, spec.provider_id if spec else KINESIS_PROVIDER_ID}
        return names + [""], providers | {""}

    def _next_page(self, body: dict[str, Any]) -> str | None:
        href = ((body.get("_links") or {}).get("next") or {}).get("href")
        if not href:
            return None
        if href.startswith(("http://", "https://")):
            parts = urlsplit(href)
            return self.session.settings.platform_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return href if href.startswith(BASE_PATH) else BASE_PATH + href

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
