"""The dataflow wizard's state under one session key, for one person and one connection: what each step
chose, the attempt its creates belong to (what they made is kept in the create ledger, see ``create``),
and the dataflow once made."""
from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, MutableMapping

from flask import session

from auth.identity import current_identity

KEY = "dataflow_wizard"
STEPS = ("stream", "destination", "mapping", "review")


def fingerprint(*parts: Any) -> str:
    """What a create was made from, as a short digest: the same inputs reuse what it made."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


class DataflowWizard:
    """One person's way from a connection to a dataflow. Reassigned to the session on every change."""

    def __init__(self, store: MutableMapping[str, Any]) -> None:
        self._store = store
        stored = store.get(KEY)
        self.state: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
        if self.state.get("owner", "") != current_identity().user:
            self.state = {}            # another person's wizard on this browser is none of theirs

    def start(self, sandbox: str, connection_id: str, connection_name: str, stream: str) -> None:
        """A fresh wizard for this connection (a new attempt: nothing made yet)."""
        self.state = {"sandbox": sandbox, "connection_id": connection_id, "connection_name": connection_name,
                      "attempt": secrets.token_urlsafe(16), "data": {"stream": {"stream": stream}}}
        self._commit()

    def _commit(self) -> None:
        if self.state:
            self.state["owner"] = current_identity().user
        self._store[KEY] = dict(self.state)

    @property
    def started(self) -> bool:
        return bool(self.state.get("sandbox"))

    @property
    def sandbox(self) -> str:
        return str(self.state.get("sandbox") or "")

    @property
    def connection_id(self) -> str:
        return str(self.state.get("connection_id") or "")

    @property
    def connection_name(self) -> str:
        return str(self.state.get("connection_name") or "")

    @property
    def attempt(self) -> str:
        return str(self.state.get("attempt") or "")

    def data(self, step: str) -> dict[str, Any]:
        value = (self.state.get("data") or {}).get(step)
        return dict(value) if isinstance(value, dict) else {}

    def save(self, step: str, values: dict[str, Any]) -> None:
        data = dict(self.state.get("data") or {})
        data[step] = dict(values)
        self.state["data"] = data
        self._commit()

    def draft(self, step: str) -> dict[str, Any]:
        """What Back kept of ``step``'s form, unchecked: it fills the form again, and counts for nothing else."""
        value = (self.state.get("drafts") or {}).get(step)
        return dict(value) if isinstance(value, dict) else {}

    def save_draft(self, step: str, values: dict[str, Any] | None) -> None:
        drafts = dict(self.state.get("drafts") or {})
        if values is None:
            drafts.pop(step, None)
        else:
            drafts[step] = dict(values)
        self.state["drafts"] = drafts
        self._commit()

    @property
    def page_mark(self) -> str:
        """What a review page carries of its attempt: a page from a replaced wizard (another tab) is known by
        it. A digest, so the attempt id itself (the ledger's key) never reaches a page."""
        return fingerprint("page", self.attempt)[:16]

    def complete(self, step: str) -> bool:
        """Whether ``step`` and every step before it have their data."""
        needed = {"stream": ("stream", "data_type", "reset", "fields"), "destination": ("mode",),
                  "mapping": ("mappings",)}
        for name in STEPS[:STEPS.index(step) + 1]:
            if any(not self.data(name).get(key) for key in needed.get(name, ())):
                return False
        return True

    def first_incomplete(self) -> str:
        return next((name for name in STEPS if not self.complete(name)), "review")

    @property
    def result(self) -> dict[str, Any] | None:
        return self.state.get("result")

    def finish(self, result: dict[str, Any]) -> None:
        self.state["result"] = dict(result)
        self._commit()


def current() -> DataflowWizard:
    return DataflowWizard(session)
