"""The create: made once per attempt whatever the person does, looked for (never sent again by itself)
when Adobe leaves its outcome unknown, and recorded (audit, cached listing) once made."""
from __future__ import annotations

from flask import current_app

from connector import CreatedConnection, OutcomeUnknown
from web.audit import audit
from web.clients import get_platform, remember_connection
from web.once import OnceLedger, Pending, now_ms

from .steps import Wizard

# How long after an unanswered create was sent, with nothing found, the person is offered to create it
# again (seconds; app config CREATE_AGAIN_AFTER overrides it). Adobe's create has been seen answering
# well after the 10-second timeout, and the connection it makes can appear later still; re-sending sooner
# risks a second connection. Two minutes is far beyond those delays, and still a wait a person accepts
# on a page that keeps checking by itself.
CREATE_AGAIN_AFTER = 120.0


def create_again_after() -> float:
    """Seconds after an unanswered create before "Create again" is offered (the app may set it)."""
    return float(current_app.config.get("CREATE_AGAIN_AFTER", CREATE_AGAIN_AFTER))


def create_connection(wizard: Wizard, ledger: OnceLedger, attempt: str, again_since: int | None = None) -> dict:
    """Create the connection for ``attempt`` once; a retry first looks for what an earlier try made.

    A create whose outcome is unknown leaves the attempt pending (``Pending``): it is looked for, never sent
    again by itself. ``again_since`` is the person's "Create again" for the create sent then.
    """
    data, sandbox, credentials = wizard.data("kinesis"), wizard.sandbox(), wizard.credentials()
    connections = get_platform().connections

    def create(earlier_try_ms: int | None) -> dict:
        made = None
        if earlier_try_ms is not None:
            made = connections.find_recent(sandbox, data["name"], credentials.access_key_id, earlier_try_ms)
        if made is None:
            try:
                made = connections.create_kinesis_connection(sandbox, data["name"], data.get("description") or "",
                                                             credentials)
            except OutcomeUnknown as unknown:
                raise Pending(unknown.sent_at or now_ms()) from None
        return record_created(wizard, made)

    if again_since is None:
        return ledger.run(attempt, create)
    return ledger.again(attempt, again_since, create_again_after(), create)


def record_created(wizard: Wizard, made: CreatedConnection) -> dict:
    """A connection made for this wizard: audited, added to the sandbox's cached listing; the wizard's result."""
    data, sandbox, credentials = wizard.data("kinesis"), wizard.sandbox(), wizard.credentials()
    audit("connection.created", sandbox=sandbox, connection_id=made.id, name=data["name"],
          key_hint=credentials.key_hint)
    remember_connection(sandbox, {"id": made.id, "name": data["name"], "key_hint": credentials.key_hint,
                                  "access_key_id": credentials.access_key_id, "region": credentials.region,
                                  "state": "enabled"})
    return {"id": made.id, "sandbox": sandbox, "name": data["name"]}
