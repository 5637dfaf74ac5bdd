"""Catalog Service: the sandbox's datasets, and a new dataset on an existing XDM schema."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .errors import OutcomeUnknown, PlatformError, ServiceUnavailable, TransportError
from .session import PlatformSession

CATALOG = "/data/foundation/catalog"
FULL_SCHEMA = "application/vnd.adobe.xed-full+json;version=1"
PAGE = 100
RECENT_MS = 300_000


@dataclass(frozen=True)
class Dataset:
    """A dataset, with the XDM schema its data must fit."""

    id: str
    name: str
    schema_id: str
    created: int = 0
    description: str = ""


def _datasets(body: Any) -> list[Dataset]:
    """Catalog's answer (an object keyed by dataset id) as datasets."""
    if not isinstance(body, dict):
        return []
    return [Dataset(key, str(item.get("name") or key), str((item.get("schemaRef") or {}).get("id") or ""),
                    int(item.get("created") or 0), str(item.get("description") or ""))
            for key, item in body.items() if isinstance(item, dict)]


class Catalog:
    """Catalog Service calls for one identity."""

    def __init__(self, session: PlatformSession) -> None:
        self.session = session

    def datasets(self, sandbox: str, most: int = 1000) -> list[Dataset]:
        """The sandbox's datasets, page after page (``limit`` and ``start``), at most ``most``."""
        found: list[Dataset] = []
        while len(found) < most:
            page = _datasets(self.session.get_json(f"{CATALOG}/dataSets", sandbox=sandbox,
                                                   params={"limit": PAGE, "start": len(found)}))
            found += page
            if len(page) < PAGE:
                break
        return found

    def dataset(self, sandbox: str, dataset_id: str) -> Dataset:
        """One dataset by id (``NotFound`` when the sandbox has none such)."""
        found = _datasets(self.session.get_json(f"{CATALOG}/dataSets/{dataset_id}", sandbox=sandbox))
        return found[0]

    def create_dataset(self, sandbox: str, name: str, schema_id: str, tag: str, earlier_ms: int | None = None) -> str:
        """A new dataset of ``schema_id``; its id. Never two: with ``earlier_ms`` (an earlier try that may
        have made it), and after an unanswered create, a dataset of this schema made since and marked with
        ``tag`` in its description (one attempt's create, never another person's dataset of the same name)
        is taken instead (``OutcomeUnknown`` when none is found after an unanswered create)."""
        if earlier_ms is not None:
            found = self.find_recent(sandbox, tag, schema_id, earlier_ms)
            if found:
                return found
        sent_at = int(time.time() * 1000)
        body = {"name": name, "description": f"Kinesis events [ref {tag}]",
                "schemaRef": {"id": schema_id, "contentType": FULL_SCHEMA}}
        try:
            answer = self.session.call("POST", f"{CATALOG}/dataSets", sandbox=sandbox, json=body).json()
            return str(answer[0]).rsplit("/", 1)[-1]
        except (TransportError, ServiceUnavailable) as exc:
            if not exc.sent:
                raise
            cause: PlatformError = exc
        found = self.find_recent(sandbox, tag, schema_id, sent_at)
        if found:
            return found
        raise OutcomeUnknown(sent_at=sent_at, status=cause.status, code=cause.code, request_id=cause.request_id)

    def find_recent(self, sandbox: str, tag: str, schema_id: str, since_ms: int) -> str | None:
        """A dataset of this schema marked with ``tag``, made since ``since_ms`` (less clock skew)."""
        for dataset in self.datasets(sandbox):
            if (f"[ref {tag}]" in dataset.description and dataset.schema_id == schema_id
                    and dataset.created >= since_ms - RECENT_MS):
                return dataset.id
        return None
