"""The step list and the wizard state, kept under one session key (after django-formtools' wizard).

Going back never validates; a step reached before the earlier ones are complete sends the user to the
first incomplete one; the last step re-checks every stored step before the create.
"""
from __future__ import annotations

from typing import Any, MutableMapping, Protocol

from connector import check_credentials

STEPS = ("sandbox", "kinesis", "review", "done")
KEY = "kinesis_wizard"
KINESIS_FIELDS = ("name", "description", "access_key_id", "region")


class Steps:
    """first, next, prev, index and count of the wizard's steps."""

    first, last, count = STEPS[0], STEPS[-1], len(STEPS)

    @staticmethod
    def index(step: str) -> int:
        return STEPS.index(step)

    @classmethod
    def next(cls, step: str) -> str | None:
        i = cls.index(step) + 1
        return STEPS[i] if i < len(STEPS) else None

    @classmethod
    def prev(cls, step: str) -> str | None:
        i = cls.index(step) - 1
        return STEPS[i] if i >= 0 else None


class Sealer(Protocol):
    def seal(self, secret: str) -> str: ...
    def open(self, sealed: str) -> str: ...


class Wizard:
    """One user's way through the wizard: each step's data, the secret (until used) and the result.

    The whole state is reassigned to the session on every change: server-side sessions do not see
    in-place mutation. The secret is kept sealed (encrypted) by ``box``.
    """

    def __init__(self, session: MutableMapping[str, Any], box: Sealer) -> None:
        self._session = session
        self._box = box
        self._opened: str | None = None
        stored = session.get(KEY)
        self._state: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}

    def _commit(self) -> None:
        self._session[KEY] = dict(self._state)

    def data(self, step: str) -> dict[str, Any]:
        """What the user entered on ``step`` (possibly a draft saved by Back)."""
        value = (self._state.get("data") or {}).get(step)
        return dict(value) if isinstance(value, dict) else {}

    def save(self, step: str, values: dict[str, Any]) -> None:
        data = dict(self._state.get("data") or {})
        data[step] = dict(values)
        self._state["data"] = data
        self._commit()

    @property
    def secret(self) -> str:
        """The secret access key, held (sealed) on the server from the Kinesis step until the create.

        Opened once per request: a page asks for it several times (completeness, mask, attempt id).
        """
        if self._opened is None:
            sealed = self._state.get("secret")
            self._opened = self._box.open(sealed) if sealed else ""
        return self._opened

    def set_secret(self, secret: str) -> None:
        self._state["secret"] = self._box.seal(secret)
        self._opened = secret
        self._commit()

    def wipe_secret(self) -> None:
        self._state.pop("secret", None)
        self._opened = None
        self._commit()

    @property
    def result(self) -> dict[str, Any] | None:
        """The connection made (or chosen) by this wizard, once there is one."""
        return self._state.get("result")

    def set_result(self, result: dict[str, Any]) -> None:
        self._state["result"] = dict(result)
        self._state.pop("secret", None)
        self._opened = None
        self._commit()

    @property
    def attempt(self) -> str | None:
        """The id of the create this wizard is about to make, shared by every resubmission of it."""
        return self._state.get("attempt")

    def set_attempt(self, attempt: str) -> None:
        self._state["attempt"] = attempt
        self._commit()

    def reset(self) -> None:
        """Start over: forget everything, the secret included."""
        self._state = {}
        self._opened = None
        self._commit()

    # completeness
    def sandbox(self) -> str:
        return str(self.data("sandbox").get("sandbox") or "")

    def is_complete(self, step: str) -> bool:
        """True when ``step``'s stored data is whole and well-formed (tampered data is not)."""
        if step == "sandbox":
            return bool(self.sandbox())
        if step == "kinesis":
            data = self.data("kinesis")
            return (bool(str(data.get("name") or "").strip())
                    and not check_credentials(str(data.get("access_key_id") or ""), self.secret,
                                              str(data.get("region") or "")))
        if step == "review":
            return self.result is not None
        return False

    def first_incomplete(self) -> str:
        """The first step the user still has to complete."""
        if self.result is not None:
            return "done"
        for step in STEPS[:-1]:
            if not self.is_complete(step):
                return step
        return STEPS[-1]

    def may_show(self, step: str) -> bool:
        """True when every step before ``step`` is complete (and, once done, only ``done`` is shown)."""
        if self.result is not None:
            return step == "done"
        return all(self.is_complete(earlier) for earlier in STEPS[:Steps.index(step)])
