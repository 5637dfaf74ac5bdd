"""A Kinesis base connection as values: Flow Service's ids and names for the Kinesis source, the
connection spec (and the check of a connection's params against it), a connection as Flow Service
returns it, and a create's answer. No calls here: ``flowservice`` and its mixins make them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema

from .errors import InvalidParameters

BASE_PATH = "/data/foundation/flowservice"
KINESIS_SPEC_ID = "86043421-563b-46ec-8e6c-e23184711bf6"
KINESIS_PROVIDER_ID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
# The auth spec Adobe's current page names; a connection spec may list others beside it.
AUTH_SPEC_NAME = "Aws Kinesis authentication credentials"
# The name an older Adobe page gives it; used only when the connection spec cannot be read.
SEED_AUTH_SPEC_NAME = "Basic Authentication for Kinesis"
KEY_PARAMS = frozenset({"accessKeyId", "secretKey"})
PARAM_FIELDS = {"accessKeyId": "access_key_id", "secretKey": "secret_key", "region": "region"}


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
