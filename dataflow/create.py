"""The creates, in Adobe's order: (a new dataset,) source connection, target connection, mapping set,
dataflow. Each is made once per attempt: what it made is kept in the create ledger's store under the
attempt, with the fingerprint of the inputs it was made from, and reused on the next try with the same
inputs; a whole try runs under the ledger's claim, so a double click or a second tab waits instead of
acting. After an unanswered create, the connector looks for what it made, and the next try looks again
since the failed try began: only for objects carrying the create's tag (``tag``), a digest of the attempt,
the kind and its inputs, so that a retry never takes someone else's objects of the same name, nor this
attempt's own ones made from inputs changed since."""
from __future__ import annotations

from typing import Any, Callable

from connector import OutcomeUnknown, PlatformError
from web.audit import audit
from web.clients import get_ledger, get_platform
from web.once import CLAIM_TTL, Pending, StillRunning

from .state import DataflowWizard, fingerprint

KINDS = ("dataset", "source", "target", "mapping", "flow")
# The step whose choices a refused create comes from: where the person can fix it.
STEP_OF = {"dataset": "destination", "source": "stream", "target": "destination", "mapping": "mapping",
           "flow": "review"}
PROGRESS_TTL = 7 * 24 * 3600
RESUME_AFTER = CLAIM_TTL      # seconds after which a try whose request died is taken up again


class CreateFailed(Exception):
    """One create failed: ``kind`` (see ``KINDS``), the platform's ``error``, and what exists by now."""

    def __init__(self, kind: str, error: PlatformError, made: dict[str, Any]) -> None:
        super().__init__(kind)
        self.kind, self.error, self.made = kind, error, made


def progress(attempt: str) -> dict[str, Any]:
    """What the attempt's creates made: ``{kind: {"id", "for"}}``."""
    return dict(get_ledger().cache.get(f"dataflow-progress:{attempt}") or {})


def tag(attempt: str, key: str) -> str:
    """The mark one create of one attempt puts on what it makes, from that create's inputs (``key``): a
    digest, so that the attempt id, which keys the ledger, is never sent to Adobe."""
    return fingerprint("tag", attempt, key)[:16]


def names(wizard: DataflowWizard) -> dict[str, str]:
    """The names of what the creates make, as the review page shows them."""
    stream, destination = wizard.data("stream")["stream"], wizard.data("destination")
    dataset = destination.get("dataset_name") or destination.get("new_name") or ""
    # In English whatever the page's language: they are read in Experience Platform, by anyone.
    return {"source": f"{wizard.connection_name}: {stream}", "target": f"{dataset} (from {stream})",
            "flow": wizard.data("review").get("name") or f"{stream} to {dataset}"}


def create_dataflow(wizard: DataflowWizard) -> dict[str, Any]:
    """Make what is missing, in order; the dataflow's id and sandbox. Raises ``CreateFailed``, and
    ``StillRunning`` while another request is at it.

    The action never leaves its outcome unknown (each create looks for what it made), so the ledger says
    ``Pending`` only of a try whose request died midway (its claim went stale): after ``RESUME_AFTER`` that
    try is taken up again, once, looking first for what it made."""
    ledger = get_ledger()
    try:
        return ledger.run(wizard.attempt, lambda earlier: _create(wizard, earlier))
    except Pending as pending:
        try:
            return ledger.again(wizard.attempt, pending.sent_at, RESUME_AFTER, lambda earlier: _create(wizard, earlier))
        except Pending:
            raise StillRunning(wizard.attempt) from None


def _create(wizard: DataflowWizard, earlier: int | None) -> dict[str, Any]:
    platform, sandbox = get_platform(), wizard.sandbox
    flows = platform.dataflows
    stream, destination, mapping = wizard.data("stream"), wizard.data("destination"), wizard.data("mapping")
    made = progress(wizard.attempt)
    label = names(wizard)

    def step(kind: str, inputs: tuple, create: Callable[[str, int | None], str]) -> str:
        key = fingerprint(kind, *inputs)
        if made.get(kind, {}).get("for") == key:
            return made[kind]["id"]                    # made by an earlier try from the same inputs
        if made.get(kind):
            # Made by an earlier try from inputs changed since: no longer used, and named on the review page
            # so the person can delete it (the app deletes nothing in Adobe on its own).
            made["unused"] = [*made.get("unused", []), {"kind": kind, "id": made.pop(kind)["id"]}]
        try:
            made_id = create(tag(wizard.attempt, key), earlier)
        except OutcomeUnknown as error:
            raise CreateFailed(kind, error, made) from None
        except PlatformError as error:
            raise CreateFailed(kind, error, made) from None
        made[kind] = {"id": made_id, "for": key}
        get_ledger().cache.set(f"dataflow-progress:{wizard.attempt}", made, timeout=PROGRESS_TTL)
        audit(f"dataflow.{kind}.created", sandbox=sandbox, connection_id=wizard.connection_id,
              name=f"{kind} {made_id}", key_hint="")
        return made_id

    schema_id = destination["schema_id"]
    if destination["mode"] == "new":
        dataset_id = step("dataset", (destination["new_name"], schema_id),
                          lambda mark, since: platform.catalog.create_dataset(
                              sandbox, destination["new_name"], schema_id, mark, since))
    else:
        dataset_id = destination["dataset_id"]
    try:
        connection = platform.connections.get_connection(sandbox, wizard.connection_id)
    except PlatformError as error:
        raise CreateFailed("source", error, made) from None
    body = platform.source_connection(sandbox, connection, stream["stream"], stream["data_type"], stream["reset"])
    source_id = step("source", (body,), lambda mark, since: flows.create_source_connection(
        sandbox, body, mark, since))
    target_id = step("target", (dataset_id, schema_id), lambda mark, since: flows.create_target_connection(
        sandbox, label["target"], dataset_id, schema_id, mark, since))
    mappings, calculated = dict(mapping["mappings"]), dict(mapping.get("calculated") or {})
    inputs = (schema_id, mappings, calculated) if calculated else (schema_id, mappings)   # keys made before stay
    mapping_id = step("mapping", inputs, lambda mark, since: flows.create_mapping_set(
        sandbox, schema_id, mappings, mark, since, calculated))
    flow_id = step("flow", (source_id, target_id, mapping_id, label["flow"]), lambda mark, since: flows.create_flow(
        sandbox, label["flow"], source_id, target_id, mapping_id, mark, since))
    return {"flow_id": flow_id, "sandbox": sandbox}
