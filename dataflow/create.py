"""The creates, in Adobe's order: (a new dataset,) source connection, target connection, mapping set,
dataflow. Each is made once per attempt: what it made is kept in the create ledger's store under the
attempt, with the fingerprint of the inputs it was made from, and reused on the next try with the same
inputs; a whole try runs under the ledger's claim, so a double click or a second tab waits instead of
acting. After an unanswered create, the connector looks for what it made (by name, since the time it was
sent), and the next try looks again since the failed try began."""
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


def names(wizard: DataflowWizard) -> dict[str, str]:
    """The names of what the creates make, as the review page shows them."""
    stream, destination = wizard.data("stream")["stream"], wizard.data("destination")
    dataset = destination.get("dataset_name") or destination.get("new_name") or ""
    return {"source": f"{wizard.connection_name}: {stream}", "target": f"{dataset} (from {stream})",
            "flow": f"{stream} to {dataset}"}


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

    def step(kind: str, inputs: tuple, create: Callable[[int | None], str]) -> str:
        key = fingerprint(kind, *inputs)
        if made.get(kind, {}).get("for") == key:
            return made[kind]["id"]                    # made by an earlier try from the same inputs
        try:
            made_id = create(earlier)
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
        dataset_id = step("dataset", (destination["new_name"], schema_id), lambda since: platform.catalog.create_dataset(
            sandbox, destination["new_name"], schema_id, since))
    else:
        dataset_id = destination["dataset_id"]
    try:
        connection = platform.connections.get_connection(sandbox, wizard.connection_id)
    except PlatformError as error:
        raise CreateFailed("source", error, made) from None
    body = platform.source_connection(sandbox, connection, stream["stream"], stream["data_type"], stream["reset"])
    source_id = step("source", (body,), lambda since: flows.create_source_connection(sandbox, body, since))
    target_id = step("target", (dataset_id, schema_id), lambda since: flows.create_target_connection(
        sandbox, label["target"], dataset_id, schema_id, since))
    mappings = dict(mapping["mappings"])
    mapping_id = step("mapping", (schema_id, mappings), lambda since: flows.create_mapping_set(
        sandbox, schema_id, mappings, since))
    flow_id = step("flow", (source_id, target_id, mapping_id), lambda since: flows.create_flow(
        sandbox, label["flow"], source_id, target_id, mapping_id, since))
    return {"flow_id": flow_id, "sandbox": sandbox}
