"""Flow Service's ``property`` filters and ``orderby`` sorting, with the codes Adobe documents for each fault.

From Adobe's "Sorting and filtering responses in the Flow Service API" (help/dataflows/api/sort-and-filter.md)
and "Flow Service error messages" (help/sources/errors/flow-service-errors.md):

- ``property=<path><operator><value>``; ``property`` repeats for AND; commas in the value are alternatives
  (``connectionSpec.id==a,b``); ``[]`` after a name looks into every item of an array.
- Operators ``==``, ``!=``, ``>``, ``<``, ``>=``, ``<=``. ``~`` is refused with ``1440-400`` ("Operator '~'
  not implemented"), any other operator with ``1450-400``, an ordering operator with several values with
  ``1443-400``, a path that is not a property of the entity with ``1449-400``, a number compared with text
  with ``1452-400``, and a condition that cannot be read at all (``createdAt==``) with ``1453-400``.
- ``orderby=name``, ``+name``, ``-name``: a bad prefix is ``1432-400``, a bad field ``1433-400``.

Where the documents are silent, choices are said where they are made.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

CONDITION = re.compile(r"^(?P<path>[^=!<>~]*)(?P<op>[=!<>~]+)(?P<value>.*)$", re.S)
SEGMENT = re.compile(r"^[A-Za-z_@$][\w@$:-]*(\[\])?$")
ORDERING = {">", "<", ">=", "<="}
OPERATORS = {"==", "!="} | ORDERING
# The top-level properties of a connection: Adobe's ConnectionItemDTO (flow-service.yaml), and providerId,
# which the create request carries and the emulator keeps. Adobe says any property "as long as the valid
# path to that property is known" can be filtered on; below these, any path is taken as known.
CONNECTION_PROPERTIES = frozenset({
    "id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId",
    "sandboxName", "imsOrgId", "name", "description", "connectionSpec", "state", "auth", "version", "etag",
    "providerId"})
# Source and target connections (SourceConnectionItemDTO, TargetConnectionItemDTO) and flows (FlowItemDTO).
_COMMON = frozenset({"id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient",
                     "sandboxId", "sandboxName", "imsOrgId", "name", "description", "state", "version", "etag"})
SOURCE_CONNECTION_PROPERTIES = _COMMON | {"baseConnectionId", "data", "connectionSpec", "params", "providerRefId",
                                          "inheritedAttributes"}
TARGET_CONNECTION_PROPERTIES = SOURCE_CONNECTION_PROPERTIES
FLOW_PROPERTIES = _COMMON | {"flowSpec", "sourceConnectionIds", "targetConnectionIds", "inheritedAttributes",
                             "scheduleParams", "transformations", "runs", "lastOperation", "lastRunDetails"}


class FilterError(ValueError):
    """A filter or sort that Flow Service refuses: ``code`` (``NNNN-400``) and Adobe's detailed message."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def _shown(text: str, limit: int = 80) -> str:
    """The caller's own text, cut short for an error message."""
    return text if len(text) <= limit else text[:limit] + "…"


def _check_path(path: str, known: frozenset[str]) -> list[str]:
    segments = path.split(".")
    if not path or not all(SEGMENT.match(segment) for segment in segments) \
            or segments[0].removesuffix("[]") not in known:
        raise FilterError("1449-400", f"Invalid field {_shown(path)} in filter params.")
    return segments


def _values(item: Any, segments: list[str]) -> list[Any]:
    """Every value at the path; ``name[]`` looks into each item of the array ``name``."""
    found = [item]
    for segment in segments:
        name, each = segment.removesuffix("[]"), segment.endswith("[]")
        following = []
        for value in found:
            value = value.get(name) if isinstance(value, dict) else None
            if each:
                following += value if isinstance(value, list) else []
            else:
                following.append(value)
        found = following
    return found


def _text(value: Any) -> str:
    """A value as a filter compares it with text: JSON's own spelling for booleans and null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


@dataclass(frozen=True)
class Condition:
    """One ``property`` condition."""

    raw: str
    segments: list[str]
    op: str
    wanted: list[str]

    def holds(self, item: dict[str, Any]) -> bool:
        # An array of plain values compared without ``[]`` (``sourceConnectionIds==<id>``) holds when one of
        # its items does: Adobe documents the ``[]`` spelling for arrays; the emulator takes both.
        values = [part for value in _values(item, self.segments)
                  for part in (value if isinstance(value, list) else [value])]
        if self.op == "!=":
            return not any(self._equal(value, wanted) for value in values for wanted in self.wanted)
        if self.op == "==":
            return any(self._equal(value, wanted) for value in values for wanted in self.wanted)
        return any(self._ordered(value, self.wanted[0]) for value in values if value is not None)

    def _number(self, wanted: str) -> float:
        try:
            return float(wanted)
        except ValueError:
            raise FilterError("1452-400", f"Invalid value {_shown(wanted)} for field "
                                          f"{_shown('.'.join(self.segments))}.") from None

    def _equal(self, value: Any, wanted: str) -> bool:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value == self._number(wanted)
        return _text(value) == wanted

    def _ordered(self, value: Any, wanted: str) -> bool:
        left: Any
        right: Any
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            left, right = value, self._number(wanted)
        else:
            left, right = _text(value), wanted
        return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[self.op]


def parse_condition(raw: str, known: frozenset[str] = CONNECTION_PROPERTIES) -> Condition:
    """Read one ``property`` value, or raise the ``FilterError`` Flow Service would answer with."""
    match = CONDITION.match(raw)
    if not match or not match["path"] or not match["value"]:
        raise FilterError("1453-400", f"Invalid query value {_shown(raw)} provided in query param.")
    path, op, value = match["path"].strip(), match["op"], match["value"]
    if op == "~":
        raise FilterError("1440-400", "Operator '~' not implemented.")
    if op not in OPERATORS:
        raise FilterError("1450-400", f"Invalid operator {_shown(op)} in filter params.")
    segments = _check_path(path, known)
    wanted = [part.strip() for part in value.split(",")]
    if op in ORDERING and len(wanted) > 1:
        raise FilterError("1443-400", f"Operator '{op}' is not allowed for multiple values.")
    if any(not part for part in wanted):
        raise FilterError("1453-400", f"Invalid query value {_shown(raw)} provided in query param.")
    return Condition(raw, segments, op, wanted)


def parse_orderby(raw: str, known: frozenset[str] = CONNECTION_PROPERTIES) -> tuple[Callable[[Any], Any], bool]:
    """A sort key and whether it is descending, from ``orderby``. In a URL an unescaped ``+`` arrives as a
    space, so a leading space is read as ``+``."""
    text = raw[1:] if raw.startswith(" ") else raw
    descending = text.startswith("-")
    field = text[1:] if text[:1] in "+-" else text
    if field[:1] and not (field[:1].isalnum() or field[:1] in "_@$"):
        raise FilterError("1432-400", "Sort order specified is not correct, prepend + for ascending order and - "
                                      "for descending order in the fieldName.")
    if not field or "[]" in field or not all(SEGMENT.match(part) for part in field.split(".")) \
            or field.split(".")[0] not in known:
        raise FilterError("1433-400", f"Incorrect field= {_shown(field)} passed in orderBy, example are +name, "
                                      "-name, name.")
    segments = field.split(".")

    def key(item: Any) -> tuple:
        value = _values(item, segments)[0]
        # Absent values last; numbers and text never compared with each other.
        return (value is None, isinstance(value, str), value if value is not None else 0)

    return key, descending
