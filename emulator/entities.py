"""The platform's other objects, kept as the JSON each service returns: source and target connections,
flows, mapping sets, schemas, datasets. One table, one row per object, in the emulator's SQLite file."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, sandbox TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entities_kind ON entities (kind, sandbox);
"""

SOURCE_CONNECTIONS, TARGET_CONNECTIONS, FLOWS = "sourceConnections", "targetConnections", "flows"
MAPPING_SETS, SCHEMAS, DATASETS = "mappingSets", "schemas", "dataSets"


class Entities:
    """Objects of a kind in a sandbox, in the order they were made; ``run`` is the store's locked query."""

    def __init__(self, run: Callable[..., list]) -> None:
        self._run = run

    def add(self, kind: str, sandbox: str, body: dict[str, Any]) -> dict[str, Any]:
        self._run("INSERT INTO entities (id, kind, sandbox, body) VALUES (?, ?, ?, ?)",
                  (body["id"], kind, sandbox, json.dumps(body)))
        return body

    def put(self, kind: str, sandbox: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep ``body`` in place of the object with its id (its place in the order is kept)."""
        self._run("UPDATE entities SET body = ? WHERE id = ? AND kind = ? AND sandbox = ?",
                  (json.dumps(body), body["id"], kind, sandbox))
        return body

    def list(self, kind: str, sandbox: str) -> list[dict[str, Any]]:
        rows = self._run("SELECT body FROM entities WHERE kind = ? AND sandbox = ? ORDER BY rowid", (kind, sandbox))
        return [json.loads(row["body"]) for row in rows]

    def every(self, kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every object of a kind, with its sandbox, in every sandbox."""
        rows = self._run("SELECT sandbox, body FROM entities WHERE kind = ? ORDER BY rowid", (kind,))
        return [(row["sandbox"], json.loads(row["body"])) for row in rows]

    def get(self, kind: str, sandbox: str, entity_id: str) -> dict[str, Any] | None:
        rows = self._run("SELECT body FROM entities WHERE kind = ? AND sandbox = ? AND id = ?",
                         (kind, sandbox, entity_id))
        return json.loads(rows[0]["body"]) if rows else None

    def delete(self, kind: str, sandbox: str, entity_id: str) -> bool:
        before = self.get(kind, sandbox, entity_id) is not None
        self._run("DELETE FROM entities WHERE kind = ? AND sandbox = ? AND id = ?", (kind, sandbox, entity_id))
        return before

    def clear(self) -> None:
        self._run("DELETE FROM entities")

    def flows_using(self, sandbox: str, connection_id: str) -> list[dict[str, Any]]:
        """The flows of the sandbox whose source or target connections stand on this base connection (or
        that use this source or target connection itself)."""
        used = []
        for flow in self.list(FLOWS, sandbox):
            inherited = flow.get("inheritedAttributes") or {}
            ids = set(flow.get("sourceConnectionIds", [])) | set(flow.get("targetConnectionIds", []))
            for side in ("sourceConnections", "targetConnections"):
                ids |= {((part.get("baseConnection") or {}).get("id")) for part in inherited.get(side, [])}
            if connection_id in ids:
                used.append(flow)
        return used
