"""The step list, the wizard state kept under one session key (after django-formtools' wizard), and the
``@step`` guard every step's view wears.

Going back never validates; a step reached before the earlier ones are complete sends the user to the
first incomplete one; each step's form is the one home of its rules, and the stored data is bound to
the forms again before anything is sent.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from functools import wraps
from typing import Any, Callable, MutableMapping, Protocol

from flask import redirect, request, session, url_for

from auth.identity import current_identity, may
from connector import KinesisCredentials
from web.sealed import get_secret_box
from web.sessions import renew_session

from .forms import kinesis_problems

STEPS = ("sandbox", "kinesis", "review", "done")
KEY = "kinesis_wizard"
KINESIS_FIELDS = ("name", "description", "access_key_id", "region")
PASSES_KEPT = 4096   # Kinesis steps' data remembered as passing its form's rules, per process


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
    in-place mutation. The secret is kept sealed (encrypted) by ``box``. ``renew`` gives the session a
    new id when the wizard ends (the result stored, or Start over): a request that read the state before
    that can no longer write it back.
    """

    def __init__(self, session: MutableMapping[str, Any], box: Sealer,
                 renew: Callable[[], None] | None = None) -> None:
        self._session = session
        self._box = box
        self._renew = renew or (lambda: None)
        self._opened: str | None = None
        stored = session.get(KEY)
        self._state: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
        if self._state and self._state.get("owner", "") != current_identity().user:
            # Another person's wizard (someone else signed in on this browser, or a session cookie carried
            # under another portal identity): none of it, the sealed secret least of all, is theirs.
            self._state = {}

    def _commit(self) -> None:
        if self._state:
            self._state["owner"] = current_identity().user   # whose wizard this is
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

    @property
    def masked_secret(self) -> str:
        """The secret as the review page shows it: dots and at most its last four characters."""
        return "•" * 8 + self.secret[-4:] if len(self.secret) >= 12 else "•" * 8

    def credentials(self) -> KinesisCredentials:
        """The Kinesis step's key pair and region, with the secret opened."""
        data = self.data("kinesis")
        return KinesisCredentials(str(data.get("access_key_id") or ""), self.secret, str(data.get("region") or ""))

    @property
    def result(self) -> dict[str, Any] | None:
        """The connection made (or chosen) by this wizard, once there is one."""
        return self._state.get("result")

    def set_result(self, result: dict[str, Any]) -> None:
        """Keep the connection made or chosen, and wipe the secret; the first result ends the wizard, so
        the session is renewed (a later one, such as the done page's test, only adds to it)."""
        ending = self.result is None
        self._state["result"] = dict(result)
        self._state.pop("secret", None)
        self._opened = None
        self._commit()
        if ending:
            self._renew()

    def attempt_id(self) -> str:
        """The same id for every submission of the same details, a new one when they change: the create
        ledger makes one connection per attempt id."""
        nonce = self._state.get("attempt")
        if nonce is None:
            nonce = self._state["attempt"] = secrets.token_urlsafe(16)
            self._commit()
        details = repr((self.sandbox(), sorted(self.data("kinesis").items()),
                        hashlib.sha256(self.secret.encode()).hexdigest()))
        return nonce + "-" + hashlib.sha256(details.encode()).hexdigest()[:32]

    def reset(self) -> None:
        """Start over: forget everything, the secret included."""
        self._state = {}
        self._opened = None
        self._commit()
        self._renew()

    # completeness
    def sandbox(self) -> str:
        return str(self.data("sandbox").get("sandbox") or "")

    def is_complete(self, step: str, fresh: bool = True) -> bool:
        """True when ``step``'s stored data is whole and well-formed (tampered data is not). With
        ``fresh`` false, Kinesis data that passed its form's rules before in this process is taken as it
        was judged then (the rules do not change): a page shown again does not bind the form again."""
        if step == "sandbox":   # chosen, and still one where this person may create
            return bool(self.sandbox()) and may("create", self.sandbox())
        if step == "kinesis":
            data = self.data("kinesis")
            if fresh:
                return not kinesis_problems(data, self.secret)
            return KINESIS_PASSES.check(data, self.secret)
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

    def may_show(self, step: str, fresh: bool = True) -> bool:
        """True when every step before ``step`` is complete (and, once done, only ``done`` is shown);
        ``fresh`` as for ``is_complete``."""
        if self.result is not None:
            return step == "done"
        return all(self.is_complete(earlier, fresh) for earlier in STEPS[:Steps.index(step)])


class Passes:
    """The Kinesis steps' data (with the secret) that passed the form's rules lately, kept as keyed
    digests (no secret is kept): a page shown again and again binds the form once, not every time."""

    def __init__(self, size: int = PASSES_KEPT) -> None:
        self.size = size
        self._key = secrets.token_bytes(32)
        self._digests: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, data: dict[str, Any], secret: str) -> bool:
        """``not kinesis_problems(data, secret)``, judged once for the same data and secret."""
        if any(not isinstance(value, (str, type(None))) for value in data.values()):
            return False                  # not written by the form (kinesis_problems says the same)
        digest = hashlib.blake2b(repr((sorted(data.items()), secret)).encode(), key=self._key).digest()
        with self._lock:
            if digest in self._digests:
                self._digests.move_to_end(digest)
                return True
        if kinesis_problems(data, secret):
            return False
        with self._lock:
            self._digests[digest] = None
            while len(self._digests) > self.size:
                self._digests.popitem(last=False)
        return True


KINESIS_PASSES = Passes()


def current_wizard() -> Wizard:
    """This user's wizard, its secret sealed with the app's key, its end renewing the session's id."""
    return Wizard(session, get_secret_box(), renew_session)


def step(name: str) -> Callable:
    """Guard a step's view: a step that cannot be shown yet sends the user to the first incomplete one;
    the view receives the wizard. A POST (which may create) has the earlier steps' data bound to their
    forms again; a GET may use the verdict on the same data from an earlier request."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            wizard = current_wizard()
            if not wizard.may_show(name, fresh=request.method == "POST"):
                return redirect(url_for(f"wizard.{wizard.first_incomplete()}"))
            return view(wizard, *args, **kwargs)
        return guarded
    return decorate
