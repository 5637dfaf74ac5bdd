"""Schema Registry: the sandbox's XDM schemas, their fields, whether data can stream into them, and the
mapping suggested from a stream's fields onto a schema's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .session import PlatformSession

REGISTRY = "/data/foundation/schemaregistry"
SUMMARY = "application/vnd.adobe.xed-id+json"
FULL = "application/vnd.adobe.xed-full+json; version=1"
# XDM classes whose datasets take streaming data; other classes (ad-hoc ones, from CSV uploads) take
# batches only.
STREAMING_CLASSES = ("https://ns.adobe.com/xdm/context/experienceevent", "https://ns.adobe.com/xdm/context/profile")
# JSON types that fit an XDM field's type, for suggestions.
FITS = {"string": {"string"}, "number": {"number", "integer"}, "integer": {"integer"}, "boolean": {"boolean"}}


@dataclass(frozen=True)
class Field:
    """A leaf field of a schema: its dotted path and XDM type."""

    path: str
    type: str


@dataclass(frozen=True)
class Schema:
    id: str
    title: str
    xdm_class: str
    fields: tuple[Field, ...] = ()

    @property
    def streamable(self) -> bool:
        return self.xdm_class in STREAMING_CLASSES


def leaf_fields(properties: dict[str, Any], prefix: str = "") -> list[Field]:
    """Every leaf of nested XDM ``properties``, by dotted path."""
    found: list[Field] = []
    for name, spec in (properties or {}).items():
        if not isinstance(spec, dict):
            continue
        if spec.get("type") == "object" and isinstance(spec.get("properties"), dict):
            found += leaf_fields(spec["properties"], f"{prefix}{name}.")
        else:
            found.append(Field(f"{prefix}{name}", str(spec.get("type") or "string")))
    return found


class Schemas:
    """Schema Registry calls for one identity."""

    def __init__(self, session: PlatformSession) -> None:
        self.session = session

    def schema(self, sandbox: str, schema_id: str) -> Schema:
        """One schema with its fields resolved."""
        body = self.session.get_json(f"{REGISTRY}/tenant/schemas/{quote(schema_id, safe='')}", sandbox=sandbox,
                                     headers={"Accept": FULL})
        return Schema(body["$id"], str(body.get("title") or body["$id"]), str(body.get("meta:class") or ""),
                      tuple(leaf_fields(body.get("properties") or {})))

    def schemas(self, sandbox: str) -> list[Schema]:
        """The sandbox's tenant schemas, with their fields (one call each: a sandbox has a few)."""
        listed = self.session.get_json(f"{REGISTRY}/tenant/schemas", sandbox=sandbox, headers={"Accept": SUMMARY})
        return [self.schema(sandbox, item["$id"]) for item in listed.get("results", [])]


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def suggest(stream_fields: dict[str, str], schema_fields: tuple[Field, ...]) -> dict[str, str]:
    """For each stream field (dotted path → JSON type), the schema field it is suggested to land in: the
    same path under any prefix (``page.path`` → ``_tenant.page.path``), else the same last name, whose
    type fits; each schema field taken once. Fields with no fit are left out (the page shows them)."""
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for source, kind in stream_fields.items():
        fitting = [f for f in schema_fields if f.path not in taken and kind in FITS.get(f.type, {"string"})]
        exact = [f for f in fitting if f.path == source or f.path.endswith("." + source)]
        named = [f for f in fitting if f.path.rsplit(".", 1)[-1].lower() == source.rsplit(".", 1)[-1].lower()]
        match = (exact or named or [None])[0]
        if match:
            chosen[source] = match.path
            taken.add(match.path)
    return chosen
