"""The audit log: one structured line for every connection created, reused, changed or deleted; never a
secret."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from flask import g, has_request_context, request

audit_log = logging.getLogger("audit")


def audit(event: str, *, sandbox: str, connection_id: str, name: str, key_hint: str, **more: object) -> None:
    """Write one JSON line: what happened, when, to which connection, from where and by whom (the
    request's identity: the person, and their groups in portal mode); ``more`` for what the event adds
    (a rotation's old key, a rename's old name)."""
    identity = g.get("identity")
    who = identity.audit_fields() if identity is not None else {"user": None}
    record = {"event": event, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **who,
              "client": request.remote_addr if has_request_context() else "cli", "sandbox": sandbox,
              "connection_id": connection_id, "name": name,
              "access_key_id_last4": key_hint, **more}
    audit_log.info(json.dumps(record, ensure_ascii=False))
