"""Explore's tabular answer for a Kinesis stream, in the only shape Adobe documents for explore
(help/sources/tutorials/api/explore/tabular.md and the filtered-preview tutorial):
``{"format": "flat", "schema": {"columns": [{"name", "type"}]}}``, and with ``preview=true`` also
``"data"``: an array of flat rows keyed by those column names.

Adobe does not document what Kinesis explore answers. The faithful reading, used here:

- each row is one record's JSON data flattened: nested keys joined with dots (``page.path``), lists and
  empty objects kept as JSON text, a record that is not a JSON object in a single ``value`` column;
- nothing is invented: no ``partitionKey``, ``sequenceNumber`` or arrival time. They are Kinesis's
  envelope, not the record's data, and neither the source connection nor the preview Adobe documents
  carries them; a record whose own data has such a key shows it like any other key;
- a column's type is the JSON type of its first non-null value (``string``, ``integer``, ``number``,
  ``boolean``; JSON text and all-null columns are ``string``). Adobe's sample types for other sources
  (``double``, ``date-time``) need a schema that Kinesis records do not carry.

The work is linear in the bytes it is given, and those are bounded (``PREVIEW_BYTES``, applied where
the records are read). No column is dropped and no value shortened here: Adobe's shape has no way to
say that something was cut, so a silent cut would make the page's own notices wrong. The page bounds
what it shows.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

# At most this much record data goes into one answer (the largest Kinesis record is 1 MiB).
PREVIEW_BYTES = 1024 * 1024
TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


def _leaves(value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted name, value) for every leaf of a JSON object, in the object's order; each key is visited
    once (an explicit stack, so no recursion limit and no copying of sub-results)."""
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [("", iter(value.items()))]
    while stack:
        prefix, items = stack[-1]
        for key, item in items:
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(item, dict) and item:
                stack.append((name, iter(item.items())))
                break
            yield name, item
        else:
            stack.pop()


def flatten(value: Any) -> dict[str, Any]:
    """One record's data as one flat row. A later key of the same dotted name (``{"a.b": 1, "a": {"b": 2}}``)
    replaces an earlier one."""
    if not isinstance(value, dict):
        value = {"value": value}
    return {name: (json.dumps(item, ensure_ascii=False) if isinstance(item, (list, dict)) else item)
            for name, item in _leaves(value)}


def _type(value: Any) -> str | None:
    for kind, name in TYPES:
        if isinstance(value, kind):
            return name
    return None


def table(values: list[Any], preview: bool) -> dict[str, Any]:
    """The tabular answer for records' data: the columns in order of first appearance, the rows too
    when ``preview``."""
    rows = [flatten(value) for value in values]
    types: dict[str, str | None] = {}
    for row in rows:
        for name, value in row.items():
            if types.get(name) is None:
                types[name] = _type(value)
    answer: dict[str, Any] = {"format": "flat",
                              "schema": {"columns": [{"name": name, "type": kind or "string"}
                                                     for name, kind in types.items()]}}
    if preview:
        answer["data"] = rows
    return answer
