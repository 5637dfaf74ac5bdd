"""Data Prep at ingestion: a mapping set applied to one record, and the XDM check of what it makes.

What it follows (help/data-prep/mapping-set.md in AdobeDocs/experience-platform.en): each mapping has a
``sourceType`` of ``ATTRIBUTE`` (a value found at the source path), ``STATIC`` (the ``source`` itself, a
constant) or ``EXPRESSION`` (the ``source`` is a function, "resolved during runtime"). Of Data Prep's
functions (help/data-prep/functions.md) the emulator knows ``uuid()``/``guid()`` ("Generates a pseudo-random
ID") and ``now()`` ("Retrieves the current time"); any other expression is refused when the mapping set is
made. Data Prep's troubleshooting guide (help/data-prep/troubleshooting-guide.md): a row missing a required
field is rejected, even with no transformation error (a pass-through mapping with no incoming value).
The emulator's only XDM check is presence of the fields an ExperienceEvent must have (``_id``,
``timestamp``), in the words of the Streaming Validation Service's presence violations
(help/ingestion/quality/streaming-validation.md shows its ``"message"`` form).
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

SOURCE_TYPES = ("ATTRIBUTE", "STATIC", "EXPRESSION")
EXPERIENCE_EVENT = "https://ns.adobe.com/xdm/context/experienceevent"
REQUIRED = {EXPERIENCE_EVENT: ("_id", "timestamp")}
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\(\s*\)\s*$")


def _now() -> str:
    # A choice: Adobe's example shows Java's zoned form; an XDM date-time field holds RFC 3339, so UTC ms here.
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


FUNCTIONS: dict[str, Callable[[], Any]] = {"uuid": lambda: str(uuid.uuid4()), "guid": lambda: str(uuid.uuid4()),
                                           "now": _now}


def expression_problem(source: Any) -> str | None:
    """Why ``source`` is not an expression the emulator can resolve, or None when it is one."""
    found = _CALL.match(str(source))
    if not found or found.group(1).lower() not in FUNCTIONS:
        return (f"Expression '{source}' is not supported: this emulator resolves only "
                f"{', '.join(name + '()' for name in FUNCTIONS)}.")
    return None


def _value_at(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _put(result: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        result = result.setdefault(key, {})
    result[keys[-1]] = value


def apply(mappings: list[dict[str, Any]], record: dict[str, Any]) -> dict[str, Any]:
    """The XDM record the mapping set makes of ``record``; a source path the record lacks maps to nothing."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        kind, source = mapping.get("sourceType", "ATTRIBUTE"), mapping["source"]
        if kind == "EXPRESSION":
            value = FUNCTIONS[_CALL.match(source).group(1).lower()]()
        elif kind == "STATIC":
            value = source
        else:
            value = _value_at(record, source)
        if value is not None:
            _put(result, mapping["destination"], value)
    return result


def violation(xdm_class: str, result: dict[str, Any]) -> str | None:
    """The first presence violation of ``result`` for its class, as the validation service words it."""
    for path in REQUIRED.get(xdm_class, ()):
        if _value_at(result, path) in (None, ""):
            return f"#: required key [{path}] not found"
    return None
