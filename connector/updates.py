"""Looking after connections that exist: updates under ``If-Match`` (rename, describe, a new key), delete,
and the dataflows that use a connection.

A mixin of ``FlowService`` (``platform.connections``), kept apart so that each module stays one thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .connection import BASE_PATH, Connection
from .errors import (ChangeUnknown, InvalidParameters, InvalidRequest, NotFound, PlatformError, ServiceUnavailable,
                     TransportError)
from .kinesis import KinesisCredentials, check_credentials
from .listing import continuation_token

# Flow Service's documented filter for the flows reading from a base connection (sort-and-filter.md).
FLOWS_OF_CONNECTION = "inheritedAttributes.sourceConnections[].baseConnection.id"
# The limits the wizard puts on a new connection's name and description (Adobe documents none).
TEXT_LIMITS = {"name": 256, "description": 1000}


@dataclass(frozen=True)
class Dataflow:
    """A dataflow that reads from a connection: its id and name."""

    id: str
    name: str


class ConnectionUpdates:
    """Updates, delete and dataflows of connections (``FlowService`` provides ``session``, ``get_connection``
    and the connection spec; ``ConnectionListing`` the Kinesis source check)."""

    def get_kinesis_source(self, sandbox: str, connection_id: str) -> Connection:
        """One connection by id, only if it is a Kinesis *source* connection of ``sandbox``: anything else
        (a Kinesis destination sharing the spec id, another sandbox's) is ``NotFound``, as no connection is.
        The one check the manage pages and the command line both make before showing or changing one."""
        found = self.get_connection(sandbox, connection_id)
        if not self.is_kinesis_source(found) or found.sandbox_name.lower() not in ("", sandbox.lower()):
            raise NotFound(status=404)
        return found

    def update_connection(self, sandbox: str, connection_id: str, etag: str, operations: list[dict[str, Any]],
                          *secrets: str, landed: Callable[[Connection], bool] = lambda _c: False) -> str:
        """Apply JSON-Patch ``operations`` if the connection's etag is still ``etag``; return the new etag.

        ``ChangedMeanwhile`` when someone changed it since (never resent: the caller reads it again). The
        call is not retried after a server error either: when the answer is lost (a broken connection, a
        timeout, a 5xx) the connection is read again, and the update counts as made when its etag moved
        and ``landed`` finds what was sent; otherwise ``ChangeUnknown`` carries it as it is now.
        ``secrets`` are blanked out of any error that might echo them.
        """
        if not etag:
            raise InvalidRequest("an update needs the etag the connection was read with", code="1403-400",
                                 status=400, sent=False)
        try:
            answer = self.session.call("PATCH", f"{BASE_PATH}/connections/{connection_id}", sandbox=sandbox,
                                       json=operations, headers={"If-Match": etag}).json()
        except (TransportError, ServiceUnavailable) as error:
            if not error.sent:
                raise error.redact(*secrets)
            now = self._read_again(sandbox, connection_id, error.redact(*secrets))
            if now.etag != etag and landed(now):
                return now.etag
            raise ChangeUnknown(current=now, status=error.status, code=error.code,
                                request_id=error.request_id) from None
        except PlatformError as error:
            raise error.redact(*secrets)
        return str(answer.get("etag") or "")

    def _read_again(self, sandbox: str, connection_id: str, cause: PlatformError) -> Connection:
        """The connection after a change whose answer was lost; ``ChangeUnknown`` if it cannot be read
        (``NotFound`` passes: a delete's caller takes it as done)."""
        try:
            return self.get_connection(sandbox, connection_id)
        except NotFound:
            raise
        except PlatformError:
            raise ChangeUnknown(status=cause.status, code=cause.code, request_id=cause.request_id) from None

    def delete_connection(self, sandbox: str, connection_id: str) -> None:
        """Delete a connection (refused while dataflows use it: ``ConnectionInUse``). A lost answer (the
        transport may have resent the DELETE, which then finds nothing) is settled by reading it again:
        gone is done (so a connection already gone is no error: the caller has read it first); still there
        is ``ChangeUnknown`` with it as it is."""
        try:
            self.session.call("DELETE", f"{BASE_PATH}/connections/{connection_id}", sandbox=sandbox)
            return
        except NotFound as error:
            cause: PlatformError = error
        except (TransportError, ServiceUnavailable) as error:
            if not error.sent:
                raise
            cause = error
        try:
            now = self._read_again(sandbox, connection_id, cause)
        except NotFound:
            return
        raise ChangeUnknown(current=now, status=cause.status, code=cause.code, request_id=cause.request_id)

    def rotate_key(self, sandbox: str, connection_id: str, etag: str, credentials: KinesisCredentials) -> str:
        """Give the connection a new access key (and region); return the new etag. The key is checked for
        its shape and against the connection spec first (``InvalidParameters``); testing it against Kinesis
        is the caller's, before this."""
        problems = check_credentials(credentials.access_key_id, credentials.secret_key, credentials.region)
        if problems:
            raise InvalidParameters(problems)
        params = credentials.auth_params()
        self.kinesis_spec(sandbox).check_params(params)
        return self.update_connection(
            sandbox, connection_id, etag, [{"op": "replace", "path": "/auth/params", "value": params}],
            credentials.secret_key, landed=lambda now: (now.access_key_id, now.region) == (
                credentials.access_key_id, credentials.region))

    def rename(self, sandbox: str, connection_id: str, etag: str, name: str, description: str) -> str:
        """Give the connection a new name and description; return the new etag."""
        problems = {field: "too_long" for field, value in (("name", name), ("description", description))
                    if len(value) > TEXT_LIMITS[field]}
        if not name.strip():
            problems["name"] = "name_missing"
        if problems:
            raise InvalidParameters(problems)
        return self.update_connection(sandbox, connection_id, etag, [
            {"op": "replace", "path": "/name", "value": name},
            {"op": "replace", "path": "/description", "value": description}],
            landed=lambda now: (now.name, now.description) == (name, description))

    def dataflows_using(self, sandbox: str, connection_ids: list[str]) -> dict[str, list[Dataflow]]:
        """The dataflows reading from each of ``connection_ids``: one call for them all (commas in a
        filter are alternatives), every page. A connection no dataflow uses maps to ``[]``."""
        using: dict[str, list[Dataflow]] = {connection_id: [] for connection_id in connection_ids}
        if not connection_ids:
            return using
        path: str | None = f"{BASE_PATH}/flows"
        params: dict[str, Any] | None = {"property": f"{FLOWS_OF_CONNECTION}=={','.join(connection_ids)}"}
        while path:
            body = self.session.get_json(path, sandbox=sandbox, params=params)
            for flow in body.get("items") or []:
                for connection_id in _base_connections(flow):
                    if connection_id in using:
                        using[connection_id].append(Dataflow(str(flow.get("id", "")), str(flow.get("name", ""))))
            token = continuation_token(body)
            path, params = (f"{BASE_PATH}/flows", {"continuationToken": token}) if token else (None, None)
        return using


def _base_connections(flow: Any) -> list[str]:
    """The base connection ids a flow reads from, as ``inheritedAttributes`` lists them."""
    inherited = flow.get("inheritedAttributes") if isinstance(flow, dict) else None
    sources = (inherited or {}).get("sourceConnections") if isinstance(inherited, dict) else None
    return [str((source.get("baseConnection") or {}).get("id", "")) for source in sources or []
            if isinstance(source, dict) and isinstance(source.get("baseConnection"), dict)]
