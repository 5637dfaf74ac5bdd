"""Finding Kinesis source connections: every one of a sandbox, following Flow Service's links (what a
lost create is looked for in), or one page at a time by continuation token (what the manage pages show),
and the search those pages offer.

A mixin of ``FlowService`` (``platform.connections``), which provides ``session`` and the connection spec
once read (``_specs``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

from .connection import (AUTH_SPEC_NAME, BASE_PATH, KINESIS_PROVIDER_ID, KINESIS_SPEC_ID, SEED_AUTH_SPEC_NAME,
                         Connection, ConnectionSpec)
from .errors import InvalidRequest
from .session import PlatformSession

log = logging.getLogger(__name__)

# Flow Service's "Invalid field ... in filter params".
UNFILTERABLE = "1449-400"


@dataclass(frozen=True)
class ConnectionPage:
    """One page of a listing, and the continuation token of the next (None on the last)."""

    connections: list[Connection]
    next_token: str | None


class ConnectionListing:
    """Listing Kinesis source connections (``FlowService`` provides ``session`` and ``_specs``)."""

    session: PlatformSession
    _specs: dict[str, ConnectionSpec]

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

    def list_page(self, sandbox: str, token: str | None = None, page_size: int = 20) -> ConnectionPage:
        """One page of the sandbox's Kinesis source connections, newest first: the first page, or the one
        ``token`` (Flow Service's continuation token, as ``next_token`` gave it) stands for. One call."""
        if token:
            # The limit goes with the token: a token is only as trustworthy as the link it came in.
            params: dict[str, Any] = {"continuationToken": token, "limit": page_size}
        else:
            params = {"property": f"connectionSpec.id=={KINESIS_SPEC_ID}", "orderby": "-createdAt",
                      "limit": page_size}
        body = self.session.get_json(f"{BASE_PATH}/connections", sandbox=sandbox, params=params)
        found = [Connection.from_api(item) for item in body.get("items") or [] if isinstance(item, dict)]
        return ConnectionPage([c for c in found if self.is_kinesis_source(c)][:page_size], continuation_token(body))


def matches_search(connection: Connection, text: str) -> bool:
    """Whether a search finds the connection: part of its name, or its access key ID's last four characters
    exactly. Never part of the rest of the key: pages show only the last four, and a search that matched
    more would let someone learn whole key IDs a character at a time."""
    wanted = text.strip()
    return bool(wanted) and (wanted.casefold() in connection.name.casefold()
                             or (len(wanted) == 4 and wanted.upper() == connection.access_key_id[-4:].upper()))


def continuation_token(body: dict[str, Any]) -> str | None:
    """The continuation token in a listing's ``_links.next.href`` (None on the last page)."""
    href = ((body.get("_links") or {}).get("next") or {}).get("href") if isinstance(body, dict) else None
    if not isinstance(href, str):
        return None
    tokens = parse_qs(urlsplit(href).query).get("continuationToken")
    return tokens[0] if tokens else None
